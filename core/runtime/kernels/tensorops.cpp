// Data movement and shape ops. Most reduce to copyStrided(): an output walked in order while the source is
// read through arbitrary strides (Transpose, Slice, Expand, DepthToSpace/SpaceToDepth).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "graph/error.h"
#include "graph/opregistry.h"
#include "runtime/kernel.h"
#include "runtime/kernels/broadcast.h"

namespace qs {
namespace {

// return the axis attribute made non-negative, and the product of the dims before it
std::pair<int64_t, int64_t> axisAndOuter(const Node& n, const Shape& s)
{
    int64_t axis = n.attrInt("axis", 0);
    if (axis < 0) axis += int64_t(s.size());
    if (axis < 0 || axis >= std::max<int64_t>(int64_t(s.size()), 1)) kernelError(n, "axis out of range for " + shapeToString(s));
    int64_t outer = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= s[size_t(d)];
    return {axis, outer};
}


template <size_t E>
void copyStridedT(uint8_t* dst, const uint8_t* src, const Shape& dims, const std::vector<int64_t>& st, int64_t offset)
{
    size_t nd = dims.size();
    int64_t total = elementCount(dims);
    if (total == 0) return;
    if (nd == 0) {
        std::memcpy(dst, src + offset * int64_t(E), E);
        return;
    }
    int64_t inner = dims[nd - 1];
    int64_t innerStride = st[nd - 1];
    int64_t rows = total / inner;
#pragma omp parallel for if (total > 65536)
    for (int64_t r = 0; r < rows; ++r) {
        int64_t rem = r, off = offset;
        for (size_t d = nd - 1; d-- > 0;) {
            off += (rem % dims[d]) * st[d];
            rem /= dims[d];
        }
        uint8_t* out = dst + r * inner * int64_t(E);
        const uint8_t* in = src + off * int64_t(E);
        if (innerStride == 1) {
            std::memcpy(out, in, size_t(inner) * E);
        } else {
            for (int64_t i = 0; i < inner; ++i) std::memcpy(out + i * int64_t(E), in + i * innerStride * int64_t(E), E);
        }
    }
}

// Copies dims-shaped output from src read at offset + sum(idx[d] * strides[d]) (strides in elements).
void copyStrided(void* dst, const void* src, size_t elem, const Shape& dims, const std::vector<int64_t>& strides,
                 int64_t offset = 0)
{
    auto* d = static_cast<uint8_t*>(dst);
    auto* s = static_cast<const uint8_t*>(src);
    switch (elem) {
    case 1: copyStridedT<1>(d, s, dims, strides, offset); break;
    case 2: copyStridedT<2>(d, s, dims, strides, offset); break;
    case 4: copyStridedT<4>(d, s, dims, strides, offset); break;
    case 8: copyStridedT<8>(d, s, dims, strides, offset); break;
    default: throw std::runtime_error("unsupported element size");
    }
}

/** Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout: the bytes do not change. */
class CopyKernel : public Kernel {
public:
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        if (out[0]->raw() != in[0]->raw()) std::memcpy(out[0]->raw(), in[0]->raw(), in[0]->byteSize());
        for (size_t i = 1; i < out.size(); ++i)
            if (!out[i]->empty()) std::memset(out[i]->raw(), 1, out[i]->byteSize());  // Dropout mask: all kept
    }
};

class TransposeKernel : public Kernel {
public:
    explicit TransposeKernel(const Node& n) : m_node(n) {}
    void prepare(const PrepareContext& ctx) override
    {
        const Shape& x = ctx.inputShapes[0];
        auto perm = m_node.attrInts("perm");
        if (perm.empty())
            for (size_t i = 0; i < x.size(); ++i) perm.push_back(int64_t(x.size() - 1 - i));
        auto inStrides = contiguousStrides(x);
        m_strides.clear();
        for (int64_t p : perm) m_strides.push_back(inStrides[size_t(p < 0 ? p + int64_t(x.size()) : p)]);
        m_dims = ctx.outputShapes[0];
        m_elem = elementSize(ctx.inputTypes[0]);
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        copyStrided(out[0]->raw(), in[0]->raw(), m_elem, m_dims, m_strides);
    }

private:
    const Node& m_node;
    Shape m_dims;
    std::vector<int64_t> m_strides;
    size_t m_elem = 4;
};

class ConcatKernel : public Kernel {
public:
    explicit ConcatKernel(const Node& n) : m_node(n) {}
    void prepare(const PrepareContext& ctx) override
    {
        const Shape& out = ctx.outputShapes[0];
        int64_t axis;
        std::tie(axis, m_outer) = axisAndOuter(m_node, out);
        m_chunks.clear();
        for (const Shape& s : ctx.inputShapes) {
            int64_t c = 1;
            for (size_t d = size_t(axis); d < s.size(); ++d) c *= s[d];
            m_chunks.push_back(c * int64_t(elementSize(ctx.inputTypes[0])));
        }
        m_total = std::accumulate(m_chunks.begin(), m_chunks.end(), int64_t(0));
    }
    bool fuseActivation(const Activation& a) override
    {
        if (m_act.kind != Activation::None) return false;  // one activation
        m_act = a;
        return true;
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        auto* y = static_cast<uint8_t*>(out[0]->raw());
#pragma omp parallel for if (m_outer > 4 && m_total * m_outer > 262144)
        for (int64_t o = 0; o < m_outer; ++o) {
            int64_t pos = o * m_total;
            for (size_t i = 0; i < in.size(); ++i) {
                std::memcpy(y + pos, static_cast<const uint8_t*>(in[i]->raw()) + o * m_chunks[i], size_t(m_chunks[i]));
                pos += m_chunks[i];
            }
        }
        if (m_act.kind != Activation::None) m_act.apply(out[0]->data<float>(), size_t(out[0]->count()));
    }

private:
    const Node& m_node;
    int64_t m_outer = 1, m_total = 0;
    std::vector<int64_t> m_chunks;
    Activation m_act;
};

class SplitKernel : public Kernel {
public:
    explicit SplitKernel(const Node& n) : m_node(n) {}
    void prepare(const PrepareContext& ctx) override
    {
        const Shape& x = ctx.inputShapes[0];
        int64_t axis;
        std::tie(axis, m_outer) = axisAndOuter(m_node, x);
        size_t e = elementSize(ctx.inputTypes[0]);
        m_chunks.clear();
        int64_t sum = 0;
        for (const Shape& s : ctx.outputShapes) {
            int64_t c = int64_t(e);
            for (size_t d = size_t(axis); d < s.size(); ++d) c *= s[d];
            m_chunks.push_back(c);
            sum += s[size_t(axis)];
        }
        if (sum != x[size_t(axis)]) kernelError(m_node, "split sizes add up to " + std::to_string(sum) + ", the axis has " + std::to_string(x[size_t(axis)]));
        m_total = std::accumulate(m_chunks.begin(), m_chunks.end(), int64_t(0));
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        auto* x = static_cast<const uint8_t*>(in[0]->raw());
        for (int64_t o = 0; o < m_outer; ++o) {
            int64_t pos = o * m_total;
            for (size_t i = 0; i < out.size(); ++i) {
                std::memcpy(static_cast<uint8_t*>(out[i]->raw()) + o * m_chunks[i], x + pos, size_t(m_chunks[i]));
                pos += m_chunks[i];
            }
        }
    }

private:
    const Node& m_node;
    int64_t m_outer = 1, m_total = 0;
    std::vector<int64_t> m_chunks;
};

class SliceKernel : public Kernel {
public:
    explicit SliceKernel(const Node& n) : m_node(n) {}
    void prepare(const PrepareContext& ctx) override
    {
        m_x = ctx.inputShapes[0];
        m_dims = ctx.outputShapes[0];
        m_elem = elementSize(ctx.inputTypes[0]);
        m_ready = true;
        for (size_t i = 1; i < 5; ++i)
            if (ctx.has(i) && !ctx.constant(i)) m_ready = false;
        if (m_ready) compute(ctx.constants);
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        if (!m_ready) compute(in);
        copyStrided(out[0]->raw(), in[0]->raw(), m_elem, m_dims, m_strides, m_offset);
    }

private:
    void compute(const std::vector<const Tensor*>& in)
    {
        auto get = [&](size_t i, const char* attr, std::vector<int64_t> def) {
            if (i < in.size() && in[i]) return in[i]->toInt64();
            return m_node.attrInts(attr, std::move(def));
        };
        auto starts = get(1, "starts", {});
        auto ends = get(2, "ends", {});
        std::vector<int64_t> defAxes(starts.size());
        std::iota(defAxes.begin(), defAxes.end(), 0);
        auto axes = get(3, "axes", defAxes);
        auto steps = get(4, "steps", std::vector<int64_t>(starts.size(), 1));
        auto base = contiguousStrides(m_x);
        m_strides = base;
        m_offset = 0;
        for (size_t i = 0; i < starts.size(); ++i) {
            int64_t ax = axes[i] < 0 ? axes[i] + int64_t(m_x.size()) : axes[i];
            int64_t dim = m_x[size_t(ax)], step = steps[i];
            int64_t s = starts[i] < 0 ? starts[i] + dim : starts[i];
            s = step > 0 ? std::clamp<int64_t>(s, 0, dim) : std::clamp<int64_t>(s, 0, dim - 1);
            m_offset += s * base[size_t(ax)];
            m_strides[size_t(ax)] = base[size_t(ax)] * step;
        }
    }

