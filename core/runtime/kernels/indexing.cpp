// Index-driven ops: TopK, GatherElements, GatherND, ScatterND, ScatterElements (and the older Scatter), OneHot, EyeLike.
#include <algorithm>
#include <cstring>
#include <numeric>

#include "graph/error.h"
#include "runtime/kernel.h"
#include "runtime/kernels/broadcast.h"

namespace qs {
namespace {


int64_t normIndex(const Node& n, int64_t i, int64_t dim)
{
    if (i < -dim || i >= dim) kernelError(n, "index " + std::to_string(i) + " is out of range [-" + std::to_string(dim) + ", " + std::to_string(dim) + ")");
    return i < 0 ? i + dim : i;
}

// GatherElements / ScatterElements: for each element i of indices, the offset in data of the element it addresses
// (i's coordinates, with the one on axis replaced by the index)
std::vector<int64_t> elementOffsets(const Node& n, const std::vector<int64_t>& idx, const Shape& idxShape, const Shape& data, int64_t axis)
{
    const auto dstride = contiguousStrides(data), istride = contiguousStrides(idxShape);
    std::vector<int64_t> out(idx.size());
    for (size_t i = 0; i < idx.size(); ++i) {
        int64_t off = 0, rest = int64_t(i);
        for (size_t d = 0; d < idxShape.size(); ++d) {
            int64_t c = rest / istride[d];
            rest %= istride[d];
            if (int64_t(d) == axis) c = normIndex(n, idx[i], data[d]);
            off += c * dstride[d];
        }
        out[i] = off;
    }
    return out;
}

/** GatherElements: out[i] = data[i with its axis coordinate replaced by indices[i]]; any element type. */
class GatherElementsKernel : public Kernel {
public:
    explicit GatherElementsKernel(const Node& n) : m_node(n) {}
    void prepare(const PrepareContext& ctx) override
    {
        m_data = ctx.inputShapes[0];
        m_idx = ctx.inputShapes[1];
        if (m_data.size() != m_idx.size()) kernelError(m_node, "data and indices must have the same rank");
        m_axis = m_node.attrInt("axis", 0);
        if (m_axis < 0) m_axis += int64_t(m_data.size());
        if (m_axis < 0 || m_axis >= int64_t(m_data.size())) kernelError(m_node, "axis out of range for " + shapeToString(m_data));
        m_elem = elementSize(ctx.inputTypes[0]);
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        const auto src = elementOffsets(m_node, in[1]->toInt64(), m_idx, m_data, m_axis);
        auto* x = static_cast<const uint8_t*>(in[0]->raw());
        auto* y = static_cast<uint8_t*>(out[0]->raw());
        for (size_t i = 0; i < src.size(); ++i) std::memcpy(y + i * m_elem, x + size_t(src[i]) * m_elem, m_elem);
    }

private:
    const Node& m_node;
    Shape m_data, m_idx;
    int64_t m_axis = 0;
    size_t m_elem = 4;
};

/** TopK: the k largest (or smallest) values along axis and their indices; ties keep the lower index first. */
class TopKKernel : public Kernel {
public:
    explicit TopKKernel(const Node& n) : m_node(n) {}
    void prepare(const PrepareContext& ctx) override
    {
        m_x = ctx.inputShapes[0];
        m_k = ctx.outputShapes[0].empty() ? 0 : ctx.outputShapes[0][size_t(axis())];
        if (ctx.inputTypes[0] != DataType::Float32) kernelError(m_node, "only float32 is supported");
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        const int64_t a = axis(), dim = m_x[size_t(a)];
        int64_t outer = 1, inner = 1;
        for (int64_t d = 0; d < int64_t(m_x.size()); ++d)
            if (d < a) outer *= m_x[size_t(d)];
            else if (d > a) inner *= m_x[size_t(d)];
        const bool largest = m_node.attrInt("largest", 1) != 0;
        const float* x = in[0]->data<float>();
        float* v = out[0]->data<float>();
        int64_t* ix = out.size() > 1 && out[1] && !out[1]->empty() ? out[1]->data<int64_t>() : nullptr;
        std::vector<int64_t> order(static_cast<size_t>(dim));
        for (int64_t o = 0; o < outer; ++o)
            for (int64_t i = 0; i < inner; ++i) {
                const float* xp = x + o * dim * inner + i;
                std::iota(order.begin(), order.end(), 0);
                std::stable_sort(order.begin(), order.end(), [&](int64_t p, int64_t q) {
                    return largest ? xp[p * inner] > xp[q * inner] : xp[p * inner] < xp[q * inner];
                });
                for (int64_t k = 0; k < m_k; ++k) {
                    v[(o * m_k + k) * inner + i] = xp[order[size_t(k)] * inner];
                    if (ix) ix[(o * m_k + k) * inner + i] = order[size_t(k)];
                }
            }
    }

private:
    int64_t axis() const
    {
        int64_t a = m_node.attrInt("axis", -1);
        return a < 0 ? a + int64_t(m_x.size()) : a;
    }
    const Node& m_node;
    Shape m_x;
    int64_t m_k = 0;
};

/** GatherND: slices of data addressed by the last axis of indices, after batch_dims shared leading dims. */
class GatherNDKernel : public Kernel {
public:
    explicit GatherNDKernel(const Node& n) : m_node(n) {}
    void prepare(const PrepareContext& ctx) override
    {
        m_data = ctx.inputShapes[0];
        m_idx = ctx.inputShapes[1];
        m_elem = elementSize(ctx.inputTypes[0]);
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        const size_t b = size_t(m_node.attrInt("batch_dims", 0));
        const size_t last = size_t(m_idx.back());
        const auto st = contiguousStrides(m_data);
        int64_t batches = 1, slice = 1, per = 1;
        for (size_t d = 0; d < b; ++d) batches *= m_data[d];
        for (size_t d = b + last; d < m_data.size(); ++d) slice *= m_data[d];
        for (size_t d = b; d + 1 < m_idx.size(); ++d) per *= m_idx[d];
        const int64_t batchSize = b ? st[b - 1] : elementCount(m_data);
        const auto idx = in[1]->toInt64();
        auto* x = static_cast<const uint8_t*>(in[0]->raw());
        auto* y = static_cast<uint8_t*>(out[0]->raw());
        for (int64_t bi = 0; bi < batches; ++bi)
            for (int64_t j = 0; j < per; ++j) {
                const int64_t* t = idx.data() + (bi * per + j) * int64_t(last);
                int64_t off = bi * batchSize;
                for (size_t k = 0; k < last; ++k) off += normIndex(m_node, t[k], m_data[b + k]) * st[b + k];
                std::memcpy(y + size_t((bi * per + j) * slice) * m_elem, x + size_t(off) * m_elem, size_t(slice) * m_elem);
            }
    }

private:
    const Node& m_node;
    Shape m_data, m_idx;
    size_t m_elem = 4;
};

// Writes u into y under ONNX's scatter reductions (float32; "none" copies any type by bytes).
template <typename T> void combine(T& y, T u, const std::string& reduction)
{
    if (reduction == "add") y = T(y + u);
    else if (reduction == "mul") y = T(y * u);
    else if (reduction == "max") y = std::max(y, u);
    else if (reduction == "min") y = std::min(y, u);
    else y = u;
}

/** ScatterND and ScatterElements / Scatter: a copy of data with the updates written (or combined) at the indices. */
class ScatterKernel : public Kernel {
public:
    explicit ScatterKernel(const Node& n) : m_node(n), m_nd(n.opType == "ScatterND") {}
    void prepare(const PrepareContext& ctx) override
    {
        m_data = ctx.inputShapes[0];
        m_idx = ctx.inputShapes[1];
        m_elem = elementSize(ctx.inputTypes[0]);
        m_reduction = m_node.attrString("reduction", "none");
        if (m_reduction != "none" && ctx.inputTypes[0] != DataType::Float32) kernelError(m_node, "reduction '" + m_reduction + "' needs float32 data");
        if (m_reduction != "none" && m_reduction != "add" && m_reduction != "mul" && m_reduction != "max" && m_reduction != "min")
            kernelError(m_node, "unknown reduction '" + m_reduction + "'");
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        std::memcpy(out[0]->raw(), in[0]->raw(), in[0]->byteSize());
        const auto idx = in[1]->toInt64();
        const auto st = contiguousStrides(m_data);
        auto* y = static_cast<uint8_t*>(out[0]->raw());
        auto* u = static_cast<const uint8_t*>(in[2]->raw());
        auto put = [&](int64_t dst, int64_t src) {
            if (m_reduction == "none") std::memcpy(y + size_t(dst) * m_elem, u + size_t(src) * m_elem, m_elem);
            else combine(reinterpret_cast<float*>(y)[dst], reinterpret_cast<const float*>(u)[src], m_reduction);
        };
        if (m_nd) {
            const size_t last = size_t(m_idx.back());
            int64_t slice = 1;
            for (size_t d = last; d < m_data.size(); ++d) slice *= m_data[d];
            const int64_t count = last ? int64_t(idx.size()) / int64_t(last) : 0;
            for (int64_t j = 0; j < count; ++j) {
                int64_t off = 0;
                for (size_t k = 0; k < last; ++k) off += normIndex(m_node, idx[size_t(j) * last + k], m_data[k]) * st[k];
                for (int64_t e = 0; e < slice; ++e) put(off + e, j * slice + e);
            }
            return;
        }
        int64_t axis = m_node.attrInt("axis", 0);
        if (axis < 0) axis += int64_t(m_data.size());
        const auto dst = elementOffsets(m_node, idx, m_idx, m_data, axis);
        for (size_t i = 0; i < dst.size(); ++i) put(dst[i], int64_t(i));
    }

private:
    const Node& m_node;
    bool m_nd;
    Shape m_data, m_idx;
    size_t m_elem = 4;
    std::string m_reduction;
};

/** OneHot: values[1] where the index (counted from the end when negative) meets the new axis, values[0] elsewhere. */
class OneHotKernel : public Kernel {
public:
    explicit OneHotKernel(const Node& n) : m_node(n) {}
    void prepare(const PrepareContext& ctx) override
    {
        m_out = ctx.outputShapes[0];
        m_elem = elementSize(ctx.inputTypes[2]);
        m_axis = m_node.attrInt("axis", -1);
        if (m_axis < 0) m_axis += int64_t(m_out.size());
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        const auto idx = in[0]->toInt64();
        const int64_t depth = m_out[size_t(m_axis)];
        int64_t outer = 1, inner = 1;
        for (int64_t d = 0; d < int64_t(m_out.size()); ++d)
            if (d < m_axis) outer *= m_out[size_t(d)];
            else if (d > m_axis) inner *= m_out[size_t(d)];
        auto* v = static_cast<const uint8_t*>(in[2]->raw());
        auto* y = static_cast<uint8_t*>(out[0]->raw());
        for (int64_t o = 0; o < outer; ++o)
            for (int64_t k = 0; k < depth; ++k)
                for (int64_t i = 0; i < inner; ++i) {
                    int64_t t = idx[size_t(o * inner + i)];
                    if (t < 0) t += depth;
                    std::memcpy(y + size_t((o * depth + k) * inner + i) * m_elem, v + (t == k ? m_elem : 0), m_elem);
                }
    }

private:
    const Node& m_node;
    Shape m_out;
    int64_t m_axis = -1;
    size_t m_elem = 4;
};

/** EyeLike: ones on diagonal k of a 2-D tensor of the input's shape, in dtype (default: the input's type). */
class EyeLikeKernel : public Kernel {
public:
    explicit EyeLikeKernel(const Node& n) : m_node(n) {}
    void prepare(const PrepareContext& ctx) override
    {
        m_out = ctx.outputShapes[0];
        m_type = ctx.outputTypes[0];
        if (m_out.size() != 2) kernelError(m_node, "the input must be 2-D, got " + shapeToString(m_out));
    }
    void run(const std::vector<const Tensor*>&, const std::vector<Tensor*>& out) override
    {
        std::memset(out[0]->raw(), 0, out[0]->byteSize());
        const int64_t k = m_node.attrInt("k", 0);
        Tensor one = Tensor::scalarFloat(1.f).convertedTo(m_type);
        const size_t e = elementSize(m_type);
        for (int64_t i = 0; i < m_out[0]; ++i)
            if (i + k >= 0 && i + k < m_out[1])
                std::memcpy(static_cast<uint8_t*>(out[0]->raw()) + size_t(i * m_out[1] + i + k) * e, one.raw(), e);
    }

private:
    const Node& m_node;
    Shape m_out;
    DataType m_type = DataType::Float32;
};

template <typename K> std::unique_ptr<Kernel> make(const Node& n) { return std::make_unique<K>(n); }

}  // namespace

void registerIndexingKernels()
{
    registerKernel("TopK", make<TopKKernel>);
    registerKernel("GatherND", make<GatherNDKernel>);
    registerKernel("GatherElements", make<GatherElementsKernel>);
    for (const char* op : {"ScatterND", "ScatterElements", "Scatter"}) registerKernel(op, make<ScatterKernel>);
    registerKernel("OneHot", make<OneHotKernel>);
    registerKernel("EyeLike", make<EyeLikeKernel>);
}

}  // namespace qs
