// QuantizeLinear / DequantizeLinear (ONNX) and Quantize / Dequantize (TFLite, parameters on the tensors).
#include <algorithm>
#include <cmath>
#include <limits>

#include "graph/error.h"
#include "runtime/kernel.h"
#include "util/simd.h"

namespace qs {

// The element loops, each also built for AVX2 and AVX-512 (util/simd.h): the simulation of a QDQ model runs them on
// every activation. Quantization clamps before rounding (to integer bounds: the same result), so that the fast
// rounding applies; NaN becomes the lower bound.
namespace detail {
// Round half to even, as nearbyint in the default rounding mode, for |v| < 2^22: adding 1.5 * 2^23 leaves no fraction
// bits. Inlined and vectorised, where nearbyint is a library call per element.
inline float roundHalfEven(float v) { return (v + 12582912.f) - 12582912.f; }

template <typename T>
[[gnu::always_inline]] inline void quantizeSpan(const float* x, T* y, int64_t n, float scale, bool inverse, float inv, float zero, float vlo, float vhi)
{
    for (int64_t i = 0; i < n; ++i) {
        float v = inverse ? x[i] * inv : x[i] / scale;  // TFLite (XNNPACK) multiplies by 1 / scale; ONNX Runtime divides
        v = v > vlo ? v : vlo;
        v = v < vhi ? v : vhi;
        y[i] = T(roundHalfEven(v) + zero);
    }
}
QS_SIMD_CLONES void quantizeSpan(const float* x, int8_t* y, int64_t n, float scale, bool inverse, float inv, float zero, float vlo, float vhi)
{
    quantizeSpan<int8_t>(x, y, n, scale, inverse, inv, zero, vlo, vhi);
}
QS_SIMD_CLONES void quantizeSpan(const float* x, uint8_t* y, int64_t n, float scale, bool inverse, float inv, float zero, float vlo, float vhi)
{
    quantizeSpan<uint8_t>(x, y, n, scale, inverse, inv, zero, vlo, vhi);
}

template <typename T> [[gnu::always_inline]] inline void dequantizeSpan(const T* x, float* y, int64_t n, float scale, int32_t zero)
{
    for (int64_t i = 0; i < n; ++i) y[i] = float(int32_t(x[i]) - zero) * scale;  // 32-bit integer arithmetic, which vectorises
}
QS_SIMD_CLONES void dequantizeSpan(const int8_t* x, float* y, int64_t n, float scale, int32_t zero) { dequantizeSpan<int8_t>(x, y, n, scale, zero); }
QS_SIMD_CLONES void dequantizeSpan(const uint8_t* x, float* y, int64_t n, float scale, int32_t zero) { dequantizeSpan<uint8_t>(x, y, n, scale, zero); }

// a QuantizeLinear -> DequantizeLinear pair in place (FakeQuant)
QS_SIMD_CLONES void fakeQuantSpan(float* x, int64_t n, float scale, float vlo, float vhi)
{
    for (int64_t i = 0; i < n; ++i) {
        float v = x[i] / scale;
        v = v > vlo ? v : vlo;
        v = v < vhi ? v : vhi;
        x[i] = roundHalfEven(v) * scale;
    }
}
}  // namespace detail

namespace {

/** Per-tensor or per-axis affine parameters, resolved for a given data shape. */
struct Affine {
    std::vector<float> scale;
    std::vector<int32_t> zero;
    std::vector<float> inverse;  // TFLite (XNNPACK) quantizes as x * (1 / scale); ONNX Runtime as x / scale
    int64_t inner = 1, channels = 1;  // element i uses channel (i / inner) % channels

