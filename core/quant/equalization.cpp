#include "quant/equalization.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <functional>
#include <memory>
#include <optional>

#include "quant/optypes.h"
#include "runtime/interpreter.h"

namespace qs {

namespace {

// Where a tensor keeps its channels: on axis 1 (ONNX's NCHW convolutions) or on the last axis (TFLite's NHWC
// convolutions, and every matrix product's features). For a rank-2 tensor the two agree.
enum class ChannelAxis { Second, Last };

bool channelsLastLayout(const Node& n)
{
    const std::string layout = n.attrString("weight_layout", "OIHW");
    return layout == "OHWI" || layout == "1HWO";
}

ChannelAxis outputChannels(const Node& n) { return n.opType == "Conv" && !channelsLastLayout(n) ? ChannelAxis::Second : ChannelAxis::Last; }
ChannelAxis inputChannels(const Node& n) { return outputChannels(n); }

const Tensor* floatConstant(const Graph& g, int v)
{
    if (v < 0) return nullptr;
    const Value& value = g.values[size_t(v)];
    return value.constant && value.constant->type() == DataType::Float32 ? &*value.constant : nullptr;
}

// return whether value v is read by node `reader` alone and is not a graph output
bool readOnlyBy(const Graph& g, int v, int reader)
{
    const Value& value = g.values[size_t(v)];
    return value.consumers.size() == 1 && value.consumers[0] == reader &&
           std::find(g.outputs.begin(), g.outputs.end(), v) == g.outputs.end();
}

// return the number of output channels of weighted node n's weights w (0 when the layout is not known)
int64_t outputChannelCount(const Node& n, const Shape& w)
{
    if (n.opType == "MatMul") return w.size() == 2 ? w[1] : 0;
    const int axis = outputChannelAxis(n);
    return axis >= 0 && size_t(axis) < w.size() ? w[size_t(axis)] : 0;
}

// return whether weights w of node n read exactly `channels` input channels (each one, by weightIndexer)
bool readsChannels(const Node& n, const Shape& w, int64_t channels)
{
    if (n.opType == "Conv") {
        const std::string layout = n.attrString("weight_layout", "OIHW");
        if (w.size() != 4) return false;
        if (layout == "1HWO") return w[3] % channels == 0;
        return n.attrInt("group", 1) * (layout == "OHWI" ? w[3] : w[1]) == channels;
    }
    if (n.opType == "Gemm") return n.attrInt("transA", 0) == 0 && w.size() == 2 && (n.attrInt("transB", 0) ? w[1] : w[0]) == channels;
    if (n.opType == "FullyConnected" || n.opType == "MatMul") return w.size() == 2 && w[n.opType == "MatMul" ? 0 : 1] == channels;
    return false;
}

// return whether activation node a commutes with a positive per-channel scale: a(x / s) = a(x) / s
bool positivelyHomogeneous(const Graph& g, const Node& a)
{
    if (a.opType == "Relu" || a.opType == "LeakyRelu" || a.opType == "PRelu") return true;
    if (a.opType != "Clip") return false;
    auto bound = [&](size_t i) -> std::optional<float> {
        if (a.inputs.size() <= i || a.inputs[i] < 0) return std::nullopt;
        const Tensor* t = floatConstant(g, a.inputs[i]);
        return t && t->count() == 1 ? std::optional<float>(t->data<float>()[0]) : std::optional<float>(NAN);
    };
    const std::optional<float> lo = bound(1), hi = bound(2);
    return !hi && (!lo || *lo == 0.f);
}

// The float data of constant v, to change: its own copy the first time (copies of a graph share constants), and v
// recorded in changed.
float* writableConstant(Graph& g, int v, std::set<std::string>& changed)
{
    Value& value = g.values[size_t(v)];
    if (changed.insert(value.name).second) value.constant = value.constant->clone();
    return value.constant->data<float>();
}

struct Pair {
    int first, second;  // node indices
    int64_t channels;
    std::vector<int32_t> out1, in2;  // per weight element: its output channel in the first node, input channel in the second
};

std::vector<int32_t> channelsOf(const std::function<WeightIndex(int64_t)>& index, int64_t count, bool output)
{
    std::vector<int32_t> c(static_cast<size_t>(count));
    for (int64_t k = 0; k < count; ++k) c[size_t(k)] = int32_t(output ? index(k).outChannel : index(k).inChannel);
    return c;
}

std::vector<Pair> findPairs(const Graph& g)
{
    std::vector<Pair> pairs;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const Node& n1 = g.nodes[i];
        if (!isWeighted(g, n1) || n1.outputs.size() != 1) continue;
        const std::string fused = n1.attrString("fused_activation");
        if (!fused.empty() && fused != "RELU") continue;
        const Tensor* w1 = floatConstant(g, n1.inputs[1]);
        if (!w1 || !readOnlyBy(g, n1.inputs[1], int(i))) continue;
        const int64_t channels = outputChannelCount(n1, w1->shape());
        if (channels <= 1) continue;
        if (n1.inputs.size() > 2 && n1.inputs[2] >= 0) {  // a bias scales with its channel
            const Tensor* b = floatConstant(g, n1.inputs[2]);
            if (!b || b->count() != channels || !readOnlyBy(g, n1.inputs[2], int(i))) continue;
        }
        // follow the output through at most one homogeneous activation to a single weighted reader
        int v = n1.outputs[0];
        int reader = g.values[size_t(v)].consumers.size() == 1 ? g.values[size_t(v)].consumers[0] : -1;
        if (reader < 0 || !readOnlyBy(g, v, reader)) continue;
        if (!isWeighted(g, g.nodes[size_t(reader)])) {
            const Node& a = g.nodes[size_t(reader)];
            if (!positivelyHomogeneous(g, a) || a.outputs.size() != 1 || a.inputs[0] != v) continue;
            v = a.outputs[0];
            reader = g.values[size_t(v)].consumers.size() == 1 ? g.values[size_t(v)].consumers[0] : -1;
            if (reader < 0 || !readOnlyBy(g, v, reader)) continue;
        }
        const Node& n2 = g.nodes[size_t(reader)];
        if (!isWeighted(g, n2) || n2.inputs[0] != v) continue;
        const Tensor* w2 = floatConstant(g, n2.inputs[1]);
        if (!w2 || !readOnlyBy(g, n2.inputs[1], reader) || !readsChannels(n2, w2->shape(), channels)) continue;
        // the channels must sit on the same axis for both nodes (always so for a rank-2 tensor)
        const Shape& shape = g.values[size_t(v)].shape;
        if (outputChannels(n1) != inputChannels(n2) && shape.size() != 2) continue;
        const auto index1 = weightIndexer(n1, w1->shape(), -1);
        const auto index2 = weightIndexer(n2, w2->shape(), channels);
        if (!index1 || !index2) continue;
        pairs.push_back({int(i), reader, channels, channelsOf(index1, w1->count(), true), channelsOf(index2, w2->count(), false)});
    }
    return pairs;
}

}  // namespace

