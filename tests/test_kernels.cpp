// Optimised kernels (oneDNN) against the plain reference kernels on random shapes and values, and a few
// golden values worked out by hand.
#include <QtTest>

#include <cmath>
#include <limits>

#include <random>

#include "graph/opregistry.h"
#include "runtime/interpreter.h"

using namespace qs;

namespace {

Tensor randomTensor(const Shape& shape, std::mt19937& rng)
{
    Tensor t(DataType::Float32, shape);
    std::uniform_real_distribution<float> dist(-1.f, 1.f);
    for (int64_t i = 0; i < t.count(); ++i) t.data<float>()[i] = dist(rng);
    return t;
}

/** A one-node graph: input "x" (runtime), the others constants. */
Graph oneNode(const std::string& op, std::map<std::string, Attribute> attrs, const Shape& x, std::vector<Tensor> consts)
{
    Graph g;
    Value in;
    in.name = "x";
    in.shape = x;
    g.inputs.push_back(g.addValue(in));
    Node n;
    n.name = op + "_node";
    n.opType = op;
    n.attrs = std::move(attrs);
    n.inputs.push_back(0);
    for (size_t i = 0; i < consts.size(); ++i) n.inputs.push_back(g.addConstant("c" + std::to_string(i), consts[i]));
    Value out;
    out.name = "y";
    n.outputs.push_back(g.addValue(out));
    g.outputs.push_back(n.outputs[0]);
    g.addNode(std::move(n));
    g.finalize();
    return g;
}

// return the largest |a - b| relative to the largest |b|; NaN when either holds a NaN where the other does not
// compare equal (so a comparison with it fails), infinity when the sizes differ
float maxRelDiff(const Tensor& a, const Tensor& b)
{
    auto x = a.toFloat(), y = b.toFloat();
    if (x.size() != y.size()) return std::numeric_limits<float>::infinity();
    float m = 0, scale = 1e-6f;
    for (size_t i = 0; i < x.size(); ++i) {
        const float d = std::fabs(x[i] - y[i]);
        if (!(d <= m)) m = d;  // std::max(m, NaN) would keep m and hide the NaN
        scale = std::max(scale, std::fabs(y[i]));
    }
    return m / scale;
}

Attribute ints(std::vector<int64_t> v) { return Attribute::ofInts(std::move(v)); }

}  // namespace

class TestKernels : public QObject {
    Q_OBJECT
private slots:
    void testOptimisedMatchesReference_data()
    {
        QTest::addColumn<QString>("op");
        QTest::addColumn<int>("caseId");
        const char* names[] = {"conv3x3-nchw", "conv-stride2-pad", "conv-depthwise", "conv-grouped", "conv-dilated",
                               "conv1x1-relu6", "conv-1d", "conv-nhwc-ohwi-same", "conv-nhwc-depthwise", "convtranspose-k2s2",
                               "convtranspose-k3s2-outpad", "convtranspose-k2s2-one-channel", "matmul-2d", "matmul-batched-broadcast", "gemm-transB-bias",
                               "gemm-alpha-beta-fullC", "fullyconnected"};
        for (int i = 0; i < int(std::size(names)); ++i) QTest::newRow(names[i]) << QString(names[i]) << i;
    }

