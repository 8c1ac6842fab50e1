// Full int8 quantization end to end on real models and images: calibrate on calib.txt, export QDQ ONNX or int8
// TFLite, run the export in ONNX Runtime (npm onnxruntime-node) or LiteRT (npm @litertjs/core) and compare with
// Quantscope's own simulation of the same file.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <optional>

#include "calibration/datasource.h"
#include "calibration/rangemethod.h"
#include "config/config.h"
#include "formats/modelloader.h"
#include "report/debugreport.h"
#include "report/taskmetrics.h"
#include "runtime/interpreter.h"
#include "quant/equalization.h"
#include "quant/liverange.h"
#include "quant/simulate.h"
#include "session/sensitivity.h"
#include "session/session.h"
#include "runtimes.h"
#include "testdata.h"
#include "util/atomicfile.h"
#include "util/npy.h"

using namespace qs;
namespace fs = std::filesystem;

namespace {
double cosine(const Tensor& a, const Tensor& b) { return cosineSimilarity(a.toFloat(), b.toFloat()); }

// How far apart the logits behind two softmax outputs are, in steps of the logits' int8 scale: the share of the
// classes whose logits differ by more than two steps. The logits come back from the probabilities up to a common
// shift (log p), which the median difference removes. A softmax turns one step on a logit into a 10-20% change of near-tied probabilities,
// which is what the runtimes' int8 kernels and Quantscope's float simulation differ by now and then (more often on
// CPUs without VNNI, where ONNX Runtime's int8 products take other paths). 1 when either output holds NaN.
double logitsOffByMoreThanTwoSteps(const Tensor& a, const Tensor& b, float scale)
{
    auto pa = a.toFloat(), pb = b.toFloat();
    if (pa.size() != pb.size() || pa.empty()) return 1.0;
    std::vector<double> d(pa.size());  // log pa - log pb: the logits' differences plus one common shift
    for (size_t i = 0; i < d.size(); ++i) d[i] = std::log(std::max(double(pa[i]), 1e-30)) - std::log(std::max(double(pb[i]), 1e-30));
    std::vector<double> sorted = d;
    std::nth_element(sorted.begin(), sorted.begin() + long(sorted.size() / 2), sorted.end());
    const double shift = sorted[sorted.size() / 2];
    size_t off = 0;
    for (double v : d) off += !(std::fabs(v - shift) <= 2.5 * double(scale));  // NaN counts as off
    return double(off) / double(d.size());
}

// extra: more [common_quant_param] keys; sections: more sections at the end
IniDocument configFor(const std::string& calibDir, bool imagenet, const std::string& extra = {}, const std::string& sections = {})
{
    std::string ini = "[common_quant_param]\nquant_type=FULL_QUANT\n" + extra +
                      test::calibrationSection(calibDir, 100, imagenet ? test::imagenetPreprocess() : test::pre({}, {})) +
                      "[full_quant_param]\nactivation_quant_method=MAX_MIN\nper_channel=true\nbias_correction=true\n" + sections;
    Diagnostics d;
    return parseConfig(ini, "test.ini", d);
}

std::string linkCalibration(const QString& dir, const std::string& folder)
{
    std::string images = test::imagePath(folder);
    return test::linkFiles(test::readList(images + "/calib.txt"), images, (fs::path(dir.toStdString()) / "calib").string());
}
}  // namespace

// a model case loaded, and its image as the input
struct LoadedCase {
    test::ModelCase model;
    LoadResult m;
    std::map<std::string, Tensor> inputs;
};