EqualizationResult equalizeCrossLayer(const Graph& source)
{
    EqualizationResult result{source, 0, {}, {}};
    Graph& g = result.graph;
    const std::vector<Pair> pairs = findPairs(g);
    result.pairs = pairs.size();
    if (pairs.empty()) {
        result.why = "no pair of weighted nodes joined directly or through Relu/LeakyRelu/PRelu (bounded activations "
                     "such as ReLU6 or HardSwish do not commute with a per-channel scale)";
        return result;
    }
    // the constants a pair rescales get their own storage first (copies of the graph share it)
    auto writable = [&](int v) { return writableConstant(g, v, result.changed); };
    constexpr int kMaxSweeps = 1000;  // a chain of 26 pairs (vww_96) settles after about 420
    constexpr double kSettled = 1e-4;     // largest |log s| of a sweep that ends the iteration
    constexpr double kNegligible = 1e-3;  // of the largest channel range
    for (int sweep = 0; sweep < kMaxSweeps; ++sweep) {
        double largest = 0;
        for (const Pair& p : pairs) {
            const Node& n1 = g.nodes[size_t(p.first)];
            const Node& n2 = g.nodes[size_t(p.second)];
            const float* a = g.values[size_t(n1.inputs[1])].constant->data<float>();
            const float* b = g.values[size_t(n2.inputs[1])].constant->data<float>();
            std::vector<double> r1(size_t(p.channels), 0.0), r2(size_t(p.channels), 0.0);
            for (size_t k = 0; k < p.out1.size(); ++k) r1[size_t(p.out1[k])] = std::max(r1[size_t(p.out1[k])], double(std::fabs(a[k])));
            for (size_t k = 0; k < p.in2.size(); ++k) r2[size_t(p.in2[k])] = std::max(r2[size_t(p.in2[k])], double(std::fabs(b[k])));
            // A channel whose weights are negligible beside its layer's largest (a pruned channel, often with a bias
            // that makes it a constant) stays as it is: equalizing would blow it up, and its bias with it.
            const double floor1 = kNegligible * *std::max_element(r1.begin(), r1.end());
            const double floor2 = kNegligible * *std::max_element(r2.begin(), r2.end());
            std::vector<float> s(size_t(p.channels), 1.f);
            bool any = false;
            for (size_t c = 0; c < s.size(); ++c) {
                if (!(r1[c] > floor1) || !(r2[c] > floor2)) continue;
                const double scale = std::sqrt(r1[c] / r2[c]);
                largest = std::max(largest, std::fabs(std::log(scale)));
                s[c] = float(scale);
                any = any || s[c] != 1.f;
            }
            if (!any) continue;
            float* x = writable(n1.inputs[1]);
            for (size_t k = 0; k < p.out1.size(); ++k) x[k] /= s[size_t(p.out1[k])];
            if (n1.inputs.size() > 2 && n1.inputs[2] >= 0) {
                float* bias = writable(n1.inputs[2]);
                for (size_t c = 0; c < s.size(); ++c) bias[c] /= s[c];
            }
            float* y = writable(n2.inputs[1]);
            for (size_t k = 0; k < p.in2.size(); ++k) y[k] *= s[size_t(p.in2[k])];
        }
        if (largest < kSettled) break;
    }
    return result;
}

