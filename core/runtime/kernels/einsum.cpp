// Einsum: every combination of the labels' indices visited once; products of the inputs summed into the output
// (repeated labels take diagonals, labels missing from the output are summed over). float32 and float64.
#include <algorithm>
#include <cstring>

#include "graph/error.h"
#include "runtime/kernel.h"

namespace qs {
namespace {

class EinsumKernel : public Kernel {
public:
    explicit EinsumKernel(const Node& n) : m_node(n) {}
    void prepare(const PrepareContext& ctx) override
    {
        m_spec = parseEinsum(m_node, ctx.inputShapes);
        m_shapes = ctx.inputShapes;
        m_type = ctx.inputTypes[0];
        for (DataType t : ctx.inputTypes)
            if (t != m_type || (t != DataType::Float32 && t != DataType::Float64))
                kernelError(m_node, "inputs must all be float32 or all float64");
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        // labels in visiting order: the output's, then the summed ones
        std::vector<int> order = m_spec.output;
        for (const auto& labels : m_spec.inputs)
            for (int l : labels)
                if (std::find(order.begin(), order.end(), l) == order.end()) order.push_back(l);
        std::vector<size_t> slot(m_spec.sizes.size(), 0);
        for (size_t k = 0; k < order.size(); ++k) slot[size_t(order[k])] = k;
        // per input, the stride each visited label moves it by (0 for broadcast size-1 dims)
        std::vector<std::vector<int64_t>> stride(in.size(), std::vector<int64_t>(order.size(), 0));
        std::vector<std::vector<double>> values;
        for (size_t t = 0; t < in.size(); ++t) {
            int64_t s = 1;
            for (size_t d = m_shapes[t].size(); d-- > 0;) {
                if (m_shapes[t][d] != 1) stride[t][slot[size_t(m_spec.inputs[t][d])]] += s;
                s *= m_shapes[t][d];
            }
            const Tensor& x = *in[t];
            std::vector<double> v(size_t(x.count()));
            for (size_t i = 0; i < v.size(); ++i) v[i] = m_type == DataType::Float64 ? x.data<double>()[i] : double(x.data<float>()[i]);
            values.push_back(std::move(v));
        }
        int64_t outCount = 1, total = 1;
        for (size_t k = 0; k < order.size(); ++k) {
            const int64_t n = m_spec.sizes[size_t(order[k])];
            total *= n;
            if (k < m_spec.output.size()) outCount *= n;
        }
        std::vector<double> acc(size_t(outCount), 0.0);
        std::vector<int64_t> idx(order.size(), 0), off(in.size(), 0);
        for (int64_t i = 0; i < total; ++i) {
            double p = 1.0;
            for (size_t t = 0; t < in.size(); ++t) p *= values[t][size_t(off[t])];
            acc[size_t(i / (total / std::max<int64_t>(outCount, 1)))] += p;
            for (size_t k = order.size(); k-- > 0;) {  // next combination, updating each input's offset
                for (size_t t = 0; t < in.size(); ++t) off[t] += stride[t][k];
                if (++idx[k] < m_spec.sizes[size_t(order[k])]) break;
                for (size_t t = 0; t < in.size(); ++t) off[t] -= stride[t][k] * idx[k];
                idx[k] = 0;
            }
        }
        for (int64_t i = 0; i < outCount; ++i) {
            if (m_type == DataType::Float64) out[0]->data<double>()[i] = acc[size_t(i)];
            else out[0]->data<float>()[i] = float(acc[size_t(i)]);
        }
    }

private:
    const Node& m_node;
    EinsumSpec m_spec;
    std::vector<Shape> m_shapes;
    DataType m_type = DataType::Float32;
};

}  // namespace

void registerEinsumKernels()
{
    registerKernel("Einsum", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<EinsumKernel>(n); });
}

}  // namespace qs
