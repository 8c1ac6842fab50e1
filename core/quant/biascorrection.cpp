#include "quant/biascorrection.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "quant/optypes.h"
#include "quant/simulate.h"
#include "quant/weightquant.h"
#include "runtime/interpreter.h"

namespace qs {

namespace {

// A corrected node: its output value, the bias constant's name, and the output's channel layout.
struct Target {
    const Node* node = nullptr;
    std::string bias;
    bool channelsLast = false;
    std::vector<double> floatSum, quantSum;
    double floatCount = 0, quantCount = 0;
};

// Adds t's per-channel sums (channel axis 1, or the last one) to sum; return the elements per channel added,
// or 0 when t does not have sum.size() channels there.
double addChannelSums(const Tensor& t, bool channelsLast, std::vector<double>& sum)
{
    const Shape& s = t.shape();
    if (s.size() < 2 || t.type() != DataType::Float32) return 0;
    const size_t axis = channelsLast ? s.size() - 1 : 1;
    const int64_t channels = s[axis];
    if (channels != int64_t(sum.size())) return 0;
    int64_t outer = 1, inner = 1;
    for (size_t d = 0; d < axis; ++d) outer *= s[d];
    for (size_t d = axis + 1; d < s.size(); ++d) inner *= s[d];
    const float* x = t.data<float>();
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t c = 0; c < channels; ++c) {
            double acc = 0;
            const float* p = x + (o * channels + c) * inner;
            for (int64_t i = 0; i < inner; ++i) acc += p[i];
            sum[size_t(c)] += acc;
        }
    return double(outer * inner);
}

}  // namespace

void removeBiasError(QuantizedConstant& bias, const std::vector<double>& error, std::vector<float>& removed)
{
    const std::vector<float> b = dequantizeConstant(bias);
    removed.resize(b.size(), 0.f);
    for (size_t c = 0; c < b.size() && c < error.size(); ++c) {
        const double s = bias.params.scale[bias.params.scale.size() > 1 ? c : 0];
        if (!std::isfinite(error[c]) || !(s > 0)) continue;
        bias.values.data<int32_t>()[c] = int32_t(std::clamp(std::nearbyint((double(b[c]) - error[c]) / s), -2147483647.0, 2147483647.0));
        removed[c] += float(error[c]);
    }
}

