// libFuzzer targets for everything Quantscope reads from strangers: ONNX and TFLite models (the flatbuffers
// verifier first), INI / legacy configs, YAML projects, .npy arrays and IMAGE / BIN calibration files. Each input must give a model/config or an
// InputError, never a crash, a leak, a hang or an out-of-bounds read (ASan + UBSan are on in this build).
// One executable per target, selected at compile time by QS_FUZZ_TARGET (see CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <string>

#include "calibration/datasource.h"
#include "calibration/imagepreprocess.h"
#include "config/config.h"
#include "config/project.h"
#include "formats/modelloader.h"
#include "graph/error.h"
#include "util/npy.h"

using namespace qs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string bytes(reinterpret_cast<const char*>(data), size);
    try {
#if QS_FUZZ_TARGET == 1
        LoadOptions o;
        o.runOnnxChecker = false;  // libonnx's checker is not ours to fuzz; the reader must stand on its own
        loadModelFromBytes(bytes, "fuzz.onnx", o);
#elif QS_FUZZ_TARGET == 2
        loadModelFromBytes(bytes, "fuzz.tflite");
#elif QS_FUZZ_TARGET == 3
        Diagnostics d;
        IniDocument doc = parseConfig(bytes, "fuzz.ini", d);
        validateConfig(doc);
        (void)doc.toString();
#elif QS_FUZZ_TARGET == 4
        parseProject(bytes, "/nonexistent/fuzz.quantscope.yaml");
#elif QS_FUZZ_TARGET == 5
        parseNpy(bytes, "fuzz.npy");
#elif QS_FUZZ_TARGET == 6
        // IMAGE calibration file: the first byte picks the preprocessing (colour format, resize method, crop, NCHW or
        // NHWC), the rest is the encoded image
        if (bytes.empty()) return 0;
        uint8_t k = uint8_t(bytes[0]);
        ImagePreprocess pre;
        pre.format = ImagePreprocess::Format(k % 3);
        pre.resizeMethod = ImagePreprocess::Resize((k / 3) % 3);
        if (k & 0x10) pre.resizeWidth = pre.resizeHeight = 40;
        if (k & 0x20) pre.cropWidth = pre.cropHeight = 32;
        pre.mean = {127.5f};
        pre.std = {127.5f};
        bool nchw = k & 0x40;
        int64_t side = k & 0x20 ? 32 : k & 0x10 ? 40 : -1;
        Shape shape = nchw ? Shape{1, pre.channels(), side, side} : Shape{1, side, side, pre.channels()};
        imageTensorFromBytes(bytes.substr(1), "fuzz.png", pre, shape, nchw);
#elif QS_FUZZ_TARGET == 7
        // BIN calibration file: the first byte picks the input's type and shape, the rest is the raw buffer
        if (bytes.empty()) return 0;
        uint8_t k = uint8_t(bytes[0]);
        const DataType types[] = {DataType::Float32, DataType::UInt8, DataType::Int8, DataType::Int64};
        Shape shape = k & 0x80 ? Shape{1, -1, 4} : Shape{1, int64_t(k & 0x1f), 3};
        binTensorFromBytes(bytes.substr(1), "fuzz.bin", "x", types[(k >> 5) & 3], shape);
#endif
    } catch (const InputError&) {
    }
    return 0;
}
