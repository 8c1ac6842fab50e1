// If and Loop: each subgraph is a Graph of its own, run by an Interpreter of its own. A subgraph reads outer values
// through the node's capture inputs (Node::captures), so the outer plan keeps them alive until the node has run.
#include <omp.h>

#include <algorithm>
#include <cstring>

#include "graph/error.h"
#include "runtime/interpreter.h"
#include "runtime/kernel.h"

namespace qs {
namespace {

/** A subgraph and its interpreter. Its inputs: the formal ones (Loop's iteration, condition and carried values),
 *  then the outer values it captures. */
class Subgraph {
public:
    Subgraph(const Node& node, const char* key) : m_key(key)
    {
        const Attribute* a = node.attr(key);
        if (!a || a->kind != AttrKind::Graph || !a->g) kernelError(node, std::string("has no ") + key + " graph");
        m_graph = a->g;
    }
    const std::string& key() const { return m_key; }
    const Graph& graph() const { return *m_graph; }
    size_t formalCount() const { return m_graph->inputs.size() - m_graph->captures.size(); }

    // return the subgraph's inputs by name: formal in order, captures from the node's capture inputs (by name)
    std::map<std::string, Tensor> inputs(const std::vector<Tensor>& formal, const Node& node, const std::vector<Tensor>& captured) const
    {
        std::map<std::string, Tensor> in;
        for (size_t i = 0; i < formal.size() && i < formalCount(); ++i) in[m_graph->values[size_t(m_graph->inputs[i])].name] = formal[i];
        for (const std::string& name : m_graph->captures)
            for (size_t k = 0; k < node.captures.size(); ++k)
                if (node.captures[k] == name) in[name] = captured[k];
        return in;
    }

    InferResult signature(const std::map<std::string, Tensor>& inputs) { return interpreter().outputSignature(inputs); }

    std::vector<Tensor> run(const std::map<std::string, Tensor>& inputs)
    {
        const int threads = omp_get_max_threads();
        TensorObserver inner;
        if (m_observer)
            inner = [this](int node, int value, const Tensor& t) {
                if (node < 0 && isCapture(value)) return;  // the outer graph's value, offered there
                (*m_observer)(*m_graph, node, value, t);
            };
        std::vector<Tensor> out = interpreter().run(inputs, inner, {}, m_observer ? *m_observer : SubgraphObserver{});
        omp_set_num_threads(threads);  // the subgraph's run sets its own count
        return out;
    }

    void inheritOptions(const InterpreterOptions& options) { m_options = options; }
    void observe(const SubgraphObserver* observer) { m_observer = observer; }

private:
    bool isCapture(int value) const
    {
        return std::find(m_graph->captures.begin(), m_graph->captures.end(), m_graph->values[size_t(value)].name) != m_graph->captures.end();
    }

    Interpreter& interpreter()
    {
        if (!m_interpreter) {
            InterpreterOptions options = m_options;
            options.threads = omp_get_max_threads();
            m_interpreter = std::make_unique<Interpreter>(*m_graph, options);
        }
        return *m_interpreter;
    }

    std::string m_key;
    std::shared_ptr<const Graph> m_graph;
    InterpreterOptions m_options;  // the outer interpreter's (reference kernels, the fusions calibration allows)
    const SubgraphObserver* m_observer = nullptr;
    std::unique_ptr<Interpreter> m_interpreter;
};

bool isTrue(const Node& node, const Tensor& cond)
{
    if (cond.count() != 1) kernelError(node, "the condition must hold one value, it has " + std::to_string(cond.count()));
    return cond.toInt64()[0] != 0;
}

// return the captured inputs as planning placeholders: constants where known, else zeros of the planned shape
std::vector<Tensor> placeholders(const PrepareContext& ctx, size_t first, size_t count)
{
    std::vector<Tensor> out;
    for (size_t k = first; k < first + count; ++k)
        out.push_back(ctx.constant(k) ? *ctx.constant(k) : Tensor(ctx.inputTypes[k], ctx.inputShapes[k]));
    return out;
}

void copyResults(const Node& node, const std::string& what, const std::vector<Tensor>& results, const std::vector<Tensor*>& out)
{
    for (size_t o = 0; o < out.size() && o < results.size(); ++o) {
        if (!out[o] || out[o]->empty()) continue;
        if (results[o].shape() != out[o]->shape() || results[o].type() != out[o]->type())
            kernelError(node, what + " output " + std::to_string(o) + " is " + std::string(dataTypeName(results[o].type())) +
                                  shapeToString(results[o].shape()) + ", planned " + std::string(dataTypeName(out[o]->type())) +
                                  shapeToString(out[o]->shape()));
        std::memcpy(out[o]->raw(), results[o].raw(), results[o].byteSize());
    }
}

class IfKernel : public Kernel {
public:
    explicit IfKernel(const Node& n) : m_node(n), m_branch{Subgraph(n, "then_branch"), Subgraph(n, "else_branch")}
    {
        m_firstCapture = n.inputs.size() - n.captures.size();
    }