    void resolve(const Shape& x, int64_t axis)
    {
        channels = int64_t(scale.size());
        inner = 1;
        if (channels > 1) {
            if (axis < 0) axis += int64_t(x.size());
            for (size_t d = size_t(axis) + 1; d < x.size(); ++d) inner *= x[d];
        }
        if (zero.empty()) zero.assign(scale.size(), 0);
    }
    size_t channel(int64_t i) const { return channels > 1 ? size_t((i / inner) % channels) : 0; }
};

// Calls fn(begin, count, channel) over runs of elements that share one channel, in parallel for large tensors.
template <typename Fn> void forChannelRuns(int64_t n, const Affine& a, Fn fn)
{
    const int64_t run = a.channels > 1 ? a.inner : std::max<int64_t>(n, 1);
    const int64_t runs = (n + run - 1) / run;
    if (runs == 1) {  // one channel: split the tensor itself
        const int64_t chunk = 16384, chunks = (n + chunk - 1) / chunk;
#pragma omp parallel for if (chunks > 1)
        for (int64_t k = 0; k < chunks; ++k) fn(k * chunk, std::min(chunk, n - k * chunk), size_t(0));
        return;
    }
#pragma omp parallel for if (n > 65536)
    for (int64_t r = 0; r < runs; ++r) fn(r * run, std::min(run, n - r * run), a.channel(r * run));
}

template <typename T> void quantizeTo(const float* x, T* y, int64_t n, const Affine& a)
{
    constexpr float lo = float(std::numeric_limits<T>::min()), hi = float(std::numeric_limits<T>::max());
    forChannelRuns(n, a, [&](int64_t begin, int64_t count, size_t c) {
        const float zero = float(a.zero[c]), scale = a.scale[c];
        const bool inverse = !a.inverse.empty();
        const float inv = inverse ? a.inverse[c] : 0.f;
        if constexpr (sizeof(T) <= 2) {
            detail::quantizeSpan(x + begin, y + begin, count, scale, inverse, inv, zero, lo - zero, hi - zero);
        } else {
            for (int64_t i = 0; i < count; ++i) {
                float q = std::nearbyint(inverse ? x[begin + i] * inv : x[begin + i] / scale) + zero;
                y[begin + i] = T(std::clamp(q, lo, hi));
            }
        }
    });
}

template <typename T> void dequantizeFrom(const T* x, float* y, int64_t n, const Affine& a)
{
    forChannelRuns(n, a, [&](int64_t begin, int64_t count, size_t c) {
        const T* xs = x + begin;
        float* ys = y + begin;
        const float scale = a.scale[c];
        if constexpr (sizeof(T) <= 2) {
            detail::dequantizeSpan(xs, ys, count, scale, a.zero[c]);
        } else {
            const int64_t zero = a.zero[c];
            for (int64_t i = 0; i < count; ++i) ys[i] = float(int64_t(xs[i]) - zero) * scale;
        }
    });
}

class QuantizeLinearKernel : public Kernel {
public:
    QuantizeLinearKernel(const Node& n, bool quantize, bool tflite) : m_node(n), m_quantize(quantize), m_tflite(tflite) {}

    void prepare(const PrepareContext& ctx) override
    {
        m_in = ctx.inputTypes[0];
        m_out = ctx.outputTypes[0];
        if (m_tflite) {
            const QuantParams* q = m_quantize ? ctx.outputQuant[0] : ctx.inputQuant[0];
            m_affine.scale = q ? q->scale : std::vector<float>{};
            m_affine.zero = q ? q->zeroPoint : std::vector<int32_t>{};
            if (m_in != DataType::Float16 && m_affine.scale.empty()) kernelError(m_node, "the quantized tensor has no scale");
            if (!m_affine.scale.empty()) m_affine.resolve(ctx.inputShapes[0], q->axis);
            for (float sc : m_affine.scale) m_affine.inverse.push_back(1.f / sc);
            if (m_quantize) m_out = ctx.outputTypes[0];
            return;
        }
        m_shape = ctx.inputShapes[0];
        m_dynamic = !ctx.constant(1) || (ctx.has(2) && !ctx.constant(2));
        if (!m_dynamic) resolve(ctx.constants);
    }

