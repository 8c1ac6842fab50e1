// Weight quantization (fixed 1-16 bits, mixed bits, thresholds, Paddle Lite's threshold_rate) and dynamic
// quantization (ALWC, ACWL) on real models: the exports read back, run in ONNX Runtime / LiteRT, and give what
// Quantscope's simulation of the same file gives.
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>

#include "calibration/datasource.h"
#include "calibration/probe.h"
#include "config/config.h"
#include "report/debugreport.h"
#include "runtime/interpreter.h"
#include "quant/optypes.h"
#include "quant/weightquant.h"
#include "runtimes.h"
#include "session/session.h"
#include "testdata.h"

using namespace qs;
namespace fs = std::filesystem;

namespace {
IniDocument ini(const std::string& text)
{
    Diagnostics d;
    return parseConfig(text, "test.ini", d);
}

std::string weightIni(int bits, const std::string& extra = {})
{
    return "[common_quant_param]\nquant_type=WEIGHT_QUANT\nbit_num=" + std::to_string(bits) +
           "\nmin_quant_weight_size=0\nmin_quant_weight_channel=0\n" + extra;
}

struct Probe {
    std::string input, output;
    Tensor x;
};

// A real eval image of the model's kind, preprocessed for its input.
Probe probe(const Graph& g, bool imagenet)
{
    Probe p{g.values[g.inputs[0]].name, g.values[g.outputs[0]].name, {}};
    bool nchw = g.info.format == "onnx";
    std::string image = imagenet ? "imagenet-sample/n02097658_silky_terrier.jpg" : "cifar10/bird_0001.jpg";
    p.x = loadImageTensor(test::imagePath(image), imagenet ? test::imagenetPreprocess() : test::pre({}, {}),
                          g.values[g.inputs[0]].shape, nchw);
    return p;
}

// Exports with config, reads the file back, and checks the runtime against Quantscope's simulation of the file.
// return cosine(runtime, simulation)
double exportAndCompare(const QString& dir, const std::string& model, const IniDocument& config, bool imagenet, size_t* bytes = nullptr)
{
    Session s;
    s.load(test::modelPath(model));
    s.quantize(config);
    std::string out = (fs::path(dir.toStdString()) / ("q" + fs::path(model).extension().string())).string();
    s.save(out);
    if (bytes) *bytes = fs::file_size(out);
    LoadResult back = loadModel(out);  // round trip
    Probe p = probe(s.graph(), imagenet);
    Tensor ours = Interpreter(back.graph, {2, true, false}).run({{p.input, p.x}})[0];
    Tensor theirs = test::runRuntime(dir, out, p.input, p.x, p.output);
    return cosineSimilarity(ours.toFloat(), theirs.toFloat());
}
}  // namespace

class TestWeightQuant : public QObject {
    Q_OBJECT
private slots:
    void testThresholdsDecideWhatIsQuantized()
    {
        LoadResult m = loadModel(test::modelPath("mobilenet_v1_0.25_224.onnx"));
        WeightQuantOptions o;
        o.minWeightChannel = 16;  // documented default: more than 16 output channels
        o.minWeightSize = 1000;   // and more than 1000 weights
        QuantPlan plan = buildWeightQuantPlan(m.graph, o);
        int checked = 0;
        for (const Node& n : m.graph.nodes) {
            if (n.opType != "Conv") continue;
            const Tensor& w = *m.graph.values[n.inputs[1]].constant;
            bool expect = w.shape()[0] > 16 && w.count() > 1000;
            QCOMPARE(plan.quantizedNodes.count(n.name) != 0, expect);
            if (!expect) {  // the size rule is checked first
                const std::string& why = plan.floatReasons.at(n.name);
                QVERIFY2(why.find(w.count() <= 1000 ? "min_quant_weight_size=1000" : "min_quant_weight_channel=16") != std::string::npos,
                         why.c_str());
            }
            ++checked;
        }
        QCOMPARE(checked, 28);
        QVERIFY(plan.quantizedNodes.size() > 10 && plan.quantizedNodes.size() < 28);
    }

