#include "cli/cli.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <fstream>
#include <iomanip>
#include <numeric>
#include <set>
#include <sstream>
#include <thread>

#include "calibration/imagepreprocess.h"
#include "config/config.h"
#include "config/project.h"
#include "quant/coverage.h"
#include "report/debugreport.h"
#include "session/sensitivity.h"
#include "session/session.h"
#include "formats/modelloader.h"
#include "graph/error.h"
#include "graph/opregistry.h"
#include "runtime/interpreter.h"
#include "util/atomicfile.h"
#include "util/json.h"
#include "util/memorybudget.h"
#include "util/npy.h"

#ifndef QUANTSCOPE_VERSION
#define QUANTSCOPE_VERSION "0.0.0"
#endif

namespace qs {

namespace {

const char* kUsage =
    "Usage: quantscope-cli <command> [options]\n"
    "\n"
    "Commands:\n"
    "  inspect MODEL [--json] [--inputShape=name:d1,d2,...]\n"
    "      Format, inputs and outputs, node count, op histogram, parameters, unsupported ops.\n"
    "  run MODEL --input NAME=FILE ... --output-dir DIR [--threads N] [--repeat N] [--inputShape=...]\n"
    "      Runs the float model; writes DIR/<output>.npy and prints timing (min/median, ms) as JSON.\n"
    "      FILE is a .npy array, or an image preprocessed with:\n"
    "        --format=RGB|BGR|GRAY  --mean=m[,m,m]  --std=s[,s,s]  --resize=WxH [--keep-aspect]  --crop=WxH\n"
    "        (--keep-aspect: resize to cover WxH keeping the aspect ratio, then cut WxH from the centre)\n"
    "      --labels=FILE --top=K    also print the K best classes of output 0 with their labels\n"
    "      --save-inputs            also write DIR/input_<name>.npy, the arrays as preprocessed\n"
    "  validate CONFIG [--model MODEL]\n"
    "      Checks a quantization config (MindSpore Lite INI, or a legacy key=value calibration file). Prints\n"
    "      file:line: severity: message; exit 0 without errors, 1 with. --model also checks input and node names.\n"
    "  convert --fmk=ONNX|TFLITE --modelFile=M --outputFile=O --configFile=C [--inputShape=...] [--strict] [--threads N]\n"
    "          [--target-cosine=X [--samples N]]\n"
    "  convert --project=P [--outputFile=O] [--strict] [--target-cosine=X]\n"
    "      converter_lite-compatible entry point. Also reads the legacy flags --quantType=WeightQuant|PostTraining,\n"
    "      --bitNum, --quantWeightSize, --quantWeightChannel and --config_file. O gets .onnx or .tflite appended\n"
    "      unless it ends so already (converter_lite appends .ms). Weighted operators (Conv, Gemm, MatMul, ...) that\n"
    "      stay float without skip_quant_node or a config rule asking for it are listed in a warning; --strict makes\n"
    "      that an error (exit 1, nothing written). --target-cosine (or [quantscope_param] target_cosine) keeps the\n"
    "      most sensitive weighted nodes float until the output cosine on held-back calibration samples reaches X\n"
    "      (ranked on the first half, at most N each, default 8), prints each step and writes O.ini: the config with\n"
    "      those nodes in skip_quant_node, which replays without searching. --project replays a GUI project\n"
    "      (.quantscope.yaml: its model, config, skips and calibration folders); O defaults to P's name + _quant.\n"
    "  sensitivity --fmk=ONNX|TFLITE --modelFile=M --configFile=C [--samples N] [--csv F] [--alone] [--inputShape=...]\n"
    "          [--threads N]\n"
    "      Calibrates, then ranks every weighted node the config's plan quantizes by the model output's cosine against\n"
    "      float with that node alone kept float (on the first N calibration samples, default 8; plans simulated in\n"
    "      memory). FULL_QUANT and WEIGHT_QUANT. --csv also writes the ranking\n"
    "      (rank,node,op,cosine_kept_float,gain,log10_error: the mean over samples of log10(1 - cosine)).\n"
    "      --alone: each node quantized alone with the other weighted nodes float instead (cosine_quantized_alone):\n"
    "      the damage each does by itself, which ranks better when the error is spread over many nodes; ordered by\n"
    "      log10_error, in which each sample counts alike (the mean cosine follows the worst samples, less stably).\n"
    "      Beside the plan's output cosine it prints task metrics where the outputs are not classes: mask IoU for\n"
    "      probability maps (pixels above 0.3, as DB text detectors binarise), box match for box + score outputs (F1\n"
    "      of the detections above 0.5 whose boxes overlap at IoU >= 0.5).\n"
    "      convert and sensitivity run on every core unless --threads says otherwise (run: 1, for comparable timings).\n"
    "  config --template full|weight|mixed|dynamic\n"
    "      Prints a documented starting config.\n"
    "\n"
    "Options:\n"
    "  --help, -h       this text\n"
    "  --version        the version\n"
    "  --memory-budget=SIZE  refuse models, tensors and activation buffers larger than SIZE (e.g. 2G, 512M;\n"
    "                   default 3/4 of physical memory, or QUANTSCOPE_MEMORY_BUDGET)\n"
    "\n"
    "Exit codes: 0 success, 1 validation findings (or convert --strict refusing), 2 bad input or usage, 3 internal error.\n";

/** Parsed command line: positional arguments and --key[=value] options (a value may also follow as the next word). */
struct Args {
    std::vector<std::string> positional;
    std::multimap<std::string, std::string> options;

