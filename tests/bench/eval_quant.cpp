// Quantizes a shared model with one config and writes what a runtime needs to measure the export: the quantized
// model, the eval inputs (raw float32, concatenated) and their labels. Also prints Quantscope's own view of the
// same model: simulated top-1 and the mean output cosine of the simulation against float. Driven by
// run_accuracy.mjs (full quantization) and run_weight_table.mjs (weight and dynamic quantization).
// Usage: eval_quant MODEL IMAGE_FOLDER CALIB_LIST EVAL_LIST LABELS_TSV|- LABEL_COLUMN PREPROCESS QUANT_INI OUTDIR [calibrate]
//   CALIB_LIST / EVAL_LIST: files naming images of IMAGE_FOLDER, or "all:N" for the folder's first N images
//   PREPROCESS: "imagenet" (RGB, (x-127.5)/127.5, crop 224), "cifar" (RGB, raw), or a model file named in
//               tests/testdata.h's model cases (its preprocessing and input shape), optionally with "@WxH" to resize
//               to another input size (ppocr_v4_det.onnx@640x640)
//   QUANT_INI: the quantization sections; the calibration section is appended from CALIB_LIST
//   calibrate: run calibration for weight and dynamic quantization too (as the CLI does when calibrate_path is
//              set); without it only FULL_QUANT and auto_tune calibrate
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "calibration/datasource.h"
#include "config/config.h"
#include "report/debugreport.h"
#include "runtime/interpreter.h"
#include "session/sensitivity.h"
#include "session/session.h"
#include "testdata.h"
#include "util/atomicfile.h"

using namespace qs;
namespace fs = std::filesystem;

namespace {
std::vector<std::string> imageList(const std::string& spec, const std::string& folder)
{
    if (spec.rfind("all:", 0) != 0) return test::readList(spec);
    size_t n = std::stoul(spec.substr(4));
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(folder)) {
        std::string ext = e.path().extension().string();
        if (ext == ".jpg" || ext == ".png" || ext == ".bmp") files.push_back(e.path().filename().string());
    }
    std::sort(files.begin(), files.end());
    if (files.size() > n) files.resize(n);
    return files;
}
}  // namespace

int main(int argc, char** argv)
{
    if (argc < 10) {
        std::fprintf(stderr, "usage: eval_quant MODEL IMAGE_FOLDER CALIB_LIST EVAL_LIST LABELS_TSV|- COLUMN PREPROCESS QUANT_INI OUTDIR\n");
        return 2;
    }
    std::string model = argv[1], folder = argv[2], calibSpec = argv[3], evalSpec = argv[4], labelsTsv = argv[5];
    int column = std::atoi(argv[6]);
    std::string prep = argv[7], quantIni = argv[8], out = argv[9];
    fs::create_directories(out);
    fs::path calibDir = fs::path(out) / "calib";
    fs::remove_all(calibDir);
    auto calib = imageList(calibSpec, folder);
    test::linkFiles(calib, folder, calibDir.string());

    ImagePreprocess pre = prep == "imagenet" ? test::imagenetPreprocess() : test::pre({}, {});
    Shape shape;
    int width = 0, height = 0;
    if (size_t at = prep.find('@'); at != std::string::npos) {
        std::sscanf(prep.c_str() + at + 1, "%dx%d", &width, &height);
        prep.resize(at);
    }
    for (const test::ModelCase& mc : test::onnxModelCases())
        if (mc.file == prep) pre = mc.pre, shape = mc.shape;
    if (width > 0 && height > 0 && shape.size() == 4) {
        pre.resizeWidth = width, pre.resizeHeight = height;
        shape[2] = height, shape[3] = width;
    }
    std::string ini = readFileBytes(quantIni) + test::calibrationSection(calibDir.string(), int(calib.size()), pre);
    Diagnostics d;
    IniDocument config = parseConfig(ini, quantIni, d);
    Session s;
    LoadOptions lo;
    {
        LoadResult probe = loadModel(model);
        if (!shape.empty()) lo.inputShapes[probe.graph.values[probe.graph.inputs[0]].name] = shape;
    }
    s.load(model, lo);
    auto t0 = std::chrono::steady_clock::now();
    std::string quantType = configValue(config, "common_quant_param", "quant_type");
    bool autoTune = parseBool(configValue(config, "mixed_bit_weight_quant_param", "auto_tune")).value_or(false);
    bool withData = argc > 10 && std::string(argv[10]) == "calibrate";
    if (quantType == "FULL_QUANT" || autoTune || withData) s.calibrate(config, {}, nullptr, 2);
    SensitivityOptions searchOptions;
    searchOptions.threads = 2;
    applyTargetCosine(s, config, searchOptions);  // [quantscope_param] target_cosine, as convert runs it
    const QuantPlan& plan = s.quantize(config);
    double quantSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const bool tflite = s.graph().info.format == "tflite";
    std::string qpath = (fs::path(out) / (tflite ? "quantized.tflite" : "quantized.onnx")).string();
    writeFileAtomic(qpath, s.exportedBytes());

    std::map<std::string, int> labels;
    if (labelsTsv != "-") labels = test::readLabels(labelsTsv, column);
    const Graph& g = s.graph();
    if (shape.empty()) shape = g.values[g.inputs[0]].shape;
    shape[0] = 1;
    std::string inputName = g.values[g.inputs[0]].name;
    Interpreter sim(s.quantizedGraph(), {2, true, false}), ref(g, {2, true, false});
    std::ofstream raw(fs::path(out) / "eval.f32", std::ios::binary);
    std::ofstream lab(fs::path(out) / "labels.txt");
    int correct = 0, n = 0, empty = 0;  // empty: float output all |y| < 1e-6, left out of the cosine (see common.mjs)
    double cosine = 0;
    for (const std::string& f : imageList(evalSpec, folder)) {
        Tensor x = loadImageTensor((fs::path(folder) / f).string(), pre, shape, !tflite);
        raw.write(static_cast<const char*>(x.raw()), std::streamsize(x.byteSize()));
        auto y = sim.run({{inputName, x}})[0].toFloat();
        auto yf = ref.run({{inputName, x}})[0].toFloat();
        auto blank = [](const std::vector<float>& v) { return std::all_of(v.begin(), v.end(), [](float e) { return std::fabs(e) < 1e-6f; }); };
        if (blank(yf)) ++empty;
        else if (!blank(y)) cosine += cosineSimilarity(y, yf);  // an empty quantized map counts 0 (see common.mjs)
        if (!labels.empty()) {
            lab << labels.at(f) << "\n";
            correct += int(std::max_element(y.begin(), y.end()) - y.begin()) == labels.at(f);
        }
        ++n;
    }
    std::string shapeJson;
    for (int64_t dim : shape) shapeJson += (shapeJson.empty() ? "" : ",") + std::to_string(dim);
    std::printf("{\"quantized\":\"%s\",\"input\":\"%s\",\"shape\":[%s],\"images\":%d,\"sim_top1\":%.4f,\"sim_cosine\":%.6f,"
                "\"quantize_seconds\":%.2f,\"bytes\":%zu,\"init_scale\":%.5f,\"quantized_nodes\":%zu}\n",
                qpath.c_str(), inputName.c_str(), shapeJson.c_str(), n, labels.empty() ? -1.0 : 100.0 * correct / n, n > empty ? cosine / (n - empty) : 0.0,
                quantSeconds, s.exportedBytes().size(), plan.initScale, plan.quantizedNodes.size());
    return 0;
}