    void testOptimisedMatchesReference()
    {
        QFETCH(int, caseId);
        std::mt19937 rng(1234 + caseId);
        Graph g;
        Shape x;
        auto conv = [&](Shape xs, Shape ws, std::map<std::string, Attribute> attrs, bool bias = true) {
            x = xs;
            std::vector<Tensor> c{randomTensor(ws, rng)};
            std::string wl = attrs.count("weight_layout") ? attrs["weight_layout"].s : "OIHW";
            int64_t oc = wl == "1HWO" ? ws.back() : ws[0];
            if (bias) c.push_back(randomTensor({oc}, rng));
            g = oneNode("Conv", attrs, xs, c);
        };
        switch (caseId) {
        case 0: conv({2, 5, 9, 11}, {7, 5, 3, 3}, {{"pads", ints({1, 1, 1, 1})}}); break;
        case 1: conv({1, 6, 15, 14}, {8, 6, 3, 3}, {{"pads", ints({0, 1, 1, 0})}, {"strides", ints({2, 2})}}); break;
        case 2: conv({1, 16, 12, 12}, {16, 1, 3, 3}, {{"group", Attribute::ofInt(16)}, {"pads", ints({1, 1, 1, 1})}}); break;
        case 3: conv({1, 8, 10, 10}, {12, 4, 3, 3}, {{"group", Attribute::ofInt(2)}}); break;
        case 4: conv({1, 4, 17, 17}, {6, 4, 3, 3}, {{"dilations", ints({2, 3})}, {"pads", ints({2, 3, 2, 3})}}); break;
        case 5:
            conv({1, 32, 7, 7}, {24, 32, 1, 1}, {{"fused_activation", Attribute::ofString("RELU6")}}, false);
            break;
        case 6: conv({2, 3, 50}, {5, 3, 5}, {{"pads", ints({2, 2})}, {"strides", ints({2})}}); break;
        case 7:
            conv({1, 13, 11, 6}, {9, 3, 3, 6},
                 {{"layout", Attribute::ofString("NHWC")}, {"weight_layout", Attribute::ofString("OHWI")},
                  {"auto_pad", Attribute::ofString("SAME_UPPER")}, {"strides", ints({2, 2})}});
            break;
        case 8:
            conv({1, 10, 10, 8}, {1, 3, 3, 8},
                 {{"layout", Attribute::ofString("NHWC")}, {"weight_layout", Attribute::ofString("1HWO")},
                  {"group", Attribute::ofInt(8)}, {"auto_pad", Attribute::ofString("SAME_UPPER")}});
            break;
        case 9:
            x = {1, 6, 5, 7};
            g = oneNode("ConvTranspose", {{"strides", ints({2, 2})}}, x, {randomTensor({6, 4, 2, 2}, rng), randomTensor({4}, rng)});
            break;
        case 10:
            x = {1, 4, 6, 6};
            g = oneNode("ConvTranspose", {{"strides", ints({2, 2})}, {"pads", ints({1, 1, 1, 1})}, {"output_padding", ints({1, 1})}},
                        x, {randomTensor({4, 3, 3, 3}, rng)});
            break;
        case 11:
            // kernel = stride, one output channel: output tiles computed directly (see ConvTransposeKernel::tiles)
            x = {2, 24, 6, 5};
            g = oneNode("ConvTranspose", {{"strides", ints({2, 3})}, {"kernel_shape", ints({2, 3})}}, x,
                        {randomTensor({24, 1, 2, 3}, rng), randomTensor({1}, rng)});
            break;
        case 12: x = {13, 17}; g = oneNode("MatMul", {}, x, {randomTensor({17, 9}, rng)}); break;
        case 13: x = {3, 1, 5, 8}; g = oneNode("MatMul", {}, x, {randomTensor({4, 8, 6}, rng)}); break;
        case 14:
            x = {5, 12};
            g = oneNode("Gemm", {{"transB", Attribute::ofInt(1)}}, x, {randomTensor({7, 12}, rng), randomTensor({7}, rng)});
            break;
        case 15:
            x = {6, 4};
            g = oneNode("Gemm", {{"alpha", Attribute::ofFloat(0.5f)}, {"beta", Attribute::ofFloat(2.f)}}, x,
                        {randomTensor({4, 3}, rng), randomTensor({6, 3}, rng)});
            break;
        case 16:
            x = {2, 3, 8};
            g = oneNode("FullyConnected", {{"fused_activation", Attribute::ofString("RELU")}}, x,
                        {randomTensor({5, 24}, rng), randomTensor({5}, rng)});
            break;
        }
        g.values[0].shape = x;
        Tensor input = randomTensor(x, rng);
        Interpreter fast(g, {2, true, false}), ref(g, {1, true, true});
        Tensor a = fast.run({{"x", input}})[0];
        Tensor b = ref.run({{"x", input}})[0];
        QCOMPARE(a.shape(), b.shape());
        float d = maxRelDiff(a, b);
        QVERIFY2(d < 1e-5f, qPrintable(QString("max relative difference %1").arg(d)));
    }