    const Node& m_node;
    Shape m_x, m_dims;
    std::vector<int64_t> m_strides;
    int64_t m_offset = 0;
    size_t m_elem = 4;
    bool m_ready = false;
};

class ExpandKernel : public Kernel {
public:
    void prepare(const PrepareContext& ctx) override
    {
        m_dims = ctx.outputShapes[0];
        const Shape& x = ctx.inputShapes[0];
        auto st = contiguousStrides(x);
        m_strides.assign(m_dims.size(), 0);
        for (size_t i = 0; i < x.size(); ++i) {
            size_t od = m_dims.size() - x.size() + i;
            m_strides[od] = x[i] == 1 ? 0 : st[i];
        }
        m_elem = elementSize(ctx.inputTypes[0]);
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        copyStrided(out[0]->raw(), in[0]->raw(), m_elem, m_dims, m_strides);
    }

private:
    Shape m_dims;
    std::vector<int64_t> m_strides;
    size_t m_elem = 4;
};

class TileKernel : public Kernel {
public:
    void prepare(const PrepareContext& ctx) override
    {
        m_x = ctx.inputShapes[0];
        m_out = ctx.outputShapes[0];
        m_elem = elementSize(ctx.inputTypes[0]);
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        auto st = contiguousStrides(m_x);
        auto* y = static_cast<uint8_t*>(out[0]->raw());
        auto* x = static_cast<const uint8_t*>(in[0]->raw());
        int64_t total = elementCount(m_out);
        for (int64_t i = 0; i < total; ++i) {
            int64_t rem = i, off = 0;
            for (size_t d = m_out.size(); d-- > 0;) {
                off += ((rem % m_out[d]) % m_x[d]) * st[d];
                rem /= m_out[d];
            }
            std::memcpy(y + i * int64_t(m_elem), x + off * int64_t(m_elem), m_elem);
        }
    }

private:
    Shape m_x, m_out;
    size_t m_elem = 4;
};

class GatherKernel : public Kernel {
public:
    explicit GatherKernel(const Node& n) : m_node(n) {}
    void prepare(const PrepareContext& ctx) override
    {
        const Shape& x = ctx.inputShapes[0];
        int64_t axis;
        std::tie(axis, m_outer) = axisAndOuter(m_node, x);
        m_inner = int64_t(elementSize(ctx.inputTypes[0]));
        for (size_t d = size_t(axis) + 1; d < x.size(); ++d) m_inner *= x[d];
        m_dim = x[size_t(axis)];
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        auto idx = in[1]->toInt64();
        auto* x = static_cast<const uint8_t*>(in[0]->raw());
        auto* y = static_cast<uint8_t*>(out[0]->raw());
        int64_t n = int64_t(idx.size());
        for (int64_t& i : idx) {
            if (i < 0) i += m_dim;
            if (i < 0 || i >= m_dim) kernelError(m_node, "index out of range [0, " + std::to_string(m_dim) + ")");
        }
        for (int64_t o = 0; o < m_outer; ++o)
            for (int64_t k = 0; k < n; ++k)
                std::memcpy(y + (o * n + k) * m_inner, x + (o * m_dim + idx[size_t(k)]) * m_inner, size_t(m_inner));
    }

private:
    const Node& m_node;
    int64_t m_outer = 1, m_inner = 1, m_dim = 1;
};

class PadKernel : public Kernel {
public:
    explicit PadKernel(const Node& n) : m_node(n) {}
    void prepare(const PrepareContext& ctx) override
    {
        m_x = ctx.inputShapes[0];
        m_out = ctx.outputShapes[0];
        m_mode = m_node.attrString("mode", "constant");
        if (m_mode != "constant" && m_mode != "reflect" && m_mode != "edge") kernelError(m_node, "unsupported mode '" + m_mode + "'");
        if (ctx.inputTypes[0] != DataType::Float32 && m_mode == "constant" && ctx.has(2))
            kernelError(m_node, "a constant pad value is only supported for float tensors");
        m_begin.assign(m_x.size(), 0);
        for (size_t d = 0; d < m_x.size(); ++d) m_begin[d] = 0;
        m_elem = elementSize(ctx.inputTypes[0]);
        // begins follow from the output shape only with pads; compute them from the pads input or attribute
        std::vector<int64_t> pads = ctx.has(1) ? (ctx.constant(1) ? ctx.constant(1)->toInt64() : std::vector<int64_t>{})
                                               : m_node.attrInts("pads");
        if (pads.empty()) kernelError(m_node, "pads must be a constant");
        std::vector<int64_t> axes(m_x.size());
        std::iota(axes.begin(), axes.end(), 0);
        if (ctx.has(3)) axes = ctx.constant(3)->toInt64();
        for (size_t i = 0; i < axes.size(); ++i) {
            int64_t ax = axes[i] < 0 ? axes[i] + int64_t(m_x.size()) : axes[i];
            m_begin[size_t(ax)] = pads[i];
        }
        if (m_mode == "reflect")
            for (size_t d = 0; d < m_x.size(); ++d)
                if (m_out[d] > m_x[d] && m_x[d] < 2) kernelError(m_node, "reflect padding needs at least 2 elements on each padded axis");
        m_value = m_node.attrFloat("value", 0.f);
        m_valueFromInput = ctx.has(2);
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        float value = m_value;
        if (m_valueFromInput && in.size() > 2 && in[2]) value = in[2]->toFloat().at(0);
        auto st = contiguousStrides(m_x);
        auto* x = static_cast<const uint8_t*>(in[0]->raw());
        auto* y = static_cast<uint8_t*>(out[0]->raw());
        size_t nd = m_out.size();
        int64_t inner = nd ? m_out[nd - 1] : 1;
        int64_t rows = elementCount(m_out) / std::max<int64_t>(inner, 1);
        size_t e = m_elem;
        bool constant = m_mode == "constant";
#pragma omp parallel for if (rows > 64)
        for (int64_t r = 0; r < rows; ++r) {
            int64_t rem = r, off = 0;
            bool outside = false;
            for (size_t d = nd - 1; d-- > 0;) {
                int64_t i = rem % m_out[d] - m_begin[d];
                rem /= m_out[d];
                if (i < 0 || i >= m_x[d]) {
                    if (constant) outside = true;
                    i = mapIndex(i, m_x[d]);
                }
                off += i * st[d];
            }
            uint8_t* row = y + r * inner * int64_t(e);
            for (int64_t j = 0; j < inner; ++j) {
                int64_t i = j - m_begin[nd - 1];
                bool out = i < 0 || i >= m_x[nd - 1];
                if (constant && (outside || out)) {
                    if (e == 4) std::memcpy(row + j * 4, &value, 4);
                    else std::memset(row + j * int64_t(e), 0, e);
                    continue;
                }
                if (out) i = mapIndex(i, m_x[nd - 1]);
                std::memcpy(row + j * int64_t(e), x + (off + i) * int64_t(e), e);
            }
        }
    }

private:
    int64_t mapIndex(int64_t i, int64_t n) const
    {
        if (m_mode == "edge") return std::clamp<int64_t>(i, 0, n - 1);
        if (m_mode == "reflect") {
            int64_t period = 2 * (n - 1);
            i = ((i % period) + period) % period;
            return i < n ? i : period - i;
        }
        return std::clamp<int64_t>(i, 0, n - 1);
    }

