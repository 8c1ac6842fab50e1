#include "quant/weightquant.h"

#include <algorithm>
#include <cmath>

#include "graph/error.h"
#include "quant/optypes.h"

namespace qs {

namespace {
constexpr int64_t kPackedLayerOverhead = 1024;  // bytes: the decoding nodes of one bit-plane packed ONNX weight

// Channel layout of a tensor along axis: element i belongs to channel (i / inner) % channels.
struct Channels {
    int64_t channels = 1, inner = 1;
    Channels(const Shape& s, int axis)
    {
        if (axis < 0) return;
        channels = s[size_t(axis)];
        for (size_t d = size_t(axis) + 1; d < s.size(); ++d) inner *= s[d];
    }
    size_t of(size_t i) const { return channels > 1 ? size_t((int64_t(i) / inner) % channels) : 0; }
};

int64_t outputChannels(const Node& n, const Tensor& w)
{
    int axis = outputChannelAxis(n);
    if (n.opType == "MatMul") axis = int(w.shape().size()) - 1;
    return axis >= 0 && size_t(axis) < w.shape().size() ? w.shape()[size_t(axis)] : 1;
}

int weightAxis(const Node& n, const Tensor& w)
{
    if (n.opType == "MatMul") return w.shape().size() >= 2 ? int(w.shape().size()) - 1 : -1;
    return outputChannelAxis(n);
}

// The container each bit width gets: native integer types where they fit exactly, packed bit planes otherwise.
void chooseContainer(QuantizedConstant& q, bool encode, const std::string& format)
{
    int b = q.params.bits;
    bool native = b == 8 || b == 16;
    if (format == "tflite") {
        if (b <= 4 && encode) {  // TFLite's INT4 tensors, read by DEQUANTIZE
            q.packedBits = b;
            q.container = "int4 (TFLite INT4, two weights a byte" + std::string(b < 4 ? "; no packed type for " + std::to_string(b) + " bits)" : ")");
            return;
        }
        q.container = b <= 8 ? "int8" + std::string(b < 8 ? " (TFLite has no packed type for " + std::to_string(b) + " bits)" : "")
                             : "int16 per layer (TFLite's DEQUANTIZE takes int16 per tensor only" +
                                   std::string(b < 16 ? "; no packed type for " + std::to_string(b) + " bits)" : ")");
        return;
    }
    if (native || !encode) {
        q.container = b <= 8 ? "int8" : "int16";
        if (!native) q.container += " (enable_encode=false)";
        return;
    }
    q.packedBits = b;
    q.container = std::to_string(b) + " packed bit planes (enable_encode; " + std::to_string(b) + "/8 byte per weight)";
}
}  // namespace

double relativeError(const std::vector<float>& w, const std::vector<float>& wq)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < w.size(); ++i) {
        num += double(w[i] - wq[i]) * (w[i] - wq[i]);
        den += double(w[i]) * w[i];
    }
    return den > 0 ? std::sqrt(num / den) : 0.0;
}