    void testBitWidthLimits()
    {
        Diagnostics v = validateConfig(ini("[common_quant_param]\nquant_type=WEIGHT_QUANT\nbit_num=17\n"));
        QVERIFY(std::any_of(v.begin(), v.end(), [](const Diagnostic& d) {
            return d.severity == Diagnostic::Severity::Error && d.key == "bit_num" && d.line == 3;
        }));
        LoadResult m = loadModel(test::modelPath("resnet8_cifar10.onnx"));
        WeightQuantOptions o;
        o.bits = 17;
        QVERIFY_THROWS_EXCEPTION(InputError, buildWeightQuantPlan(m.graph, o));
        // Every width from 1 to 16 keeps its values inside its range.
        const Tensor& w = *m.graph.values[m.graph.nodes[0].inputs[1]].constant;
        for (int b = 1; b <= 16; ++b) {
            QuantizedConstant q = quantizeWeightBits(w, 0, b, 0.0, true);
            auto v = q.values.toInt64();
            int64_t top = b == 1 ? 1 : (int64_t(1) << (b - 1)) - 1;
            QVERIFY(std::all_of(v.begin(), v.end(), [&](int64_t x) { return x >= -top && x <= top && (b > 1 || x != 0); }));
        }
    }

    void testEveryBitWidthExportsAndRunsInOnnxRuntime_data()
    {
        QTest::addColumn<int>("bits");
        for (int b : {1, 2, 3, 4, 6, 8, 12, 16}) QTest::newRow(qPrintable(QString("%1 bit").arg(b))) << b;
    }

    void testEveryBitWidthExportsAndRunsInOnnxRuntime()
    {
        QFETCH(int, bits);
        QTemporaryDir dir;
        size_t bytes = 0;
        double c = exportAndCompare(dir.path(), "resnet8_cifar10.onnx", ini(weightIni(bits)), false, &bytes);
        qInfo("resnet8 %d-bit weights: %zu bytes (float %zu), cosine(ONNX Runtime, simulation) = %.7f", bits, bytes,
              size_t(fs::file_size(test::modelPath("resnet8_cifar10.onnx"))), c);
        QVERIFY2(c >= 0.9999, qPrintable(QString::number(c)));
        // packed bit planes make the file shrink with the width
        QVERIFY(double(bytes) < double(fs::file_size(test::modelPath("resnet8_cifar10.onnx"))) * (bits / 32.0 + 0.08));
    }

    void testInt8WeightsUseDequantizeLinear()
    {
        // 8-bit weight-only ONNX exports hold each weight as int8 behind a standard DequantizeLinear (the form ONNX
        // Runtime, TensorRT and Netron recognise); only widths without a standard container use packed bit planes.
        Session s;
        s.load(test::modelPath("resnet8_cifar10.onnx"));
        const QuantPlan& plan = s.quantize(ini(weightIni(8)));
        QVERIFY(!plan.constants.empty());
        const Graph& q = s.quantizedGraph();
        size_t dequantize = 0, casts = 0;
        for (const Node& n : q.nodes) {
            casts += n.opType == "Cast";
            if (n.opType != "DequantizeLinear") continue;
            ++dequantize;
            QVERIFY(!n.inputs.empty() && n.inputs[0] >= 0);
            const Value& stored = q.values[size_t(n.inputs[0])];
            QVERIFY(stored.constant && stored.constant->type() == DataType::Int8);
            QVERIFY(plan.constants.count(q.values[size_t(n.outputs.at(0))].name) ||
                    q.values[size_t(n.outputs.at(0))].name.find("_scaled") != std::string::npos);
        }
        QCOMPARE(dequantize, plan.constants.size());
        QCOMPARE(casts, size_t(0));
    }

    // node_weight_bits: the named node's width, with fixed and with mixed bits; the others unchanged
    void testPerNodeBits()
    {
        Session s;
        s.load(test::modelPath("resnet8_cifar10.onnx"));
        const Graph& g = s.graph();
        std::vector<std::string> convs;
        for (const Node& n : g.nodes)
            if (n.opType == "Conv") convs.push_back(n.name);
        QVERIFY(convs.size() >= 3);
        auto weightOf = [&](const std::string& n) { return g.values[size_t(g.nodes[size_t(g.findNode(n))].inputs.at(1))].name; };
        for (int bits : {8, 0}) {
            const std::string mixed = bits ? "" : "[mixed_bit_weight_quant_param]\ninit_scale=0.02\n";
            const QuantPlan plan = s.quantize(ini(weightIni(bits, mixed + "[quantscope_param]\nnode_weight_bits=" + convs[1] + ":3," + convs[2] + ":12\n")));
            QCOMPARE(plan.constants.at(weightOf(convs[1])).params.bits, 3);
            QCOMPARE(plan.constants.at(weightOf(convs[2])).params.bits, 12);
            if (bits) QCOMPARE(plan.constants.at(weightOf(convs[0])).params.bits, 8);
        }
    }