    void resolve(const std::vector<const Tensor*>& in)
    {
        m_affine = {};
        m_affine.scale = in[1]->toFloat();
        if (in.size() > 2 && in[2])
            for (int64_t z : in[2]->toInt64()) m_affine.zero.push_back(int32_t(z));
        for (float s : m_affine.scale)
            if (!(s > 0.f) || !std::isfinite(s)) kernelError(m_node, "scale must be positive and finite");
        m_affine.resolve(m_shape, m_node.attrInt("axis", 1));
    }

    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        if (m_dynamic) resolve(in);
        int64_t n = in[0]->count();
        if (m_quantize) {
            const float* x = in[0]->data<float>();
            switch (m_out) {
            case DataType::Int8: quantizeTo(x, out[0]->data<int8_t>(), n, m_affine); break;
            case DataType::UInt8: quantizeTo(x, out[0]->data<uint8_t>(), n, m_affine); break;
            case DataType::Int16: quantizeTo(x, out[0]->data<int16_t>(), n, m_affine); break;
            case DataType::Int32: quantizeTo(x, out[0]->data<int32_t>(), n, m_affine); break;
            default: kernelError(m_node, "cannot quantize to " + std::string(dataTypeName(m_out)));
            }
            return;
        }
        float* y = out[0]->data<float>();
        switch (m_in) {
        case DataType::Int8:
        case DataType::Int4: dequantizeFrom(in[0]->data<int8_t>(), y, n, m_affine); break;
        case DataType::UInt8:
        case DataType::UInt4: dequantizeFrom(in[0]->data<uint8_t>(), y, n, m_affine); break;
        case DataType::Int16: dequantizeFrom(in[0]->data<int16_t>(), y, n, m_affine); break;
        case DataType::Int32: dequantizeFrom(in[0]->data<int32_t>(), y, n, m_affine); break;
        case DataType::Float16:
            for (int64_t i = 0; i < n; ++i) y[i] = halfToFloat(in[0]->data<uint16_t>()[i]);
            break;
        default: kernelError(m_node, "cannot dequantize " + std::string(dataTypeName(m_in)));
        }
    }

private:
    const Node& m_node;
    bool m_quantize, m_tflite;
    DataType m_in = DataType::Float32, m_out = DataType::Float32;
    Affine m_affine;
    Shape m_shape;
    bool m_dynamic = false;
};

// DynamicQuantizeLinear's grid for x[0, n): scale and zero point from the range widened to include 0
struct DynamicGrid {
    float scale = 0.f, zp = 0.f;
    DynamicGrid(const float* x, int64_t n)
    {
        float lo = 0.f, hi = 0.f;
        for (int64_t i = 0; i < n; ++i) {
            lo = std::min(lo, x[i]);
            hi = std::max(hi, x[i]);
        }
        scale = (hi - lo) / 255.f;
        zp = scale > 0 ? std::clamp(std::nearbyint(-lo / scale), 0.f, 255.f) : 0.f;
    }
    float quantize(float v) const { return scale > 0 ? std::clamp(std::nearbyint(v / scale) + zp, 0.f, 255.f) : 0.f; }
};

/** DynamicQuantizeLinear: uint8 with scale and zero point from the tensor's own range (widened to include 0). */
class DynamicQuantizeLinearKernel : public Kernel {
public:
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        const float* x = in[0]->data<float>();
        int64_t n = in[0]->count();
        DynamicGrid grid(x, n);
        uint8_t* y = out[0]->data<uint8_t>();
        for (int64_t i = 0; i < n; ++i) y[i] = uint8_t(grid.quantize(x[i]));
        out[1]->data<float>()[0] = grid.scale;
        out[2]->data<uint8_t>()[0] = uint8_t(grid.zp);
    }
};