    void testPointwiseChainAfterConv()
    {
        // Conv -> x 2 -> + 0.5 -> HardSwish written out (x * Clip(x + 3, 0, 6) / 6) -> x 1.5 -> - 0.25, the shape of
        // PP-OCRv4's learnable affine blocks: the fused run (oneDNN post-ops) computes what the unfused reference does.
        // (oneDNN 2.6 got a linear post-op after a HardSwish one wrong.)
        std::mt19937 rng(77);
        Graph g;
        Value in;
        in.name = "x";
        in.shape = {1, 8, 9, 9};
        g.inputs.push_back(g.addValue(in));
        int cur = 0;
        auto node = [&](const std::string& op, std::vector<int> inputs, std::map<std::string, Attribute> attrs = {}) {
            Node n;
            n.name = op + std::to_string(g.nodes.size());
            n.opType = op;
            n.inputs = std::move(inputs);
            n.attrs = std::move(attrs);
            Value out;
            out.name = n.name + "_out";
            n.outputs.push_back(g.addValue(out));
            const int v = n.outputs[0];
            g.addNode(std::move(n));
            return v;
        };
        auto scalar = [&](float v) { return g.addConstant("s" + std::to_string(g.values.size()), Tensor::scalarFloat(v)); };
        cur = node("Conv", {cur, g.addConstant("w", randomTensor({16, 8, 3, 3}, rng)), g.addConstant("b", randomTensor({16}, rng))},
                   {{"pads", ints({1, 1, 1, 1})}});
        cur = node("Mul", {cur, scalar(2.f)});
        cur = node("Add", {cur, scalar(0.5f)});
        const int x = cur;
        const int shifted = node("Add", {x, scalar(3.f)});
        const int clipped = node("Clip", {shifted, scalar(0.f), scalar(6.f)});
        cur = node("Div", {node("Mul", {x, clipped}), scalar(6.f)});
        cur = node("Mul", {scalar(1.5f), cur});
        cur = node("Sub", {cur, scalar(0.25f)});
        g.outputs.push_back(cur);
        g.finalize();
        Tensor input = randomTensor({1, 8, 9, 9}, rng);
        Interpreter fused(g, {1, true, false}), plain(g, {1, false, true});
        Tensor a = fused.run({{"x", input}})[0], b = plain.run({{"x", input}})[0];
        QCOMPARE(a.shape(), b.shape());
        const float d = maxRelDiff(a, b);
        QVERIFY2(d < 1e-5f, qPrintable(QString("max relative difference %1").arg(d)));
    }

    void testConvGolden()
    {
        // 1x1x3x3 input 1..9, 2x2 kernel of ones, stride 1: sums of each 2x2 window.
        Graph g = oneNode("Conv", {}, {1, 1, 3, 3}, {Tensor::fromFloat(std::vector<float>(4, 1.f), {1, 1, 2, 2})});
        std::vector<float> in{1, 2, 3, 4, 5, 6, 7, 8, 9};
        Interpreter interp(g);
        auto out = interp.run({{"x", Tensor::fromFloat(in, {1, 1, 3, 3})}})[0].toFloat();
        QCOMPARE(out, (std::vector<float>{12, 16, 24, 28}));
    }

    void testBufferReuseKeepsValuesApart()
    {
        // A chain long enough that buffers are recycled: x -> Add(1) -> Mul(2) -> Add(1) ... must equal the formula.
        Graph g;
        Value in;
        in.name = "x";
        in.shape = {4};
        int prev = g.addValue(in);
        g.inputs.push_back(prev);
        for (int i = 0; i < 10; ++i) {
            Node n;
            n.name = "n" + std::to_string(i);
            n.opType = i % 2 ? "Mul" : "Add";
            n.inputs = {prev, g.addConstant("k" + std::to_string(i), Tensor::scalarFloat(i % 2 ? 2.f : 1.f))};
            Value v;
            v.name = "v" + std::to_string(i);
            n.outputs = {g.addValue(v)};
            prev = n.outputs[0];
            g.addNode(std::move(n));
        }
        g.outputs.push_back(prev);
        g.finalize();
        Interpreter interp(g);
        auto y = interp.run({{"x", Tensor::fromFloat(std::vector<float>{0, 1, 2, 3}, {4})}})[0].toFloat();
        for (int k = 0; k < 4; ++k) {
            float v = float(k);
            for (int i = 0; i < 10; ++i) v = i % 2 ? v * 2 : v + 1;
            QCOMPARE(y[size_t(k)], v);
        }
    }
};

QTEST_GUILESS_MAIN(TestKernels)
#include "test_kernels.moc"