    void testMixedBitsAndAutoTune()
    {
        QTemporaryDir dir;
        fs::path calib = fs::path(dir.path().toStdString()) / "calib";
        test::linkFiles(test::readList(test::imagePath("cifar10") + "/calib.txt"), test::imagePath("cifar10"), calib.string());
        std::string data = test::calibrationSection(calib.string(), 20, test::pre({}, {}));
        Session s;
        s.load(test::modelPath("resnet8_cifar10.onnx"));
        IniDocument fixed = ini(weightIni(0, "[mixed_bit_weight_quant_param]\ninit_scale=0.02\n"));
        const QuantPlan& plan = s.quantize(fixed);
        std::set<int> widths;
        for (const auto& [name, q] : plan.constants) widths.insert(q.params.bits);
        QVERIFY2(widths.size() >= 2, "mixed bits chose one width for every layer");
        QCOMPARE(plan.initScale, 0.02);
        // auto_tune needs data, and says so
        IniDocument tuned = ini(weightIni(0, "[mixed_bit_weight_quant_param]\nauto_tune=true\n") + data);
        QVERIFY_THROWS_EXCEPTION(InputError, s.quantize(tuned));
        s.calibrate(tuned);
        const QuantPlan& t = s.quantize(tuned);
        QVERIFY(t.initScale > 0.001 && t.initScale < 0.5);
        // the tuned model keeps the output cosine near the target on the eval images
        Interpreter q(s.quantizedGraph()), f(s.graph());
        auto eval = test::readList(test::imagePath("cifar10") + "/eval.txt");
        double sum = 0;
        for (size_t i = 0; i < 20; ++i) {
            Tensor x = loadImageTensor(test::imagePath("cifar10/" + eval[i * 50]), test::pre({}, {}), {1, 3, 32, 32}, true);
            sum += cosineSimilarity(q.run({{"input", x}})[0].toFloat(), f.run({{"input", x}})[0].toFloat());
        }
        qInfo("auto_tune chose init_scale %.4f; eval cosine %.5f", t.initScale, sum / 20);
        QVERIFY(sum / 20 >= 0.99);
    }

    void testCalibrationDataKeepsEachChannelsMeanOutput()
    {
        // With calibration data, weight and dynamic quantization round each output channel's weights so that
        // sum((w_q - w) * E[input]) stays below one step of the largest input mean, and the model output moves less
        // than with the data-free rounding, on real ImageNet images through MobileNet (a model that needs it).
        QTemporaryDir dir;
        fs::path calib = fs::path(dir.path().toStdString()) / "calib";
        const std::string folder = test::imagePath("imagenet-sample");
        test::linkFiles(test::readList(folder + "/calib.txt"), folder, calib.string());
        std::string data = test::calibrationSection(calib.string(), 16, test::imagenetPreprocess());
        for (const std::string& type : {std::string("WEIGHT_QUANT\nbit_num=8\nmin_quant_weight_channel=0"), std::string("DYNAMIC_QUANT")}) {
            IniDocument config = ini("[common_quant_param]\nquant_type=" + type + "\n" + data);
            Session blind, informed;
            blind.load(test::modelPath("mobilenet_v1_0.25_224.onnx"));
            informed.load(test::modelPath("mobilenet_v1_0.25_224.onnx"));
            blind.quantize(config);
            informed.calibrate(config);
            const QuantPlan& plan = informed.quantize(config);
            const Graph& g = informed.graph();
            int checked = 0;
            for (const Node& n : g.nodes) {
                if (!plan.quantizedNodes.count(n.name)) continue;
                const Tensor& w = *g.values[size_t(n.inputs[1])].constant;
                const QuantizedConstant& q = plan.constants.at(g.values[size_t(n.inputs[1])].name);
                QVERIFY(q.roundedForData);
                QVERIFY(blind.plan().constants.at(g.values[size_t(n.inputs[1])].name).roundedForData);  // the noise probe's means
                std::vector<float> mean = inputMeanPerWeight(g, n, informed.statistics());
                QCOMPARE(mean.size(), size_t(w.count()));
                auto wf = w.toFloat();
                auto wq = dequantize(q.values, q.params);
                auto index = weightIndexer(n, w.shape(), 0);
                std::vector<double> shift(q.params.scale.size()), top(q.params.scale.size());
                for (size_t i = 0; i < wf.size(); ++i) {
                    size_t o = size_t(index(int64_t(i)).outChannel);
                    shift[o] += (double(wq[i]) - wf[i]) * mean[i];
                    top[o] = std::max(top[o], std::fabs(double(mean[i])));
                }
                for (size_t o = 0; o < shift.size(); ++o)
                    QVERIFY2(std::fabs(shift[o]) <= 0.5 * q.params.scale[o] * top[o] + 1e-6,
                             qPrintable(QString::fromStdString(n.name) + " channel " + QString::number(o)));
                ++checked;
            }
            QCOMPARE(checked, type.starts_with("DYNAMIC") ? 15 : 28);  // dynamic: depthwise convolutions stay float
            auto eval = test::readList(folder + "/eval.txt");
            Interpreter f(g), a(blind.quantizedGraph()), b(informed.quantizedGraph());
            double cosBlind = 0, cosInformed = 0;
            for (size_t i = 0; i < 10; ++i) {
                Tensor x = loadImageTensor(folder + "/" + eval[i * 9], test::imagenetPreprocess(), {1, 3, 224, 224}, true);
                auto y = f.run({{"input", x}})[0].toFloat();
                cosBlind += cosineSimilarity(a.run({{"input", x}})[0].toFloat(), y) / 10;
                cosInformed += cosineSimilarity(b.run({{"input", x}})[0].toFloat(), y) / 10;
            }
            qInfo("%s: output cosine %.5f without data, %.5f with", type.substr(0, type.find('\n')).c_str(), cosBlind, cosInformed);
            QVERIFY(cosInformed > cosBlind);
            QCOMPARE(plan.roundingData, std::string("the calibration data"));
            QCOMPARE(blind.plan().roundingData, std::string("a noise probe (no calibration data)"));
        }
    }