    const Node& m_node;
    Shape m_x, m_out;
    std::vector<int64_t> m_begin;
    std::string m_mode;
    float m_value = 0.f;
    bool m_valueFromInput = false;
    size_t m_elem = 4;
};

class ShapeKernel : public Kernel {
public:
    explicit ShapeKernel(const Node& n) : m_node(n) {}
    void prepare(const PrepareContext& ctx) override { m_shape = ctx.inputShapes[0]; }
    void run(const std::vector<const Tensor*>&, const std::vector<Tensor*>& out) override
    {
        auto [start, end] = shapeRange(m_node, m_shape.size());
        std::copy(m_shape.begin() + start, m_shape.begin() + end, out[0]->data<int64_t>());
    }

private:
    const Node& m_node;
    Shape m_shape;
};

/** Trilu: keeps the upper (or lower) triangle of the last two dims from diagonal k on; zeros elsewhere. */
class TriluKernel : public Kernel {
public:
    explicit TriluKernel(const Node& n) : m_node(n) {}
    void prepare(const PrepareContext& ctx) override
    {
        m_x = ctx.inputShapes[0];
        if (m_x.size() < 2) kernelError(m_node, "input must have rank >= 2");
        m_elem = elementSize(ctx.inputTypes[0]);
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        const int64_t k = in.size() > 1 && in[1] ? in[1]->toInt64().at(0) : 0;
        const bool upper = m_node.attrInt("upper", 1) != 0;
        const int64_t rows = m_x[m_x.size() - 2], cols = m_x.back(), mats = rows * cols != 0 ? elementCount(m_x) / (rows * cols) : 0;
        auto* x = static_cast<const uint8_t*>(in[0]->raw());
        auto* y = static_cast<uint8_t*>(out[0]->raw());
        for (int64_t m = 0; m < mats; ++m)
            for (int64_t i = 0; i < rows; ++i)
                for (int64_t j = 0; j < cols; ++j) {
                    const size_t at = size_t((m * rows + i) * cols + j) * m_elem;
                    const bool keep = upper ? j - i >= k : j - i <= k;
                    if (keep) std::memcpy(y + at, x + at, m_elem);
                    else std::memset(y + at, 0, m_elem);
                }
    }

private:
    const Node& m_node;
    Shape m_x;
    size_t m_elem = 4;
};

/** CumSum along an axis given as an input; exclusive and reverse as ONNX defines them. */
class CumSumKernel : public Kernel {
public:
    explicit CumSumKernel(const Node& n) : m_node(n) {}
    void prepare(const PrepareContext& ctx) override
    {
        m_x = ctx.inputShapes[0];
        m_type = ctx.inputTypes[0];
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        switch (m_type) {
        case DataType::Float32: return compute<float>(in, out);
        case DataType::Float64: return compute<double>(in, out);
        case DataType::Int32: return compute<int32_t>(in, out);
        case DataType::Int64: return compute<int64_t>(in, out);
        case DataType::UInt32: return compute<uint32_t>(in, out);
        case DataType::UInt64: return compute<uint64_t>(in, out);
        default: kernelError(m_node, "element type " + std::string(dataTypeName(m_type)) + " is not supported");
        }
    }

private:
    template <typename T> void compute(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out)
    {
        int64_t axis = in[1]->toInt64().at(0);
        const int64_t rank = int64_t(m_x.size());
        if (axis < -rank || axis >= rank) kernelError(m_node, "axis " + std::to_string(axis) + " out of range for " + shapeToString(m_x));
        if (axis < 0) axis += rank;
        int64_t outer = 1, inner = 1;
        for (int64_t d = 0; d < rank; ++d)
            if (d < axis) outer *= m_x[size_t(d)];
            else if (d > axis) inner *= m_x[size_t(d)];
        const int64_t dim = m_x[size_t(axis)];
        const bool exclusive = m_node.attrInt("exclusive", 0) != 0, reverse = m_node.attrInt("reverse", 0) != 0;
        const T* x = in[0]->data<T>();
        T* y = out[0]->data<T>();
        for (int64_t o = 0; o < outer; ++o)
            for (int64_t i = 0; i < inner; ++i) {
                T acc = T(0);
                for (int64_t s = 0; s < dim; ++s) {
                    const int64_t k = reverse ? dim - 1 - s : s;
                    const int64_t at = (o * dim + k) * inner + i;
                    if (exclusive) {
                        y[at] = acc;
                        acc = T(acc + x[at]);
                    } else {
                        acc = T(acc + x[at]);
                        y[at] = acc;
                    }
                }
            }
    }