    bool inferOutputs(const PrepareContext& ctx, InferResult& out) override
    {
        // The branch's own plan gives the shapes: both branches' when the condition is only known at run time (they
        // must agree then), else the one it picks.
        const Tensor* cond = ctx.constant(0);
        const auto captured = placeholders(ctx, m_firstCapture, m_node.captures.size());
        bool first = true;
        for (int b = 0; b < 2; ++b) {
            if (cond && isTrue(m_node, *cond) != (b == 0)) continue;
            InferResult r = m_branch[b].signature(m_branch[b].inputs({}, m_node, captured));
            if (r.shapes.size() != m_node.outputs.size())
                kernelError(m_node, m_branch[b].key() + " has " + std::to_string(r.shapes.size()) + " outputs, the node " +
                                        std::to_string(m_node.outputs.size()));
            if (!first && (r.shapes != out.shapes || r.types != out.types))
                kernelError(m_node, "the branches give outputs of different shapes or types while the condition is only known at "
                                    "run time; Quantscope needs shapes known before running (fix the inputs the condition "
                                    "depends on, e.g. with --inputShape)");
            out = std::move(r);
            first = false;
        }
        return true;
    }

    void inheritOptions(const InterpreterOptions& options) override
    {
        for (Subgraph& b : m_branch) b.inheritOptions(options);
    }
    void observeSubgraphs(const SubgraphObserver* observer) override
    {
        for (Subgraph& b : m_branch) b.observe(observer);
    }

    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        Subgraph& branch = m_branch[isTrue(m_node, *in[0]) ? 0 : 1];
        std::vector<Tensor> captured;
        for (size_t i = 0; i < m_node.captures.size(); ++i) captured.push_back(*in[m_firstCapture + i]);
        copyResults(m_node, branch.key(), branch.run(branch.inputs({}, m_node, captured)), out);
    }

private:
    const Node& m_node;
    Subgraph m_branch[2];
    size_t m_firstCapture = 0;
};

/** Loop: inputs M (trip count), cond, the carried values; outputs the final carried values, then the scan outputs
 *  (each iteration's, stacked on a new first axis). With scan outputs the trip count decides the shapes: the loop then
 *  runs while the plan is made, which needs every input known then (constants, shapes, small planned inputs). */
class LoopKernel : public Kernel {
public:
    explicit LoopKernel(const Node& n) : m_node(n), m_body(n, "body")
    {
        m_firstCapture = n.inputs.size() - n.captures.size();
        if (m_firstCapture < 2) kernelError(n, "needs the trip-count and condition inputs (empty names where omitted)");
        m_carried = m_firstCapture - 2;
        if (m_body.formalCount() != 2 + m_carried)
            kernelError(n, "the body takes " + std::to_string(m_body.formalCount()) + " inputs, expected 2 + " + std::to_string(m_carried) +
                               " carried values");
    }