    void testNoiseProbeStandsInForMissingData()
    {
        // Without calibration data the rounding takes its input means from a noise probe (probe.h): on real ImageNet
        // images through MobileNet, the weights a weight-only and a dynamic plan store keep the output closer to
        // float than the same rounding with equal means for every input (and than weight-only's data-free
        // mean/spread correction).
        LoadResult m = loadModel(test::modelPath("mobilenet_v1_0.25_224.onnx"));
        const Graph& g = m.graph;
        const ImagePreprocess pre = test::imagenetPreprocess();
        ProbeStatistics probe = probeStatistics(g, &pre);
        QVERIFY2(!probe.stats.empty(), probe.why.c_str());
        WeightQuantOptions w;
        w.minWeightChannel = 0;
        WeightQuantOptions wp = w;
        wp.stats = &probe.stats;
        wp.meansMinBits = 8;
        DynamicQuantOptions d, dp;
        dp.stats = &probe.stats;
        const std::vector<std::pair<QuantPlan, QuantPlan>> plans = {{buildWeightQuantPlan(g, w), buildWeightQuantPlan(g, wp)},
                                                                    {buildDynamicQuantPlan(g, d), buildDynamicQuantPlan(g, dp)}};
        const std::string folder = test::imagePath("imagenet-sample");
        auto eval = test::readList(folder + "/eval.txt");
        Interpreter f(g);
        for (const auto& [equal, probed] : plans) {
            for (const auto& [name, q] : probed.constants) QVERIFY(q.roundedForData);
            const Graph ga = withDequantizedWeights(g, equal), gb = withDequantizedWeights(g, probed);  // Interpreter keeps a reference
            Interpreter a(ga), b(gb);
            double cosEqual = 0, cosProbe = 0;
            for (size_t i = 0; i < 10; ++i) {
                Tensor x = loadImageTensor(folder + "/" + eval[i * 9], pre, {1, 3, 224, 224}, true);
                auto y = f.run({{"input", x}})[0].toFloat();
                cosEqual += cosineSimilarity(a.run({{"input", x}})[0].toFloat(), y) / 10;
                cosProbe += cosineSimilarity(b.run({{"input", x}})[0].toFloat(), y) / 10;
            }
            qInfo("%s weights: output cosine %.5f with equal means, %.5f with the probe's", probed.quantType.c_str(), cosEqual, cosProbe);
            QVERIFY(cosProbe > cosEqual);
        }
        // below 8 bits the probe's means are not used: each channel keeps its mean weight and spread instead
        wp.bits = 6;
        for (const auto& [name, q] : buildWeightQuantPlan(g, wp).constants) QVERIFY(!q.roundedForData && !q.correctionVar.empty());
        // a model whose input size is open cannot be probed, and says why
        ProbeStatistics open = probeStatistics(loadModel(test::modelPath("ppocr_v4_det.onnx")).graph, nullptr);
        QVERIFY(open.stats.empty());
        QVERIFY2(open.why.find("dynamic shape") != std::string::npos, open.why.c_str());
    }