QuantizedConstant quantizeWeightBits(const Tensor& w, int axis, int bits, double thresholdRate, bool preserveMean,
                                     const std::vector<float>& inputMean, std::optional<int> meanAxis)
{
    if (bits < 1 || bits > 16) throw InputError("bit_num=" + std::to_string(bits) + " is outside 1 to 16");
    auto v = w.toFloat();
    Channels ch(w.shape(), axis);
    std::vector<std::vector<float>> mags(size_t(ch.channels));
    for (size_t i = 0; i < v.size(); ++i) mags[ch.of(i)].push_back(std::fabs(v[i]));
    QuantizedConstant q;
    q.params.axis = axis;
    q.params.bits = bits;
    const double qmax = bits == 1 ? 1.0 : double((1 << (bits - 1)) - 1);
    for (auto& m : mags) {
        double s = 0;
        if (bits == 1) {  // signs times the mean magnitude (binary weights)
            for (float x : m) s += x;
            s = m.empty() ? 0 : s / double(m.size());
        } else {
            double top = m.empty() ? 0 : *std::max_element(m.begin(), m.end());
            if (thresholdRate > 0 && m.size() > 1) {
                size_t k = std::min(m.size() - 1, size_t(std::ceil((1.0 - thresholdRate) * double(m.size() - 1))));
                std::nth_element(m.begin(), m.begin() + std::ptrdiff_t(k), m.end());
                top = m[k];
            }
            s = top / qmax;
        }
        q.params.scale.push_back(s > 0 ? float(s) : 1.f);
        q.params.zeroPoint.push_back(0);
    }
    // Round to nearest, then (preserveMean) flip the roundings closest to their boundary while that brings each
    // channel's sum of rounding errors, weighted by inputMean (the expected input each weight multiplies; 1 when
    // unknown), nearer to zero: the channel's mean output survives quantization. This matters for small channels
    // (a depthwise 3x3 has nine weights whose errors do not average out) and for inputs with large means (ReLU).
    // The means kept are those of the output channels (meanAxis), also when the scale is per layer.
    const Channels out(w.shape(), meanAxis.value_or(axis));
    std::vector<double> r(v.size());
    std::vector<std::vector<size_t>> members(size_t(out.channels));
    auto step = [&](size_t i) { return double(q.params.scale[ch.of(i)]); };
    for (size_t i = 0; i < v.size(); ++i) {
        double x = v[i] / q.params.scale[ch.of(i)];  // in float, as full quantization has always rounded
        r[i] = bits == 1 ? (x < 0 ? -1.0 : 1.0) : std::clamp(std::nearbyint(x), -qmax, qmax);
        if (preserveMean && bits > 1) members[out.of(i)].push_back(i);
    }
    const bool weighted = inputMean.size() == v.size();
    q.roundedForData = weighted && preserveMean && bits > 1;
    // a weight's rounding moves the channel's output by (its flip) * step * input mean
    auto m = [&](size_t i) { return step(i) * (weighted ? double(inputMean[i]) : 1.0); };
    auto frac = [&](size_t i) { return v[i] / step(i) - r[i]; };
    for (auto& idx : members) {
        if (idx.empty()) continue;
        double residual = 0;  // sum of (x - r) * m
        for (size_t i : idx) residual += frac(i) * m(i);
        // candidates nearest their rounding boundary first
        std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return std::fabs(frac(a)) > std::fabs(frac(b)); });
        for (size_t i : idx) {
            double d = frac(i), dir = d > 0 ? 1.0 : -1.0;
            if (d == 0 || std::fabs(r[i] + dir) > qmax) continue;
            double after = residual - dir * m(i);
            if (std::fabs(after) >= std::fabs(residual)) continue;
            r[i] += dir;
            residual = after;
        }
    }
    q.values = Tensor(bits <= 8 ? DataType::Int8 : DataType::Int16, w.shape());
    for (size_t i = 0; i < v.size(); ++i) {
        if (bits <= 8) q.values.data<int8_t>()[i] = int8_t(r[i]);
        else q.values.data<int16_t>()[i] = int16_t(r[i]);
    }
    return q;
}

std::vector<float> dequantizeConstant(const QuantizedConstant& q)
{
    auto v = dequantize(q.values, q.params);
    if (q.correctionVar.empty()) return v;
    Channels ch(q.values.shape(), q.params.scale.size() > 1 ? q.params.axis : -1);
    for (size_t i = 0; i < v.size(); ++i) v[i] = v[i] * q.correctionVar[ch.of(i)] + q.correctionMean[ch.of(i)];
    return v;
}

namespace {
// Per-channel correction of the dequantized weights: the same mean and standard deviation as the float channel.
void correct(QuantizedConstant& q, const std::vector<float>& w)
{
    auto dq = dequantizeConstant(q);
    Channels ch(q.values.shape(), q.params.scale.size() > 1 ? q.params.axis : -1);
    size_t C = size_t(ch.channels > 1 ? ch.channels : 1);
    std::vector<double> n(C), mw(C), mq(C), vw(C), vq(C);
    for (size_t i = 0; i < w.size(); ++i) {
        size_t c = ch.of(i);
        n[c] += 1, mw[c] += w[i], mq[c] += dq[i];
    }
    for (size_t c = 0; c < C; ++c) mw[c] /= std::max(1.0, n[c]), mq[c] /= std::max(1.0, n[c]);
    for (size_t i = 0; i < w.size(); ++i) {
        size_t c = ch.of(i);
        vw[c] += (w[i] - mw[c]) * (w[i] - mw[c]);
        vq[c] += (dq[i] - mq[c]) * (dq[i] - mq[c]);
    }
    q.correctionVar.resize(C);
    q.correctionMean.resize(C);
    for (size_t c = 0; c < C; ++c) {
        double k = vq[c] > 0 ? std::sqrt(vw[c] / vq[c]) : 1.0;
        q.correctionVar[c] = float(k);
        q.correctionMean[c] = float(mw[c] - mq[c] * k);
    }
}
}  // namespace

