#include "quant/optypes.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

namespace qs {

bool isDepthwise(const Graph& g, const Node& n)
{
    if (n.opType != "Conv") return false;
    if (n.attrString("weight_layout") == "1HWO") return true;
    int64_t group = n.attrInt("group", 1);
    const Value& w = g.values[size_t(n.inputs.at(1))];
    return group > 1 && w.shape.size() == 4 && w.shape[1] == 1 && w.shape[0] == group;
}

namespace {

const std::map<std::string, std::set<std::string>>& paddleOps()
{
    static const std::map<std::string, std::set<std::string>> ops = {
        {"conv2d", {"Conv"}},
        {"depthwise_conv2d", {"Conv"}},
        {"mul", {"Gemm", "MatMul", "FullyConnected"}},
        {"matmul", {"Gemm", "MatMul", "FullyConnected"}},
        {"matmul_v2", {"Gemm", "MatMul", "FullyConnected"}},
        {"pool2d", {"MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"}},
        {"elementwise_add", {"Add"}},
        {"elementwise_sub", {"Sub"}},
        {"elementwise_mul", {"Mul"}},
        {"concat", {"Concat"}},
        {"softmax", {"Softmax"}},
        {"sigmoid", {"Sigmoid"}},
        {"relu", {"Relu"}},
        {"relu6", {"Clip"}},
        {"reshape", {"Reshape"}},
        {"reshape2", {"Reshape"}},
        {"squeeze", {"Squeeze"}},
        {"squeeze2", {"Squeeze"}},
        {"transpose", {"Transpose"}},
        {"transpose2", {"Transpose"}},
        {"mean", {"ReduceMean"}},
        {"pad2d", {"Pad"}},
        {"bilinear_interp", {"Resize"}},
        {"nearest_interp", {"Resize"}},
    };
    return ops;
}
}  // namespace

const std::vector<std::string>& paddleOpTypeNames()
{
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (const auto& [name, ops] : paddleOps()) v.push_back(name);
        return v;
    }();
    return names;
}

bool matchesOpType(const Graph& g, const Node& n, const std::string& name)
{
    if (name == n.opType || name == n.sourceOpType) return true;
    auto it = paddleOps().find(name);
    if (it == paddleOps().end() || !it->second.count(n.opType)) return false;
    if (name == "conv2d") return !isDepthwise(g, n);
    if (name == "depthwise_conv2d") return isDepthwise(g, n);
    if (name == "bilinear_interp") return n.attrString("mode") == "linear";
    if (name == "nearest_interp") return n.attrString("mode", "nearest") == "nearest";
    return true;
}

bool matchesAnyOpType(const Graph& g, const Node& n, const std::set<std::string>& names)
{
    return names.empty() || std::any_of(names.begin(), names.end(), [&](const std::string& t) { return matchesOpType(g, n, t); });
}

bool hasConstWeights(const Graph& g, const Node& n)
{
    return n.inputs.size() > 1 && n.inputs[1] >= 0 && g.values[n.inputs[1]].constant;
}

bool isWeighted(const Graph& g, const Node& n)
{
    return n.opType == "Conv" || n.opType == "Gemm" || n.opType == "FullyConnected" ||
           (n.opType == "MatMul" && hasConstWeights(g, n));
}

bool isRecurrent(const Node& n) { return n.opType == "LSTM" || n.opType == "GRU" || n.opType == "RNN"; }

bool isMatrixProduct(const Node& n)
{
    return n.opType == "Conv" || n.opType == "ConvTranspose" || n.opType == "Gemm" || n.opType == "MatMul" || n.opType == "FullyConnected";
}

bool hasQuantizableWeights(const Graph& g, const Node& n) { return isWeighted(g, n) || n.opType == "ConvTranspose"; }

std::vector<char> weightedOpInputs(const Graph& g)
{
    std::vector<char> read(g.values.size(), 0);
    for (const Node& n : g.nodes)
        if (isWeighted(g, n) && !n.inputs.empty() && n.inputs[0] >= 0 && !g.values[size_t(n.inputs[0])].constant) read[size_t(n.inputs[0])] = 1;
    return read;
}

int outputChannelAxis(const Node& n)
{
    if (n.opType == "Conv") return n.attrString("weight_layout", "OIHW") == "1HWO" ? 3 : 0;  // OIHW and OHWI: 0
    // ONNX ConvTranspose weights are [C_in, C_out / group, kH, kW]: one scale per output channel on axis 1 when there is
    // one group (with several, axis 1 holds each group's channels, shared); TFLite's OHWI ones on axis 0
    if (n.opType == "ConvTranspose") return n.attrString("weight_layout") == "OHWI" ? 0 : n.attrInt("group", 1) == 1 ? 1 : -1;
    if (n.opType == "Gemm") return n.attrInt("transB", 0) ? 0 : 1;
    if (n.opType == "FullyConnected") return 0;
    return -1;
}

std::function<WeightIndex(int64_t)> weightIndexer(const Node& n, const Shape& s, int64_t inChannels)
{
    if (n.opType == "Conv") {
        std::string layout = n.attrString("weight_layout", "OIHW");
        int64_t G = n.attrInt("group", 1);
        if (layout == "1HWO" && s.size() == 4) {  // depthwise: output channel o reads input channel o / multiplier
            int64_t O = s[3], M = inChannels > 0 ? O / inChannels : 1;
            return [O, M](int64_t i) { return WeightIndex{i % O, (i % O) / std::max<int64_t>(M, 1)}; };
        }
        if (s.size() != 4 || s[0] <= 0 || s[1] <= 0 || s[3] <= 0 || G <= 0) return {};
        int64_t O = s[0], I = layout == "OHWI" ? s[3] : s[1], K = elementCount(s) / (O * I), OG = std::max<int64_t>(O / G, 1);
        if (layout == "OHWI") return [=](int64_t i) { int64_t o = i / (K * I); return WeightIndex{o, (o / OG) * I + i % I}; };
        return [=](int64_t i) { int64_t o = i / (I * K); return WeightIndex{o, (o / OG) * I + (i / K) % I}; };
    }
    if (n.opType == "FullyConnected") {
        int64_t I = s[1];
        return [I](int64_t i) { return WeightIndex{i / I, i % I}; };
    }
    if (n.opType == "MatMul" && s.size() == 2) return [N = s[1]](int64_t i) { return WeightIndex{i % N, i / N}; };
    if (n.opType == "Gemm") {
        bool tb = n.attrInt("transB", 0) != 0;
        int64_t K = tb ? s[1] : s[0], N = tb ? s[0] : s[1];
        if (tb) return [K](int64_t i) { return WeightIndex{i / K, i % K}; };
        return [N](int64_t i) { return WeightIndex{i % N, i / N}; };
    }
    return {};
}

}  // namespace qs