    bool has(const std::string& k) const { return options.count(k) != 0; }
    std::string get(const std::string& k, const std::string& def = {}) const
    {
        auto it = options.find(k);
        return it == options.end() ? def : it->second;
    }
    std::vector<std::string> all(const std::string& k) const
    {
        std::vector<std::string> v;
        for (auto [it, end] = options.equal_range(k); it != end; ++it) v.push_back(it->second);
        return v;
    }
    int getInt(const std::string& k, int def, int lo, int hi) const
    {
        if (!has(k)) return def;
        std::string v = get(k);
        try {
            size_t used = 0;
            int n = std::stoi(v, &used);
            if (used == v.size() && n >= lo && n <= hi) return n;
        } catch (const std::exception&) {
        }
        throw InputError("--" + k + "=" + v + ": expected a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
    }
};

// Options that take a value; the others are flags.
// the default thread count of the long commands (convert, sensitivity)
int allCores() { return std::max(1, int(std::thread::hardware_concurrency())); }

const std::set<std::string> kValued = {"input", "output-dir", "threads", "repeat", "inputShape", "format", "mean",
                                       "std", "resize", "crop", "labels", "top", "model", "template", "fmk", "modelFile",
                                       "outputFile", "configFile", "config_file", "quantType", "bitNum",
                                       "quantWeightSize", "quantWeightChannel", "memory-budget", "samples", "csv", "target-cosine", "project"};
const std::set<std::string> kFlags = {"json", "help", "version", "save-inputs", "strict", "alone", "keep-aspect"};

Args parseArgs(int argc, const char* const* argv, int from)
{
    Args a;
    for (int i = from; i < argc; ++i) {
        std::string s = argv[i];
        if (s.rfind("--", 0) == 0) {
            std::string key = s.substr(2), value;
            auto eq = key.find('=');
            if (eq != std::string::npos) {
                value = key.substr(eq + 1);
                key = key.substr(0, eq);
            } else if (kValued.count(key)) {
                if (i + 1 >= argc) throw InputError("--" + key + " needs a value");
                value = argv[++i];
            }
            if (!kValued.count(key) && !kFlags.count(key)) throw InputError("unknown option --" + key + "; see --help");
            a.options.emplace(key, value);
        } else if (s == "-h") {
            a.options.emplace("help", "");
        } else {
            a.positional.push_back(s);
        }
    }
    return a;
}

LoadResult load(const Args& a, std::ostream& err)
{
    if (a.positional.size() < 2) throw InputError("missing MODEL argument; see --help");
    LoadOptions opts;
    if (a.has("inputShape")) opts.inputShapes = parseInputShapes(a.get("inputShape"));
    LoadResult r = loadModel(a.positional[1], opts);
    for (const std::string& w : r.warnings) err << a.positional[1] << ": warning: " << w << "\n";
    return r;
}

std::string dimsText(const Value& v)
{
    std::string s = "[";
    for (size_t i = 0; i < v.shape.size(); ++i) {
        if (i) s += ",";
        if (v.shape[i] >= 0) s += std::to_string(v.shape[i]);
        else s += i < v.dimNames.size() && !v.dimNames[i].empty() ? v.dimNames[i] : "?";
    }
    return s + "]";
}

int cmdInspect(const Args& a, std::ostream& out, std::ostream& err)
{
    LoadResult r = load(a, err);
    const Graph& g = r.graph;
    std::map<std::string, int> hist;
    for (const Node& n : g.nodes) ++hist[n.sourceOpType.empty() ? n.opType : n.sourceOpType];
    auto unsupported = Interpreter::unsupportedNodes(g);
    if (a.has("json")) {
        JsonWriter j;
        j.beginObject();
        j.key("file").value(a.positional[1]);
        j.key("format").value(g.info.format);
        if (g.info.format == "onnx") j.key("opset").value(g.info.sourceOpset);
        else j.key("schema_version").value(int64_t(g.info.tfliteVersion));
        j.key("producer").value(g.info.producer);
        auto io = [&](const char* name, const std::vector<int>& ids) {
            j.key(name).beginArray();
            for (int id : ids) {
                const Value& v = g.values[id];
                j.beginObject().key("name").value(v.name).key("dtype").value(std::string(dataTypeName(v.type)));
                j.key("shape").beginArray();
                for (size_t d = 0; d < v.shape.size(); ++d) {
                    if (v.shape[d] >= 0) j.value(v.shape[d]);
                    else j.value(d < v.dimNames.size() && !v.dimNames[d].empty() ? v.dimNames[d] : std::string("?"));
                }
                j.endArray().endObject();
            }
            j.endArray();
        };
        io("inputs", g.inputs);
        io("outputs", g.outputs);
        j.key("node_count").value(g.nodes.size());
        j.key("op_histogram").beginObject();
        for (const auto& [op, n] : hist) j.key(op).value(n);
        j.endObject();
        j.key("parameter_count").value(g.parameterCount());
        j.key("parameter_bytes").value(g.parameterBytes());
        j.key("unsupported_ops").beginArray();
        for (const auto& u : unsupported) j.value(u);
        j.endArray();
        j.key("warnings").beginArray();
        for (const auto& w : r.warnings) j.value(w);
        j.endArray();
        j.endObject();
        out << j.str() << "\n";
        return 0;
    }
    out << "file:       " << a.positional[1] << "\n";
    out << "format:     " << g.info.format;
    if (g.info.format == "onnx") out << " (opset " << g.info.sourceOpset << ", ir " << g.info.irVersion << ")";
    else out << " (schema v" << g.info.tfliteVersion << ")";
    out << "\n";
    if (!g.info.producer.empty()) out << "producer:   " << g.info.producer << "\n";
    for (int id : g.inputs)
        out << "input:      " << g.values[id].name << " " << dataTypeName(g.values[id].type) << dimsText(g.values[id]) << "\n";
    for (int id : g.outputs)
        out << "output:     " << g.values[id].name << " " << dataTypeName(g.values[id].type) << dimsText(g.values[id]) << "\n";
    out << "nodes:      " << g.nodes.size() << "\n";
    out << "parameters: " << g.parameterCount() << " (" << g.parameterBytes() << " bytes)\n";
    out << "ops:\n";
    std::vector<std::pair<std::string, int>> sorted(hist.begin(), hist.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](auto& x, auto& y) { return x.second > y.second; });
    for (const auto& [op, n] : sorted) out << "  " << op << " " << n << "\n";
    if (unsupported.empty()) {
        out << "unsupported: none\n";
    } else {
        out << "unsupported: " << unsupported.size() << "\n";
        for (const auto& u : unsupported) out << "  " << u << "\n";
    }
    return 0;
}

std::vector<float> floatList(const Args& a, const std::string& key)
{
    std::vector<float> v;
    std::stringstream ss(a.get(key));
    for (std::string item; std::getline(ss, item, ',');) {
        try {
            size_t used = 0;
            v.push_back(std::stof(item, &used));
            if (used != item.size()) throw std::invalid_argument(item);
        } catch (const std::exception&) {
            throw InputError("--" + key + "=" + a.get(key) + ": '" + item + "' is not a number");
        }
    }
    return v;
}

std::pair<int, int> sizeOption(const Args& a, const std::string& key)
{
    if (!a.has(key)) return {0, 0};
    int w = 0, h = 0;
    char x = 0;
    std::stringstream ss(a.get(key));
    if (!(ss >> w >> x >> h) || x != 'x' || w <= 0 || h <= 0 || !ss.eof())
        throw InputError("--" + key + "=" + a.get(key) + ": expected WIDTHxHEIGHT, e.g. 224x224");
    return {w, h};
}

ImagePreprocess preprocessFromArgs(const Args& a)
{
    ImagePreprocess p;
    std::string f = a.get("format", "RGB");
    if (f == "RGB") p.format = ImagePreprocess::Format::RGB;
    else if (f == "BGR") p.format = ImagePreprocess::Format::BGR;
    else if (f == "GRAY") p.format = ImagePreprocess::Format::GRAY;
    else throw InputError("--format=" + f + ": expected RGB, BGR or GRAY");
    if (a.has("mean")) p.mean = floatList(a, "mean");
    if (a.has("std")) p.std = floatList(a, "std");
    for (float s : p.std)
        if (s == 0.f) throw InputError("--std must not contain 0");
    std::tie(p.resizeWidth, p.resizeHeight) = sizeOption(a, "resize");
    std::tie(p.cropWidth, p.cropHeight) = sizeOption(a, "crop");
    p.keepAspect = a.has("keep-aspect");
    return p;
}

void printTopK(const Tensor& t, const std::string& labelsPath, int k, const std::string& inputFile, std::ostream& err)
{
    std::vector<std::string> labels;
    std::ifstream in(labelsPath);
    if (!in) throw InputError(labelsPath + ": cannot open the labels file");
    for (std::string line; std::getline(in, line);) labels.push_back(line);
    auto v = t.toFloat();
    std::vector<int> idx(v.size());
    std::iota(idx.begin(), idx.end(), 0);
    k = std::min<int>(k, int(v.size()));
    std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int x, int y) { return v[size_t(x)] > v[size_t(y)]; });
    err << inputFile << ":";
    for (int i = 0; i < k; ++i) {
        int c = idx[size_t(i)];
        err << (i ? ", " : " ") << (size_t(c) < labels.size() ? labels[size_t(c)] : std::to_string(c)) << " "
            << std::fixed << std::setprecision(3) << v[size_t(c)];
    }
    err << "\n";
}

