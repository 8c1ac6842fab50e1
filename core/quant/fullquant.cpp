#include "quant/fullquant.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "calibration/rangemethod.h"
#include "graph/error.h"
#include "quant/optypes.h"
#include "quant/liverange.h"
#include "quant/weightquant.h"
#include "runtime/activation.h"

namespace qs {

namespace {
// Ops computed in int8 in a QDQ ONNX export. Activations that follow one of them (Relu, Clip) are folded into it.
const std::set<std::string> kOnnxQuantizedOps = {"Conv",   "ConvTranspose", "Gemm",    "MatMul",           "Add",
                                                 "Mul",    "Concat",        "AveragePool",       "GlobalAveragePool", "MaxPool"};
const std::set<std::string> kFoldedActivations = {"Relu", "Clip"};
// Ops computed in int8 in a TFLite export (its kernels' int8 rules: tensorflow.org/lite/performance/quantization_spec).
// Softmax stays float: its int8 output (steps of 1/256) ties close classes, and kernels round it differently.
const std::set<std::string> kTfliteQuantizedOps = {"Conv",    "FullyConnected", "Add",        "Sub",  "Mul",
                                                   "AveragePool", "MaxPool",    "Reshape",    "Squeeze", "ReduceMean",
                                                   "Sigmoid", "Relu",           "Clip",       "Pad"};
// TFLite int8 kernels of these ops require the output to keep the input's scale and zero point.
const std::set<std::string> kTfliteSameParams = {"AveragePool", "MaxPool", "Reshape", "Squeeze", "Pad"};

// return whether TFLite node n averages each channel's whole NHWC map (kernel = the input's height and width, output
// 1x1, no fused activation). Such a pool keeps its own output parameters: the writer exports it as MEAN, whose int8
// kernel rescales, where AVERAGE_POOL_2D must keep its input's scale (the pooled values of a ReLU map span a
// fraction of its range: ResNet-8's classifier input lost 2-4x of its resolution).
bool isGlobalAveragePool(const Graph& g, const Node& n)
{
    if (n.opType != "AveragePool" || n.attrs.count("fused_activation") || n.inputs.empty() || n.outputs.empty()) return false;
    const Shape& in = g.values[size_t(n.inputs[0])].shape;
    const Shape& out = g.values[size_t(n.outputs[0])].shape;
    const std::vector<int64_t> kernel = n.attrInts("kernel_shape");
    return in.size() == 4 && out.size() == 4 && kernel.size() == 2 && in[1] > 0 && in[1] == kernel[0] && in[2] == kernel[1] &&
           out[1] == 1 && out[2] == 1;
}

// The mean output change (per output channel) that quantizing the weights causes: sum over the weights feeding
// each output of (w_q - w) * E[input channel]. Empty when the input means do not fit the weights.
std::vector<float> weightShift(const Node& n, const Tensor& w, const QuantizedConstant& qw, const std::vector<double>& inMean)
{
    auto index = weightIndexer(n, w.shape(), int64_t(inMean.size()));
    int axis = outputChannelAxis(n);
    if (!index || axis < 0) return {};
    auto wf = w.toFloat();
    int64_t O = w.shape()[size_t(axis)];
    std::vector<double> out(size_t(O), 0.0);
    for (size_t i = 0; i < wf.size(); ++i) {
        auto [o, ic] = index(int64_t(i));
        if (ic < 0 || ic >= int64_t(inMean.size())) return {};
        double scale = qw.params.scale[qw.params.scale.size() > 1 ? size_t(o) : 0];
        out[size_t(o)] += (double(qw.values.data<int8_t>()[i]) * scale - double(wf[i])) * inMean[size_t(ic)];
    }
    return {out.begin(), out.end()};
}

// Asymmetric int8 quantization of a constant operand of an int8 element-wise op (TFLite needs every input int8).
QuantizedConstant quantizeOperand(const Tensor& c)
{
    auto v = c.toFloat();
    auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    QuantizedConstant q;
    q.params = activationParams(v.empty() ? 0.0 : *lo, v.empty() ? 0.0 : *hi);
    q.values = Tensor(DataType::Int8, c.shape());
    for (size_t i = 0; i < v.size(); ++i)
        q.values.data<int8_t>()[i] =
            int8_t(std::clamp(std::nearbyint(v[i] / q.params.scale[0]) + float(q.params.zeroPoint[0]), -128.f, 127.f));
    return q;
}

QuantParams fixedParams(float scale, int zeroPoint, float lo, float hi)
{
    QuantParams p;
    p.scale = {scale};
    p.zeroPoint = {zeroPoint};
    p.min = lo;
    p.max = hi;
    p.bits = 8;
    return p;
}

}  // namespace

bool foldsIntoQuantizedOp(const Graph& g, const Node& n)
{
    return g.info.format != "tflite" && kFoldedActivations.count(n.opType) != 0;
}

QuantParams activationParams(double lo, double hi, int bits)
{
    lo = std::min(lo, 0.0);
    hi = std::max(hi, 0.0);
    QuantParams p;
    p.bits = bits;
    const double levels = double(p.qmax() - p.qmin());
    double scale = (hi - lo) / levels;
    if (!(scale > 1e-12) || !std::isfinite(scale)) scale = 1.0 / levels;  // constant tensor: any scale represents it
    const int64_t zp = std::llround(double(p.qmin()) - lo / scale);
    p.scale = {float(scale)};
    p.zeroPoint = {int32_t(std::clamp(zp, p.qmin(), p.qmax()))};
    p.min = float(lo);
    p.max = float(hi);
    return p;
}

QuantizedConstant quantizeWeights(const Tensor& w, int axis, int bits) { return quantizeWeightBits(w, axis, bits); }

namespace {

// Plans one graph (the model's, or the subgraph where points to) into plan; names are unique across the model.
void planGraph(const Graph& g, const std::map<std::string, TensorStats>& stats, const FullQuantOptions& options,
               const RangeMethod* method, const SubgraphRef* where, QuantPlan& plan)
{
    const bool tflite = g.info.format == "tflite";
    const std::set<std::string>& quantizedOps = tflite ? kTfliteQuantizedOps : kOnnxQuantizedOps;
    auto isFloat = [&](int v) { return v >= 0 && g.values[v].type == DataType::Float32; };
    auto observed = [&](int v) {
        auto it = stats.find(g.values[v].name);
        return it != stats.end() && it->second.count() > 0;
    };

    auto bitsFor = [&](const Node& n) {
        auto it = options.nodeWeightBits.find(n.name);
        return it != options.nodeWeightBits.end() ? it->second : options.weightBits;
    };

    // 1. Which nodes compute in int8.
    std::vector<char> quantized(g.nodes.size(), 0);
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const Node& n = g.nodes[i];
        if (options.skipNodes.count(n.name)) continue;
        if (tflite && options.int16Nodes.count(n.name)) {
            plan.floatReasons[n.name] = "int16_activation_node asks for int16 activations, which a TFLite model has for all "
                                        "its ops or none (LiteRT's 16x8 mode): it stays float";
            plan.floatByRule.insert(n.name);
            continue;
        }
        if (!tflite && isRecurrent(n)) {
            // ONNX has no int8 recurrent layer: the weights W and R are stored int8 behind DequantizeLinear (per
            // gate row), and the layer computes in float.
            if (!matchesAnyOpType(g, n, options.opTypes)) {
                plan.floatReasons[n.name] = "its op type is not in quantizable_op_type";
                plan.floatByRule.insert(n.name);
                continue;
            }
            if (n.inputs.size() < 3 || n.inputs[1] < 0 || n.inputs[2] < 0 || !g.values[size_t(n.inputs[1])].constant ||
                !g.values[size_t(n.inputs[2])].constant) {
                plan.floatReasons[n.name] = "its weights are not constant";
                continue;
            }
            for (int k : {1, 2}) {
                const Value& w = g.values[size_t(n.inputs[size_t(k)])];
                plan.constants[w.name] = quantizeWeights(*w.constant, options.perChannel ? 1 : -1, bitsFor(n));
            }
            plan.quantizedNodes.insert(n.name);
            plan.weightOnlyNodes.insert(n.name);
            continue;
        }
        if (!quantizedOps.count(n.opType)) {
            plan.floatReasons[n.name] = n.opType + " is not quantized (runs in float)";
            continue;
        }
        if (tflite && n.opType == "Sigmoid" && std::find(g.outputs.begin(), g.outputs.end(), n.outputs[0]) != g.outputs.end()) {
            // TFLite's int8 LOGISTIC has steps of 1/256: a model's probability output would read 0 below 0.002
            plan.floatReasons[n.name] = "a Sigmoid producing a model output stays float (int8 rounds probabilities below 1/512 to 0)";
            continue;
        }
        if (!tflite && (n.opType == "Add" || n.opType == "Mul") &&
            std::any_of(n.inputs.begin(), n.inputs.end(), [&](int v) { return v >= 0 && g.values[size_t(v)].constant; })) {
            // x * a + b with constants (unfused batch norms, learnable affine blocks, the + 3 of a decomposed
            // HardSwish): in int8 its output gets a grid set by the tensor's outliers, and the bulk of the values, a
            // few constants (b where x is 0), all round the same way; the following convolution sums that into a
            // per-channel offset (PP-OCRv4 det: cosine 0.47 after its third convolution). Float here costs nothing
            // in precision: the int8 ops around it quantize its input and output.
            plan.floatReasons[n.name] = n.opType + " with a constant operand runs in float between the int8 ops around it";
            continue;
        }
        if (!matchesAnyOpType(g, n, options.opTypes)) {
            plan.floatReasons[n.name] = "its op type is not in quantizable_op_type";
            plan.floatByRule.insert(n.name);
            continue;
        }
        if ((n.opType == "Conv" || n.opType == "ConvTranspose" || n.opType == "Gemm" || n.opType == "FullyConnected") && !hasConstWeights(g, n)) {
            plan.floatReasons[n.name] = "its weights are not constant";
            continue;
        }
        if (n.opType == "Gemm" && n.attrInt("transA", 0)) {
            plan.floatReasons[n.name] = "Gemm with transA is not quantized";
            continue;
        }
        bool floatIo = !n.inputs.empty() && isFloat(n.inputs[0]) && isFloat(n.outputs[0]);
        if (!floatIo) {
            plan.floatReasons[n.name] = "its inputs are not float32";
            continue;
        }
        {
            // Every activation input (TFLite: and the output) must become an int8 tensor. (An ONNX op's output may
            // be seen after the Relu/Clip that calibration fused into it.) Unobserved: in an If branch the data never
            // took, say.
            std::string why;
            if (tflite && n.outputs.size() != 1) why = "it has " + std::to_string(n.outputs.size()) + " outputs";
            else if (tflite && !observed(n.outputs[0])) why = "its output '" + g.values[size_t(n.outputs[0])].name + "' was not observed during calibration";
            for (size_t k = 0; k < n.inputs.size() && why.empty(); ++k) {
                int v = n.inputs[k];
                if (v < 0 || !isFloat(v) || (hasQuantizableWeights(g, n) && k > 0) || g.values[v].constant) continue;  // constant operands of Add/Sub/Mul get int8 below
                if (!observed(v))
                    why = "its input '" + g.values[size_t(v)].name + "' was not observed during calibration" +
                          (where ? " (no calibration sample ran " + where->owner->opType + " '" + where->owner->name + "' " + where->key + ")" : "");
            }
            if (tflite && n.opType == "Pad" && n.inputs.size() > 2) why = "PADV2's pad value cannot be int8";
            if (!why.empty()) {
                plan.floatReasons[n.name] = why;
                continue;
            }
        }
        quantized[i] = 1;
    }
    // An element-wise or data-movement op gains nothing from int8 when every reader of its output computes in float:
    // its result would be rounded to int8 only to be dequantized again. (x * Clip(x + 3, 0, 6), the product before the
    // / 6 of a decomposed HardSwish, spans [-3, 130] in PP-OCRv4: an int8 step of 0.5 for values mostly below 1.)
    // Walking backwards keeps chains of such ops float together. A Relu/Clip that the int8 op before it will absorb
    // (ONNX) counts as an int8 reader.
    auto int8Reader = [&](int c) {
        const Node& r = g.nodes[size_t(c)];
        return quantized[size_t(c)] || (!tflite && kFoldedActivations.count(r.opType) && !options.skipNodes.count(r.name));
    };
    for (size_t i = g.nodes.size(); i-- > 0;) {
        const Node& n = g.nodes[i];
        if (!quantized[i] || isMatrixProduct(n) || n.outputs.size() != 1) continue;
        const Value& out = g.values[size_t(n.outputs[0])];
        if (std::none_of(out.consumers.begin(), out.consumers.end(), int8Reader)) {
            quantized[i] = 0;
            plan.floatReasons[n.name] = "every reader of its output computes in float: int8 would only add a rounding";
        }
    }
    // ONNX: Relu/Clip right after a quantized op belong to it (ONNX Runtime folds them into the int8 op).
    // (TFLite models carry such activations fused in the op already.)
    std::vector<char> folded(g.nodes.size(), 0);
    for (size_t i = 0; i < g.nodes.size() && !tflite; ++i) {
        const Node& n = g.nodes[i];
        if (!kFoldedActivations.count(n.opType) || options.skipNodes.count(n.name) || n.inputs.empty() || n.inputs[0] < 0) continue;
        const Value& in = g.values[n.inputs[0]];
        if (in.producer >= 0 && quantized[size_t(in.producer)] && in.consumers.size() == 1 && Activation::fromNode(n, g)) {
            folded[i] = 1;
            plan.floatReasons.erase(n.name);
        }
    }

