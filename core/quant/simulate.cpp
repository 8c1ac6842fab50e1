#include "quant/simulate.h"

#include "graph/error.h"
#include "quant/weightquant.h"

namespace qs {

namespace {

// Applies plan to g, then to copies of its subgraphs (If branches, Loop bodies), which replace the originals.
void applyPlan(Graph& g, const QuantPlan& plan)
{
    const bool tflite = g.info.format == "tflite";
    for (const auto& [name, q] : plan.constants) {
        int v = g.findValue(name);
        if (v < 0 || !g.values[size_t(v)].constant) continue;
        g.values[size_t(v)].constant = Tensor::fromFloat(dequantizeConstant(q), q.values.shape());
        g.values[size_t(v)].type = DataType::Float32;
    }
    for (const auto& [name, p] : plan.activations) {
        const int v = g.findValue(name);
        if (v < 0 || g.values[size_t(v)].constant || p.scale.empty()) continue;
        const std::string base = g.values[size_t(v)].name;
        Value qv;
        qv.name = g.uniqueValueName(base + "_quantized");
        const DataType intType = p.bits > 8 ? DataType::Int16 : DataType::Int8;
        qv.type = intType;
        qv.shape = g.values[size_t(v)].shape;
        qv.quant = p;
        const int q = g.addValue(std::move(qv));
        Value dv = g.values[size_t(v)];
        dv.name = g.uniqueValueName(base + "_dequantized");
        dv.producer = -1;
        dv.consumers.clear();
        dv.quant = {};
        const int d = g.addValue(std::move(dv));
        for (Node& n : g.nodes)
            for (int& in : n.inputs)
                if (in == v) in = d;
        for (int& out : g.outputs)
            if (out == v) out = d;
        // TFLite's QUANTIZE rounds halves away from zero, ONNX's QuantizeLinear to even: each format's own op (an
        // input normalised to [-1, 1] lands on halves for every pixel)
        Node qn, dn;
        if (tflite) {
            qn.opType = "Quantize";  // parameters from the value's quant, as the TFLite reader gives them
            dn.opType = "Dequantize";
            qn.inputs = {v};
            dn.inputs = {q};
        } else {
            const int scale = g.addConstant(g.uniqueValueName(base + "_scale"), Tensor::scalarFloat(p.scale[0]));
            const int64_t zero0 = p.zeroPoint.empty() ? 0 : p.zeroPoint[0];
            const Tensor zp = Tensor::fromInt64(std::span<const int64_t>(&zero0, 1), {}).convertedTo(intType);
            const int zero = g.addConstant(g.uniqueValueName(base + "_zero_point"), zp);
            qn.opType = "QuantizeLinear";
            dn.opType = "DequantizeLinear";
            qn.inputs = {v, scale, zero};
            dn.inputs = {q, scale, zero};
        }
        qn.name = base + "/" + qn.opType;
        qn.outputs = {q};
        dn.name = base + "/" + dn.opType;
        dn.outputs = {d};
        g.nodes.push_back(std::move(qn));
        g.nodes.push_back(std::move(dn));
    }
    g.finalize();
    for (Node& n : g.nodes)
        for (auto& [key, a] : n.attrs)
            if (a.kind == AttrKind::Graph && a.g) {
                Graph sub = *a.g;
                applyPlan(sub, plan);
                a.g = std::make_shared<const Graph>(std::move(sub));
            }
}

}  // namespace

Graph simulationGraph(const Graph& graph, const QuantPlan& plan)
{
    if (plan.quantType == "DYNAMIC_QUANT")
        throw InputError("the in-memory simulation covers FULL_QUANT and WEIGHT_QUANT plans; DYNAMIC_QUANT's run-time scales are measured "
                         "on the exported model");
    Graph g = graph;
    applyPlan(g, plan);
    return g;
}

}  // namespace qs
