#include "runtime/activation.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "graph/graph.h"

namespace qs {

float Activation::apply1(float x) const
{
    switch (kind) {
    case None: return x;
    case Relu: return x > 0.f ? x : 0.f;
    case Clip: return std::min(std::max(x, alpha), beta);
    case LeakyRelu: return x >= 0.f ? x : alpha * x;
    case Sigmoid: return 1.f / (1.f + std::exp(-x));
    case Tanh: return std::tanh(x);
    case HardSigmoid: return std::min(1.f, std::max(0.f, alpha * x + beta));
    case HardSwish: return x * std::min(std::max(x + 3.f, 0.f), 6.f) / 6.f;  // as x * Relu6(x + 3) / 6 computes it
    case Linear: return alpha * x + beta;
    }
    return x;
}

void Activation::apply(float* data, size_t n) const
{
    switch (kind) {
    case None: return;
    case Relu:
#pragma omp parallel for simd if (n > 65536)
        for (size_t i = 0; i < n; ++i) data[i] = data[i] > 0.f ? data[i] : 0.f;
        return;
    case Clip: {
        float lo = alpha, hi = beta;
#pragma omp parallel for simd if (n > 65536)
        for (size_t i = 0; i < n; ++i) data[i] = std::min(std::max(data[i], lo), hi);
        return;
    }
    case HardSigmoid: {
        float a = alpha, b = beta;
#pragma omp parallel for simd if (n > 65536)
        for (size_t i = 0; i < n; ++i) data[i] = std::min(1.f, std::max(0.f, a * data[i] + b));
        return;
    }
    case HardSwish:
#pragma omp parallel for simd if (n > 65536)
        for (size_t i = 0; i < n; ++i) data[i] = data[i] * std::min(std::max(data[i] + 3.f, 0.f), 6.f) / 6.f;
        return;
    case Linear: {
        const float a = alpha, b = beta;
#pragma omp parallel for simd if (n > 65536)
        for (size_t i = 0; i < n; ++i) data[i] = a * data[i] + b;
        return;
    }
    default:
#pragma omp parallel for if (n > 16384)
        for (size_t i = 0; i < n; ++i) data[i] = apply1(data[i]);
    }
}

Activation Activation::fromFusedName(const std::string& name)
{
    Activation a;
    if (name == "RELU") a.kind = Relu;
    else if (name == "RELU6") { a.kind = Clip; a.alpha = 0.f; a.beta = 6.f; }
    else if (name == "RELU_N1_TO_1") { a.kind = Clip; a.alpha = -1.f; a.beta = 1.f; }
    else if (name == "TANH") a.kind = Tanh;
    return a;
}

std::optional<Activation> Activation::fromNode(const Node& node, const Graph& graph)
{
    Activation a;
    const std::string& op = node.opType;
    if (op == "Relu") a.kind = Relu;
    else if (op == "Sigmoid") a.kind = Sigmoid;
    else if (op == "Tanh") a.kind = Tanh;
    else if (op == "HardSwish") a.kind = HardSwish;
    else if (op == "LeakyRelu") { a.kind = LeakyRelu; a.alpha = node.attrFloat("alpha", 0.01f); }
    else if (op == "HardSigmoid") { a.kind = HardSigmoid; a.alpha = node.attrFloat("alpha", 0.2f); a.beta = node.attrFloat("beta", 0.5f); }
    else if (op == "Clip") {
        a.kind = Clip;
        a.alpha = node.attrFloat("min", std::numeric_limits<float>::lowest());
        a.beta = node.attrFloat("max", std::numeric_limits<float>::max());
        for (size_t i = 1; i < node.inputs.size() && i < 3; ++i) {
            int id = node.inputs[i];
            if (id < 0) continue;
            const Value& v = graph.values[id];
            if (!v.constant || v.constant->count() != 1) return std::nullopt;
            (i == 1 ? a.alpha : a.beta) = v.constant->toFloat()[0];
        }
    } else {
        return std::nullopt;
    }
    return a;
}

bool Activation::compose(const Activation& next)
{
    if (kind != Linear || next.kind != Linear) return false;
    beta = next.alpha * beta + next.beta;
    alpha *= next.alpha;
    return true;
}

std::optional<Activation> Activation::scalarAffine(const Node& node, const Graph& graph, int x)
{
    const std::string& op = node.opType;
    if ((op != "Mul" && op != "Add" && op != "Sub" && op != "Div") || node.inputs.size() != 2 || node.outputs.size() != 1) return std::nullopt;
    const int at = node.inputs[0] == x ? 0 : node.inputs[1] == x ? 1 : -1;
    const int other = at < 0 ? -1 : node.inputs[size_t(1 - at)];
    if (other < 0 || other == x) return std::nullopt;
    const auto& c = graph.values[size_t(other)].constant;
    if (!c || c->type() != DataType::Float32 || c->count() != 1 || graph.values[size_t(x)].type != DataType::Float32) return std::nullopt;
    const float v = c->data<float>()[0];
    Activation a;
    a.kind = Linear;
    if (op == "Mul") a.alpha = v;
    else if (op == "Add") a.alpha = 1.f, a.beta = v;
    else if (op == "Sub") a.alpha = at == 0 ? 1.f : -1.f, a.beta = at == 0 ? -v : v;
    else if (at == 0 && v != 0.f) a.alpha = 1.f / v;  // x / c (rounds like x * (1 / c))
    else return std::nullopt;
    return a;
}

}  // namespace qs