class TestQuant : public QObject {
    Q_OBJECT
private slots:
    void testExportRunsInRuntime_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("folder");
        QTest::newRow("mobilenet_v1_0.25_224.onnx in ONNX Runtime") << "mobilenet_v1_0.25_224.onnx" << "imagenet-sample";
        QTest::newRow("resnet8_cifar10.onnx in ONNX Runtime") << "resnet8_cifar10.onnx" << "cifar10";
        QTest::newRow("mobilenet_v1_0.25_224.tflite in LiteRT") << "mobilenet_v1_0.25_224.tflite" << "imagenet-sample";
        QTest::newRow("resnet8_cifar10.tflite in LiteRT") << "resnet8_cifar10.tflite" << "cifar10";
    }

    void testExportRunsInRuntime()
    {
        QFETCH(QString, model);
        QFETCH(QString, folder);
        QTemporaryDir dir;
        bool imagenet = folder == "imagenet-sample";
        const bool onnx = model.endsWith(".onnx");
        IniDocument config = configFor(linkCalibration(dir.path(), folder.toStdString()), imagenet, {},
                                       onnx && !test::cpuHasVnni() ? "[quantscope_param]\nreduce_range=true\n" : "");
        Session s;
        s.load(test::modelPath(model.toStdString()));
        s.calibrate(config, {}, nullptr, 2);
        QCOMPARE(s.calibrationSamples(), size_t(100));
        const QuantPlan& plan = s.quantize(config);
        QVERIFY(plan.quantizedNodes.size() > 10);
        std::string out = dir.filePath("q" + QFileInfo(model).suffix().prepend('.')).toStdString();
        s.save(out);
        QVERIFY(fs::file_size(out) < fs::file_size(test::modelPath(model.toStdString())) * 0.33);
        QVERIFY(loadModel(out).graph.info.format == s.graph().info.format);  // and it reads back
        if (!onnx) {
            // Both end in a global average pool, exported as MEAN with its own, narrower output parameters
            // (AVERAGE_POOL_2D must keep its input's; ResNet-8's classifier lost 1 pt of agreement to that).
            const Graph back = loadModel(out).graph;
            auto count = [&](const char* op) { return std::count_if(back.nodes.begin(), back.nodes.end(), [&](const Node& n) { return n.opType == op; }); };
            QCOMPARE(count("AveragePool"), std::ptrdiff_t(0));
            QCOMPARE(count("ReduceMean"), std::ptrdiff_t(1));
            const Graph& g = s.graph();
            const auto pool = std::find_if(g.nodes.begin(), g.nodes.end(), [](const Node& n) { return n.opType == "AveragePool"; });
            QVERIFY(pool != g.nodes.end());
            const float in = plan.activations.at(g.values[size_t(pool->inputs.at(0))].name).scale.at(0);
            const float pooled = plan.activations.at(g.values[size_t(pool->outputs.at(0))].name).scale.at(0);
            QVERIFY2(pooled < in, qPrintable(QString("pooled scale %1, input %2").arg(pooled).arg(in)));
        }

        const Graph& g = s.graph();
        std::string input = g.values[g.inputs[0]].name, output = g.values[g.outputs[0]].name;
        Shape shape = g.values[g.inputs[0]].shape;
        ImagePreprocess pre = imagePreprocessFromConfig(config);
        bool nchw = s.graph().info.format == "onnx";
        Interpreter sim(s.quantizedGraph(), {2, true, false});
        // The runtime folds each QuantizeLinear -> DequantizeLinear pair into the step before it; with the pairs run
        // as nodes the outputs are the same.
        InterpreterOptions unfolded{2, true, false};
        unfolded.fusible = [](const Node& n) { return n.opType != "QuantizeLinear"; };
        Interpreter simUnfolded(s.quantizedGraph(), unfolded);
        // Both classifiers end in a softmax: the logits before it are compared in steps of their int8 scale.
        QVERIFY(g.values[g.outputs[0]].producer >= 0);
        const Node& softmax = g.nodes[size_t(g.values[g.outputs[0]].producer)];
        QCOMPARE(QString::fromStdString(softmax.opType), QString("Softmax"));
        int logits = softmax.inputs.at(0);
        while (!plan.activations.count(g.values[size_t(logits)].name) && g.values[size_t(logits)].producer >= 0)  // through a Reshape
            logits = g.nodes[size_t(g.values[size_t(logits)].producer)].inputs.at(0);
        QVERIFY2(plan.activations.count(g.values[size_t(logits)].name), "the logits are not quantized");
        const float step = plan.activations.at(g.values[size_t(logits)].name).scale.at(0);
        auto eval = test::readList(test::imagePath(folder.toStdString()) + "/eval.txt");
        QVERIFY(eval.size() >= 5);
        double sum = 0;
        int n = 0;
        for (size_t i = 0; i < eval.size(); i += eval.size() / 5, ++n) {
            Tensor x = loadImageTensor(test::imagePath(folder.toStdString() + "/" + eval[i]), pre, shape, nchw);
            Tensor ours = sim.run({{input, x}})[0];
            const Tensor asNodes = simUnfolded.run({{input, x}})[0];
            QCOMPARE(ours.count(), asNodes.count());
            QVERIFY2(logitsOffByMoreThanTwoSteps(ours, asNodes, step) == 0.0 && cosine(ours, asNodes) >= 0.99999,
                     qPrintable(QString("folded Q/DQ pairs: cosine %1 against the pairs run as nodes").arg(cosine(ours, asNodes))));
            Tensor theirs = test::runRuntime(dir.path(), out, input, x, output);
            double c = cosine(ours, theirs), off = logitsOffByMoreThanTwoSteps(ours, theirs, step);
            qInfo("%s %s: runtime int8 vs Quantscope simulation: cosine %.6f, %.2f%% of the logits more than two steps apart",
                  qPrintable(model), eval[i].c_str(), c, 100.0 * off);
            QVERIFY2(off <= 0.01, qPrintable(QString("%1% of the logits are more than two steps apart").arg(100.0 * off)));
            QVERIFY2(c >= 0.98, qPrintable(QString("cosine %1 < 0.98").arg(c)));
            sum += c;
        }
        QVERIFY2(sum / n >= 0.995, qPrintable(QString("mean cosine %1 < 0.995").arg(sum / n)));
    }

    void testSensitivityRanksWhatTheExportComputes_data()
    {
        QTest::addColumn<QString>("model");
        QTest::newRow("onnx") << "mobilenet_v1_0.25_224.onnx";
        QTest::newRow("tflite") << "mobilenet_v1_0.25_224.tflite";
    }

    void testSensitivityRanksWhatTheExportComputes()
    {
        // The ranking simulates every trial plan in memory; what it reports must be what the exported model computes:
        // the baseline, and the cosine reached when the top-ranked node is really kept float.
        QFETCH(QString, model);
        QTemporaryDir dir;
        const std::string images = test::imagePath("imagenet-sample");
        auto calibList = test::readList(images + "/calib.txt");
        QVERIFY(calibList.size() >= 20);
        calibList.resize(20);
        const std::string calib = test::linkFiles(calibList, images, dir.filePath("calib").toStdString());
        Diagnostics d;
        IniDocument config = parseConfig("[common_quant_param]\nquant_type=FULL_QUANT\n" + test::calibrationSection(calib, 20, test::imagenetPreprocess()) +
                                             "[full_quant_param]\nactivation_quant_method=MAX_MIN\n",
                                         "s.ini", d);
        Session s;
        s.load(test::modelPath(model.toStdString()));
        s.calibrate(config, {}, nullptr, 2);
        const QuantPlan& plan = s.quantize(config);
        const size_t int8Nodes = plan.quantizedNodes.size();
        SensitivityOptions o;
        o.samples = 8;
        o.threads = 2;
        size_t steps = 0;
        const SensitivityReport r = rankSensitivity(s, config, o, [&](size_t, size_t, const std::string&) { ++steps; });
        QCOMPARE(s.plan().quantizedNodes.size(), int8Nodes);  // the session's plan is untouched
        QCOMPARE(r.samples, size_t(8));
        size_t weighted = 0;
        for (const Node& n : s.graph().nodes) weighted += (n.opType == "Conv" || n.opType == "FullyConnected") && plan.quantizedNodes.count(n.name);
        QCOMPARE(r.nodes.size(), weighted);  // 27 convolutions and the classifier
        QVERIFY(steps >= weighted);
        for (size_t i = 0; i < r.nodes.size(); ++i) {
            QVERIFY(r.nodes[i].cosine >= -1.0 && r.nodes[i].cosine <= 1.0);  // fails on NaN
            if (i) QVERIFY(r.nodes[i - 1].cosine >= r.nodes[i].cosine);
        }
        auto exportedCosine = [&](const std::string& skip) {
            IniDocument c = config;
            if (!skip.empty()) c.set("common_quant_param", "skip_quant_node", skip);
            s.quantize(c);
            Interpreter q(s.quantizedGraph()), f(s.graph());
            double sum = 0;
            for (size_t i = 0; i < 8; ++i) {
                auto in = s.calibrationSample(i);
                sum += cosineSimilarity(q.run(in)[0].toFloat(), f.run(in)[0].toFloat());
            }
            return sum / 8.0;
        };
        const double base = exportedCosine(""), top = exportedCosine(r.nodes.front().node);
        qInfo("%s: baseline %.5f (exported %.5f); keeping %s float %.5f (exported %.5f)", qPrintable(model), r.baseline, base,
              r.nodes.front().node.c_str(), r.nodes.front().cosine, top);
        // The baseline is the exported plan itself (bias correction included: without it the gap was 0.0021 on ONNX).
        QVERIFY(std::fabs(r.baseline - base) <= 0.001);
        QVERIFY(std::fabs(r.nodes.front().cosine - top) <= 0.002);
        QVERIFY(top > base);
    }

    void testSkippedNodeStaysFloatInOnnxRuntime()
    {
        QTemporaryDir dir;
        const std::string skip = "Conv_6";  // Conv2d_3 pointwise
        LoadResult m = loadModel(test::modelPath("mobilenet_v1_0.25_224.onnx"));
        QVERIFY2(m.graph.findNode(skip) >= 0, "the node to skip is not in the model");
        IniDocument config = configFor(linkCalibration(dir.path(), "imagenet-sample"), true, "skip_quant_node=" + skip + "\n");
        Session s;
        s.load(test::modelPath("mobilenet_v1_0.25_224.onnx"));
        s.calibrate(config, {}, nullptr, 2);
        const QuantPlan& plan = s.quantize(config);
        QVERIFY(!plan.quantizedNodes.count(skip));
        std::string out = dir.filePath("q.onnx").toStdString();
        s.save(out);
        // In the export the node keeps float weights ...
        const Graph& q = s.quantizedGraph();
        const Node& node = q.nodes[size_t(q.findNode(skip))];
        QVERIFY(q.values[node.inputs[1]].constant && q.values[node.inputs[1]].type == DataType::Float32);
        // ... and ONNX Runtime, after its own graph optimisations, still runs it as a float Conv, not QLinearConv.
        Tensor x = loadImageTensor(test::imagePath("imagenet-sample/n01443537_goldfish.jpg"), imagePreprocessFromConfig(config),
                                   {1, 3, 224, 224}, true);
        std::string optimized = dir.filePath("ort_optimized.onnx").toStdString();
        Tensor ort = test::runRuntime(dir.path(), out, "input", x, "output", optimized);
        LoadOptions lo;
        lo.runOnnxChecker = false;
        LoadResult o = loadModel(optimized, lo);
        int qlinear = 0, floatConv = 0, convs = 0;
        for (const Node& n : m.graph.nodes) convs += n.opType == "Conv";
        for (const Node& n : o.graph.nodes) {
            qlinear += n.opType == "QLinearConv";
            floatConv += n.opType == "Conv";  // ORT's float Conv (possibly its NCHWc variant)
        }
        qInfo("ONNX Runtime's optimised graph: %d QLinearConv, %d float Conv, of %d convolutions", qlinear, floatConv, convs);
        // The skipped node, and the one reading its float output, run in float; every other convolution in int8.
        QCOMPARE(floatConv, 2);
        QCOMPARE(qlinear, convs - 2);
        Interpreter sim(q, {2, true, false});
        QVERIFY(cosine(sim.run({{"input", x}})[0], ort) >= 0.999);
    }

    // [quantscope_param] node_weight_bits and node_activation_quant_method change only the nodes they name, and the
    // export with them runs in ONNX Runtime as Quantscope simulates it.
    void testPerNodeBitsAndMethod()
    {
        QTemporaryDir dir;
        const std::string model = test::modelPath("mobilenet_v1_0.25_224.onnx");
        const std::string node = "Conv_6", other = "Conv_8";
        const std::string calib = linkCalibration(dir.path(), "imagenet-sample");
        Session s;
        s.load(model);
        const Graph& g = s.graph();
        QVERIFY2(g.findNode(node) >= 0 && g.findNode(other) >= 0, "the nodes are not in the model");
        std::string logits;  // the classifier: its output is not clipped by a ReLU6, so KL's range differs from MAX_MIN's
        for (const Node& n : g.nodes)
            if (n.opType == "Conv") logits = n.name;
        auto weightOf = [&](const std::string& n) { return g.values[size_t(g.nodes[size_t(g.findNode(n))].inputs.at(1))].name; };
        // the tensor the node's output activation is quantized at: its own, or the folded Relu/Clip's after it
        auto activationOf = [&](const QuantPlan& plan, const std::string& n) {
            int v = g.nodes[size_t(g.findNode(n))].outputs.at(0);
            if (!plan.activations.count(g.values[size_t(v)].name) && g.values[size_t(v)].consumers.size() == 1)
                v = g.nodes[size_t(g.values[size_t(v)].consumers[0])].outputs.at(0);
            return g.values[size_t(v)].name;
        };
        IniDocument base = configFor(calib, true);
        s.calibrate(base, {}, nullptr, 2);
        const QuantPlan maxmin = s.quantize(base);
        IniDocument kl = configFor(calib, true, "", "");
        kl.set("full_quant_param", "activation_quant_method", "KL");
        const QuantPlan allKl = s.quantize(kl);
        // (without VNNI, 7-bit weights elsewhere, as ONNX Runtime's int8 products there overflow 8-bit ones: reduce_range)
        IniDocument mixed = configFor(calib, true, "", "[quantscope_param]\nnode_weight_bits=" + node + ":4\nnode_activation_quant_method=" + logits +
                                                           ":KL\n" + (test::cpuHasVnni() ? "" : "reduce_range=true\n"));
        Diagnostics v = validateConfig(mixed, ValidateOptions{&g});
        for (const Diagnostic& d : v) QVERIFY2(d.severity != Diagnostic::Severity::Error, d.toString().c_str());
        const QuantPlan plan = s.quantize(mixed);
        // weights: 4 bits for the node, 8 for the others
        const QuantizedConstant& w4 = plan.constants.at(weightOf(node));
        QCOMPARE(w4.params.bits, 4);
        int64_t widest = 0;
        for (int64_t i = 0; i < w4.values.count(); ++i) widest = std::max<int64_t>(widest, std::abs(int(w4.values.data<int8_t>()[i])));
        QCOMPARE(widest, int64_t(7));
        QCOMPARE(plan.constants.at(weightOf(other)).params.bits, test::cpuHasVnni() ? 8 : 7);
        // activations: the classifier's output takes KL's range, the other node's keeps MAX_MIN's
        const std::string a = activationOf(plan, logits), b = activationOf(plan, other);
        QVERIFY(plan.activations.count(a) && plan.activations.count(b) && allKl.activations.count(a) && maxmin.activations.count(b));
        QCOMPARE(plan.activations.at(a).scale.at(0), allKl.activations.at(a).scale.at(0));
        QVERIFY(plan.activations.at(a).scale.at(0) != maxmin.activations.at(a).scale.at(0));
        QCOMPARE(plan.activations.at(b).scale.at(0), maxmin.activations.at(b).scale.at(0));
        // the export runs in ONNX Runtime as simulated
        std::string out = dir.filePath("q.onnx").toStdString();
        s.save(out);
        Tensor x = loadImageTensor(test::imagePath("imagenet-sample/n01443537_goldfish.jpg"), imagePreprocessFromConfig(mixed),
                                   {1, 3, 224, 224}, true);
        Tensor ort = test::runRuntime(dir.path(), out, "input", x, "output");
        Interpreter sim(s.quantizedGraph(), {2, true, false});
        const double c = cosine(sim.run({{"input", x}})[0], ort);
        qInfo("a 4-bit node, a KL node: simulation vs ONNX Runtime cosine %.5f", c);
        QVERIFY(c >= 0.999);
    }

    void testInt16Activations()
    {
        // [quantscope_param] int16_activation_node: the tensors those nodes read and write get int16 parameters, the
        // export runs in ONNX Runtime as simulated (com.microsoft Q/DQ below opset 21), and the output comes closer
        // to float than with int8 everywhere. A TFLite model keeps such nodes float.
        QTemporaryDir dir;
        const std::string calib = linkCalibration(dir.path(), "imagenet-sample");
        Session s;
        s.load(test::modelPath("mobilenet_v1_0.25_224.onnx"));
        const Graph& g = s.graph();
        std::vector<std::string> convs;
        for (const Node& n : g.nodes)
            if (n.opType == "Conv") convs.push_back(n.name);
        QCOMPARE(convs.size(), size_t(28));
        IniDocument int8 = configFor(calib, true);
        s.calibrate(int8, {}, nullptr, 2);
        const QuantPlan plain = s.quantize(int8);
        // one node: its input and output tensors only
        const std::string node = convs[5];
        IniDocument one = configFor(calib, true, "", "[quantscope_param]\nint16_activation_node=" + node + "\n");
        for (const Diagnostic& d : validateConfig(one, ValidateOptions{&g})) QVERIFY2(d.severity != Diagnostic::Severity::Error, d.toString().c_str());
        const QuantPlan plan = s.quantize(one);
        const Node& n = g.nodes[size_t(g.findNode(node))];
        const std::string in = g.values[size_t(n.inputs.at(0))].name;
        const std::string out = g.values[size_t(g.nodes[size_t(g.values[size_t(n.outputs.at(0))].consumers.at(0))].outputs.at(0))].name;  // after the folded Clip
        QVERIFY(plan.activations.count(in) && plan.activations.count(out));
        QCOMPARE(plan.activations.at(in).bits, 16);
        QCOMPARE(plan.activations.at(out).bits, 16);
        QVERIFY(plan.activations.at(out).scale.at(0) < plain.activations.at(out).scale.at(0) / 200);
        size_t wide = 0;
        for (const auto& [name, p] : plan.activations) wide += p.bits == 16;
        QCOMPARE(wide, size_t(2));
        QVERIFY(plan.quantizedNodes.count(node));
        // the export in ONNX Runtime
        const std::string path = dir.filePath("int16.onnx").toStdString();
        s.save(path);
        Tensor x = loadImageTensor(test::imagePath("imagenet-sample/n01443537_goldfish.jpg"), imagePreprocessFromConfig(one), {1, 3, 224, 224}, true);
        Tensor ort = test::runRuntime(dir.path(), path, "input", x, "output");
        Interpreter sim(s.quantizedGraph(), {2, true, false});
        const double c = cosine(sim.run({{"input", x}})[0], ort);
        qInfo("an int16 node: simulation vs ONNX Runtime cosine %.6f", c);
        QVERIFY(c >= 0.999);
        Graph exported = loadModel(path).graph;
        size_t int16Pairs = 0;
        for (const Node& e : exported.nodes)
            if (e.opType == "QuantizeLinear" && e.outputs.size() == 1 && exported.values[size_t(e.outputs[0])].type == DataType::Int16) ++int16Pairs;
        QCOMPARE(int16Pairs, size_t(2));
        // every convolution: the output closer to float than int8's, on images calibration did not see
        std::string all;
        for (const std::string& c16 : convs) all += (all.empty() ? "" : ",") + c16;
        IniDocument every = configFor(calib, true, "", "[quantscope_param]\nint16_activation_node=" + all + "\n");
        const QuantPlan wideAll = s.quantize(every);
        const Graph wideGraph = s.quantizedGraph();  // (an interpreter holds its graph: copies outlive the next quantize)
        s.quantize(int8);
        const Graph narrowGraph = s.quantizedGraph();
        Interpreter wideSim(wideGraph, {2, true, false}), narrowSim(narrowGraph, {2, true, false});
        Interpreter reference(g, {2, true, false});
        double c8 = 0, c16 = 0;
        const auto eval = test::readList(test::imagePath("imagenet-sample") + "/eval.txt");
        QVERIFY(eval.size() >= 8);
        for (size_t i = 0; i < 8; ++i) {
            Tensor e = loadImageTensor(test::imagePath("imagenet-sample/" + eval[i]), imagePreprocessFromConfig(one), {1, 3, 224, 224}, true);
            Tensor f = reference.run({{"input", e}})[0];
            c8 += cosine(narrowSim.run({{"input", e}})[0], f) / 8;
            c16 += cosine(wideSim.run({{"input", e}})[0], f) / 8;
        }
        qInfo("output cosine against float, 8 unseen images: int8 activations %.5f, int16 activations %.5f", c8, c16);
        QVERIFY(c16 > c8 && 1 - c16 < 0.75 * (1 - c8));
        size_t wideTensors = 0;
        for (const auto& [name, p] : wideAll.activations) wideTensors += p.bits == 16;
        QVERIFY(wideTensors >= convs.size());
        // TFLite: float, with the reason
        Session t;
        t.load(test::modelPath("mobilenet_v1_0.25_224.tflite"));
        std::string tnode;
        for (const Node& tn : t.graph().nodes)
            if (tn.opType == "Conv" && tnode.empty()) tnode = tn.name;
        QVERIFY(!tnode.empty());
        IniDocument tcfg = configFor(calib, true, "", "[quantscope_param]\nint16_activation_node=" + tnode + "\n");
        Diagnostics td = validateConfig(tcfg, ValidateOptions{&t.graph()});
        QVERIFY(std::any_of(td.begin(), td.end(), [](const Diagnostic& d) { return d.key == "int16_activation_node" && d.severity == Diagnostic::Severity::Warning; }));
        t.calibrate(tcfg, {}, nullptr, 2);
        const QuantPlan tplan = t.quantize(tcfg);
        QVERIFY(!tplan.quantizedNodes.count(tnode));
        QVERIFY(tplan.floatReasons.count(tnode) && tplan.floatReasons.at(tnode).find("int16") != std::string::npos);
        QVERIFY(std::none_of(tplan.activations.begin(), tplan.activations.end(), [](const auto& a) { return a.second.bits != 8; }));
    }

    void testEverySharedOnnxModelConverts_data()
    {
        QTest::addColumn<int>("index");
        auto cases = test::onnxModelCases();
        for (size_t i = 0; i < cases.size(); ++i) QTest::newRow(cases[i].file.c_str()) << int(i);
    }

    void testEverySharedOnnxModelConverts()
    {
        // Calibrate on a few real images of the model's kind, export, and compare ONNX Runtime with the simulation.
        QFETCH(int, index);
        test::ModelCase mc = test::onnxModelCases()[size_t(index)];
        QTemporaryDir dir;
        fs::path calib = fs::path(dir.path().toStdString()) / "calib";
        fs::create_directories(calib);
        std::string folder = test::imagePath(fs::path(mc.image).parent_path().string());
        int linked = 0;
        for (const auto& e : fs::directory_iterator(folder)) {
            std::string ext = e.path().extension().string();
            if ((ext == ".jpg" || ext == ".png") && linked < 8) {
                fs::create_symlink(e.path(), calib / e.path().filename());
                ++linked;
            }
        }
        std::string ini = "[common_quant_param]\nquant_type=FULL_QUANT\n" + test::calibrationSection(calib.string(), 8, mc.pre) +
                          (test::cpuHasVnni() ? "" : "[quantscope_param]\nreduce_range=true\n");
        Diagnostics d;
        IniDocument config = parseConfig(ini, "case.ini", d);
        LoadResult probe = loadModel(test::modelPath(mc.file));
        std::string input = probe.graph.values[probe.graph.inputs[0]].name;
        LoadOptions lo;
        lo.inputShapes[input] = mc.shape;
        Session s;
        s.load(test::modelPath(mc.file), lo);
        s.calibrate(config, {}, nullptr, 2);
        const QuantPlan& plan = s.quantize(config);
        std::string out = dir.filePath("q.onnx").toStdString();
        s.save(out);
        Tensor x = loadImageTensor(test::imagePath(mc.image), mc.pre, mc.shape, true);
        Interpreter sim(s.quantizedGraph(), {2, true, false});
        auto ours = sim.run({{input, x}});
        const Graph& g = s.graph();
        for (size_t o = 0; o < g.outputs.size(); ++o) {
            std::string name = g.values[g.outputs[o]].name;
            Tensor ort = test::runRuntime(dir.path(), out, input, x, name);
            double c = cosine(ours[o], ort);
            qInfo("%s: %zu int8 nodes, output %s: cosine(ONNX Runtime, simulation) = %.6f", mc.file.c_str(),
                  plan.quantizedNodes.size(), name.c_str(), c);
            // ppocr_v4_det chains ~280 int8 ops (Resize, Mul, HardSigmoid); ONNX Runtime's int8 rounding drifts
            // a little further there. Known gap, tracked in the issue notes.
            double want = mc.file == "ppocr_v4_det.onnx" ? 0.995 : 0.999;
            QVERIFY2(c >= want, qPrintable(QString("cosine %1 < %2").arg(c).arg(want)));
        }
    }

    // Checks that graphs a and b (one rescaled from the other) compute the same outputs on inputs, within float
    // rounding: 1e-4 of each output's largest magnitude.
    static void sameFunction(const Graph& a, const Graph& b, const std::map<std::string, Tensor>& inputs)
    {
        std::vector<Tensor> ya = Interpreter(a).run(inputs), yb = Interpreter(b).run(inputs);
        QCOMPARE(ya.size(), yb.size());
        for (size_t o = 0; o < ya.size(); ++o) {
            auto fa = ya[o].toFloat(), fb = yb[o].toFloat();
            QCOMPARE(fa.size(), fb.size());
            double largest = 0, diff = 0;
            for (size_t i = 0; i < fa.size(); ++i) {
                largest = std::max(largest, double(std::fabs(fa[i])));
                diff = std::isnan(fa[i]) || std::isnan(fb[i]) ? INFINITY : std::max(diff, double(std::fabs(fa[i] - fb[i])));
            }
            qInfo("  output %zu: largest difference %.3g of %.3g", o, diff, largest);
            QVERIFY(largest > 0 && diff <= 1e-4 * largest);
        }
    }

    // the .jpg and .png files of folder, by name
    static std::vector<std::string> sortedImages(const std::string& folder)
    {
        std::vector<std::string> images;
        for (const auto& e : fs::directory_iterator(folder))
            if (e.path().extension() == ".jpg" || e.path().extension() == ".png") images.push_back(e.path().filename().string());
        std::sort(images.begin(), images.end());
        return images;
    }

    static std::vector<test::ModelCase> equalizationCases()
    {
        std::vector<test::ModelCase> cases = test::onnxModelCases();
        cases.push_back({"resnet8_cifar10.tflite", "cifar10/airplane_0000.jpg", false, test::pre({0.f}, {1.f}), {1, 32, 32, 3}});
        cases.push_back({"vww_96.tflite", "photos/grace_hopper.jpg", false, test::pre({0.f}, {255.f}, 96, 96), {1, 96, 96, 3}});
        cases.push_back({"mobilenet_v1_0.25_224.tflite", "imagenet-sample/n01443537_goldfish.jpg", false, test::imagenetPreprocess(),
                         {1, 224, 224, 3}});
        cases.push_back({"face_detection_short_range.tflite", "photos/face.jpg", false, test::pre({127.5f}, {127.5f}, 128, 128),
                         {1, 128, 128, 3}});
        return cases;
    }

    // the case of equalizationCases() for file; nothing when there is none
    static std::optional<test::ModelCase> equalizationCase(const QString& file)
    {
        for (const test::ModelCase& c : equalizationCases())
            if (c.file == file.toStdString()) return c;
        return std::nullopt;
    }

    // the case of equalizationCases() for file, loaded, and its image as the input
    static std::optional<LoadedCase> loadEqualizationCase(const QString& file)
    {
        const std::optional<test::ModelCase> found = equalizationCase(file);
        if (!found) return std::nullopt;
        LoadedCase c{*found, loadModel(test::modelPath(found->file)), {}};
        c.inputs[c.m.graph.values[size_t(c.m.graph.inputs.at(0))].name] =
            loadImageTensor(test::imagePath(found->image), found->pre, found->shape, found->nchw);
        return c;
    }

    void testCrossLayerEqualizationKeepsTheFunction_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("pairs");
        // the pairs each shared model has: weighted nodes joined directly or through Relu/PRelu (ReLU6 and HardSwish end
        // a pair: MobileNet V1 has none)
        const std::map<std::string, int> pairs = {
            {"mobilenet_v1_0.25_224.onnx", 0}, {"mobilenet_v2_1.0_224_dq.onnx", 2}, {"resnet8_cifar10.onnx", 3},
            {"vww_96.onnx", 26},           {"ppocr_mobile_v2_cls.onnx", 9},    {"ppocr_v4_det.onnx", 14},
            {"ultraface_rfb_320.onnx", 35}, {"mnist.onnx", 0},
            {"resnet8_cifar10.tflite", 3}, {"vww_96.tflite", 26}, {"mobilenet_v1_0.25_224.tflite", 0},
            {"face_detection_short_range.tflite", 16}};
        const std::vector<test::ModelCase> cases = equalizationCases();
        QCOMPARE(cases.size(), pairs.size());
        for (const test::ModelCase& c : cases) QTest::newRow(c.file.c_str()) << QString::fromStdString(c.file) << pairs.at(c.file);
    }

    void testCrossLayerEqualizationKeepsTheFunction()
    {
        // The equalized graph computes what the source does (within float rounding: 1e-4 of the output's largest
        // magnitude) on a real image, on every shared model, and finds each model's pairs.
        QFETCH(QString, file);
        QFETCH(int, pairs);
        const std::optional<test::ModelCase> found = equalizationCase(file);
        QVERIFY(found);
        const test::ModelCase& model = *found;
        LoadResult m = loadModel(test::modelPath(model.file));
        EqualizationResult e = equalizeCrossLayer(m.graph);
        qInfo("%s: %zu pairs, %zu constants changed", model.file.c_str(), e.pairs, e.changed.size());
        QCOMPARE(int(e.pairs), pairs);
        if (e.pairs == 0) {
            QVERIFY(!e.why.empty() && e.changed.empty());
            return;
        }
        QVERIFY(e.changed.size() >= e.pairs * 2);  // at least both weights of each pair
        Tensor x = loadImageTensor(test::imagePath(model.image), model.pre, model.shape, model.nchw);
        const std::string input = m.graph.values[size_t(m.graph.inputs.at(0))].name;
        sameFunction(m.graph, e.graph, {{input, x}});
        if (QTest::currentTestFailed()) return;
        // the weights did change: equalizing again finds the same pairs with nothing left to move
        EqualizationResult again = equalizeCrossLayer(e.graph);
        QCOMPARE(again.pairs, e.pairs);
        double moved = 0;
        for (const std::string& name : again.changed) {
            const Tensor& w = *again.graph.values[size_t(again.graph.findValue(name))].constant;
            const Tensor& before = *e.graph.values[size_t(e.graph.findValue(name))].constant;
            auto fw = w.toFloat(), fb = before.toFloat();
            for (size_t i = 0; i < fw.size(); ++i) moved = std::max(moved, double(std::fabs(fw[i] - fb[i])) / (std::fabs(fb[i]) + 1e-12));
        }
        qInfo("  equalizing again moves weights by at most %.3g relative", moved);
        QVERIFY(moved < 1e-3);
    }

    void testSmoothQuantKeepsTheFunction_data()
    {
        QTest::addColumn<QString>("file");
        for (const test::ModelCase& c : equalizationCases()) QTest::newRow(c.file.c_str()) << QString::fromStdString(c.file);
    }

    void testSmoothQuantKeepsTheFunction()
    {
        // [full_quant_param] smooth_alpha=0.5 with enable_smooth_shift: the smoothed graph computes what the source does
        // (within float rounding: 1e-4 of the output's largest magnitude) on a real image, on every shared model; the
        // activations it smoothed now span fewer orders of magnitude across their channels.
        QFETCH(QString, file);
        std::optional<LoadedCase> found = loadEqualizationCase(file);
        QVERIFY(found);
        const auto& [model, m, inputs] = *found;
        SmoothingResult s = smoothActivations(m.graph, 0.5, true, 1, [&](size_t) { return inputs; });
        qInfo("%s: %zu tensors smoothed, %zu shifted, %zu constants changed%s%s", model.file.c_str(), s.tensors, s.shifted,
              s.changed.size(), s.why.empty() ? "" : ": ", s.why.c_str());
        if (s.tensors == 0) {
            QVERIFY(!s.why.empty() && s.changed.empty());
            return;
        }
        QVERIFY(s.changed.size() >= s.tensors * 2);  // at least a reader's weights and a producer's constant each
        sameFunction(m.graph, s.graph, inputs);
    }

    // rows (file, atLeast) for every equalization case: atLeast from the map, else 0
    static void casesWithAtLeast(const std::map<std::string, int>& atLeast)
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("atLeast");
        for (const test::ModelCase& c : equalizationCases())
            QTest::newRow(c.file.c_str()) << QString::fromStdString(c.file) << (atLeast.count(c.file) ? atLeast.at(c.file) : 0);
    }

    void testEqualizingScales()
    {
        // one-sided channels (after a ReLU): the window is [0, 1] (rho 0), each channel stretched to half of it at most,
        // by 1000 at most; the widest keeps its scale
        std::vector<float> s = equalizingScales({0.f, 0.f, 0.f, 0.f}, {10.f, 1.f, 8.f, 0.001f});
        QCOMPARE(s.size(), size_t(4));
        QCOMPARE(s[0], 1.f);
        QCOMPARE(s[1], 0.2f);
        QCOMPARE(s[2], 1.f);  // 8 is more than half of 10: left alone
        QCOMPARE(s[3], 1e-3f);
        // symmetric channels: rho 1, the same rule on max |x|
        s = equalizingScales({-4.f, -1.f}, {4.f, 1.f});
        QCOMPARE(s.size(), size_t(2));
        QCOMPARE(s[0], 1.f);
        QVERIFY(std::fabs(s[1] - 0.5f) < 1e-6f);
        // channels that already fill the range, a dead channel, or a single live one: nothing to do
        QVERIFY(equalizingScales({-1.f, -2.f}, {1.f, 1.5f}).empty());
        QVERIFY(equalizingScales({0.f, 3.f}, {5.f, 3.f}).empty());
        QVERIFY(equalizingScales({NAN, 0.f}, {NAN, 1.f}).empty());
    }

    void testActivationEqualizationKeepsTheFunction_data()
    {
        // activations equalized. PP-OCRv4 det and PP-OCR's classifier: pointwise convolutions read by learnable affine
        // blocks (a Mul by a constant), affine blocks read by depthwise convolutions; vww_96 (ONNX and TFLite): ReLU outputs
        // read by depthwise convolutions
        casesWithAtLeast({{"ppocr_v4_det.onnx", 60}, {"ppocr_mobile_v2_cls.onnx", 10}, {"vww_96.onnx", 13}, {"vww_96.tflite", 13}});
    }

    void testActivationEqualizationKeepsTheFunction()
    {
        // [quantscope_param] activation_equalization, measured on a real image: the equalized graph computes what the
        // source does (within float rounding: 1e-4 of the output's largest magnitude) on every shared model, and in every
        // activation it rescaled the channels fill the tensor's range at least as well: the geometric mean over channels of
        // a channel's span over the tensor's (the grid's step relative to a typical channel's span, inverted).
        QFETCH(QString, file);
        QFETCH(int, atLeast);
        std::optional<LoadedCase> found = loadEqualizationCase(file);
        QVERIFY(found);
        const auto& [model, m, inputs] = *found;
        SmoothingResult e = equalizeActivations(m.graph, true, 1, [&](size_t) { return inputs; });
        qInfo("%s: %zu activations equalized, %zu constants changed%s%s", model.file.c_str(), e.tensors, e.changed.size(),
              e.why.empty() ? "" : ": ", e.why.c_str());
        QVERIFY(int(e.tensors) >= atLeast);
        if (e.tensors == 0) {
            QVERIFY(!e.why.empty() && e.changed.empty());
            return;
        }
        QVERIFY(e.changed.size() >= e.tensors * 2);  // a producer's and a reader's constant each
        QCOMPARE(e.rescaled.size(), e.tensors);
        sameFunction(m.graph, e.graph, inputs);
        if (QTest::currentTestFailed()) return;
        // channel fill of every 4-D activation (channels on axis 1 in ONNX, last in TFLite), before and after
        const bool nchw = model.nchw;
        auto fill = [&](const Graph& g) {
            std::map<std::string, double> out;
            Interpreter(g, InterpreterOptions{1, false, false, false, {}}).run(inputs, [&](int, int value, const Tensor& t) {
                if (t.type() != DataType::Float32 || t.shape().size() != 4) return;
                const int64_t C = nchw ? t.shape()[1] : t.shape()[3], inner = nchw ? t.shape()[2] * t.shape()[3] : 1;
                std::vector<float> lo(size_t(C), INFINITY), hi(size_t(C), -INFINITY);
                const float* d = t.data<float>();
                for (int64_t k = 0; k < t.count(); ++k) {
                    const size_t c = size_t((k / inner) % C);
                    lo[c] = std::min(lo[c], d[k]), hi[c] = std::max(hi[c], d[k]);
                }
                const double span = *std::max_element(hi.begin(), hi.end()) - *std::min_element(lo.begin(), lo.end());
                double logs = 0;
                int live = 0;
                for (size_t c = 0; c < size_t(C); ++c)
                    if (hi[c] > lo[c]) logs += std::log((hi[c] - lo[c]) / span), ++live;
                if (live > 1 && span > 0) out[g.values[size_t(value)].name] = std::exp(logs / live);
            });
            return out;
        };
        const std::map<std::string, double> before = fill(m.graph), after = fill(e.graph);
        QCOMPARE(after.size(), before.size());
        size_t better = 0;
        double gain = 0;
        for (const std::string& name : e.rescaled) {
            if (!before.count(name)) continue;  // not 4-D
            const double b = before.at(name), a = after.at(name);
            QVERIFY2(a >= b * 0.999, qPrintable(QString("%1: channel fill %2 -> %3").arg(QString::fromStdString(name)).arg(b).arg(a)));
            if (a > b * 1.01) ++better, gain += std::log(a / b);
        }
        qInfo("  %zu activations fill their range better, by %.2fx on geometric average", better, better ? std::exp(gain / double(better)) : 1.0);
        QVERIFY(better >= e.tensors / 2);
    }

    void testLiveRangesKeepTheFunction_data()
    {
        // tensors with a finite live range. PP-OCRv4 det and PP-OCR's classifier: decomposed HardSwish after affine blocks,
        // HardSigmoid gates; MobileNet V2's Clip(0, 6) and the TFLite face detector's fused ReLUs
        casesWithAtLeast({{"ppocr_v4_det.onnx", 60}, {"ppocr_mobile_v2_cls.onnx", 10}});
    }

    void testLiveRangesKeepTheFunction()
    {
        // Every float tensor clamped to its liveRange (a Clip inserted before its readers) leaves the outputs as they
        // were (within float rounding: 1e-4 of the output's largest magnitude) on a real image, on every shared model.
        QFETCH(QString, file);
        QFETCH(int, atLeast);
        const std::optional<test::ModelCase> found = equalizationCase(file);
        QVERIFY(found);
        const test::ModelCase& model = *found;
        LoadResult m = loadModel(test::modelPath(model.file));
        Graph clamped = m.graph;
        int finite = 0;
        const size_t values = clamped.values.size();
        for (size_t v = 0; v < values; ++v) {
            const Value& value = m.graph.values[v];
            if (value.constant || value.type != DataType::Float32) continue;
            const auto [lo, hi] = liveRange(m.graph, int(v));
            QVERIFY(lo < hi);
            if (!std::isfinite(lo) && !std::isfinite(hi)) continue;
            ++finite;
            Value out = value;
            out.name = clamped.uniqueValueName(value.name + "_live");
            out.producer = -1;
            out.consumers.clear();
            const int o = clamped.addValue(std::move(out));
            for (int c : value.consumers)
                for (int& in : clamped.nodes[size_t(c)].inputs)
                    if (in == int(v)) in = o;
            Node clip;
            clip.name = value.name + "/live_clip";
            clip.opType = "Clip";
            clip.inputs = {int(v), clamped.addConstant(clamped.uniqueValueName(value.name + "_lo"), Tensor::scalarFloat(float(std::max(lo, -3e38)))),
                           clamped.addConstant(clamped.uniqueValueName(value.name + "_hi"), Tensor::scalarFloat(float(std::min(hi, 3e38))))};
            clip.outputs = {o};
            clamped.nodes.push_back(std::move(clip));
        }
        clamped.finalize();
        qInfo("%s: %d tensors with a finite live range", model.file.c_str(), finite);
        QVERIFY(finite >= atLeast);
        Tensor x = loadImageTensor(test::imagePath(model.image), model.pre, model.shape, model.nchw);
        sameFunction(m.graph, clamped, {{m.graph.values[size_t(m.graph.inputs.at(0))].name, x}});
    }

    void testSmoothedExportRunsInRuntime_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("alpha");
        // PP-OCRv4 det with the shift alone: its scaled variant exports as well, but int8 rounding ties that ONNX
        // Runtime and Quantscope break differently grow through it into a different probability map (cosine 0.96)
        QTest::newRow("ppocr_v4_det.onnx in ONNX Runtime") << "ppocr_v4_det.onnx" << "0";
        QTest::newRow("face_detection_short_range.tflite in LiteRT") << "face_detection_short_range.tflite" << "0.5";
    }

    void testSmoothedExportRunsInRuntime()
    {
        // enable_smooth_shift with smooth_alpha, calibrated on 6 images of the model's folder: the constants it changed
        // reach the file (the scalar biases of PP-OCRv4's learnable affine blocks become per-channel vectors; BlazeFace's
        // biases take the shifts), and the file computes what Quantscope simulated, in the runtime too.
        QFETCH(QString, model);
        QFETCH(QString, alpha);
        const std::optional<test::ModelCase> found = equalizationCase(model);
        QVERIFY(found);
        const test::ModelCase& m = *found;
        const bool onnx = model.endsWith(".onnx");
        QTemporaryDir dir;
        const std::string folder = test::imagePath(fs::path(m.image).parent_path().string());
        const std::vector<std::string> images = sortedImages(folder);
        QVERIFY(images.size() >= 9);
        const std::string calib = test::linkFiles({images.begin(), images.begin() + 6}, folder, dir.filePath("calib").toStdString());
        Diagnostics d;
        IniDocument config = parseConfig("[common_quant_param]\nquant_type=FULL_QUANT\n" + test::calibrationSection(calib, 6, m.pre) +
                                             "[full_quant_param]\nsmooth_alpha=" + alpha.toStdString() + "\nenable_smooth_shift=true\n" +
                                             (onnx && !test::cpuHasVnni() ? "[quantscope_param]\nreduce_range=true\n" : ""),
                                         "smooth.ini", d);
        QVERIFY(d.empty());
        LoadOptions lo;
        LoadResult source = loadModel(test::modelPath(m.file));
        const std::string input = source.graph.values[size_t(source.graph.inputs.at(0))].name;
        lo.inputShapes[input] = m.shape;
        Session s;
        s.load(test::modelPath(m.file), lo);
        s.calibrate(config, {}, nullptr, 2);
        const QuantPlan& plan = s.quantize(config);
        qInfo("%s: %zu tensors smoothed, %zu shifted, %zu constants changed", m.file.c_str(), plan.smoothedTensors, plan.shiftedTensors,
              plan.changedConstants.size());
        QVERIFY(plan.smoothedTensors >= 10 && plan.shiftedTensors >= 10);
        // some constant changed shape (a scalar operand made per channel)
        LoadResult loaded = loadModel(test::modelPath(m.file), lo);
        QVERIFY(std::any_of(plan.changedConstants.begin(), plan.changedConstants.end(), [&](const std::string& name) {
            return loaded.graph.values[size_t(loaded.graph.findValue(name))].constant->shape() !=
                   s.graph().values[size_t(s.graph().findValue(name))].constant->shape();
        }) || !onnx);
        const std::string out = dir.filePath(QString("q.") + (onnx ? "onnx" : "tflite")).toStdString();
        s.save(out);
        LoadResult exported = loadModel(out, lo);
        // every changed float constant the plan does not quantize is in the file as the smoothed graph has it
        size_t compared = 0;
        for (const std::string& name : plan.changedConstants) {
            if (plan.constants.count(name)) continue;
            const int v = exported.graph.findValue(name);
            QVERIFY2(v >= 0 && exported.graph.values[size_t(v)].constant, name.c_str());
            QVERIFY2(exported.graph.values[size_t(v)].constant->toFloat() == s.graph().values[size_t(s.graph().findValue(name))].constant->toFloat(),
                     name.c_str());
            ++compared;
        }
        QVERIFY(compared > 0 || !onnx);
        const Graph& g = s.graph();
        const std::string output = g.values[size_t(g.outputs.at(0))].name;
        const Graph simulated = simulationGraph(g, plan);
        Interpreter sim(simulated), reference(source.graph);
        // (images 6 and 8: at 320x320 the int8 detector, calibrated on images 0-5, loses all text on image 7,
        // scenetext_word01, where rounding ties then decide what is left)
        for (size_t i : {6, 8}) {
            Tensor x = loadImageTensor(folder + "/" + images[i], m.pre, m.shape, m.nchw);
            const Tensor a = sim.run({{input, x}})[0], f = reference.run({{input, x}})[0];
            const Tensor r = test::runRuntime(dir.path(), out, input, x, output);
            const double runtimeVsSim = cosine(a, r), int8VsFloat = cosine(r, f);
            qInfo("%s %s: runtime vs simulation cosine %.5f, runtime int8 vs float %.4f", m.file.c_str(), images[i].c_str(), runtimeVsSim,
                  int8VsFloat);
            QVERIFY(runtimeVsSim >= 0.99);  // NaN fails
            QVERIFY(int8VsFloat >= 0.9);
        }
    }

    void testLearnedRoundingAtFourBits()
    {
        // [quantscope_param] round_type=ADAROUND with 4-bit weights (8-bit activations) on MobileNet V1 0.25: the
        // learned rounding must beat round-to-nearest on images it did not see, and the export must compute it.
        QTemporaryDir dir;
        const std::string images = test::imagePath("imagenet-sample");
        auto calibList = test::readList(images + "/calib.txt"), evalList = test::readList(images + "/eval.txt");
        QVERIFY(calibList.size() >= 32 && evalList.size() >= 24);
        calibList.resize(32);
        evalList.resize(24);
        const std::string calib = test::linkFiles(calibList, images, dir.filePath("calib").toStdString());
        const ImagePreprocess pre = test::imagenetPreprocess();
        auto meanCosine = [&](const std::string& roundType, Session& s) {
            Diagnostics d;
            IniDocument config = parseConfig("[common_quant_param]\nquant_type=FULL_QUANT\n" + test::calibrationSection(calib, 32, pre) +
                                                 "[full_quant_param]\nactivation_quant_method=MAX_MIN\nper_channel=true\nbias_correction=true\n"
                                                 "[quantscope_param]\nweight_bits=4\nround_type=" + roundType + "\n" +
                                                 (test::cpuHasVnni() ? "" : "reduce_range=true\n"),
                                             "ada.ini", d);
            if (!d.empty()) return -2.0;
            s.load(test::modelPath("mobilenet_v1_0.25_224.onnx"));
            s.calibrate(config, {}, nullptr, 2);
            const Graph& g = s.graph();
            const QuantPlan& plan = s.quantize(config);
            const Graph simulated = simulationGraph(g, plan);
            Interpreter sim(simulated), reference(g);
            const std::string input = g.values[size_t(g.inputs.at(0))].name;
            double sum = 0;
            for (const std::string& image : evalList) {
                Tensor x = loadImageTensor(images + "/" + image, pre, g.values[size_t(g.inputs[0])].shape, true);
                sum += cosine(sim.run({{input, x}}).at(0), reference.run({{input, x}}).at(0));
            }
            return sum / double(evalList.size());
        };
        Session nearest, learned;
        const double round = meanCosine("ROUND", nearest), ada = meanCosine("ADAROUND", learned);
        const LearnedRounding& l = learned.plan().learnedRounding;
        qInfo("4-bit MobileNet V1 0.25, output cosine on 24 unseen images: ROUND %.4f, ADAROUND %.4f (%zu nodes, %zu weights "
              "flipped, error at %.0f%%)", round, ada, l.layers, l.flipped, 100 * l.errorRatio);
        QCOMPARE(nearest.plan().learnedRounding.layers, size_t(0));
        // every convolution but those whose input positions are too few for their fan-in (the last ones at 7x7 and
        // the classifier), each with its bias set to remove the mean error
        QVERIFY(l.layers >= 20 && l.layers <= 28);
        QCOMPARE(l.correctedBiases.size(), l.layers);
        QVERIFY(l.flipped > 1000 && l.errorRatio < 0.9);
        QVERIFY(ada >= round + 0.05);  // fails on NaN
        // The biases take the learned rounding's mean error against the float bias, not on top of full quantization's
        // estimate for nearest rounding (0.68 when both were removed).
        QVERIFY(ada >= 0.85);
        // Steps searched below 8 bits: some channels changed theirs, and every int32 bias stays on input x weight scale.
        size_t narrowed = 0, checked = 0;
        for (const Node& n : learned.graph().nodes) {
            if (n.opType != "Conv" || n.inputs.size() < 3 || !learned.plan().quantizedNodes.count(n.name)) continue;
            const Graph& g = learned.graph();
            const QuantizedConstant& w = learned.plan().constants.at(g.values[size_t(n.inputs[1])].name);
            const QuantizedConstant& b = learned.plan().constants.at(g.values[size_t(n.inputs[2])].name);
            const float sx = learned.plan().activations.at(g.values[size_t(n.inputs[0])].name).scale.at(0);
            const auto v = g.values[size_t(n.inputs[1])].constant->toFloat();
            QCOMPARE(b.params.scale.size(), w.params.scale.size());
            const size_t inner = v.size() / w.params.scale.size();  // OIHW: output channel c's weights are one run
            for (size_t c = 0; c < w.params.scale.size(); ++c, ++checked) {
                QCOMPARE(b.params.scale[c], sx * w.params.scale[c]);
                float top = 0;
                for (size_t i = c * inner; i < (c + 1) * inner; ++i) top = std::max(top, std::fabs(v[i]));
                narrowed += w.params.scale[c] < 0.999f * top / 7.f;  // 4 bits: the largest |w| at 7 steps
            }
        }
        QVERIFY(checked > 1000 && narrowed > 0);
        // the export runs in ONNX Runtime as simulated
        const std::string out = dir.filePath("ada.onnx").toStdString();
        learned.save(out);
        const Graph& g = learned.graph();
        const std::string input = g.values[size_t(g.inputs.at(0))].name, output = g.values[size_t(g.outputs.at(0))].name;
        const Graph simulated = simulationGraph(g, learned.plan());
        Interpreter sim(simulated);
        Tensor x = loadImageTensor(images + "/" + evalList[0], pre, g.values[size_t(g.inputs[0])].shape, true);
        const double runtimeVsSim = cosine(sim.run({{input, x}}).at(0), test::runRuntime(dir.path(), out, input, x, output));
        qInfo("ONNX Runtime vs simulation: cosine %.4f", runtimeVsSim);
        QVERIFY(runtimeVsSim >= 0.98);
    }

    void testEqualizedExportRunsInRuntime_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<bool>("activations");  // also activation_equalization (with per-channel weights)
        QTest::newRow("vww_96.onnx in ONNX Runtime") << "vww_96.onnx" << false;
        QTest::newRow("vww_96.tflite in LiteRT") << "vww_96.tflite" << false;
        QTest::newRow("vww_96.onnx, activation_equalization, in ONNX Runtime") << "vww_96.onnx" << true;
        QTest::newRow("vww_96.tflite, activation_equalization, in LiteRT") << "vww_96.tflite" << true;
    }

    void testEqualizedExportRunsInRuntime()
    {
        // [quantscope_param] cross_layer_equalization: calibrated and quantized on the equalized graph, per-tensor
        // weights. The first convolution stays float (skip_quant_node): its equalized float weights must reach the
        // file, since the next convolution reads its output rescaled. With activation_equalization too (per-channel
        // weights): the 13 ReLU outputs read by depthwise convolutions are rescaled as well.
        QFETCH(QString, model);
        QFETCH(bool, activations);
        const std::string file = model.toStdString();
        const bool onnx = model.endsWith(".onnx");
        QTemporaryDir dir;
        std::vector<std::string> photos;
        for (const auto& e : fs::directory_iterator(test::imagePath("photos")))
            if (e.path().extension() == ".jpg") photos.push_back(e.path().filename().string());
        std::sort(photos.begin(), photos.end());
        QCOMPARE(photos.size(), size_t(14));
        const std::vector<std::string> calib(photos.begin(), photos.begin() + 8), eval(photos.begin() + 8, photos.end());
        const std::string calibDir = test::linkFiles(calib, test::imagePath("photos"), dir.filePath("calib").toStdString());
        LoadResult source = loadModel(test::modelPath(file));
        int first = -1;
        for (size_t i = 0; i < source.graph.nodes.size() && first < 0; ++i)
            if (source.graph.nodes[i].opType == "Conv") first = int(i);
        QVERIFY(first >= 0);
        const Node& skipped = source.graph.nodes[size_t(first)];
        const std::string weights = source.graph.values[size_t(skipped.inputs.at(1))].name;
        const ImagePreprocess pre = test::pre({0.f}, {255.f}, 96, 96);
        std::string ini = "[common_quant_param]\nquant_type=FULL_QUANT\nskip_quant_node=" + skipped.name + "\n" +
                          test::calibrationSection(calibDir, int(calib.size()), pre) +
                          "[full_quant_param]\nactivation_quant_method=MAX_MIN\nper_channel=" + (activations ? "true" : "false") +
                          "\nbias_correction=true\n[quantscope_param]\ncross_layer_equalization=true\n" +
                          "activation_equalization=" + (activations ? "true\n" : "false\n") + (onnx && !test::cpuHasVnni() ? "reduce_range=true\n" : "");
        Diagnostics d;
        IniDocument config = parseConfig(ini, "cle.ini", d);
        QVERIFY(d.empty());
        Session s;
        s.load(test::modelPath(file));
        s.calibrate(config, {}, nullptr, 2);
        const QuantPlan& plan = s.quantize(config);
        QCOMPARE(plan.equalizedPairs, size_t(26));
        QCOMPARE(plan.equalizedActivations, size_t(activations ? 13 : 0));
        QVERIFY(plan.skippedNodes.count(skipped.name) && plan.changedConstants.count(weights) && !plan.constants.count(weights));
        const std::string out = dir.filePath(QString("q.") + (onnx ? "onnx" : "tflite")).toStdString();
        s.save(out);
        // the skipped node's weights in the file are the equalized ones, not the source's
        LoadResult exported = loadModel(out);
        auto valuesOf = [&](const Graph& g) { return g.values[size_t(g.findValue(weights))].constant->toFloat(); };
        QVERIFY(valuesOf(exported.graph) == valuesOf(s.graph()));
        QVERIFY(valuesOf(exported.graph) != valuesOf(source.graph));
        // and the file computes what Quantscope simulated, in the runtime too
        const Graph& g = s.graph();
        const std::string input = g.values[size_t(g.inputs.at(0))].name, output = g.values[size_t(g.outputs.at(0))].name;
        const Graph simulated = simulationGraph(g, plan);
        Interpreter sim(simulated), file_(exported.graph), reference(source.graph);
        for (const std::string& photo : eval) {
            Tensor x = loadImageTensor(test::imagePath("photos/" + photo), pre, g.values[size_t(g.inputs[0])].shape, onnx);
            auto a = sim.run({{input, x}})[0].toFloat(), b = file_.run({{input, x}})[0].toFloat();
            auto f = reference.run({{input, x}})[0].toFloat();
            auto r = test::runRuntime(dir.path(), out, input, x, output).toFloat();
            QCOMPARE(a.size(), size_t(2));
            QCOMPARE(b.size(), a.size());
            QCOMPARE(r.size(), a.size());
            QCOMPARE(f.size(), a.size());
            const double simVsFile = std::max(std::fabs(a[0] - b[0]), std::fabs(a[1] - b[1]));
            const double runtimeVsSim = std::max(std::fabs(a[0] - r[0]), std::fabs(a[1] - r[1]));
            const double int8VsFloat = std::max(std::fabs(r[0] - f[0]), std::fabs(r[1] - f[1]));
            qInfo("%s %s: simulation vs file %.2g, runtime vs simulation %.2g, runtime int8 vs float %.3f", file.c_str(),
                  photo.c_str(), simVsFile, runtimeVsSim, int8VsFloat);
            QVERIFY(simVsFile <= 1e-4);  // NaN fails
            QVERIFY(runtimeVsSim <= 0.02);
            QVERIFY(int8VsFloat <= 0.1);  // a float node reading unequalized weights is off by 0.4 and more
        }
    }

    void testBoxMatchOnAFaceDetector()
    {
        // ultraface's scores [1, 4420, 2] and boxes [1, 4420, 4] on a photo with a face: the same outputs match fully,
        // boxes moved by their own width match none, no scores above 0.5 on one side match none
        const test::ModelCase c = test::onnxModelCases().at(6);
        QCOMPARE(c.file, std::string("ultraface_rfb_320.onnx"));
        LoadResult m = loadModel(test::modelPath(c.file));
        Tensor x = loadImageTensor(test::imagePath(c.image), c.pre, c.shape, c.nchw);
        std::vector<Tensor> y = Interpreter(m.graph).run({{m.graph.values[size_t(m.graph.inputs.at(0))].name, x}});
        QCOMPARE(y.size(), size_t(2));
        std::vector<Shape> shapes{y[0].shape(), y[1].shape()};
        std::vector<std::vector<std::vector<float>>> f{{y[0].toFloat(), y[1].toFloat()}};
        const int boxes = y[0].shape().back() == 4 ? 0 : 1, scores = 1 - boxes;
        size_t faces = 0;
        for (size_t a = 0; a < f[0][size_t(scores)].size(); a += 2) faces += f[0][size_t(scores)][a + 1] > 0.5f;
        qInfo("%zu anchors see a face", faces);
        QVERIFY(faces > 0);
        TaskMetrics same = taskMetrics(shapes, f, f);
        QVERIFY(same.boxMatch && *same.boxMatch == 1.0 && !same.maskIoU);
        auto moved = f;
        auto& b = moved[0][size_t(boxes)];
        for (size_t k = 0; k < b.size(); k += 4) {
            const float w = b[k + 2] - b[k];
            b[k] += w, b[k + 2] += w;
        }
        QVERIFY(*taskMetrics(shapes, moved, f).boxMatch == 0.0);
        auto silent = f;
        for (size_t a = 0; a < silent[0][size_t(scores)].size(); a += 2) silent[0][size_t(scores)][a] = 1.f, silent[0][size_t(scores)][a + 1] = 0.f;
        QVERIFY(*taskMetrics(shapes, silent, f).boxMatch == 0.0);
    }

    void testTextDetectorKeepsTheTextOnUnseenImages_data()
    {
        QTest::addColumn<bool>("equalize");  // [quantscope_param] activation_equalization
        QTest::addColumn<double>("minMean");
        QTest::addColumn<double>("minWorst");
        QTest::newRow("MAX_MIN, activation_equalization=false") << false << 0.85 << 0.5;
        // without activation equalization this row fails (mean 0.870, worst 0.564; with it 0.935 and 0.770)
        QTest::newRow("MAX_MIN (activation equalization on by default)") << true << 0.91 << 0.7;
    }

    void testTextDetectorKeepsTheTextOnUnseenImages()
    {
        QFETCH(bool, equalize);
        QFETCH(double, minMean);
        QFETCH(double, minWorst);
        // ppocr_v4_det at 640x640, calibrated on images 1-6 of images/text and evaluated on images 7-12, then the other
        // way round: the text masks (probability > 0.3, DB's threshold) of the int8 export against float. Before the
        // learnable affine blocks and the pieces of its decomposed HardSwish ran in float between the int8
        // convolutions, two of the unseen images lost every text pixel (IoU 0, mean 0.58). Both directions, since six
        // unseen images swing by 0.1-0.3 of IoU each with any change of rounding (text_defocus.jpg, whose smooth maps
        // sit in a few int8 steps, most of all). With activation equalization the first pointwise convolutions' channels,
        // half of which spanned less than one step of their tensor's grid, fill it (see equalizeActivations).
        const std::string folder = test::imagePath("text");
        const std::vector<std::string> images = sortedImages(folder);
        QCOMPARE(images.size(), size_t(12));
        const ImagePreprocess pre = test::pre({123.675f, 116.28f, 103.53f}, {58.395f, 57.12f, 57.375f}, 640, 640);
        const Shape shape{1, 3, 640, 640};
        double sum = 0, worst = 1;
        for (size_t first : {size_t(0), size_t(6)}) {
            QTemporaryDir dir;
            const std::string calib = test::linkFiles({images.begin() + long(first), images.begin() + long(first) + 6}, folder,
                                                      dir.filePath("calib").toStdString());
            Diagnostics d;
            IniDocument config = parseConfig("[common_quant_param]\nquant_type=FULL_QUANT\n" + test::calibrationSection(calib, 6, pre) +
                                                 (equalize ? "" : "[quantscope_param]\nactivation_equalization=false\n"),
                                             "det.ini", d);
            QVERIFY(d.empty());
            LoadOptions lo;
            lo.inputShapes["x"] = shape;
            Session s;
            s.load(test::modelPath("ppocr_v4_det.onnx"), lo);
            s.calibrate(config, {}, nullptr, 2);
            const QuantPlan& plan = s.quantize(config);
            if (equalize) {
                QVERIFY(plan.equalizedActivations >= 60);
                if (first == 0) qInfo("%zu activations equalized", plan.equalizedActivations);
            }
            // The outputs that feed a HardSwish (after an affine block) start where it stops telling values apart (its
            // input -3), not at the calibrated minimum: a finer grid for what it computes with (liveRange).
            size_t cut = 0;
            double ratio = 0;
            for (const auto& [tensor, live] : plan.liveRanges) {
                if (!std::isfinite(live.first)) continue;
                const QuantParams& p = plan.activations.at(tensor);
                const TensorStats& st = s.statistics().at(tensor);
                QVERIFY(st.min() < live.first);
                QVERIFY(std::fabs(double(p.qmin() - p.zeroPoint.at(0)) * p.scale.at(0) - live.first) <= p.scale.at(0));
                ratio += double(p.scale.at(0)) / ((st.max() - std::min(st.min(), 0.0)) / 255.0);
                ++cut;
            }
            if (first == 0) qInfo("%zu activation ranges cut at their live end; step %.2f of MAX_MIN's on average", cut, ratio / double(std::max<size_t>(cut, 1)));
            QVERIFY(cut >= (equalize ? 10 : 30));  // (equalized affine blocks have per-channel constants: their cuts differ by channel)
            QVERIFY(ratio / double(cut) < 0.8);
            Interpreter quant(s.quantizedGraph(), {2, true, false}), ref(s.graph(), {2, true, false});
            double part = 0;
            std::vector<std::vector<std::vector<float>>> quantOutputs, floatOutputs;
            for (size_t k = 0; k < 6; ++k) {
                const std::string& image = images[(first + 6 + k) % 12];
                Tensor x = loadImageTensor(folder + "/" + image, pre, shape, true);
                auto q = quant.run({{"x", x}})[0].toFloat(), f = ref.run({{"x", x}})[0].toFloat();
                quantOutputs.push_back({q});
                floatOutputs.push_back({f});
                QCOMPARE(q.size(), f.size());
                QVERIFY(std::none_of(q.begin(), q.end(), [](float v) { return std::isnan(v); }));
                size_t both = 0, either = 0;
                for (size_t i = 0; i < f.size(); ++i) {
                    both += q[i] > 0.3f && f[i] > 0.3f;
                    either += q[i] > 0.3f || f[i] > 0.3f;
                }
                const double iou = either ? double(both) / double(either) : 1.0;
                qInfo("%s: text-mask IoU %.3f (%zu float text pixels)", image.c_str(), iou, size_t(std::count_if(f.begin(), f.end(), [](float v) { return v > 0.3f; })));
                part += iou, worst = std::min(worst, iou);
            }
            // the task metric the CLI and the GUI report is this mean
            const TaskMetrics m = taskMetrics({{1, 1, 640, 640}}, quantOutputs, floatOutputs);
            QVERIFY(m.maskIoU && !m.boxMatch);
            QVERIFY(std::fabs(*m.maskIoU - part / 6) < 1e-12);
            sum += part;
        }
        qInfo("mean IoU %.3f, worst %.3f", sum / 12, worst);
        QVERIFY2(worst >= minWorst, qPrintable(QString("worst IoU %1").arg(worst)));
        QVERIFY2(sum / 12 >= minMean, qPrintable(QString("mean IoU %1").arg(sum / 12)));
    }

    void testPaddleSlimMethodsAndOpTypeSelection()
    {
        // One calibration pass; every range method and the PaddleSlim op-type selection reuse its statistics.
        QTemporaryDir dir;
        IniDocument config = configFor(linkCalibration(dir.path(), "imagenet-sample"), true);
        config.set("data_preprocess_param", "calibrate_size", "10");
        Session s;
        s.load(test::modelPath("mobilenet_v1_0.25_224.onnx"));
        s.calibrate(config, {}, nullptr, 2);
        std::string probe;  // the input of the second depthwise convolution: a Clip (ReLU6) output
        int depthwiseSeen = 0;
        for (const Node& n : s.graph().nodes)
            if (n.opType == "Conv" && n.attrInt("group", 1) > 1 && ++depthwiseSeen == 2) probe = s.graph().values[n.inputs[0]].name;
        QVERIFY2(s.statistics().count(probe), "the probe activation was not observed");
        std::map<std::string, double> width;
        for (const std::string& method : rangeMethodNames()) {
            config.set("full_quant_param", "activation_quant_method", method);
            const QuantPlan& plan = s.quantize(config);
            QVERIFY2(plan.quantizedNodes.size() > 40, qPrintable(QString::fromStdString(method)));
            for (const auto& [name, p] : plan.activations)
                QVERIFY2(std::isfinite(p.scale[0]) && p.scale[0] > 0, qPrintable(QString::fromStdString(method + " " + name)));
            width[method] = plan.activations.at(probe).scale[0];
            if (method == "MSE")  // the probe never goes below 0: all 256 levels stay on its side, as MAX_MIN's do
                QCOMPARE(plan.activations.at(probe).zeroPoint.at(0), int32_t(plan.activations.at(probe).qmin()));
        }
        // The observed range is the widest; the clipping methods choose narrower ones; ABS_MAX covers [-a, a].
        QCOMPARE(width.size(), size_t(7));
        QVERIFY(width["ABS_MAX"] >= width["MAX_MIN"]);
        for (const char* m : {"KL", "REMOVAL_OUTLIER", "HIST", "MSE", "AVG"}) QVERIFY2(width[m] <= width["ABS_MAX"], m);
        QVERIFY(width["MSE"] <= width["MAX_MIN"]);

        // quantizable_op_type=conv2d: the depthwise convolutions stay float, the others run in int8.
        config.set("full_quant_param", "activation_quant_method", "MAX_MIN");
        config.set("quantscope_param", "quantizable_op_type", "conv2d");
        const QuantPlan& convOnly = s.quantize(config);
        int depthwiseFloat = 0, convInt8 = 0;
        for (const Node& n : s.graph().nodes) {
            if (n.opType != "Conv") continue;
            bool depthwise = n.attrInt("group", 1) > 1;
            if (depthwise) {
                QVERIFY(!convOnly.quantizedNodes.count(n.name));
                depthwiseFloat += convOnly.floatReasons.at(n.name).find("quantizable_op_type") != std::string::npos;
            } else {
                convInt8 += convOnly.quantizedNodes.count(n.name) != 0;
            }
        }
        QCOMPARE(depthwiseFloat, 13);
        QCOMPARE(convInt8, 15);
        size_t convOnlyCount = convOnly.quantizedNodes.size();
        config.set("quantscope_param", "is_full_quantize", "true");  // overrides the list
        QVERIFY(s.quantize(config).quantizedNodes.size() > convOnlyCount);
    }

    void testDebugReportsHaveMindSporeColumns()
    {
        QTemporaryDir dir;
        IniDocument config = configFor(linkCalibration(dir.path(), "cifar10"), false);
        config.set("data_preprocess_param", "calibrate_size", "3");
        Session s;
        s.load(test::modelPath("resnet8_cifar10.onnx"));
        s.calibrate(config);
        s.quantize(config);
        std::string reports = dir.filePath("debug").toStdString();
        s.writeReports(reports);
        auto lines = [](const std::string& f) { return test::readList(f); };
        auto summary = lines(reports + "/output_summary.csv");
        QCOMPARE(summary.at(0), std::string("Round,TensorName,CosineSimilarity"));
        QCOMPARE(summary.size(), size_t(4));  // header + 3 rounds
        auto round = lines(reports + "/round_2.csv");
        QCOMPARE(round.at(0), std::string("NodeName,NodeType,TensorName,InOutFlag,DataTypeFlag,TensorTypeFlag,Min,Q1,Median,Q3,MAX,Mean,Var,Sparsity,Clip,CosineSimilarity"));
        QVERIFY(round.size() > 40);
        QVERIFY(std::any_of(round.begin(), round.end(), [](const std::string& l) { return l.find(",Dequant,Weight,") != std::string::npos; }));
        auto params = lines(reports + "/quant_param.csv");
        QCOMPARE(params.at(0), std::string("NodeName,NodeType,TensorName,ElementsNum,Dims,Scale,ZeroPoint,Bits,CorrectionVar,CorrectionMean"));
        QVERIFY(std::any_of(params.begin(), params.end(), [](const std::string& l) { return l.find(",32,") != std::string::npos; }));  // int32 biases
        QVERIFY(!fs::exists(reports + "/round_3.csv"));
    }

    void testDebugReportStatisticsAreExact()
    {
        // MobileNet V1 on one ImageNet photo: every float tensor's row in round_0.csv against the tensor's values
        // ordered directly (tensors of 65,536 values and more take the histogram path; the ReLU6 outputs hold runs of
        // zeros, the input 256 distinct values per channel).
        QTemporaryDir dir;
        const std::string images = test::imagePath("imagenet-sample"), photo = "n02097658_silky_terrier.jpg";
        IniDocument config = configFor(test::linkFiles({photo}, images, dir.filePath("calib").toStdString()), true);
        Session s;
        s.load(test::modelPath("mobilenet_v1_0.25_224.onnx"));
        s.calibrate(config);
        s.quantize(config);
        const std::string reports = dir.filePath("debug").toStdString();
        s.writeReports(reports);
        std::map<std::string, std::vector<float>> values;
        const Graph& g = s.graph();
        Tensor x = loadImageTensor(images + "/" + photo, test::imagenetPreprocess(), {1, 3, 224, 224}, true);
        values["input"] = x.toFloat();
        Interpreter(g, {1, false, false, false}).run({{"input", x}}, [&](int, int v, const Tensor& t) {
            if (t.type() == DataType::Float32) values[g.values[size_t(v)].name] = t.toFloat();
        });
        size_t checked = 0, large = 0, clipChecked = 0;
        for (const std::string& line : test::readList(reports + "/round_0.csv")) {
            std::vector<std::string> cells;
            std::stringstream ss(line);
            for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
            if (cells.size() != 16 || cells[4] != "Origin" || cells[5] != "Activation" || !values.count(cells[2])) continue;
            std::vector<float> v = values.at(cells[2]);
            const size_t n = v.size();
            double mean = 0;
            for (float f : v) mean += f;
            mean /= double(n);
            std::sort(v.begin(), v.end());
            const double expected[] = {v.front(), v[size_t(0.25 * double(n - 1))], v[size_t(0.5 * double(n - 1))], v[size_t(0.75 * double(n - 1))],
                                       v.back(), mean};
            for (size_t k = 0; k < 6; ++k) {
                const double got = std::stod(cells[6 + k]);
                QVERIFY2(std::fabs(got - expected[k]) <= 1e-4 * std::max(1.0, std::fabs(expected[k])),
                         qPrintable(QString("%1 column %2: %3, expected %4").arg(cells[2].c_str()).arg(6 + k).arg(got).arg(expected[k])));
            }
            // the clip rate: values more than half a step beyond the grid's ends (nearer ones round to the end)
            if (auto a = s.plan().activations.find(cells[2]); a != s.plan().activations.end() && a->second.scale.size() == 1) {
                const QuantParams& p = a->second;
                const double step = p.scale[0], lo = double(p.qmin() - p.zeroPoint.at(0)) * step - step / 2,
                             hi = double(p.qmax() - p.zeroPoint.at(0)) * step + step / 2;
                const double clipped = double(std::count_if(v.begin(), v.end(), [&](float f) { return f < lo || f > hi; })) / double(n);
                QVERIFY2(std::fabs(std::stod(cells[14]) - clipped) <= 1e-6,
                         qPrintable(QString("%1 clip %2, expected %3").arg(cells[2].c_str()).arg(cells[14].c_str()).arg(clipped)));
                ++clipChecked;
            }
            ++checked;
            large += n >= 65536;
        }
        QVERIFY2(checked >= 50 && large >= 10 && clipChecked >= 20,
                 qPrintable(QString("%1 rows checked, %2 large, %3 clip rates").arg(checked).arg(large).arg(clipChecked)));
    }

    void testStatisticsInEveryLayoutAgree()
    {
        // A real activation (MobileNet's first convolution, 8 channels of 112x112 after ReLU6 on an ImageNet photo)
        // observed plain NCHW, as NHWC, and channel-blocked nChw16c (the 8 padding lanes filled with NaN, which
        // must be ignored): the same exact extremes and channel means, and histograms that see every channel.
        LoadResult m = loadModel(test::modelPath("mobilenet_v1_0.25_224.onnx"));
        Tensor x = loadImageTensor(test::imagePath("imagenet-sample/n02097658_silky_terrier.jpg"), test::imagenetPreprocess(),
                                   {1, 3, 224, 224}, true);
        std::vector<float> nchw;
        Interpreter(m.graph, {1, true, false, false}).run({{"input", x}}, [&](int, int v, const Tensor& t) {
            if (nchw.empty() && t.shape() == Shape{1, 8, 112, 112} && v != m.graph.inputs[0]) nchw = t.toFloat();
        });
        QCOMPARE(nchw.size(), size_t(8 * 112 * 112));
        const int64_t C = 8, S = 112 * 112, B = 16;
        std::vector<float> nhwc(nchw.size()), blocked(size_t(S * B), std::nanf(""));
        for (int64_t c = 0; c < C; ++c)
            for (int64_t p = 0; p < S; ++p) nhwc[size_t(p * C + c)] = blocked[size_t(p * B + c)] = nchw[size_t(c * S + p)];
        TensorStats a, b, c;
        a.add(nchw.data(), {1, 8, 112, 112});
        b.add(nhwc.data(), {1, 112, 112, 8}, true);
        c.addBlocked(blocked.data(), {1, 8, 112, 112}, B);
        double mean = 0;
        for (float v : nchw) mean += v / double(nchw.size());
        for (const TensorStats* s : {&b, &c}) {
            QCOMPARE(s->min(), a.min());
            QCOMPARE(s->max(), a.max());
            QCOMPARE(s->count(), a.count());
            QCOMPARE(s->nonFinite(), int64_t(0));
            for (int64_t k = 0; k < C; ++k) QVERIFY(std::fabs(s->channelMeans()[size_t(k)] - a.channelMeans()[size_t(k)]) < 1e-4);
            // the sampled mean is close to the exact one: no channel was left out (channels differ widely here)
            QVERIFY2(std::fabs(s->mean() - mean) < 0.02 * std::fabs(mean) + 1e-3, qPrintable(QString("%1 vs %2").arg(s->mean()).arg(mean)));
        }
        QVERIFY(std::fabs(a.mean() - mean) < 0.02 * std::fabs(mean) + 1e-3);
    }

    void testStatisticsMemoryDoesNotGrowWithSamples()
    {
        TensorStats s;
        std::vector<float> v(1000);
        for (size_t i = 0; i < v.size(); ++i) v[i] = float(i) / 100.f - 3.f;
        s.add(v.data(), {1, 10, 10, 10});
        size_t bins = s.histogram().size();
        for (int k = 0; k < 500; ++k) s.add(v.data(), {1, 10, 10, 10});
        QCOMPARE(s.histogram().size(), bins);
        QCOMPARE(s.samples(), int64_t(501));
        QCOMPARE(s.min(), -3.0);
        QVERIFY(std::fabs(s.quantile(0.5) - 2.0) < 0.05);
        QCOMPARE(s.channelMeans().size(), size_t(10));
    }
};

QTEST_GUILESS_MAIN(TestQuant)
#include "test_quant.moc"