/** DynamicFakeQuantize (internal): x on DynamicQuantizeLinear's grid and back, per tensor or per row of the last axis. */
class DynamicFakeQuantizeKernel : public Kernel {
public:
    explicit DynamicFakeQuantizeKernel(const Node& n) : m_perRow(n.attrInt("per_row", 0) != 0) {}
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        const float* x = in[0]->data<float>();
        float* y = out[0]->data<float>();
        const int64_t n = in[0]->count();
        const int64_t row = m_perRow && !in[0]->shape().empty() ? std::max<int64_t>(in[0]->shape().back(), 1) : std::max<int64_t>(n, 1);
        for (int64_t r = 0; r < n; r += row) {
            DynamicGrid grid(x + r, row);
            for (int64_t i = r; i < r + row; ++i) y[i] = (grid.quantize(x[i]) - grid.zp) * grid.scale;
        }
    }

private:
    bool m_perRow;
};

/** BitShift on unsigned integers; the amount is a scalar or has the same element count. */
class BitShiftKernel : public Kernel {
public:
    explicit BitShiftKernel(const Node& n) : m_node(n), m_left(n.attrString("direction") == "LEFT") {}
    void prepare(const PrepareContext& ctx) override
    {
        if (m_node.attrString("direction") != "LEFT" && m_node.attrString("direction") != "RIGHT")
            kernelError(m_node, "direction must be LEFT or RIGHT");
        if (elementCount(ctx.inputShapes[1]) != 1 && ctx.inputShapes[1] != ctx.inputShapes[0])
            kernelError(m_node, "the shift amount must be a scalar or shaped like the input");
        m_type = ctx.inputTypes[0];
    }
    template <typename T> void shift(const Tensor& a, const Tensor& b, Tensor& y) const
    {
        const T* x = a.data<T>();
        const T* s = b.data<T>();
        T* o = y.data<T>();
        bool scalar = b.count() == 1;
        for (int64_t i = 0; i < a.count(); ++i) {
            T k = s[scalar ? 0 : i];
            o[i] = k >= T(sizeof(T) * 8) ? T(0) : T(m_left ? T(x[i] << k) : T(x[i] >> k));
        }
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        switch (m_type) {
        case DataType::UInt8: shift<uint8_t>(*in[0], *in[1], *out[0]); break;
        case DataType::UInt16: shift<uint16_t>(*in[0], *in[1], *out[0]); break;
        case DataType::UInt32: shift<uint32_t>(*in[0], *in[1], *out[0]); break;
        case DataType::UInt64: shift<uint64_t>(*in[0], *in[1], *out[0]); break;
        default: kernelError(m_node, "BitShift takes unsigned integers, not " + std::string(dataTypeName(m_type)));
        }
    }

private:
    const Node& m_node;
    bool m_left;
    DataType m_type = DataType::UInt8;
};

}  // namespace

void FakeQuant::apply(float* x, int64_t n) const
{
    Affine a;
    a.scale = {scale};
    a.zero = {zero};
    const float vlo = qmin - float(zero), vhi = qmax - float(zero), s = scale;
    forChannelRuns(n, a, [&](int64_t begin, int64_t count, size_t) { detail::fakeQuantSpan(x + begin, count, s, vlo, vhi); });
}

void registerQuantKernels()
{
    registerKernel("DynamicFakeQuantize", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<DynamicFakeQuantizeKernel>(n); });
    registerKernel("DynamicQuantizeLinear", [](const Node&) -> std::unique_ptr<Kernel> { return std::make_unique<DynamicQuantizeLinearKernel>(); });
    registerKernel("BitShift", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<BitShiftKernel>(n); });
    registerKernel("QuantizeLinear", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<QuantizeLinearKernel>(n, true, false); });
    registerKernel("DequantizeLinear", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<QuantizeLinearKernel>(n, false, false); });
    registerKernel("Quantize", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<QuantizeLinearKernel>(n, true, true); });
    registerKernel("Dequantize", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<QuantizeLinearKernel>(n, false, true); });
}

}  // namespace qs