namespace {

// The channel axis of a tensor of this rank as seen by a node that keeps channels on `axis` (rank 2: the last)
ChannelAxis channelAxisFor(ChannelAxis axis, size_t rank) { return rank == 2 ? ChannelAxis::Last : axis; }

// The per-channel values of constant c as it broadcasts over a tensor of rank `rank` with C channels on `axis` (a
// scalar repeats); empty when c varies along another axis.
std::vector<float> perChannel(const Tensor& c, ChannelAxis axis, int64_t C, size_t rank)
{
    std::vector<float> v = c.toFloat();
    if (v.size() == 1) return std::vector<float>(size_t(C), v[0]);
    const Shape& s = c.shape();
    // broadcasting aligns trailing axes: the channel axis of the tensor is axis `at` of c
    const int64_t at = axis == ChannelAxis::Last ? int64_t(s.size()) - 1 : int64_t(s.size()) - (int64_t(rank) - 1);
    if (int64_t(v.size()) != C || at < 0 || at >= int64_t(s.size()) || s[size_t(at)] != C) return {};
    return v;  // every other axis of c is 1, since it holds C values
}

// Changes tensors read by the nodes that compute a value so that the value becomes (x - z) / s per channel.
class Smoother {
public:
    // constantOps: the producers' and readers' Mul, Div, Add and Sub by a constant may take per-channel constants (they
    // run in float in ONNX; TFLite quantizes such constants per tensor, where channels of other sizes would lose steps)
    Smoother(Graph& g, const std::vector<Shape>& shapes, std::set<std::string>& changed, bool constantOps = true)
        : m_g(g), m_shapes(shapes), m_changed(changed), m_constantOps(constantOps)
    {
    }

    // return whether value v (C channels on axis) can become (v - z) / s by changing constants of the nodes that compute
    // it (z empty: no shift), and with apply does so. reader: the node that reads v (-1: the caller checked v's readers).
    bool absorb(int v, ChannelAxis axis, int64_t C, const std::vector<float>& s, const std::vector<float>& z, int reader, bool apply)
    {
        const Value& value = m_g.values[size_t(v)];
        if (reader >= 0 && !readOnlyBy(m_g, v, reader)) return false;
        const size_t rank = m_shapes[size_t(v)].size();
        axis = channelAxisFor(axis, rank);
        if (rank < 2 || value.producer < 0) return false;
        const int p = value.producer;
        const Node& n = m_g.nodes[size_t(p)];
        if (n.outputs.size() != 1) return false;
        auto constOf = [&](int in) { return floatConstant(m_g, in) && readOnlyBy(m_g, in, p) ? floatConstant(m_g, in) : nullptr; };
        auto perChannelOf = [&](int in) { const Tensor* t = constOf(in); return t ? perChannel(*t, axis, C, rank) : std::vector<float>{}; };
        auto isVector = [&](int in) { const Tensor* t = constOf(in); return t && t->count() == C; };  // a bias, say
        const bool shifting = !z.empty();
        if (isWeighted(m_g, n)) {
            const Tensor* w = constOf(n.inputs[1]);
            const std::string fused = n.attrString("fused_activation");
            if (!w || outputChannelCount(n, w->shape()) != C || channelAxisFor(outputChannels(n), rank) != axis ||
                (!fused.empty() && (fused != "RELU" || shifting)))
                return false;
            const bool biased = n.inputs.size() > 2 && n.inputs[2] >= 0;
            if (biased ? !isVector(n.inputs[2]) : shifting) return false;
            if (n.opType == "Gemm" && (n.attrFloat("alpha", 1.f) != 1.f || n.attrFloat("beta", 1.f) != 1.f)) return false;
            const auto index = weightIndexer(n, w->shape(), -1);
            if (!index) return false;  // (decided in the dry run: an applying call changes nothing before it returns false)
            if (!apply) return true;
            float* x = writable(n.inputs[1]);
            for (int64_t k = 0; k < w->count(); ++k) x[k] /= s[size_t(index(k).outChannel)];
            if (biased) {
                float* b = writable(n.inputs[2]);
                for (int64_t c = 0; c < C; ++c) b[c] = (b[c] - (shifting ? z[size_t(c)] : 0.f)) / s[size_t(c)];
            }
            return true;
        }
        if (n.opType == "BatchNormalization") {
            if (axis != ChannelAxis::Second && rank != 2) return false;
            for (size_t k = 1; k < 5; ++k)
                if (n.inputs.size() < 5 || !isVector(n.inputs[k])) return false;
            if (!apply) return true;
            float* gamma = writable(n.inputs[1]);
            float* beta = writable(n.inputs[2]);
            for (int64_t c = 0; c < C; ++c) {
                gamma[c] /= s[size_t(c)];
                beta[c] = (beta[c] - (shifting ? z[size_t(c)] : 0.f)) / s[size_t(c)];
            }
            return true;
        }
        static const std::set<std::string> kPools = {"MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"};
        if (!shifting && (positivelyHomogeneous(m_g, n) || kPools.count(n.opType)) && n.inputs[0] >= 0 &&
            m_shapes[size_t(n.inputs[0])].size() == rank) {
            // (PRelu's slopes are per channel and stay; a pool's padding stays 0 or ignored: no shift through it)
            return absorb(n.inputs[0], axis, C, s, {}, p, apply);
        }
        if (!m_constantOps || n.inputs.size() != 2 || n.inputs[0] < 0 || n.inputs[1] < 0) return false;
        const int constIn = floatConstant(m_g, n.inputs[1]) ? 1 : floatConstant(m_g, n.inputs[0]) ? 0 : -1;
        if (constIn >= 0 && !floatConstant(m_g, n.inputs[size_t(1 - constIn)])) {
            const int c = n.inputs[size_t(constIn)], x = n.inputs[size_t(1 - constIn)];
            if (perChannelOf(c).empty() || m_shapes[size_t(x)].size() != rank) return false;
            if (n.opType == "Mul" || (n.opType == "Div" && constIn == 1)) {
                if (shifting) return false;
                if (apply) setPerChannel(c, axis, C, rank, [&](float a, size_t k) { return n.opType == "Mul" ? a / s[k] : a * s[k]; });
                return true;
            }
            if (n.opType == "Add" || n.opType == "Sub") {
                // x + c, x - c: x / s and (c -+ z) / s; c - x: (c - z) / s and x / s
                const float sign = n.opType == "Sub" && constIn == 1 ? -1.f : 1.f;
                if (!absorb(x, axis, C, s, {}, p, false)) return false;
                if (apply) {
                    setPerChannel(c, axis, C, rank, [&](float a, size_t k) { return (a - sign * (shifting ? z[k] : 0.f)) / s[k]; });
                    absorb(x, axis, C, s, {}, p, true);
                }
                return true;
            }
            return false;
        }
        return false;
    }

