// ReduceMean/Max/Min/Sum/Prod/L1/L2/SumSquare/LogSum/LogSumExp and ArgMax/ArgMin over any set of axes.
#include <algorithm>
#include <cfloat>
#include <cmath>

#include "graph/error.h"
#include "runtime/kernel.h"

namespace qs {
namespace {

class ReduceKernel : public Kernel {
public:
    explicit ReduceKernel(const Node& n) : m_node(n) {}

    void prepare(const PrepareContext& ctx) override
    {
        m_x = ctx.inputShapes[0];
        if (ctx.inputTypes[0] != DataType::Float32)
            throw InputError("node '" + m_node.name + "' (" + m_node.opType + "): only float32 is supported");
        std::vector<int64_t> axes;
        if (ctx.has(1)) {
            if (!ctx.constant(1)) throw InputError("node '" + m_node.name + "': axes must be a constant");
            axes = ctx.constant(1)->toInt64();
        } else {
            axes = m_node.attrInts("axes");
        }
        m_reduced.assign(m_x.size(), false);
        if (axes.empty() && !m_node.attrInt("noop_with_empty_axes", 0)) m_reduced.assign(m_x.size(), true);
        for (int64_t a : axes) m_reduced[size_t(a < 0 ? a + int64_t(m_x.size()) : a)] = true;
        m_op = m_node.opType;
    }

    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        const float* x = in[0]->data<float>();
        float* y = out[0]->data<float>();
        size_t rank = m_x.size();
        // Output strides over the input's dims (0 on reduced axes).
        std::vector<int64_t> ostride(rank, 0);
        int64_t s = 1, count = 1;
        for (size_t d = rank; d-- > 0;) {
            if (m_reduced[d]) count *= m_x[d];
            else {
                ostride[d] = s;
                s *= m_x[d];
            }
        }
        const int64_t outCount = s;
        std::vector<double> shift;  // LogSumExp: each output's largest input, so that exp() neither overflows nor underflows
        if (m_op == "ReduceLogSumExp") {
            shift = accumulate(x, ostride, outCount, "ReduceMax", {});
            for (double& v : shift)
                if (!std::isfinite(v)) v = 0.0;
        }
        std::vector<double> acc = accumulate(x, ostride, outCount, m_op, shift);
        for (int64_t i = 0; i < outCount; ++i) {
            double a = acc[size_t(i)];
            if (m_op == "ReduceMean") a /= double(count);
            else if (m_op == "ReduceL2") a = std::sqrt(a);
            else if (m_op == "ReduceLogSum") a = std::log(a);
            else if (m_op == "ReduceLogSumExp") a = std::log(a) + shift[size_t(i)];
            y[i] = float(a);
        }
    }

private:
    // return per output the op's accumulation over its inputs (before the final step: mean's division, L2's root, ...)
    std::vector<double> accumulate(const float* x, const std::vector<int64_t>& ostride, int64_t outCount, const std::string& op,
                                   const std::vector<double>& shift) const
    {
        const size_t rank = m_x.size();
        double init = op == "ReduceMax" ? -DBL_MAX : op == "ReduceMin" ? DBL_MAX : op == "ReduceProd" ? 1.0 : 0.0;
        std::vector<double> acc(size_t(outCount), init);
        const int64_t total = elementCount(m_x);
        std::vector<int64_t> idx(rank, 0);
        int64_t o = 0;
        for (int64_t i = 0; i < total; ++i) {
            double v = x[i];
            double& a = acc[size_t(o)];
            if (op == "ReduceMax") a = std::max(a, v);
            else if (op == "ReduceMin") a = std::min(a, v);
            else if (op == "ReduceProd") a *= v;
            else if (op == "ReduceL2" || op == "ReduceSumSquare") a += v * v;
            else if (op == "ReduceL1") a += std::fabs(v);
            else if (op == "ReduceLogSumExp") a += std::exp(v - shift[size_t(o)]);
            else a += v;
            for (size_t d = rank; d-- > 0;) {  // increment the multi-index, updating the output offset
                o += ostride[d];
                if (++idx[d] < m_x[d]) break;
                o -= ostride[d] * m_x[d];
                idx[d] = 0;
            }
        }
        return acc;
    }

private:
    const Node& m_node;
    Shape m_x;
    std::vector<bool> m_reduced;
    std::string m_op;
};

class ArgKernel : public Kernel {
public:
    ArgKernel(const Node& n, bool max) : m_node(n), m_max(max) {}
    void prepare(const PrepareContext& ctx) override { m_x = ctx.inputShapes[0]; }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        int64_t axis = m_node.attrInt("axis", 0);
        if (axis < 0) axis += int64_t(m_x.size());
        int64_t outer = 1, inner = 1, dim = m_x[size_t(axis)];
        for (int64_t d = 0; d < axis; ++d) outer *= m_x[size_t(d)];
        for (size_t d = size_t(axis) + 1; d < m_x.size(); ++d) inner *= m_x[d];
        auto v = in[0]->toFloat();
        bool last = m_node.attrInt("select_last_index", 0) != 0;
        int64_t* y = out[0]->data<int64_t>();
        for (int64_t o = 0; o < outer; ++o)
            for (int64_t i = 0; i < inner; ++i) {
                int64_t best = 0;
                for (int64_t k = 1; k < dim; ++k) {
                    float a = v[size_t((o * dim + k) * inner + i)], b = v[size_t((o * dim + best) * inner + i)];
                    if (m_max ? (a > b || (last && a == b)) : (a < b || (last && a == b))) best = k;
                }
                y[o * inner + i] = best;
            }
    }

private:
    const Node& m_node;
    bool m_max;
    Shape m_x;
};

}  // namespace

void registerReduceKernels()
{
    for (const char* op : {"ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum", "ReduceProd", "ReduceL2", "ReduceL1",
                           "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp"})
        registerKernel(op, [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<ReduceKernel>(n); });
    registerKernel("ArgMax", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<ArgKernel>(n, true); });
    registerKernel("ArgMin", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<ArgKernel>(n, false); });
}

}  // namespace qs
