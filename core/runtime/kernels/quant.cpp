// QuantizeLinear / DequantizeLinear (ONNX) and Quantize / Dequantize (TFLite, parameters on the tensors).
#include <algorithm>
#include <cmath>

#include "graph/error.h"
#include "runtime/kernel.h"

namespace qs {
namespace {

[[noreturn]] void fail(const Node& n, const std::string& msg)
{
    throw InputError("node '" + n.name + "' (" + n.opType + "): " + msg);
}

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

template <typename T> void quantizeTo(const float* x, T* y, int64_t n, const Affine& a)
{
    constexpr float lo = float(std::numeric_limits<T>::min()), hi = float(std::numeric_limits<T>::max());
    for (int64_t i = 0; i < n; ++i) {
        size_t c = a.channel(i);
        float q = std::nearbyint(a.inverse.empty() ? x[i] / a.scale[c] : x[i] * a.inverse[c]) + float(a.zero[c]);
        y[i] = T(std::clamp(q, lo, hi));
    }
}

template <typename T> void dequantizeFrom(const T* x, float* y, int64_t n, const Affine& a)
{
    for (int64_t i = 0; i < n; ++i) {
        size_t c = a.channel(i);
        y[i] = float(int64_t(x[i]) - a.zero[c]) * a.scale[c];
    }
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
            if (m_in != DataType::Float16 && m_affine.scale.empty()) fail(m_node, "the quantized tensor has no scale");
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
            if (!(s > 0.f) || !std::isfinite(s)) fail(m_node, "scale must be positive and finite");
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
            default: fail(m_node, "cannot quantize to " + std::string(dataTypeName(m_out)));
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
        default: fail(m_node, "cannot dequantize " + std::string(dataTypeName(m_in)));
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

}  // namespace

void registerQuantKernels()
{
    registerKernel("QuantizeLinear", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<QuantizeLinearKernel>(n, true, false); });
    registerKernel("DequantizeLinear", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<QuantizeLinearKernel>(n, false, false); });
    registerKernel("Quantize", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<QuantizeLinearKernel>(n, true, true); });
    registerKernel("Dequantize", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<QuantizeLinearKernel>(n, false, true); });
}

}  // namespace qs