    bool inferOutputs(const PrepareContext& ctx, InferResult& out) override
    {
        bool known = true;
        for (size_t i = 0; i < m_node.inputs.size(); ++i) known = known && (!ctx.has(i) || ctx.constant(i));
        if (known) {  // run now: the results are the plan's constants
            std::vector<const Tensor*> in;
            for (size_t i = 0; i < m_node.inputs.size(); ++i) in.push_back(ctx.has(i) ? ctx.constant(i) : nullptr);
            m_folded = execute(in);
            for (const Tensor& t : m_folded) {
                out.shapes.push_back(t.shape());
                out.types.push_back(t.type());
            }
            return true;
        }
        if (m_node.outputs.size() > m_carried)
            kernelError(m_node, "its scan outputs' length depends on the trip count, which is only known at run time; Quantscope "
                                "needs shapes known before running");
        std::vector<Tensor> formal{Tensor(DataType::Int64, {}), Tensor::scalarFloat(1.f).convertedTo(DataType::Bool)};
        for (size_t k = 0; k < m_carried; ++k) formal.push_back(placeholders(ctx, 2 + k, 1)[0]);
        InferResult r = m_body.signature(m_body.inputs(formal, m_node, placeholders(ctx, m_firstCapture, m_node.captures.size())));
        for (size_t k = 0; k < m_carried; ++k) {
            if (r.shapes.at(1 + k) != ctx.inputShapes[2 + k])
                kernelError(m_node, "carried value " + std::to_string(k) + " changes shape in the body (" + shapeToString(ctx.inputShapes[2 + k]) +
                                        " to " + shapeToString(r.shapes[1 + k]) + "); Quantscope needs shapes known before running");
            out.shapes.push_back(r.shapes[1 + k]);
            out.types.push_back(r.types[1 + k]);
        }
        return true;
    }

    void inheritOptions(const InterpreterOptions& options) override { m_body.inheritOptions(options); }
    void observeSubgraphs(const SubgraphObserver* observer) override { m_body.observe(observer); }

    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        copyResults(m_node, "body", m_folded.empty() ? execute(in) : m_folded, out);
    }

private:
    std::vector<Tensor> execute(const std::vector<const Tensor*>& in)
    {
        constexpr int64_t kMaxIterations = 100'000'000;  // a loop without a trip count that never ends is an error, not a hang
        const int64_t tripCount = in[0] ? in[0]->toInt64().at(0) : kMaxIterations;
        bool cond = in[1] ? isTrue(m_node, *in[1]) : true;
        std::vector<Tensor> carried, captured;
        for (size_t k = 0; k < m_carried; ++k) carried.push_back(in[2 + k]->clone());
        for (size_t i = 0; i < m_node.captures.size(); ++i) captured.push_back(*in[m_firstCapture + i]);
        const size_t scans = m_node.outputs.size() > m_carried ? m_node.outputs.size() - m_carried : 0;
        std::vector<std::vector<Tensor>> scanned(scans);
        int64_t i = 0;
        for (; i < tripCount && cond; ++i) {
            if (i == kMaxIterations) kernelError(m_node, "did not stop after " + std::to_string(kMaxIterations) + " iterations");
            Tensor iter(DataType::Int64, {});
            iter.data<int64_t>()[0] = i;
            Tensor c(DataType::Bool, {});
            c.data<uint8_t>()[0] = 1;
            std::vector<Tensor> formal{iter, c};
            formal.insert(formal.end(), carried.begin(), carried.end());
            std::vector<Tensor> r = m_body.run(m_body.inputs(formal, m_node, captured));
            if (r.size() != 1 + m_carried + scans)
                kernelError(m_node, "the body gives " + std::to_string(r.size()) + " outputs, expected " + std::to_string(1 + m_carried + scans));
            cond = isTrue(m_node, r[0]);
            for (size_t k = 0; k < m_carried; ++k) carried[k] = r[1 + k];
            for (size_t k = 0; k < scans; ++k) scanned[k].push_back(r[1 + m_carried + k]);
        }
        std::vector<Tensor> result = carried;
        for (size_t k = 0; k < scans; ++k) {
            const auto& parts = scanned[k];
            Shape s{int64_t(parts.size())};
            if (!parts.empty()) s.insert(s.end(), parts[0].shape().begin(), parts[0].shape().end());
            Tensor t(parts.empty() ? DataType::Float32 : parts[0].type(), s);
            size_t at = 0;
            for (const Tensor& p : parts) {
                if (p.shape() != parts[0].shape()) kernelError(m_node, "scan output " + std::to_string(k) + " changes shape between iterations");
                std::memcpy(static_cast<uint8_t*>(t.raw()) + at, p.raw(), p.byteSize());
                at += p.byteSize();
            }
            result.push_back(t);
        }
        return result;
    }

    const Node& m_node;
    Subgraph m_body;
    size_t m_firstCapture = 0, m_carried = 0;
    std::vector<Tensor> m_folded;
};

}  // namespace

void registerControlFlowKernels()
{
    registerKernel("If", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<IfKernel>(n); });
    registerKernel("Loop", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<LoopKernel>(n); });
}

}  // namespace qs