QuantPlan buildWeightQuantPlan(const Graph& g, const WeightQuantOptions& o)
{
    if (o.bits < 0 || o.bits > 16) throw InputError("bit_num=" + std::to_string(o.bits) + " is outside 0 to 16 (0 selects mixed bits)");
    QuantPlan plan;
    plan.quantType = "WEIGHT_QUANT";
    plan.skippedNodes = o.skipNodes;
    // Mixed bits weigh each layer by its size relative to the mean of the layers that pass the thresholds.
    double meanCount = 0;
    int layers = 0;
    for (const Node& n : g.nodes)
        if (isWeighted(g, n) && hasConstWeights(g, n) && !o.skipNodes.count(n.name)) {
            const Tensor& w = *g.values[size_t(n.inputs[1])].constant;
            if (w.count() > o.minWeightSize && outputChannels(n, w) > o.minWeightChannel) meanCount += double(w.count()), ++layers;
        }
    meanCount = layers ? meanCount / layers : 1.0;
    std::set<std::string> done;  // weights shared by several nodes are quantized once
    for (const Node& n : g.nodes) {
        if (!isWeighted(g, n)) continue;
        if (o.skipNodes.count(n.name)) continue;
        if (!matchesAnyOpType(g, n, o.opTypes)) {
            plan.floatReasons[n.name] = "its op type is not in quantizable_op_type";
            plan.floatByRule.insert(n.name);
            continue;
        }
        if (!hasConstWeights(g, n)) {
            plan.floatReasons[n.name] = "its weights are not constant";
            continue;
        }
        const Value& wv = g.values[size_t(n.inputs[1])];
        const Tensor& w = *wv.constant;
        if (w.type() != DataType::Float32) {
            plan.floatReasons[n.name] = "its weights are " + std::string(dataTypeName(w.type())) + ", not float32";
            continue;
        }
        int64_t channels = outputChannels(n, w);
        if (w.count() <= o.minWeightSize) {
            plan.floatReasons[n.name] = std::to_string(w.count()) + " weights, not more than min_quant_weight_size=" + std::to_string(o.minWeightSize);
            plan.floatByRule.insert(n.name);
            continue;
        }
        if (channels <= o.minWeightChannel) {
            plan.floatReasons[n.name] = std::to_string(channels) + " output channels, not more than min_quant_weight_channel=" +
                                        std::to_string(o.minWeightChannel);
            plan.floatByRule.insert(n.name);
            continue;
        }
        plan.quantizedNodes.insert(n.name);
        if (!done.insert(wv.name).second) continue;
        int axis = o.perChannel ? weightAxis(n, w) : -1;
        auto wf = w.toFloat();
        QuantizedConstant q;
        // TFLite's DEQUANTIZE takes int16 per tensor only (LiteRT: "Type 7 not supported for per-channel").
        const std::vector<float> inputMean = o.stats && o.correction ? inputMeanPerWeight(g, n, *o.stats) : std::vector<float>{};
        static const std::vector<float> noMeans;
        auto quantizeAt = [&](int b) {
            return quantizeWeightBits(w, g.info.format == "tflite" && b > 8 ? -1 : axis, b, o.thresholdRate, o.correction,
                                      b >= o.meansMinBits ? inputMean : noMeans, weightAxis(n, w));
        };
        if (auto it = o.nodeBits.find(n.name); it != o.nodeBits.end()) {
            q = quantizeAt(it->second);  // the node's own width, also among mixed bits
        } else if (o.bits > 0) {
            q = quantizeAt(o.bits);
        } else {
            // Mixed bits: the fewest bits whose relative error stays within this layer's share of init_scale.
            // Output noise adds up over layers roughly as the sum of their squared relative errors, and a layer's
            // bits cost its weight count n: the smallest model for a given total error gives each layer an error
            // with e^2 proportional to n (reverse water-filling), so big layers take coarser steps than small ones.
            double allowed = o.initScale * std::sqrt(double(w.count()) / meanCount);
            // TFLite stores 2-4 bits as INT4 and 5-8 bits as INT8 (so 5-7 bits would cost 8 and lose accuracy);
            // beyond 8 bits only per-tensor int16 remains, which costs more than it saves.
            const std::vector<int> widths = g.info.format == "tflite" ? std::vector<int>{2, 3, 4, 8}
                                                                      : std::vector<int>{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
            for (int b : widths) {
                q = quantizeAt(b);
                if (relativeError(wf, dequantizeConstant(q)) <= allowed) break;
            }
            // ONNX stores widths without a native type as bit planes, which nine decoding nodes and their constants
            // unpack (about 1 KB a layer, measured on ResNet-8), plus a float mean correction per channel: where that
            // costs more than the packing saves, the layer takes the native width above (more accurate, and smaller).
            const int b = q.params.bits, native = b <= 8 ? 8 : 16;
            const int64_t overhead = kPackedLayerOverhead + 4 * int64_t(q.params.scale.size());
            if (g.info.format != "tflite" && o.encode && b != native && w.count() * (native - b) / 8 <= overhead) q = quantizeAt(native);
        }
        // With input means the rounding already keeps each channel's mean output; the data-free per-channel
        // mean/spread correction would move it again (on MobileNet it costs 0.007 of output cosine).
        if (o.correction && !q.roundedForData) {
            correct(q, wf);
            if (g.info.format == "tflite") {  // DEQUANTIZE has integer zero points: keep the spread, fold it into the scales
                for (size_t c = 0; c < q.params.scale.size(); ++c) q.params.scale[c] *= q.correctionVar[c];
                q.correctionVar.clear();
                q.correctionMean.clear();
            }
        }
        chooseContainer(q, o.encode, g.info.format);
        plan.constants[wv.name] = std::move(q);
    }
    if (o.bits == 0) plan.initScale = o.initScale;
    return plan;
}

Graph withDequantizedWeights(const Graph& graph, const QuantPlan& plan)
{
    Graph g = graph;
    for (const auto& [name, q] : plan.constants) {
        int v = g.findValue(name);
        if (v >= 0) g.values[size_t(v)].constant = Tensor::fromFloat(dequantizeConstant(q), q.values.shape());
    }
    return g;
}

std::vector<float> inputMeanPerWeight(const Graph& g, const Node& n, const std::map<std::string, TensorStats>& stats)
{
    const Tensor& w = *g.values[size_t(n.inputs[1])].constant;
    auto it = stats.find(g.values[size_t(n.inputs[0])].name);
    if (it == stats.end()) return {};
    std::vector<double> means = it->second.channelMeans();
    auto index = weightIndexer(n, w.shape(), int64_t(means.size()));
    if (means.empty() || !index) return {};
    std::vector<float> out(size_t(w.count()));
    for (size_t i = 0; i < out.size(); ++i) {
        int64_t ic = index(int64_t(i)).inChannel;
        if (ic < 0 || ic >= int64_t(means.size())) return {};
        out[i] = float(means[size_t(ic)]);
    }
    return out;
}

QuantPlan buildDynamicQuantPlan(const Graph& g, const DynamicQuantOptions& o)
{
    if (o.strategy != "ALWC" && o.strategy != "ACWL") throw InputError("quant_strategy=" + o.strategy + ": use ALWC or ACWL");
    const bool alwc = o.strategy == "ALWC";
    const std::map<std::string, TensorStats> none;
    const auto& stats = o.stats ? *o.stats : none;
    QuantPlan plan;
    plan.quantType = "DYNAMIC_QUANT";
    plan.skippedNodes = o.skipNodes;
    for (const Node& n : g.nodes) {
        if (!isWeighted(g, n) || o.skipNodes.count(n.name)) continue;
        if (!hasConstWeights(g, n) || g.values[size_t(n.inputs[1])].constant->type() != DataType::Float32) {
            plan.floatReasons[n.name] = "its weights are not constant float32";
            continue;
        }
        if (o.opTypes.empty() && isDepthwise(g, n)) {
            plan.floatReasons[n.name] = "depthwise convolution: a run-time scale shared by all its channels leaves the small ones "
                                        "few levels (add depthwise_conv2d to [quantscope_param] quantizable_op_type to quantize it)";
            plan.floatByRule.insert(n.name);
            continue;
        }
        if (!matchesAnyOpType(g, n, o.opTypes)) {
            plan.floatReasons[n.name] = "its op type is not in quantizable_op_type";
            plan.floatByRule.insert(n.name);
            continue;
        }
        const Value& x = g.values[size_t(n.inputs[0])];
        if (x.constant || x.type != DataType::Float32 || x.shape.size() < 2) {
            plan.floatReasons[n.name] = "its input is not a float activation of known rank";
            continue;
        }
        const Value& wv = g.values[size_t(n.inputs[1])];
        // the activation's channel: NCHW channel 1 for ONNX convolutions, else the last axis (NHWC, [.., K])
        int channelAxis = n.opType == "Conv" && n.attrString("layout", "NCHW") == "NCHW" ? 1 : int(x.shape.size()) - 1;
        plan.dynamicActivations[x.name] = alwc ? -1 : channelAxis;
        if (!plan.constants.count(wv.name)) {
            QuantizedConstant q =
                quantizeWeightBits(*wv.constant, alwc ? weightAxis(n, *wv.constant) : -1,
                                   o.nodeWeightBits.count(n.name) ? o.nodeWeightBits.at(n.name) : o.weightBits, 0.0, true, inputMeanPerWeight(g, n, stats),
                                   weightAxis(n, *wv.constant));
            q.container = "int8";
            plan.constants[wv.name] = std::move(q);
        }
        plan.quantizedNodes.insert(n.name);
    }
    return plan;
}

}  // namespace qs