    const Node& m_node;
    Shape m_x;
    DataType m_type = DataType::Float32;
};

class SizeKernel : public Kernel {
public:
    explicit SizeKernel(const Node&) {}
    void prepare(const PrepareContext& ctx) override { m_count = elementCount(ctx.inputShapes[0]); }
    void run(const std::vector<const Tensor*>&, const std::vector<Tensor*>& out) override { out[0]->data<int64_t>()[0] = m_count; }

private:
    int64_t m_count = 0;
};

class CastKernel : public Kernel {
public:
    explicit CastKernel(const Node& n) : m_node(n) {}
    void prepare(const PrepareContext& ctx) override { m_to = ctx.outputTypes[0]; }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        Tensor y = in[0]->convertedTo(m_to);
        std::memcpy(out[0]->raw(), y.raw(), y.byteSize());
    }

private:
    const Node& m_node;
    DataType m_to = DataType::Float32;
};

class ConstantOfShapeKernel : public Kernel {
public:
    explicit ConstantOfShapeKernel(const Node& n) : m_node(n) {}
    void run(const std::vector<const Tensor*>&, const std::vector<Tensor*>& out) override
    {
        const Attribute* v = m_node.attr("value");
        if (!v || v->kind != AttrKind::Tensor) {  // default: float 0 (buffers are reused, so fill explicitly)
            std::memset(out[0]->raw(), 0, out[0]->byteSize());
            return;
        }
        size_t e = v->t.byteSize();
        auto* y = static_cast<uint8_t*>(out[0]->raw());
        for (int64_t i = 0; i < out[0]->count(); ++i) std::memcpy(y + size_t(i) * e, v->t.raw(), e);
    }

private:
    const Node& m_node;
};

