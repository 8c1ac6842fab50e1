#include "quant/fullquant.h"

#include <algorithm>
#include <cmath>

#include "calibration/rangemethod.h"
#include "graph/error.h"
#include "runtime/activation.h"

namespace qs {

namespace {
// Ops computed in int8. Activations that follow one of them (Relu, Clip) are folded into it.
const std::set<std::string> kQuantizedOps = {"Conv",    "Gemm",          "MatMul",           "Add",    "Mul",
                                             "Concat",  "AveragePool",   "GlobalAveragePool", "MaxPool"};
const std::set<std::string> kFoldedActivations = {"Relu", "Clip"};

bool hasConstWeights(const Graph& g, const Node& n)
{
    return n.inputs.size() > 1 && n.inputs[1] >= 0 && g.values[n.inputs[1]].constant;
}
// The mean output change (per output channel) that quantizing the weights causes: sum over the weights feeding
// each output of (w_q - w) * E[input channel]. Empty when the input means are unknown.
std::vector<float> weightShift(const Node& n, const Tensor& w, const QuantizedConstant& qw, const std::vector<double>& inMean)
{
    auto wf = w.toFloat();
    const Shape& s = w.shape();
    auto delta = [&](size_t i, size_t c) {
        return double(qw.values.data<int8_t>()[i]) * qw.params.scale[qw.params.scale.size() > 1 ? c : 0] - double(wf[i]);
    };
    if (n.opType == "Conv") {
        int64_t O = s[0], I = s[1], K = elementCount(s) / (O * I), G = n.attrInt("group", 1), OG = O / G;
        if (int64_t(inMean.size()) != I * G) return {};
        std::vector<float> out(size_t(O), 0.f);
        for (int64_t o = 0; o < O; ++o) {
            double acc = 0;
            for (int64_t i = 0; i < I; ++i) {
                double m = inMean[size_t((o / OG) * I + i)];
                for (int64_t k = 0; k < K; ++k) acc += delta(size_t((o * I + i) * K + k), size_t(o)) * m;
            }
            out[size_t(o)] = float(acc);
        }
        return out;
    }
    if (n.opType == "Gemm") {
        bool tb = n.attrInt("transB", 0) != 0;
        int64_t K = tb ? s[1] : s[0], N = tb ? s[0] : s[1];
        if (int64_t(inMean.size()) != K) return {};
        std::vector<float> out(size_t(N), 0.f);
        for (int64_t j = 0; j < N; ++j) {
            double acc = 0;
            for (int64_t k = 0; k < K; ++k) {
                size_t i = size_t(tb ? j * K + k : k * N + j);
                acc += delta(i, size_t(j)) * inMean[size_t(k)];
            }
            out[size_t(j)] = float(acc);
        }
        return out;
    }
    return {};
}

}  // namespace

QuantParams activationParams(double lo, double hi)
{
    lo = std::min(lo, 0.0);
    hi = std::max(hi, 0.0);
    QuantParams p;
    double scale = (hi - lo) / 255.0;
    if (!(scale > 1e-12) || !std::isfinite(scale)) scale = 1.0 / 255.0;  // constant tensor: any scale represents it
    int zp = int(std::lround(-128.0 - lo / scale));
    p.scale = {float(scale)};
    p.zeroPoint = {std::clamp(zp, -128, 127)};
    p.min = float(lo);
    p.max = float(hi);
    p.bits = 8;
    return p;
}

QuantizedConstant quantizeWeights(const Tensor& w, int axis)
{
    QuantizedConstant q;
    auto v = w.toFloat();
    const Shape& s = w.shape();
    int64_t channels = axis >= 0 ? s[size_t(axis)] : 1;
    int64_t inner = 1;
    if (axis >= 0)
        for (size_t d = size_t(axis) + 1; d < s.size(); ++d) inner *= s[d];
    std::vector<float> absMax(size_t(channels), 0.f);
    for (size_t i = 0; i < v.size(); ++i) {
        size_t c = axis >= 0 ? size_t((int64_t(i) / inner) % channels) : 0;
        absMax[c] = std::max(absMax[c], std::fabs(v[i]));
    }
    q.params.axis = axis;
    q.params.bits = 8;
    for (float m : absMax) {
        q.params.scale.push_back(m > 0 ? m / 127.f : 1.f);
        q.params.zeroPoint.push_back(0);
    }
    q.values = Tensor(DataType::Int8, s);
    for (size_t i = 0; i < v.size(); ++i) {
        size_t c = axis >= 0 ? size_t((int64_t(i) / inner) % channels) : 0;
        q.values.data<int8_t>()[i] = int8_t(std::clamp(std::nearbyint(v[i] / q.params.scale[c]), -127.f, 127.f));
    }
    return q;
}

QuantPlan buildFullQuantPlan(const Graph& g, const std::map<std::string, TensorStats>& stats, const FullQuantOptions& options)
{
    const RangeMethod* method = findRangeMethod(options.method);
    if (!method) throw InputError("activation_quant_method=" + options.method + " is not a known range method");
    QuantPlan plan;
    plan.skippedNodes = options.skipNodes;
    auto isFloat = [&](int v) { return v >= 0 && g.values[v].type == DataType::Float32; };

    // 1. Which nodes compute in int8.
    std::vector<char> quantized(g.nodes.size(), 0);
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const Node& n = g.nodes[i];
        if (options.skipNodes.count(n.name)) continue;
        if (!kQuantizedOps.count(n.opType)) {
            plan.floatReasons[n.name] = n.opType + " is not quantized (runs in float)";
            continue;
        }
        if ((n.opType == "Conv" || n.opType == "Gemm" || n.opType == "MatMul") && !hasConstWeights(g, n)) {
            if (n.opType != "MatMul") {
                plan.floatReasons[n.name] = "its weights are not constant";
                continue;
            }
        }
        if (n.opType == "Conv" && n.attrString("weight_layout", "OIHW") != "OIHW") {
            plan.floatReasons[n.name] = "TFLite-layout convolutions are exported by the TFLite writer";
            continue;
        }
        bool floatIo = !n.inputs.empty() && isFloat(n.inputs[0]) && isFloat(n.outputs[0]);
        if (!floatIo) {
            plan.floatReasons[n.name] = "its inputs are not float32";
            continue;
        }
        quantized[i] = 1;
    }
    // Relu/Clip right after a quantized op belong to it (ONNX Runtime folds them into the int8 op).
    std::vector<char> folded(g.nodes.size(), 0);
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const Node& n = g.nodes[i];
        if (!kFoldedActivations.count(n.opType) || options.skipNodes.count(n.name) || n.inputs.empty() || n.inputs[0] < 0) continue;
        const Value& in = g.values[n.inputs[0]];
        if (in.producer >= 0 && quantized[size_t(in.producer)] && in.consumers.size() == 1 && Activation::fromNode(n, g)) {
            folded[i] = 1;
            plan.floatReasons.erase(n.name);
        }
    }

    // 2. Which activation tensors get Q/DQ: inputs and outputs of int8 ops, but never the output of a skipped node,
    //    nor of a Relu/Clip after one: ONNX Runtime folds such activations and then fuses DQ -> float op -> Q into an
    //    int8 op, quantizing the skipped node's float weights after all. Its consumers therefore read float data.
    std::set<std::string> floatRegion = options.skipNodes;
    for (const Node& n : g.nodes)
        if (kFoldedActivations.count(n.opType) && !n.inputs.empty() && n.inputs[0] >= 0 && g.values[n.inputs[0]].producer >= 0 &&
            floatRegion.count(g.nodes[size_t(g.values[n.inputs[0]].producer)].name))
            floatRegion.insert(n.name);
    auto producedBySkipped = [&](int v) {
        int p = g.values[v].producer;
        return p >= 0 && floatRegion.count(g.nodes[size_t(p)].name);
    };
    std::set<int> qdq;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        if (!quantized[i] && !folded[i]) continue;
        const Node& n = g.nodes[i];
        bool weighted = n.opType == "Conv" || n.opType == "Gemm" || (n.opType == "MatMul" && hasConstWeights(g, n));
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
    for (int v : qdq) {
        const std::string& name = g.values[v].name;
        auto it = stats.find(name);
        if (it == stats.end() || it->second.count() == 0) continue;  // never observed: stays float
        auto [lo, hi] = method->range(it->second);
        plan.activations[name] = activationParams(lo, hi);
    }

    // 3. Weights and biases of the int8 ops whose input got parameters.
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const Node& n = g.nodes[i];
        if (folded[i]) {
            plan.quantizedNodes.insert(n.name);
            continue;
        }
        if (!quantized[i]) continue;
        bool weighted = n.opType == "Conv" || n.opType == "Gemm" || (n.opType == "MatMul" && hasConstWeights(g, n));
        if (weighted) {
            const std::string& in = g.values[n.inputs[0]].name;
            if (!plan.activations.count(in)) {
                plan.floatReasons[n.name] = "its input is not quantized (it reads a skipped node's float output)";
                continue;
            }
            const Value& w = g.values[n.inputs[1]];
            int axis = -1;
            if (options.perChannel) {
                if (n.opType == "Conv") axis = 0;
                else if (n.opType == "Gemm") axis = n.attrInt("transB", 0) ? 0 : 1;
            }
            if (n.opType == "Gemm" && n.attrInt("transA", 0)) {
                plan.floatReasons[n.name] = "Gemm with transA is not quantized";
                continue;
            }
            QuantizedConstant qw = quantizeWeights(*w.constant, axis);
            if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
                const Value& b = g.values[n.inputs[2]];
                bool biasVector = b.constant && b.constant->shape().size() <= 1 + (n.opType == "Gemm") &&
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
    return plan;
}

}  // namespace qs
