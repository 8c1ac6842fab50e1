#include "quant/coverage.h"

#include "quant/optypes.h"

namespace qs {

namespace {

// return a graph's values computed from constants alone (weights behind a Cast, a Transpose, a Dequantize ...)
std::vector<char> constantValues(const Graph& g)
{
    std::vector<char> fromConstants(g.values.size(), 0);
    for (size_t v = 0; v < g.values.size(); ++v) fromConstants[v] = g.values[v].constant ? 1 : 0;
    for (const Node& n : g.nodes) {
        bool all = !n.inputs.empty();
        for (int in : n.inputs) all = all && (in < 0 || fromConstants[size_t(in)]);
        if (all)
            for (int out : n.outputs) fromConstants[size_t(out)] = 1;
    }
    return fromConstants;
}

bool isWeighted(const Node& n, const std::vector<char>& fromConstants)
{
    return isRecurrent(n) ||
           (isMatrixProduct(n) && (n.opType != "MatMul" || (n.inputs.size() > 1 && n.inputs[1] >= 0 && fromConstants[size_t(n.inputs[1])])));
}

// Counts the weighted ops of one graph (the model's or a subgraph's: plans key nodes by name across the model).
void countGraph(const Graph& g, const QuantPlan& plan, WeightedCoverage& c)
{
    const auto fromConstants = constantValues(g);
    for (const Node& n : g.nodes) {
        if (!isWeighted(n, fromConstants)) continue;
        ++c.weighted;
        const bool quantized = plan.quantType == "FULL_QUANT"
                                   ? plan.quantizedNodes.count(n.name) != 0
                                   : n.inputs.size() > 1 && n.inputs[1] >= 0 && plan.constants.count(g.values[size_t(n.inputs[1])].name) != 0;
        if (quantized) {
            ++c.quantized;
        } else if (plan.skippedNodes.count(n.name) || plan.floatByRule.count(n.name)) {
            ++c.chosen;
        } else {
            auto why = plan.floatReasons.find(n.name);
            std::string reason = why != plan.floatReasons.end() ? why->second
                                 : isRecurrent(n)                   ? n.opType + " layers run in float (not quantized yet)"
                                 : !hasConstWeights(g, n)          ? "its weights are computed at run time"
                                 : plan.quantType != "FULL_QUANT" ? n.opType + " is not handled by weight-only and dynamic quantization yet"
                                                                  : n.opType + " is not quantized (runs in float)";
            c.unexpected.push_back({n.name, n.sourceOpType.empty() ? n.opType : n.sourceOpType, reason});
        }
    }
}

}  // namespace

WeightedCoverage weightedCoverage(const Graph& g, const QuantPlan& plan)
{
    WeightedCoverage c;
    countGraph(g, plan, c);
    for (const SubgraphRef& sub : g.subgraphs()) countGraph(*sub.graph, plan, c);
    return c;
}

std::string coverageWarning(const WeightedCoverage& c)
{
    if (c.unexpected.empty()) return {};
    std::string s = std::to_string(c.unexpected.size()) + " of " + std::to_string(c.weighted) +
                    " weighted operators stay float although neither skip_quant_node nor a config rule asked for it (" +
                    std::to_string(c.quantized) + " quantized, " + std::to_string(int(c.share() * 100.0 + 0.5)) + "%): ";
    for (size_t i = 0; i < c.unexpected.size(); ++i) {
        if (i == 20) {
            s += "; ... (" + std::to_string(c.unexpected.size() - 20) + " more)";
            break;
        }
        s += (i ? "; " : "") + c.unexpected[i].node + " (" + c.unexpected[i].op + "): " + c.unexpected[i].why;
    }
    return s;
}

}  // namespace qs