class RangeKernel : public Kernel {
public:
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        double s = in[0]->toFloat()[0], d = in[2]->toFloat()[0];
        for (int64_t i = 0; i < out[0]->count(); ++i) {
            double v = s + double(i) * d;
            switch (out[0]->type()) {
            case DataType::Int64: out[0]->data<int64_t>()[i] = int64_t(v); break;
            case DataType::Int32: out[0]->data<int32_t>()[i] = int32_t(v); break;
            default: out[0]->data<float>()[i] = float(v); break;
            }
        }
    }
};

/** DepthToSpace / SpaceToDepth as a 6-D strided copy. */
class DepthSpaceKernel : public Kernel {
public:
    DepthSpaceKernel(const Node& n, bool toSpace) : m_node(n), m_toSpace(toSpace) {}
    void prepare(const PrepareContext& ctx) override
    {
        const Shape& x = ctx.inputShapes[0];
        int64_t b = m_node.attrInt("blocksize", 1);
        bool nhwc = isNhwc(m_node);
        bool crd = m_node.attrString("mode", "DCR") == "CRD";
        m_elem = elementSize(ctx.inputTypes[0]);
        int64_t N = x[0], C = nhwc ? x[3] : x[1], H = nhwc ? x[1] : x[2], W = nhwc ? x[2] : x[3];
        // Output index (n, c', h, bh, w, bw) for DepthToSpace; its source offset in the input.
        if (m_toSpace) {
            int64_t Co = C / (b * b);
            // input channel index for (c', bh, bw): DCR -> (bh*b + bw)*Co + c'; CRD -> c'*b*b + bh*b + bw
            int64_t sC = nhwc ? 1 : H * W, sH = nhwc ? W * C : W, sW = nhwc ? C : 1, sN = C * H * W;
            int64_t sc = crd ? b * b * sC : sC, sbh = crd ? b * sC : b * Co * sC, sbw = crd ? sC : Co * sC;
            if (nhwc) {
                m_dims = {N, H, b, W, b, Co};
                m_strides = {sN, sH, sbh, sW, sbw, sc};
            } else {
                m_dims = {N, Co, H, b, W, b};
                m_strides = {sN, sc, sH, sbh, sW, sbw};
            }
        } else {
            // SpaceToDepth: output channel (bh*b + bw)*C + c at (h/b, w/b)
            int64_t Ho = H / b, Wo = W / b;
            int64_t sC = nhwc ? 1 : H * W, sH = nhwc ? W * C : W, sW = nhwc ? C : 1, sN = C * H * W;
            if (nhwc) {
                m_dims = {N, Ho, Wo, b, b, C};
                m_strides = {sN, b * sH, b * sW, sH, sW, sC};
            } else {
                m_dims = {N, b, b, C, Ho, Wo};
                m_strides = {sN, sH, sW, sC, b * sH, b * sW};
            }
        }
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        copyStrided(out[0]->raw(), in[0]->raw(), m_elem, m_dims, m_strides);
    }

private:
    const Node& m_node;
    bool m_toSpace;
    Shape m_dims;
    std::vector<int64_t> m_strides;
    size_t m_elem = 4;
};