    // 2. Which activation tensors get parameters: inputs and outputs of int8 ops.
    //    ONNX: never the output of a skipped node, nor of a Relu/Clip after one: ONNX Runtime folds such activations
    //    and then fuses DQ -> float op -> Q into an int8 op, quantizing the skipped node's float weights after all.
    //    Its consumers therefore read float data. (TFLite has no such fusion: a QUANTIZE op feeds them.)
    std::set<std::string> floatRegion = options.skipNodes;
    for (const Node& n : g.nodes)
        if (!tflite && kFoldedActivations.count(n.opType) && !n.inputs.empty() && n.inputs[0] >= 0 &&
            g.values[n.inputs[0]].producer >= 0 && floatRegion.count(g.nodes[size_t(g.values[n.inputs[0]].producer)].name))
            floatRegion.insert(n.name);
    auto producedBySkipped = [&](int v) {
        int p = g.values[v].producer;
        return !tflite && p >= 0 && floatRegion.count(g.nodes[size_t(p)].name);
    };
    // ONNX Runtime moves a DequantizeLinear forward past Transpose, Reshape, Squeeze, Unsqueeze, Slice and MaxPool
    // (its QDQ propagation) and then fails to load the model when that path ends at a subgraph's read of an outer
    // value (an If's or Loop's implicit input): tensors that reach a subgraph only through such ops stay float.
    std::vector<char> toSubgraph(g.values.size(), 0), beforeSubgraph(g.values.size(), 0);
    if (!tflite) {
        for (const Node& n : g.nodes)
            for (size_t k = n.inputs.size() - n.captures.size(); k < n.inputs.size(); ++k)
                if (n.inputs[k] >= 0) toSubgraph[size_t(n.inputs[k])] = 1;
        static const std::set<std::string> kPropagating = {"Transpose", "Reshape", "Squeeze", "Unsqueeze", "Slice", "MaxPool"};
        for (size_t i = g.nodes.size(); i-- > 0;) {  // reverse topological order: a chain is marked back to its start
            const Node& n = g.nodes[i];
            if (!kPropagating.count(n.opType) || n.inputs.empty() || n.inputs[0] < 0) continue;
            if (std::any_of(n.outputs.begin(), n.outputs.end(), [&](int o) { return toSubgraph[size_t(o)] != 0; }))
                toSubgraph[size_t(n.inputs[0])] = beforeSubgraph[size_t(n.inputs[0])] = 1;
        }
    }
    std::set<int> qdq;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        if (!quantized[i] && !folded[i]) continue;
        const Node& n = g.nodes[i];
        bool weighted = hasQuantizableWeights(g, n);
        for (size_t k = 0; k < n.inputs.size(); ++k) {
            int v = n.inputs[k];
            if (v < 0 || !isFloat(v) || g.values[v].constant || (weighted && k > 0)) continue;
            if (folded[i]) continue;  // the folded activation reads the int8 op's output directly
            if (!producedBySkipped(v)) qdq.insert(v);
        }
        int out = n.outputs[0];
        bool feedsFolded = false;
        for (int c : g.values[out].consumers) feedsFolded |= folded[size_t(c)] != 0;
        if (!feedsFolded && isFloat(out)) qdq.insert(out);
    }
    // a node's own range method (node_activation_quant_method) for its outputs; an activation folded into the op before
    // it answers for that op's choice too
    auto methodFor = [&](int v) {
        for (int p = g.values[size_t(v)].producer, hops = 0; p >= 0 && hops < 2; ++hops) {
            const Node& n = g.nodes[size_t(p)];
            if (auto it = options.nodeMethods.find(n.name); it != options.nodeMethods.end()) return findRangeMethod(it->second);
            if (!folded[size_t(p)] || n.inputs.empty() || n.inputs[0] < 0) break;
            p = g.values[size_t(n.inputs[0])].producer;
        }
        return method;
    };
    // int16 where the tensor is written (an activation folded into the op before it counts as that op) or read by
    // a quantized int16_activation_node: both sides of its QuantizeLinear -> DequantizeLinear see the same grid.
    // (TFLite: never; such nodes stayed float above.)
    auto int16Tensor = [&](int v) {
        if (options.int16Nodes.empty() || tflite) return false;
        for (int p = g.values[size_t(v)].producer, hops = 0; p >= 0 && hops < 2; ++hops) {
            const Node& n = g.nodes[size_t(p)];
            if (options.int16Nodes.count(n.name) && (quantized[size_t(p)] || folded[size_t(p)])) return true;
            if (!folded[size_t(p)] || n.inputs.empty() || n.inputs[0] < 0) break;
            p = g.values[size_t(n.inputs[0])].producer;
        }
        const auto& readers = g.values[size_t(v)].consumers;
        return std::any_of(readers.begin(), readers.end(), [&](int c) { return quantized[size_t(c)] && options.int16Nodes.count(g.nodes[size_t(c)].name); });
    };
    for (int v : qdq) {
        if (!observed(v) || beforeSubgraph[size_t(v)]) continue;  // never observed, or see above: stays float
        auto [lo, hi] = methodFor(v)->range(stats.at(g.values[v].name));
        // values its readers cannot tell apart need no steps of their own (see liveRange)
        if (const auto [liveLo, liveHi] = liveRange(g, v); std::max(lo, liveLo) < std::min(hi, liveHi) && (lo < liveLo || hi > liveHi)) {
            plan.liveRanges[g.values[v].name] = {lo < liveLo ? liveLo : -INFINITY, hi > liveHi ? liveHi : INFINITY};  // the sides cut
            lo = std::max(lo, liveLo), hi = std::min(hi, liveHi);
        }
        plan.activations[g.values[v].name] = activationParams(lo, hi, int16Tensor(v) ? 16 : 8);
    }
    if (tflite) {
        // Parameters the TFLite int8 kernels dictate (nodes are in topological order, so inputs are settled first).
        for (size_t i = 0; i < g.nodes.size(); ++i) {
            if (!quantized[i]) continue;
            const Node& n = g.nodes[i];
            const std::string& out = g.values[n.outputs[0]].name;
            auto in = plan.activations.find(g.values[n.inputs[0]].name);
            if (kTfliteSameParams.count(n.opType) && in != plan.activations.end() && !(isGlobalAveragePool(g, n) && plan.activations.count(out)))
                plan.activations[out] = in->second;
            else if (n.opType == "Sigmoid") plan.activations[out] = fixedParams(1.f / 256.f, -128, 0.f, 1.f);
            else continue;
            plan.liveRanges.erase(out);  // the kernel's parameters, not a range cut at the live end
        }
    }

