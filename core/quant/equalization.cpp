#include "quant/equalization.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>

#include "quant/optypes.h"

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
    auto writable = [&](int v) -> float* {
        Value& value = g.values[size_t(v)];
        if (result.changed.insert(value.name).second) value.constant = value.constant->clone();
        return value.constant->data<float>();
    };
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

}  // namespace qs