    // return whether reader r of value v (C channels on axis) computes the same when v's channel c is multiplied by s_c and
    // the reader's constants take the factors, at no cost to what int8 stores: a depthwise convolution with weights
    // quantized per channel (each output channel reads one input channel, so its weights' scale absorbs s_c), or a Mul
    // by or Div by a constant (with constantOps). With apply, makes the change.
    bool absorbInReader(int r, int v, ChannelAxis axis, int64_t C, const std::vector<float>& s, bool perChannelWeights, bool apply)
    {
        const Node& n = m_g.nodes[size_t(r)];
        const size_t rank = m_shapes[size_t(v)].size();
        axis = channelAxisFor(axis, rank);
        if (std::count(n.inputs.begin(), n.inputs.end(), v) != 1) return false;
        if (n.opType == "Conv") {
            const Tensor* w = n.inputs.size() > 1 && readOnlyBy(m_g, n.inputs[1], r) ? floatConstant(m_g, n.inputs[1]) : nullptr;
            if (!perChannelWeights || !w || n.inputs[0] != v || w->shape().size() != 4 || channelAxisFor(inputChannels(n), rank) != axis) return false;
            const std::string layout = n.attrString("weight_layout", "OIHW");
            const bool depthwise = layout == "1HWO" ? w->shape()[3] % C == 0 : layout == "OIHW" && n.attrInt("group", 1) == C && w->shape()[1] == 1;
            const auto index = depthwise ? weightIndexer(n, w->shape(), C) : nullptr;
            if (!index) return false;
            if (!apply) return true;
            float* x = writable(n.inputs[1]);
            for (int64_t k = 0; k < w->count(); ++k) x[k] *= s[size_t(index(k).inChannel)];
            return true;
        }
        if (!m_constantOps || (n.opType != "Mul" && n.opType != "Div") || n.inputs.size() != 2) return false;
        const int c = n.inputs[0] == v ? n.inputs[1] : n.inputs[0];
        if ((n.opType == "Div" && n.inputs[0] != v) || !floatConstant(m_g, c) || !readOnlyBy(m_g, c, r) ||
            perChannel(*floatConstant(m_g, c), axis, C, rank).empty() || m_shapes[size_t(n.outputs[0])].size() != rank)
            return false;
        if (apply) setPerChannel(c, axis, C, rank, [&](float a, size_t k) { return n.opType == "Mul" ? a * s[k] : a / s[k]; });
        return true;
    }