size_t correctBiasEmpirically(const Graph& g, QuantPlan& plan, size_t samples,
                              const std::function<std::map<std::string, Tensor>(size_t)>& sample, int passes, int threads,
                              const ProgressSink& progress, const CancelToken* cancel)
{
    const bool tflite = g.info.format == "tflite";
    std::vector<Target> targets;
    for (const Node& n : g.nodes) {
        if (!plan.quantizedNodes.count(n.name) || !hasQuantizableWeights(g, n) || n.inputs.size() < 3 || n.inputs[1] < 0 || n.inputs[2] < 0 ||
            !g.values[size_t(n.inputs[1])].constant || !g.values[size_t(n.inputs[2])].constant)
            continue;
        const std::string& bias = g.values[size_t(n.inputs[2])].name;
        auto b = plan.constants.find(bias);
        if (b == plan.constants.end() || plan.learnedRounding.correctedBiases.count(bias) || b->second.values.type() != DataType::Int32 || b->second.values.shape().size() != 1) continue;
        Target t;
        t.node = &n;
        t.bias = bias;
        t.channelsLast = tflite || !(n.opType == "Conv" || n.opType == "ConvTranspose");
        targets.push_back(std::move(t));
    }
    if (targets.empty() || samples == 0 || passes <= 0) return 0;

    // The corrected nodes' outputs (and their twins') before any activation or rounding that follows, in plain layouts;
    // the rest of the simulation fused as the runtime runs it.
    std::map<int, std::pair<size_t, bool>> observed;  // value -> (target, is the float twin)
    InterpreterOptions options{threads, true, false, false};
    options.fusible = [&observed](const Node& next) { return next.inputs.empty() || !observed.count(next.inputs[0]); };
    const size_t steps = samples * size_t(passes);
    size_t step = 0;
    std::set<std::string> corrected;
    for (int pass = 0; pass < passes; ++pass) {
        // The simulation, with a float twin of each corrected node right after it: the same op with the float
        // weights and bias, reading the node's input before its int8 rounding. Their means differ by the error the
        // node itself adds (its weights' and its input's rounding), whatever reached it from earlier nodes.
        Graph sim = simulationGraph(g, plan);
        observed.clear();
        std::vector<std::pair<size_t, Node>> twins;       // (insert before this node index, twin)
        for (size_t k = 0; k < targets.size(); ++k) {
            const Node& n = *targets[k].node;
            const int at = sim.findNode(n.name);
            if (at < 0) continue;
            Node twin = sim.nodes[size_t(at)];
            int in = twin.inputs[0];
            if (int dq = sim.values[size_t(in)].producer; dq >= 0 && (sim.nodes[size_t(dq)].opType == "DequantizeLinear" || sim.nodes[size_t(dq)].opType == "Dequantize"))
                if (int q = sim.values[size_t(sim.nodes[size_t(dq)].inputs[0])].producer;
                    q >= 0 && (sim.nodes[size_t(q)].opType == "QuantizeLinear" || sim.nodes[size_t(q)].opType == "Quantize"))
                    in = sim.nodes[size_t(q)].inputs[0];
            twin.name = n.name + "/float_twin";
            twin.inputs[0] = in;
            for (size_t i = 1; i < 3; ++i)
                twin.inputs[i] = sim.addConstant(sim.uniqueValueName(g.values[size_t(n.inputs[i])].name + "_float"), *g.values[size_t(n.inputs[i])].constant);
            Value out = sim.values[size_t(twin.outputs[0])];
            out.name = sim.uniqueValueName(out.name + "_float");
            out.producer = -1;
            out.consumers.clear();
            twin.outputs = {sim.addValue(std::move(out))};
            observed[twin.outputs[0]] = {k, true};
            observed[sim.nodes[size_t(at)].outputs[0]] = {k, false};
            twins.emplace_back(size_t(at) + 1, std::move(twin));
        }
        // Right after their node in the order (finalize keeps the order where it can), so that the input they share
        // is not kept alive to the end.
        std::stable_sort(twins.begin(), twins.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        std::vector<Node> order;
        order.reserve(sim.nodes.size() + twins.size());
        for (size_t i = 0, t = 0; i <= sim.nodes.size(); ++i) {
            for (; t < twins.size() && twins[t].first == i; ++t) order.push_back(std::move(twins[t].second));
            if (i < sim.nodes.size()) order.push_back(std::move(sim.nodes[i]));
        }
        sim.nodes = std::move(order);
        sim.finalize();

        for (Target& t : targets) {
            const size_t channels = size_t(plan.constants.at(t.bias).values.count());
            t.floatSum.assign(channels, 0.0), t.quantSum.assign(channels, 0.0), t.floatCount = t.quantCount = 0;
        }
        Interpreter run(sim, options);
        for (size_t i = 0; i < samples; ++i) {
            if (cancel) cancel->check();
            if (progress) progress(step++, steps, "bias correction");
            run.run(sample(i), [&](int, int value, const Tensor& x) {
                auto it = observed.find(value);
                if (it == observed.end()) return;
                Target& t = targets[it->second.first];
                if (it->second.second) t.floatCount += addChannelSums(x, t.channelsLast, t.floatSum);
                else t.quantCount += addChannelSums(x, t.channelsLast, t.quantSum);
            });
        }
        for (const Target& t : targets) {
            if (t.floatCount <= 0 || t.quantCount != t.floatCount) continue;
            std::vector<double> error(t.floatSum.size());
            for (size_t c = 0; c < error.size(); ++c) error[c] = (t.quantSum[c] - t.floatSum[c]) / t.floatCount;
            removeBiasError(plan.constants.at(t.bias), error, plan.biasCorrection[t.bias]);
            corrected.insert(t.bias);
        }
    }
    if (progress) progress(steps, steps, "bias correction");
    return corrected.size();
}

}  // namespace qs