    // 3. Weights and biases of the int8 ops whose input got parameters.
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const Node& n = g.nodes[i];
        if (folded[i]) {
            plan.quantizedNodes.insert(n.name);
            continue;
        }
        if (!quantized[i]) continue;
        if (tflite && (n.opType == "Add" || n.opType == "Sub" || n.opType == "Mul"))
            for (int v : n.inputs)
                if (v >= 0 && isFloat(v) && g.values[v].constant)
                    plan.constants[g.values[v].name] = quantizeOperand(*g.values[v].constant);
        if (hasQuantizableWeights(g, n)) {
            const std::string& in = g.values[n.inputs[0]].name;
            if (!plan.activations.count(in)) {
                plan.floatReasons[n.name] = "its input is not quantized (it reads a skipped node's float output)";
                plan.floatByRule.insert(n.name);  // follows from the user's skip_quant_node
                continue;
            }
            const Value& w = g.values[n.inputs[1]];
            QuantizedConstant qw = quantizeWeights(*w.constant, options.perChannel ? outputChannelAxis(n) : -1, bitsFor(n));
            if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
                const Value& b = g.values[n.inputs[2]];
                bool biasVector = b.constant && b.constant->shape().size() <= size_t(1 + (n.opType == "Gemm")) &&
                                  (n.opType != "Gemm" || (n.attrFloat("beta", 1.f) == 1.f && n.attrFloat("alpha", 1.f) == 1.f));
                if (biasVector) {
                    float sx = plan.activations[in].scale[0];
                    auto bv = b.constant->toFloat();
                    if (options.biasCorrection) {
                        auto shift = weightShift(n, *w.constant, qw, stats.at(in).channelMeans());
                        if (shift.size() == bv.size()) {
                            for (size_t c = 0; c < bv.size(); ++c) bv[c] -= shift[c];
                            plan.biasCorrection[b.name] = shift;
                        }
                    }
                    QuantizedConstant qb;
                    qb.values = Tensor(DataType::Int32, b.constant->shape());
                    qb.params.axis = qw.params.scale.size() > 1 ? int(b.constant->shape().size()) - 1 : -1;
                    qb.params.bits = 32;
                    for (size_t c = 0; c < bv.size(); ++c) {
                        float s = sx * qw.params.scale[qw.params.scale.size() > 1 ? c : 0];
                        qb.values.data<int32_t>()[c] = int32_t(std::clamp(std::nearbyint(double(bv[c]) / s), -2147483647.0, 2147483647.0));
                    }
                    for (size_t c = 0; c < qw.params.scale.size(); ++c) {
                        qb.params.scale.push_back(sx * qw.params.scale[c]);
                        qb.params.zeroPoint.push_back(0);
                    }
                    plan.constants[b.name] = std::move(qb);
                }
            }
            plan.constants[w.name] = std::move(qw);
        }
        plan.quantizedNodes.insert(n.name);
    }
}

}  // namespace

QuantPlan buildFullQuantPlan(const Graph& g, const std::map<std::string, TensorStats>& stats, const FullQuantOptions& options)
{
    const RangeMethod* method = findRangeMethod(options.method);
    if (!method) throw InputError("activation_quant_method=" + options.method + " is not a known range method");
    for (const auto& [node, name] : options.nodeMethods)
        if (!findRangeMethod(name)) throw InputError("node_activation_quant_method: " + node + ":" + name + " is not a known range method");
    QuantPlan plan;
    plan.skippedNodes = options.skipNodes;
    planGraph(g, stats, options, method, nullptr, plan);
    // If branches and Loop bodies: planned the same way, from the statistics calibration gathered inside them (a
    // branch the calibration data never took has none: its ops stay float, saying so).
    for (const SubgraphRef& sub : g.subgraphs()) planGraph(*sub.graph, stats, options, method, &sub, plan);
    return plan;
}

}  // namespace qs