template <typename K> std::unique_ptr<Kernel> make(const Node& n) { return std::make_unique<K>(n); }
template <typename K> std::unique_ptr<Kernel> makePlain(const Node&) { return std::make_unique<K>(); }

}  // namespace

void registerTensorKernels()
{
    for (const char* op : {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout"})
        registerKernel(op, makePlain<CopyKernel>);
    registerKernel("Transpose", make<TransposeKernel>);
    registerKernel("Concat", make<ConcatKernel>);
    registerKernel("Split", make<SplitKernel>);
    registerKernel("Slice", make<SliceKernel>);
    registerKernel("Expand", makePlain<ExpandKernel>);
    registerKernel("Tile", makePlain<TileKernel>);
    registerKernel("Gather", make<GatherKernel>);
    registerKernel("Pad", make<PadKernel>);
    registerKernel("Shape", make<ShapeKernel>);
    registerKernel("Size", make<SizeKernel>);
    registerKernel("Cast", make<CastKernel>);
    registerKernel("CastLike", make<CastKernel>);
    registerKernel("Trilu", make<TriluKernel>);
    registerKernel("CumSum", make<CumSumKernel>);
    registerKernel("ConstantOfShape", make<ConstantOfShapeKernel>);
    registerKernel("Range", makePlain<RangeKernel>);
    registerKernel("DepthToSpace", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<DepthSpaceKernel>(n, true); });
    registerKernel("SpaceToDepth", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<DepthSpaceKernel>(n, false); });
}

}  // namespace qs
