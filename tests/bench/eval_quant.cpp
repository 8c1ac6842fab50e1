// Quantizes a shared model with one setting, calibrating on a list of real images, and writes what ONNX Runtime
// needs to measure it: the quantized model, the eval inputs (raw float32, concatenated) and their labels.
// Also prints Quantscope's own simulated top-1. Driven by run_accuracy.mjs.
// Usage: eval_quant MODEL FOLDER CALIB_LIST EVAL_LIST LABELS_TSV LABEL_COLUMN PREPROCESS METHOD PER_CHANNEL BIAS_CORRECTION OUTDIR
//   PREPROCESS: "imagenet" (RGB, (x-127.5)/127.5, crop 224) or "cifar" (RGB, raw)
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "calibration/datasource.h"
#include "config/config.h"
#include "runtime/interpreter.h"
#include "session/session.h"
#include "testdata.h"
#include "util/atomicfile.h"

using namespace qs;
namespace fs = std::filesystem;

int main(int argc, char** argv)
{
    if (argc < 12) {
        std::fprintf(stderr, "usage: eval_quant MODEL FOLDER CALIB_LIST EVAL_LIST LABELS_TSV COLUMN PREPROCESS METHOD PER_CHANNEL BIAS_CORRECTION OUTDIR\n");
        return 2;
    }
    std::string model = argv[1], folder = argv[2], calibList = argv[3], evalList = argv[4], labelsTsv = argv[5];
    int column = std::atoi(argv[6]);
    std::string prep = argv[7], method = argv[8], perChannel = argv[9], biasCorrection = argv[10], out = argv[11];
    fs::create_directories(out);
    fs::path calibDir = fs::path(out) / "calib";
    fs::remove_all(calibDir);
    test::linkFiles(test::readList(calibList), folder, calibDir.string());

    std::string ini = "[common_quant_param]\nquant_type=FULL_QUANT\nbit_num=8\n" +
                      test::calibrationSection(calibDir.string(), 100, prep == "imagenet" ? test::imagenetPreprocess() : test::pre({}, {})) +
                      "[full_quant_param]\nactivation_quant_method=" + method + "\nper_channel=" + perChannel + "\nbias_correction=" + biasCorrection + "\n";
    Diagnostics d;
    IniDocument config = parseConfig(ini, "eval.ini", d);
    Session s;
    s.load(model);
    auto t0 = std::chrono::steady_clock::now();
    s.calibrate(config, {}, nullptr, 2);
    s.quantize(config);
    double quantSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const bool tflite = s.graph().info.format == "tflite";
    std::string qpath = (fs::path(out) / (tflite ? "quantized.tflite" : "quantized.onnx")).string();
    writeFileAtomic(qpath, s.exportedBytes());

    std::map<std::string, int> labels = test::readLabels(labelsTsv, column);
    ImagePreprocess pre = imagePreprocessFromConfig(config);
    const Graph& g = s.graph();
    Shape shape = g.values[g.inputs[0]].shape;
    shape[0] = 1;
    std::string inputName = g.values[g.inputs[0]].name;
    Interpreter sim(s.quantizedGraph(), {2, true, false});
    std::ofstream raw(fs::path(out) / "eval.f32", std::ios::binary);
    std::ofstream lab(fs::path(out) / "labels.txt");
    int correct = 0, n = 0;
    for (const std::string& f : test::readList(evalList)) {
        Tensor x = loadImageTensor((fs::path(folder) / f).string(), pre, shape, !tflite);
        raw.write(static_cast<const char*>(x.raw()), std::streamsize(x.byteSize()));
        lab << labels.at(f) << "\n";
        auto y = sim.run({{inputName, x}})[0].toFloat();
        correct += int(std::max_element(y.begin(), y.end()) - y.begin()) == labels.at(f);
        ++n;
    }
    std::printf("{\"quantized\":\"%s\",\"input\":\"%s\",\"shape\":[%lld,%lld,%lld,%lld],\"images\":%d,\"sim_top1\":%.4f,"
                "\"quantize_seconds\":%.2f,\"bytes\":%zu}\n",
                qpath.c_str(), inputName.c_str(), (long long)shape[0], (long long)shape[1], (long long)shape[2], (long long)shape[3], n,
                100.0 * correct / n, quantSeconds, s.exportedBytes().size());
    return 0;
}