    float* writable(int v) { return writableConstant(m_g, v, m_changed); }

private:
    // Replaces constant v by per-channel values f(old value of channel c, c): shaped [C] on the last axis, [C, 1, ...]
    // on axis 1 of a rank-`rank` tensor, unless it held C values already.
    void setPerChannel(int v, ChannelAxis axis, int64_t C, size_t rank, const std::function<float(float, size_t)>& f)
    {
        Value& value = m_g.values[size_t(v)];
        std::vector<float> old = perChannel(*value.constant, axis, C, rank);
        Shape shape = value.constant->shape();
        if (value.constant->count() != C) {
            shape = axis == ChannelAxis::Last ? Shape{C} : Shape(rank - 1, 1);
            shape[0] = C;
        }
        for (size_t c = 0; c < old.size(); ++c) old[c] = f(old[c], c);
        value.constant = Tensor::fromFloat(old, shape);
        value.shape = shape;
        m_changed.insert(value.name);
    }

    Graph& m_g;
    const std::vector<Shape>& m_shapes;  // per value id, for the samples' input shapes
    std::set<std::string>& m_changed;
    bool m_constantOps;
};

// An activation that SmoothQuant may smooth: its channels, and the weighted nodes reading it.
struct SmoothTarget {
    int value;
    ChannelAxis axis;
    int64_t channels;
    std::vector<int> readers;
    std::vector<float> lo, hi;  // per-channel extremes on the calibration samples
};

// the bias (a value id) that takes reader r's share of a shift of its input, or -1: Gemm's C, FullyConnected's and
// an unpadded Conv's bias, the constant a MatMul's only reader adds
int shiftBias(const Graph& g, int r)
{
    const Node& n = g.nodes[size_t(r)];
    const Tensor* w = floatConstant(g, n.inputs[1]);
    const int64_t out = w ? outputChannelCount(n, w->shape()) : 0;
    auto fits = [&](int b, int node) { return b >= 0 && floatConstant(g, b) && floatConstant(g, b)->count() == out && readOnlyBy(g, b, node); };
    if (n.opType == "MatMul") {
        const Value& y = g.values[size_t(n.outputs[0])];
        if (y.consumers.size() != 1 || !readOnlyBy(g, n.outputs[0], y.consumers[0])) return -1;
        const int a = y.consumers[0];
        const Node& add = g.nodes[size_t(a)];
        if (add.opType != "Add" || add.inputs.size() != 2) return -1;
        const int b = add.inputs[0] == n.outputs[0] ? add.inputs[1] : add.inputs[0];
        return fits(b, a) && floatConstant(g, b)->shape().back() == out ? b : -1;
    }
    if (n.opType == "Conv") {
        const std::vector<int64_t> pads = n.attrInts("pads");
        const std::string autoPad = n.attrString("auto_pad", "NOTSET");
        if (std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p != 0; }) || (autoPad != "NOTSET" && autoPad != "VALID")) return -1;
    }
    if (n.opType == "Gemm" && n.attrFloat("beta", 1.f) != 1.f) return -1;
    return n.inputs.size() > 2 && fits(n.inputs[2], r) ? n.inputs[2] : -1;
}

// whether value v is an activation that a rescaling may change: a float tensor of rank 2 or more that some node reads
// and that is not a graph output
bool rescalable(const Graph& g, const std::vector<Shape>& shapes, size_t v)
{
    const Value& value = g.values[v];
    return !value.constant && value.type == DataType::Float32 && !value.consumers.empty() && shapes[v].size() >= 2 &&
           std::find(g.outputs.begin(), g.outputs.end(), int(v)) == g.outputs.end();
}

// The float pass SmoothQuant and activation equalization measure channels with: sample 0 and an interpreter without
// fusion (so that every target is observed), planned once for the value shapes (the graph may not say them) and the pass
struct ChannelPass {
    std::map<std::string, Tensor> first;
    std::unique_ptr<Interpreter> interp;
    std::vector<Shape> shapes;
    ChannelPass(const Graph& g, const std::function<std::map<std::string, Tensor>(size_t)>& sample, int threads)
        : first(sample(0)), interp(std::make_unique<Interpreter>(g, InterpreterOptions{threads, false, false, false, {}})),
          shapes(interp->valueShapes(first))
    {
    }
};

std::vector<SmoothTarget> smoothTargets(const Graph& g, const std::vector<Shape>& shapes)
{
    std::vector<SmoothTarget> targets;
    for (size_t v = 0; v < g.values.size(); ++v) {
        if (!rescalable(g, shapes, v)) continue;
        const Value& value = g.values[v];
        const Shape& shape = shapes[v];
        SmoothTarget t{int(v), ChannelAxis::Last, 0, {}, {}, {}};
        bool ok = true;
        for (int r : value.consumers) {
            const Node& n = g.nodes[size_t(r)];
            if (!ok || std::find(t.readers.begin(), t.readers.end(), r) != t.readers.end()) continue;
            const ChannelAxis axis = isWeighted(g, n) ? channelAxisFor(inputChannels(n), shape.size()) : ChannelAxis::Last;
            const int64_t C = axis == ChannelAxis::Last ? shape.back() : shape[1];
            const Tensor* w = isWeighted(g, n) ? floatConstant(g, n.inputs[1]) : nullptr;
            ok = w && n.inputs[0] == int(v) && std::count(n.inputs.begin(), n.inputs.end(), int(v)) == 1 && readOnlyBy(g, n.inputs[1], r) &&
                 C > 1 && readsChannels(n, w->shape(), C) && (t.readers.empty() || (axis == t.axis && C == t.channels));
            t.axis = axis;
            t.channels = C;
            t.readers.push_back(r);
        }
        if (ok) targets.push_back(std::move(t));
    }
    return targets;
}

