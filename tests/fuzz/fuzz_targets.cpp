// libFuzzer targets for everything Quantscope reads from strangers: ONNX and TFLite models (the flatbuffers
// verifier first), INI / legacy configs, YAML projects and .npy arrays. Each input must give a model/config or an
// InputError, never a crash, a leak, a hang or an out-of-bounds read (ASan + UBSan are on in this build).
// One executable per target, selected at compile time by QS_FUZZ_TARGET (see CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <string>

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
#endif
    } catch (const InputError&) {
    }
    return 0;
}