    void testDynamicLeavesDepthwiseFloatUnlessAsked()
    {
        // Dynamic quantization keeps MobileNet's 13 depthwise convolutions float and says why in the plan;
        // [quantscope_param] quantizable_op_type selects op types, depthwise_conv2d included.
        LoadResult m = loadModel(test::modelPath("mobilenet_v1_0.25_224.onnx"));
        QuantPlan plain = buildDynamicQuantPlan(m.graph, {});
        DynamicQuantOptions all;
        all.opTypes = {"conv2d", "depthwise_conv2d"};
        QuantPlan everything = buildDynamicQuantPlan(m.graph, all);
        DynamicQuantOptions dwOnly;
        dwOnly.opTypes = {"depthwise_conv2d"};
        QuantPlan depthwise = buildDynamicQuantPlan(m.graph, dwOnly);
        int dw = 0;
        for (const Node& n : m.graph.nodes) {
            if (n.opType != "Conv") continue;
            bool isDw = isDepthwise(m.graph, n);
            dw += isDw;
            QCOMPARE(plain.quantizedNodes.count(n.name) == 0, isDw);
            if (isDw) QVERIFY(plain.floatReasons.at(n.name).find("depthwise_conv2d") != std::string::npos);
            QVERIFY(everything.quantizedNodes.count(n.name));
            QCOMPARE(depthwise.quantizedNodes.count(n.name) != 0, isDw);
            if (!isDw) QVERIFY(depthwise.floatReasons.at(n.name).find("quantizable_op_type") != std::string::npos);
        }
        QCOMPARE(dw, 13);
        QCOMPARE(int(plain.dynamicActivations.size()), 15);
    }

    void testThresholdRateClipsWeights()
    {
        LoadResult m = loadModel(test::modelPath("mobilenet_v1_0.25_224.onnx"));
        const Tensor* largest = nullptr;  // the biggest pointwise convolution: many weights per channel
        for (const Node& n : m.graph.nodes)
            if (n.opType == "Conv" && (!largest || m.graph.values[n.inputs[1]].constant->count() > largest->count()))
                largest = &*m.graph.values[n.inputs[1]].constant;
        const Tensor& w = *largest;
        QuantizedConstant plain = quantizeWeightBits(w, 0, 8), clipped = quantizeWeightBits(w, 0, 8, 0.05);
        int smaller = 0;
        for (size_t c = 0; c < plain.params.scale.size(); ++c) {
            QVERIFY(clipped.params.scale[c] <= plain.params.scale[c]);
            smaller += clipped.params.scale[c] < plain.params.scale[c];
        }
        QVERIFY(smaller > int(plain.params.scale.size()) / 2);
    }

    void testExportsRunInRuntimes_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("config");
        const char* dyn = "[common_quant_param]\nquant_type=DYNAMIC_QUANT\n[dynamic_quant_param]\nquant_strategy=";
        for (const char* m : {"mobilenet_v1_0.25_224.onnx", "mobilenet_v1_0.25_224.tflite"}) {
            QTest::newRow(qPrintable(QString(m) + " weight 8")) << m << QString::fromStdString(weightIni(8));
            QTest::newRow(qPrintable(QString(m) + " weight 12")) << m << QString::fromStdString(weightIni(12));
            QTest::newRow(qPrintable(QString(m) + " weight 3 packed")) << m << QString::fromStdString(weightIni(3));  // TFLite: INT4
            QTest::newRow(qPrintable(QString(m) + " dynamic ALWC")) << m << QString(dyn) + "ALWC\n";
        }
        QTest::newRow("mobilenet_v1_0.25_224.onnx dynamic ACWL") << "mobilenet_v1_0.25_224.onnx" << QString(dyn) + "ACWL\n";
    }

    void testExportsRunInRuntimes()
    {
        QFETCH(QString, model);
        QFETCH(QString, config);
        QTemporaryDir dir;
        size_t bytes = 0;
        double c = exportAndCompare(dir.path(), model.toStdString(), ini(config.toStdString()), true, &bytes);
        double ratio = double(bytes) / double(fs::file_size(test::modelPath(model.toStdString())));
        qInfo("%s: cosine(runtime, simulation) = %.6f, size %.3fx", qPrintable(QTest::currentDataTag()), c, ratio);
        QVERIFY2(c >= 0.9999, qPrintable(QString::number(c)));
        // 3-bit weights packed: bit planes in ONNX, INT4 (two a byte) in TFLite; either way well under int8's 0.25x
        if (QString(QTest::currentDataTag()).endsWith("packed")) QVERIFY2(ratio < 0.2, qPrintable(QString::number(ratio)));
    }
};

QTEST_GUILESS_MAIN(TestWeightQuant)
#include "test_weightquant.moc"