// Fills each target's per-channel extremes (lo, hi) from the float graph run by interp on samples 0..samples-1 (first
// is sample 0, already read), reporting progress under label.
void measureChannels(Interpreter& interp, const std::map<std::string, Tensor>& first,
                     const std::function<std::map<std::string, Tensor>(size_t)>& sample, size_t samples,
                     std::vector<SmoothTarget>& targets, const char* label, const ProgressSink& progress, const CancelToken* cancel)
{
    if (targets.empty()) return;
    std::vector<int> targetOf(size_t(std::max_element(targets.begin(), targets.end(), [](const auto& a, const auto& b) {
                                         return a.value < b.value;
                                     })->value) + 1, -1);
    for (size_t i = 0; i < targets.size(); ++i) {
        targetOf[size_t(targets[i].value)] = int(i);
        targets[i].lo.assign(size_t(targets[i].channels), INFINITY);
        targets[i].hi.assign(size_t(targets[i].channels), -INFINITY);
    }
    for (size_t i = 0; i < samples; ++i) {
        if (cancel) cancel->check();
        if (progress) progress(i, samples, label);
        interp.run(i == 0 ? first : sample(i), [&](int, int value, const Tensor& t) {
            if (size_t(value) >= targetOf.size() || targetOf[size_t(value)] < 0 || t.type() != DataType::Float32) return;
            SmoothTarget& target = targets[size_t(targetOf[size_t(value)])];
            const Shape& shape = t.shape();
            const int64_t C = target.channels;
            const size_t rank = shape.size();
            if (rank < 2 || (target.axis == ChannelAxis::Last ? shape.back() : shape[1]) != C) return;
            // rows of [inner] values of one channel (axis 1), or of one value of each of the C channels (last axis); NaN
            // and Inf fail |v| <= FLT_MAX and are left out
            const int64_t inner = target.axis == ChannelAxis::Last ? 1 : t.count() / std::max<int64_t>(shape[0] * C, 1);
            const float* x = t.data<float>();
            auto take = [&](size_t c, float v) {
                if (std::fabs(v) <= FLT_MAX) target.lo[c] = std::min(target.lo[c], v), target.hi[c] = std::max(target.hi[c], v);
            };
            if (inner == 1) {
                for (int64_t k = 0; k + C <= t.count(); k += C)
                    for (int64_t c = 0; c < C; ++c) take(size_t(c), x[k + c]);
            } else {
                for (int64_t row = 0; row * inner < t.count(); ++row) {
                    const size_t c = size_t(row % C);
                    float lo = INFINITY, hi = -INFINITY;
                    for (const float* p = x + row * inner; p < x + (row + 1) * inner; ++p)
                        if (std::fabs(*p) <= FLT_MAX) lo = std::min(lo, *p), hi = std::max(hi, *p);
                    target.lo[c] = std::min(target.lo[c], lo), target.hi[c] = std::max(target.hi[c], hi);
                }
            }
        });
    }
    if (progress) progress(samples, samples, label);
}

}  // namespace

