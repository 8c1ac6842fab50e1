// If: each branch is a Graph of its own, run by an Interpreter of its own. The branch reads outer values through the
// node's capture inputs (Node::captures), so the outer plan keeps them alive until the If has run.
#include <omp.h>

#include <cstring>

#include "graph/error.h"
#include "runtime/interpreter.h"
#include "runtime/kernel.h"

namespace qs {
namespace {

class IfKernel : public Kernel {
public:
    explicit IfKernel(const Node& n) : m_node(n)
    {
        for (int b = 0; b < 2; ++b) {
            const Attribute* a = n.attr(b == 0 ? "then_branch" : "else_branch");
            if (!a || a->kind != AttrKind::Graph || !a->g) kernelError(n, std::string("has no ") + (b == 0 ? "then_branch" : "else_branch"));
            m_branch[b].graph = a->g;
        }
        m_firstCapture = n.inputs.size() - n.captures.size();
    }

    bool inferOutputs(const PrepareContext& ctx, InferResult& out) override
    {
        // The branch's own plan gives the shapes: both branches' when the condition is only known at run time (they
        // must agree then), else the one it picks.
        const Tensor* cond = ctx.constant(0);
        bool first = true;
        for (int b = 0; b < 2; ++b) {
            if (cond && isTrue(*cond) != (b == 0)) continue;
            std::map<std::string, Tensor> inputs;
            for (size_t i = 0; i < m_node.captures.size(); ++i) {
                const size_t k = m_firstCapture + i;
                if (const Tensor* t = ctx.constant(k)) inputs[m_node.captures[i]] = *t;
                else inputs[m_node.captures[i]] = Tensor(ctx.inputTypes[k], ctx.inputShapes[k]);
            }
            InferResult r = interpreter(b).outputSignature(branchInputs(b, inputs));
            if (r.shapes.size() != m_node.outputs.size())
                kernelError(m_node, branchName(b) + " has " + std::to_string(r.shapes.size()) + " outputs, the node " +
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

    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        const int b = isTrue(*in[0]) ? 0 : 1;
        std::map<std::string, Tensor> inputs;
        for (size_t i = 0; i < m_node.captures.size(); ++i) inputs[m_node.captures[i]] = *in[m_firstCapture + i];
        const int threads = omp_get_max_threads();
        std::vector<Tensor> results = interpreter(b).run(branchInputs(b, inputs));
        omp_set_num_threads(threads);  // the branch's run sets its own count
        for (size_t o = 0; o < out.size() && o < results.size(); ++o) {
            if (results[o].shape() != out[o]->shape() || results[o].type() != out[o]->type())
                kernelError(m_node, branchName(b) + " output " + std::to_string(o) + " is " + std::string(dataTypeName(results[o].type())) +
                                        shapeToString(results[o].shape()) + ", planned " + std::string(dataTypeName(out[o]->type())) +
                                        shapeToString(out[o]->shape()));
            std::memcpy(out[o]->raw(), results[o].raw(), results[o].byteSize());
        }
    }

private:
    struct Branch {
        std::shared_ptr<const Graph> graph;
        std::unique_ptr<Interpreter> interpreter;
    };

    static bool isTrue(const Tensor& cond)
    {
        if (cond.count() != 1) throw InputError("If: the condition must hold one value, it has " + std::to_string(cond.count()));
        return cond.toInt64()[0] != 0;
    }
    static std::string branchName(int b) { return b == 0 ? "then_branch" : "else_branch"; }

    Interpreter& interpreter(int b)
    {
        Branch& br = m_branch[b];
        if (!br.interpreter) br.interpreter = std::make_unique<Interpreter>(*br.graph, InterpreterOptions{omp_get_max_threads()});
        return *br.interpreter;
    }

    // return the subset of the node's captures that branch b reads
    std::map<std::string, Tensor> branchInputs(int b, const std::map<std::string, Tensor>& all) const
    {
        std::map<std::string, Tensor> mine;
        for (const std::string& name : m_branch[b].graph->captures) mine[name] = all.at(name);
        return mine;
    }

    const Node& m_node;
    Branch m_branch[2];
    size_t m_firstCapture = 0;
};

}  // namespace

void registerControlFlowKernels()
{
    registerKernel("If", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<IfKernel>(n); });
}

}  // namespace qs