int cmdRun(const Args& a, std::ostream& out, std::ostream& err)
{
    if (!a.has("output-dir")) throw InputError("run needs --output-dir DIR");
    int threads = a.getInt("threads", 1, 1, 256);
    int repeat = a.getInt("repeat", 1, 1, 100000);
    LoadResult r = load(a, err);
    const Graph& g = r.graph;
    std::map<std::string, Tensor> inputs;
    for (const std::string& spec : a.all("input")) {
        auto eq = spec.find('=');
        if (eq == std::string::npos || eq == 0) throw InputError("--input " + spec + ": expected NAME=FILE.npy");
        std::string name = spec.substr(0, eq);
        if (g.findValue(name) < 0 || std::find(g.inputs.begin(), g.inputs.end(), g.findValue(name)) == g.inputs.end()) {
            std::string names = g.inputNames();
            throw InputError("--input " + spec + ": the model has no input '" + name + "' (inputs: " + names + ")");
        }
        const Value& v = g.values[g.findValue(name)];
        std::string file = spec.substr(eq + 1);
        bool npy = file.size() >= 4 && file.compare(file.size() - 4, 4, ".npy") == 0;
        bool nchw = g.info.format == "onnx";  // ONNX image inputs are NCHW, TFLite's NHWC
        Shape imageShape = v.shape;
        if (!imageShape.empty() && imageShape[0] < 0) imageShape[0] = 1;
        Tensor t = npy ? readNpy(file) : loadImageTensor(file, preprocessFromArgs(a), imageShape, nchw);
        if (!Graph::shapeFits(v.shape, t.shape()))
            throw InputError(spec.substr(eq + 1) + ": array has shape " + shapeToString(t.shape()) + " but input '" + name +
                             "' expects " + dimsText(v));
        if (t.type() != v.type)
            throw InputError(spec.substr(eq + 1) + ": array has type " + std::string(dataTypeName(t.type())) + " but input '" +
                             name + "' expects " + std::string(dataTypeName(v.type)));
        inputs[name] = t;
    }
    for (int id : g.inputs)
        if (!inputs.count(g.values[id].name))
            throw InputError("missing --input for '" + g.values[id].name + "' (" + dimsText(g.values[id]) + ")");
    std::string dir = a.get("output-dir");
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (!std::filesystem::is_directory(dir)) throw InputError(dir + ": cannot create the output directory");

    if (a.has("save-inputs"))  // the preprocessed arrays, to feed other runtimes the very same input
        for (const auto& [name, t] : inputs)
            writeFileAtomic((std::filesystem::path(dir) / (npyFileStem("input_" + name) + ".npy")).string(), npyBytes(t));
    Interpreter interp(g, {threads, true, false});
    std::vector<double> times;
    std::vector<Tensor> outputs;
    for (int i = 0; i < repeat; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        outputs = interp.run(inputs);
        times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    JsonWriter j;
    j.beginObject().key("outputs").beginArray();
    for (size_t o = 0; o < outputs.size(); ++o) {
        const std::string& name = g.values[g.outputs[o]].name;
        std::string path = (std::filesystem::path(dir) / (npyFileStem(name) + ".npy")).string();
        writeFileAtomic(path, npyBytes(outputs[o]));
        j.beginObject().key("name").value(name).key("file").value(path).key("shape").beginArray();
        for (int64_t d : outputs[o].shape()) j.value(d);
        j.endArray().endObject();
    }
    j.endArray();
    if (a.has("labels")) {
        std::string first = a.all("input").front();
        printTopK(outputs.at(0), a.get("labels"), a.getInt("top", 5, 1, 100), first.substr(first.find('=') + 1), err);
    }
    std::vector<double> sorted = times;
    std::sort(sorted.begin(), sorted.end());
    j.key("threads").value(threads).key("repeat").value(repeat);
    j.key("first_ms").value(times.front());
    j.key("min_ms").value(sorted.front());
    j.key("median_ms").value(sorted[sorted.size() / 2]);
    j.endObject();
    out << j.str() << "\n";
    return 0;
}

void printDiagnostics(const Diagnostics& diags, std::ostream& out)
{
    for (const Diagnostic& d : diags) out << d.toString() << "\n";
}

int cmdValidate(const Args& a, std::ostream& out, std::ostream& err)
{
    if (a.positional.size() < 2) throw InputError("validate needs a CONFIG file; see --help");
    Diagnostics diags;
    IniDocument doc = loadConfigFile(a.positional[1], diags);
    std::optional<LoadResult> model;
    if (a.has("model")) model = loadModel(a.get("model"));
    if (!hasErrors(diags)) {
        ValidateOptions opts;
        opts.model = model ? &model->graph : nullptr;
        Diagnostics more = validateConfig(doc, opts);
        diags.insert(diags.end(), more.begin(), more.end());
    }
    printDiagnostics(diags, out);
    int errors = 0, warnings = 0;
    for (const Diagnostic& d : diags) {
        errors += d.severity == Diagnostic::Severity::Error;
        warnings += d.severity == Diagnostic::Severity::Warning;
    }
    err << a.positional[1] << ": " << errors << " error(s), " << warnings << " warning(s)\n";
    return errors ? 1 : 0;
}

// One line per weighted node: bits and container, or why it stays float.
void printWeightSummary(const Graph& g, const QuantPlan& plan, std::ostream& err)
{
    err << plan.quantType << (plan.initScale > 0 ? " (mixed bits, init_scale=" + std::to_string(plan.initScale) + ")" : "") << ":\n";
    if (!plan.roundingData.empty()) err << "  input means for rounding: " << plan.roundingData << "\n";
    for (const Node& n : g.nodes) {
        if (n.inputs.size() < 2 || n.inputs[1] < 0) continue;
        const std::string& w = g.values[size_t(n.inputs[1])].name;
        auto q = plan.constants.find(w);
        auto why = plan.floatReasons.find(n.name);
        if (q != plan.constants.end())
            err << "  " << n.name << " (" << (n.sourceOpType.empty() ? n.opType : n.sourceOpType) << "): " << q->second.params.bits
                << " bits, " << (q->second.params.scale.size() > 1 ? "per channel" : "per layer") << ", " << q->second.container
                << (q->second.roundedForData ? ", rounded to keep the mean output on " + plan.roundingData : "") << "\n";
        else if (why != plan.floatReasons.end() || plan.skippedNodes.count(n.name))
            err << "  " << n.name << " (" << (n.sourceOpType.empty() ? n.opType : n.sourceOpType) << "): float, "
                << (why != plan.floatReasons.end() ? why->second : "skip_quant_node") << "\n";
    }
}

// What convert and sensitivity share: --fmk, --modelFile (with --inputShape) loaded into session, and the config
// (--configFile, or the legacy flags) read and validated as for a conversion. return false when it printed errors.
// --fmk for a model named by a project (which gives no --fmk): its file name's suffix
std::string fmkForPath(const std::string& modelPath)
{
    return std::filesystem::path(modelPath).extension() == ".tflite" ? "TFLITE" : "ONNX";
}

bool openModelAndConfig(const Args& a, const std::string& command, Session& session, IniDocument& doc, std::string& configPath,
                        std::ostream& err)
{
    // --project P: the model, config, skips and calibration folders a GUI project holds (replayed as the GUI runs them)
    std::optional<Project> project;
    if (a.has("project")) {
        for (const char* k : {"modelFile", "configFile", "config_file"})
            if (a.has(k)) throw InputError(std::string("--project gives the model and the config; drop --") + k);
        project = loadProject(a.get("project"));
    }
    for (const char* k : {"fmk", "modelFile"})
        if (!a.has(k) && !project) throw InputError(command + " needs --" + k + "=... (or --project=P); see --help");
    const std::string modelPath = project ? project->model : a.get("modelFile");
    std::string fmk = a.get("fmk");
    if (project && fmk.empty()) fmk = fmkForPath(modelPath);
    if (fmk != "ONNX" && fmk != "TFLITE") throw InputError("--fmk=" + fmk + ": Quantscope reads ONNX and TFLITE models");
    LoadOptions lo;
    if (a.has("inputShape")) lo.inputShapes = parseInputShapes(a.get("inputShape"));
    session.load(modelPath, lo);
    for (const std::string& w : session.loadWarnings()) err << modelPath << ": warning: " << w << "\n";
    const Graph& model = session.graph();
    if ((fmk == "ONNX") != (model.info.format == "onnx"))
        throw InputError(modelPath + ": --fmk=" + fmk + " but the file is a " + model.info.format + " model; fix --fmk");
    Diagnostics diags;
    configPath = project ? a.get("project") : a.has("configFile") ? a.get("configFile") : a.get("config_file");
    doc = project ? projectConfig(*project, configPath, diags)
          : configPath.empty() ? IniDocument::parse("", "<flags>", diags) : loadConfigFile(configPath, diags);
    std::map<std::string, std::string> legacy;
    for (const char* k : {"quantType", "bitNum", "quantWeightSize", "quantWeightChannel"})
        if (a.has(k)) legacy[k] = a.get(k);
    applyLegacyFlags(legacy, doc, diags);
    if (configPath.empty() && legacy.empty())
        throw InputError("nothing to " + command + ": give --configFile=CONFIG (see quantscope-cli config --template full)");
    if (!hasErrors(diags)) {
        ValidateOptions vo;
        vo.model = &model;
        vo.forConversion = true;
        Diagnostics more = validateConfig(doc, vo);
        diags.insert(diags.end(), more.begin(), more.end());
    }
    printDiagnostics(diags, err);
    return !hasErrors(diags);
}

// A progress bar on a terminal, a line every 10 steps otherwise.
ProgressSink progressBar(std::ostream& err)
{
    const bool tty = isatty(fileno(stderr));
    return [&err, tty](size_t done, size_t total, const std::string& stage) {
        if (tty) {
            int width = 30, filled = total ? int(width * done / total) : width;
            err << "\r" << stage << " [" << std::string(size_t(filled), '#') << std::string(size_t(width - filled), '.') << "] " << done << "/" << total
                << (done == total ? "\n" : "") << std::flush;
        } else if (done == total || done % 10 == 0) {
            err << stage << ": " << done << "/" << total << "\n";
        }
    };
}

int cmdConvert(const Args& a, std::ostream& out, std::ostream& err)
{
    if (!a.has("project"))
        for (const char* k : {"fmk", "modelFile", "outputFile"})
            if (!a.has(k)) throw InputError(std::string("convert needs --") + k + "=... (or --project=P); see --help");
    std::string modelPath = a.get("modelFile"), outputPath = a.get("outputFile");
    if (a.has("project")) {
        modelPath = loadProject(a.get("project")).model;
        if (outputPath.empty()) {  // det.quantscope.yaml -> det_quant beside it
            std::string base = a.get("project");
            for (const char* ext : {".quantscope.yaml", ".yaml", ".yml"})
                if (base.size() > std::strlen(ext) && base.compare(base.size() - std::strlen(ext), std::strlen(ext), ext) == 0) {
                    base.resize(base.size() - std::strlen(ext));
                    break;
                }
            outputPath = base + "_quant";
        }
    }
    // converter_lite appends its format's suffix to --outputFile; so does Quantscope, unless the name has it already
    const std::string suffix = (a.has("fmk") ? a.get("fmk") : fmkForPath(modelPath)) == "TFLITE" ? ".tflite" : ".onnx";
    if (outputPath.size() < suffix.size() || outputPath.compare(outputPath.size() - suffix.size(), suffix.size(), suffix) != 0)
        outputPath += suffix;
    refuseOverwrite(modelPath, outputPath);
    Session session;
    IniDocument doc;
    std::string configPath;
    if (!openModelAndConfig(a, "convert", session, doc, configPath, err)) return 2;
    std::string quantType = configValue(doc, "common_quant_param", "quant_type");
    if (quantType.empty()) {  // converter_lite converts without quantizing; the format stays, so the model is copied
        session.saveUnchanged(outputPath);
        err << configPath << ": no quant_type in [common_quant_param]: converted without quantization (the model is written unchanged)\n";
        JsonWriter j;
        j.beginObject().key("output").value(outputPath).key("quantized_nodes").value(0).key("bytes").value(int64_t(std::filesystem::file_size(outputPath)));
        out << j.endObject().str() << "\n";
        return 0;
    }
    auto start = std::chrono::steady_clock::now();
    const ProgressSink bar = progressBar(err);
    // Weight and dynamic quantization need no data; with calibrate_path given, the data feed auto_tune and the
    // debug reports' rounds.
    if (quantType == "FULL_QUANT" || !configValue(doc, "data_preprocess_param", "calibrate_path").empty())
        session.calibrate(doc, bar, nullptr, a.getInt("threads", allCores(), 1, 256));
    // The accuracy target: search which nodes to raise (int16 or float), then quantize with that choice, written out to replay.
    if (a.has("target-cosine")) doc.set("quantscope_param", "target_cosine", a.get("target-cosine"));
    SensitivityOptions searchOptions;
    searchOptions.samples = size_t(a.getInt("samples", 8, 1, 100000));
    searchOptions.threads = a.getInt("threads", allCores(), 1, 256);
    std::string replayPath;
    if (const auto search = applyTargetCosine(session, doc, searchOptions, bar)) {
        err << "target_cosine=" << search->target << ": the config's own plan reaches " << std::fixed << std::setprecision(5)
            << search->baseline << " on " << search->measuredOn << " held-back calibration samples (nodes ranked on " << search->rankedOn << ")\n";
        for (const TargetSearch::Step& step : search->path)
            err << "  " << step.kept << " most damaging weighted nodes " << (step.int16 ? "int16" : "float") << ": cosine " << step.cosine
                << ", " << step.quantizedWeighted << " of " << step.weighted << " weighted ops with int8 weights\n";
        for (const std::string& node : search->raised()) err << "  " << (search->int16 ? "int16 activations for " : "keep ") << node << (search->int16 ? "\n" : " float\n");
        err.unsetf(std::ios::fixed);
        replayPath = outputPath + ".ini";
        refuseOverwrite(configPath, replayPath);
    }
    const QuantPlan& plan = session.quantize(doc, bar);
    const WeightedCoverage coverage = weightedCoverage(session.graph(), plan);
    if (std::string w = coverageWarning(coverage); !w.empty()) {
        err << modelPath << ": " << (a.has("strict") ? "error: " : "warning: ") << w << "\n";
        if (a.has("strict")) {
            err << "--strict: nothing written; skip those nodes explicitly (skip_quant_node) or fix what keeps them float\n";
            return 1;
        }
    }
    session.save(outputPath);
    if (!replayPath.empty()) {
        writeFileAtomic(replayPath, doc.toString());
        err << "the config with the nodes chosen for target_cosine (replays without searching): " << replayPath << "\n";
    }
    if (quantType != "FULL_QUANT") printWeightSummary(session.graph(), plan, err);
    if (!plan.weightOnlyNodes.empty())
        err << plan.weightOnlyNodes.size() << " recurrent layer(s) (LSTM/GRU/RNN) store int8 weights and compute in float: ONNX has "
            << "no int8 recurrent operator\n";
    const size_t int16Tensors = size_t(std::count_if(plan.activations.begin(), plan.activations.end(), [](const auto& a) { return a.second.bits > 8; }));
    if (int16Tensors)
        err << int16Tensors << " activation tensor(s) int16 (int16_activation_node)"
            << (session.graph().info.format == "onnx" && session.graph().info.sourceOpset < 21 ? ", with ONNX Runtime's com.microsoft QuantizeLinear/DequantizeLinear" : "")
            << "\n";
    if (parseBool(configValue(doc, "quantscope_param", "cross_layer_equalization")).value_or(false))
        err << "cross-layer equalization: " << plan.equalizedPairs << " pair(s) of weighted nodes rescaled"
            << (plan.equalizedPairs ? "" : " (none joined directly or through Relu/LeakyRelu/PRelu)") << "\n";
    // (on by default: why nothing was rescaled is said only when the config asks for it)
    if (plan.equalizedActivations || (!plan.activationEqualizationWhy.empty() && doc.get("quantscope_param", "activation_equalization")))
        err << "activation equalization: " << plan.equalizedActivations << " activation tensor(s) rescaled per channel"
            << (plan.equalizedActivations ? "" : " (" + plan.activationEqualizationWhy + ")") << "\n";
    if (plan.smoothedTensors || !plan.smoothingWhy.empty())
        err << "SmoothQuant: " << plan.smoothedTensors << " activation tensor(s) smoothed, " << plan.shiftedTensors << " of them shifted"
            << (plan.smoothedTensors ? "" : " (" + plan.smoothingWhy + ")") << "\n";
    if (const LearnedRounding& lr = plan.learnedRounding; lr.layers)
        err << "learned rounding (ADAROUND): " << lr.layers << " weighted node(s), " << lr.flipped
            << " weight(s) rounded the other way than to nearest, their output error on the calibration data at "
            << int(std::lround(100 * lr.errorRatio)) << "% of round-to-nearest's\n";
    if (std::string debugDir = configValue(doc, "common_quant_param", "debug_info_save_path"); !debugDir.empty()) {
        session.writeReports(debugDir);
        err << "debug reports: " << debugDir << "/output_summary.csv, round_*.csv, quant_param.csv\n";
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    JsonWriter j;
    j.beginObject().key("output").value(outputPath).key("calibration_samples").value(session.calibrationSamples());
    j.key("quantized_nodes").value(plan.quantizedNodes.size()).key("float_nodes").value(session.graph().totalNodeCount() - plan.quantizedNodes.size());
    j.key("skipped_nodes").value(plan.skippedNodes.size()).key("activations").value(plan.activations.size()).key("int16_activations").value(int16Tensors);
    j.key("weighted_ops").value(coverage.weighted).key("quantized_weighted_ops").value(coverage.quantized);
    j.key("chosen_float_ops").value(coverage.chosen);  // kept float by skip_quant_node or a documented config rule
    j.key("weight_only_ops").value(plan.weightOnlyNodes.size());  // of those: int8 weights, float arithmetic
    j.key("unexpected_float_ops").beginArray();
    for (const auto& f : coverage.unexpected) j.beginObject().key("node").value(f.node).key("why").value(f.why).endObject();
    j.endArray();
    j.key("equalized_pairs").value(plan.equalizedPairs).key("smoothed_tensors").value(plan.smoothedTensors).key("learned_rounding_layers").value(plan.learnedRounding.layers);
    j.key("bytes").value(int64_t(session.exportedBytes().size())).key("seconds").value(seconds).endObject();
    out << j.str() << "\n";
    return 0;
}

int cmdSensitivity(const Args& a, std::ostream& out, std::ostream& err)
{
    Session session;
    IniDocument doc;
    std::string configPath;
    if (!openModelAndConfig(a, "sensitivity", session, doc, configPath, err)) return 2;
    const std::string quantType = configValue(doc, "common_quant_param", "quant_type");
    if (quantType != "FULL_QUANT" && quantType != "WEIGHT_QUANT")
        throw InputError(configPath + ": sensitivity ranks FULL_QUANT and WEIGHT_QUANT plans (quant_type=" + quantType + ")");
    if (configValue(doc, "data_preprocess_param", "calibrate_path").empty())
        throw InputError(configPath + ": sensitivity measures on calibration data: add [data_preprocess_param] calibrate_path");
    SensitivityOptions o;
    o.samples = size_t(a.getInt("samples", 8, 1, 100000));
    o.threads = a.getInt("threads", allCores(), 1, 256);
    o.alone = a.has("alone");
    const ProgressSink bar = progressBar(err);
    auto start = std::chrono::steady_clock::now();
    session.calibrate(doc, bar, nullptr, o.threads);
    const SensitivityReport r = rankSensitivity(session, doc, o, bar);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string csv = o.alone ? "rank,node,op,cosine_quantized_alone,gain,log10_error\n" : "rank,node,op,cosine_kept_float,gain,log10_error\n";
    const std::string metrics = describeTaskMetrics(r.baselineMetrics);
    out << "output cosine against float: " << std::fixed << std::setprecision(5) << r.baseline << (metrics.empty() ? "" : ", " + metrics)
        << " (" << r.samples << " samples); "
        << (o.alone ? "each weighted node quantized alone (the others float), least damage first by the mean over samples "
                      "of log10(1 - cosine):\n"
                    : "each weighted node kept float alone, best first:\n")
        << "   #  cosine    change    log10(1-cos)  node\n";
    for (size_t i = 0; i < r.nodes.size(); ++i) {
        const NodeSensitivity& n = r.nodes[i];
        out << std::setw(4) << i + 1 << "  " << n.cosine << "  " << std::showpos << n.cosine - r.baseline << std::noshowpos << "  "
            << std::setw(12) << std::setprecision(3) << n.logError << std::setprecision(5) << "  " << n.node << " (" << n.op << ")\n";
        csv += std::to_string(i + 1) + "," + csvCell(n.node) + "," + csvCell(n.op) + "," + std::to_string(n.cosine) + "," +
               std::to_string(n.cosine - r.baseline) + "," + std::to_string(n.logError) + "\n";
    }
    out << r.nodes.size() << " nodes ranked in " << std::setprecision(1) << seconds << " s (calibration included)\n";
    if (a.has("csv")) {
        writeFileAtomic(a.get("csv"), csv);
        err << "ranking written to " << a.get("csv") << "\n";
    }
    return 0;
}

int cmdConfig(const Args& a, std::ostream& out)
{
    std::string kind = a.get("template");
    std::string text = configTemplate(kind);
    if (text.empty()) throw InputError("--template=" + kind + ": choose full, weight, mixed or dynamic");
    out << text;
    return 0;
}

}  // namespace

int runCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err)
{
    try {
        if (argc < 2) {
            err << kUsage;
            return 2;
        }
        std::string cmd = argv[1];
        if (cmd == "--help" || cmd == "-h" || cmd == "help") {
            out << kUsage;
            return 0;
        }
        if (cmd == "--version") {
            out << "quantscope-cli " << QUANTSCOPE_VERSION << "\n";
            return 0;
        }
        Args a = parseArgs(argc, argv, 1);
        if (a.has("help")) {
            out << kUsage;
            return 0;
        }
        if (a.has("memory-budget")) {
            auto b = parseByteSize(a.get("memory-budget"));
            if (!b) throw InputError("--memory-budget=" + a.get("memory-budget") + ": expected a size such as 2G, 512M or 1073741824");
            setMemoryBudget(*b);
        }
        if (cmd == "inspect") return cmdInspect(a, out, err);
        if (cmd == "run") return cmdRun(a, out, err);
        if (cmd == "validate") return cmdValidate(a, out, err);
        if (cmd == "convert") return cmdConvert(a, out, err);
        if (cmd == "config") return cmdConfig(a, out);
        if (cmd == "sensitivity") return cmdSensitivity(a, out, err);
        err << "quantscope-cli: unknown command '" << cmd << "'\n\n" << kUsage;
        return 2;
    } catch (const InputError& e) {
        err << "error: " << e.what() << "\n";
        return 2;
    } catch (const std::bad_alloc&) {
        err << "error: out of memory\n";
        return 3;
    } catch (const std::exception& e) {
        err << "internal error: " << e.what() << "\n";
        return 3;
    }
}

}  // namespace qs