SmoothingResult smoothActivations(const Graph& source, double alpha, bool shift, size_t samples,
                                  const std::function<std::map<std::string, Tensor>(size_t)>& sample, int threads,
                                  const ProgressSink& progress, const CancelToken* cancel)
{
    SmoothingResult result{source, 0, 0, {}, {}, {}};
    Graph& g = result.graph;
    const bool scaling = alpha > 0 && alpha < 1;
    if (samples == 0) {
        result.why = "no calibration samples to measure the channels on";
        return result;
    }
    ChannelPass pass(g, sample, threads);
    const std::vector<Shape>& shapes = pass.shapes;
    std::vector<SmoothTarget> targets = smoothTargets(g, shapes);
    {
        // only tensors whose producers can take the division
        Smoother dryRun(g, shapes, result.changed);
        std::erase_if(targets, [&](const SmoothTarget& t) {
            return !dryRun.absorb(t.value, t.axis, t.channels, std::vector<float>(size_t(t.channels), 1.f), {}, -1, false);
        });
    }
    if (!scaling && !shift) result.why = "smooth_alpha outside (0, 1) and no shift: nothing to do";
    else if (targets.empty())
        result.why = "no activation is read only by weighted nodes (MatMul, Gemm, FullyConnected, Conv) and computed by an op whose "
                     "constants can take a per-channel scale (a weighted op, BatchNormalization, Mul, Div, Add or Sub with a constant, "
                     "Relu)";
    if (!result.why.empty()) return result;

    measureChannels(*pass.interp, pass.first, sample, samples, targets, "smooth", progress, cancel);
    pass.interp.reset();  // it reads the constants changed below

    Smoother smoother(g, shapes, result.changed);
    for (SmoothTarget& t : targets) {
        const size_t C = size_t(t.channels);
        if (!std::isfinite(t.lo[0])) continue;  // never observed
        // the shift, where every reader has a bias to take z W
        std::vector<int> biases;
        for (int r : t.readers) biases.push_back(shift ? shiftBias(g, r) : -1);
        const bool shifting = shift && std::none_of(biases.begin(), biases.end(), [](int b) { return b < 0; });
        std::vector<float> z(shifting ? C : 0);
        for (size_t c = 0; c < z.size(); ++c) z[c] = std::isfinite(t.lo[c]) ? 0.5f * (t.lo[c] + t.hi[c]) : 0.f;
        if (shifting && !smoother.absorb(t.value, t.axis, t.channels, std::vector<float>(C, 1.f), z, -1, false)) z.clear();
        // the scales, from the channel's activation range and the largest weight reading it
        std::vector<double> wMax(C, 0.0);
        for (int r : t.readers) {
            const Node& n = g.nodes[size_t(r)];
            const Tensor& w = *g.values[size_t(n.inputs[1])].constant;
            const auto index = weightIndexer(n, w.shape(), t.channels);
            const float* x = w.data<float>();
            for (int64_t k = 0; k < w.count(); ++k) {
                const size_t c = size_t(index(k).inChannel);
                wMax[c] = std::max(wMax[c], double(std::fabs(x[k])));
            }
        }
        std::vector<float> s(C, 1.f);
        for (size_t c = 0; c < C && scaling; ++c) {
            const double shiftBy = z.empty() ? 0.0 : z[c];
            const double aMax = std::max(std::fabs(t.lo[c] - shiftBy), std::fabs(t.hi[c] - shiftBy));
            if (!(aMax > 0) || !(wMax[c] > 0) || !std::isfinite(aMax)) continue;  // a dead channel keeps its scale
            s[c] = float(std::clamp(std::pow(aMax, alpha) / std::pow(wMax[c], 1.0 - alpha), 1e-5, 100.0));
        }
        if (z.empty() && std::all_of(s.begin(), s.end(), [](float x) { return x == 1.f; })) continue;
        // the readers: z W into their biases (with the weights before scaling), then channel c of the weights times s_c
        for (size_t i = 0; i < t.readers.size(); ++i) {
            const Node& n = g.nodes[size_t(t.readers[i])];
            const Tensor& w = *g.values[size_t(n.inputs[1])].constant;
            const auto index = weightIndexer(n, w.shape(), t.channels);
            if (!z.empty()) {
                const Tensor& b = *g.values[size_t(biases[i])].constant;
                std::vector<double> add(size_t(b.count()), 0.0);
                const float* x = w.data<float>();
                for (int64_t k = 0; k < w.count(); ++k) {
                    const WeightIndex at = index(k);
                    add[size_t(at.outChannel)] += double(z[size_t(at.inChannel)]) * x[k];
                }
                float* bias = smoother.writable(biases[i]);
                for (size_t o = 0; o < add.size(); ++o) bias[o] = float(bias[o] + add[o]);
            }
            float* x = smoother.writable(n.inputs[1]);
            for (int64_t k = 0; k < w.count(); ++k) x[k] *= s[size_t(index(k).inChannel)];
        }
        smoother.absorb(t.value, t.axis, t.channels, s, z, -1, true);
        ++result.tensors;
        result.rescaled.push_back(g.values[size_t(t.value)].name);
        result.shifted += z.empty() ? 0 : 1;
    }
    if (result.tensors == 0) result.why = "every channel kept its scale";
    return result;
}

SmoothingResult equalizeActivations(const Graph& source, bool perChannelWeights, size_t samples,
                                    const std::function<std::map<std::string, Tensor>(size_t)>& sample, int threads,
                                    const ProgressSink& progress, const CancelToken* cancel)
{
    SmoothingResult result{source, 0, 0, {}, {}, {}};
    Graph& g = result.graph;
    if (samples == 0) {
        result.why = "no calibration samples to measure the channels on";
        return result;
    }
    ChannelPass pass(g, sample, threads);
    const std::vector<Shape>& shapes = pass.shapes;
    const bool tflite = g.info.format == "tflite";
    // the candidates: activations whose producer takes a per-channel division and whose every reader the multiplication
    // (dry runs: nothing changes)
    std::vector<SmoothTarget> targets;
    {
        Smoother dryRun(g, shapes, result.changed, !tflite);
        for (size_t v = 0; v < g.values.size(); ++v) {
            if (!rescalable(g, shapes, v)) continue;
            const Shape& shape = shapes[v];
            const ChannelAxis axis = tflite || shape.size() == 2 ? ChannelAxis::Last : ChannelAxis::Second;
            const int64_t C = axis == ChannelAxis::Last ? shape.back() : shape[1];
            const std::vector<float> ones(size_t(std::max<int64_t>(C, 0)), 1.f);
            std::vector<int> readers = g.values[v].consumers;
            std::sort(readers.begin(), readers.end());
            readers.erase(std::unique(readers.begin(), readers.end()), readers.end());
            if (C < 2 || !std::all_of(readers.begin(), readers.end(), [&](int r) { return dryRun.absorbInReader(r, int(v), axis, C, ones, perChannelWeights, false); }) ||
                !dryRun.absorb(int(v), axis, C, ones, {}, -1, false))
                continue;
            targets.push_back({int(v), axis, C, readers, {}, {}});
        }
    }
    if (targets.empty()) {
        result.why = "no activation is both computed by an op that takes a per-channel scale (a weighted op, BatchNormalization" +
                     std::string(tflite ? "" : ", Mul, Div, Add or Sub with a constant") + ", Relu) and read only by ops that take its inverse (" +
                     (perChannelWeights ? "a depthwise convolution" : "with per_channel=true, a depthwise convolution") +
                     (tflite ? ")" : ", a Mul or Div by a constant)");
        return result;
    }
    measureChannels(*pass.interp, pass.first, sample, samples, targets, "equalize", progress, cancel);
    pass.interp.reset();  // it reads the constants changed below

    Smoother smoother(g, shapes, result.changed, !tflite);
    for (const SmoothTarget& t : targets) {
        const std::vector<float> s = equalizingScales(t.lo, t.hi);
        if (s.empty()) continue;
        for (int r : t.readers) smoother.absorbInReader(r, t.value, t.axis, t.channels, s, perChannelWeights, true);
        smoother.absorb(t.value, t.axis, t.channels, s, {}, -1, true);
        ++result.tensors;
        result.rescaled.push_back(g.values[size_t(t.value)].name);
    }
    if (result.tensors == 0) result.why = "every channel spans the tensor's range already";
    return result;
}

std::vector<float> equalizingScales(const std::vector<float>& lo, const std::vector<float>& hi)
{
    // Channel c divided by s_c spans [lo_c, hi_c] / s_c. For a window [-rho, 1] the least s_c that fits the channel in it
    // is max(hi_c, -lo_c / rho); the tensor's grid then has steps (1 + rho) / levels, which are (1 + rho) s_c / span_c
    // of channel c's own span. rho minimises the geometric mean of those over the channels (a log-spaced search, and 0
    // when no channel goes below 0).
    const size_t C = lo.size();
    std::vector<size_t> live;
    for (size_t c = 0; c < C; ++c)
        if (std::isfinite(lo[c]) && std::isfinite(hi[c]) && hi[c] - lo[c] > 0 && (hi[c] > 0 || lo[c] < 0)) live.push_back(c);
    if (live.size() < 2) return {};
    auto fit = [&](size_t c, double rho) { return std::max(double(std::max(hi[c], 0.f)), lo[c] < 0 ? -double(lo[c]) / rho : 0.0); };
    auto cost = [&](double rho) {
        double sum = 0;
        for (size_t c : live) sum += std::log((1 + rho) * fit(c, rho) / (double(hi[c]) - lo[c]));
        return sum;
    };
    const bool negative = std::any_of(live.begin(), live.end(), [&](size_t c) { return lo[c] < 0; });
    const bool positive = std::any_of(live.begin(), live.end(), [&](size_t c) { return hi[c] > 0; });
    if (!positive) return {};  // every channel at or below 0: nothing this window handles (rare; left alone)
    double bestRho = 0, best = negative ? INFINITY : cost(0);
    for (int k = 0; negative && k <= 240; ++k) {
        const double rho = std::pow(10.0, -4 + k / 30.0);  // 1e-4 .. 1e4
        if (double c = cost(rho); c < best) best = c, bestRho = rho;
    }
    // The widest channel keeps its values (s = 1), and so do dead channels. The others grow until they span half the
    // window, no further: unseen data goes beyond the calibrated extremes, and a channel stretched to the grid's end
    // would clip there what its own range had room for (PP-OCRv4 det on six unseen images, mean / worst text-mask IoU:
    // 0.844 / 0.614 stretched to the end, 0.922 / 0.801 to half; vww_96's output cosine 0.9974 and 0.9997). And by
    // 1000 at most: a reader's int32 bias grows by 1 / s_c with the weights' scale shrinking.
    constexpr double kHeadroom = 2, kLeast = 1e-3;
    std::vector<double> fits(C, 0.0);
    double widest = 0;
    for (size_t c : live) widest = std::max(widest, fits[c] = fit(c, bestRho));
    std::vector<float> s(C, 1.f);
    bool any = false;
    for (size_t c : live) {
        s[c] = float(std::clamp(kHeadroom * fits[c] / widest, kLeast, 1.0));
        any |= s[c] < 0.999f;
    }
    return any ? s : std::vector<float>{};
}

}  // namespace qs
