// Element-wise ops: binary with numpy broadcasting (float and integer types), unary math, activations, Where.
#include <cmath>
#include <functional>
#include <limits>

#include "graph/error.h"
#include "runtime/kernel.h"
#include "runtime/kernels/broadcast.h"
#include "runtime/kernels/dnnl_common.h"

namespace qs {
namespace {

[[noreturn]] void typeError(const Node& n, DataType t)
{
    throw InputError("node '" + n.name + "' (" + n.opType + "): element type " + std::string(dataTypeName(t)) +
                     " is not supported by this op");
}

enum class BinOp { Add, Sub, Mul, Div, Pow, Max, Min, Equal, Less, Greater, LessEq, GreaterEq, And, Or, Xor, PRelu, Mod, FMod };

template <typename T, typename R> inline R apply(BinOp op, T a, T b)
{
    switch (op) {
    case BinOp::Add: return R(a + b);
    case BinOp::Sub: return R(a - b);
    case BinOp::Mul: return R(a * b);
    case BinOp::Div:
        if constexpr (std::is_integral_v<T>) return R(b == 0 ? 0 : a / b);
        else return R(a / b);
    case BinOp::Pow: return R(std::pow(double(a), double(b)));
    case BinOp::Max: return R(a > b ? a : b);
    case BinOp::Min: return R(a < b ? a : b);
    case BinOp::Equal: return R(a == b);
    case BinOp::Less: return R(a < b);
    case BinOp::Greater: return R(a > b);
    case BinOp::LessEq: return R(a <= b);
    case BinOp::GreaterEq: return R(a >= b);
    case BinOp::And: return R(a && b);
    case BinOp::Or: return R(a || b);
    case BinOp::Xor: return R(bool(a) != bool(b));
    case BinOp::PRelu: return R(a < 0 ? a * b : a);
    case BinOp::Mod:  // the divisor's sign (Python's %)
        if constexpr (std::is_integral_v<T>) {
            if (b == 0) return R(0);
            T r = T(a % b);
            if constexpr (std::is_signed_v<T>)
                if (r != 0 && ((r < 0) != (b < 0))) r = T(r + b);
            return R(r);
        } else {
            double r = std::fmod(double(a), double(b));
            return R(r != 0 && ((r < 0) != (b < 0)) ? r + double(b) : r);
        }
    case BinOp::FMod:  // the dividend's sign (C's fmod)
        if constexpr (std::is_integral_v<T>) return R(b == 0 ? 0 : a % b);
        else return R(std::fmod(a, b));
    }
    return R();
}

bool isComparison(BinOp op) { return op >= BinOp::Equal && op <= BinOp::Xor; }

/** Binary (and variadic: Sum, Mean, Max, Min) element-wise op with broadcasting. */
class BinaryKernel : public Kernel {
public:
    BinaryKernel(const Node& n, BinOp op, bool mean = false) : m_node(n), m_op(op), m_mean(mean) {}

    void prepare(const PrepareContext& ctx) override
    {
        m_type = ctx.inputTypes[0];
        m_out = ctx.outputShapes[0];
        m_shapes = ctx.inputShapes;
        prepareLayouts(ctx);
        for (size_t i = 1; i < ctx.inputTypes.size(); ++i)
            if (ctx.inputTypes[i] != m_type && m_op != BinOp::PRelu && m_op != BinOp::Pow)
                throw InputError("node '" + m_node.name + "' (" + m_node.opType + "): inputs have different types (" +
                                 std::string(dataTypeName(m_type)) + " and " + std::string(dataTypeName(ctx.inputTypes[i])) + ")");
    }

    bool fuseActivation(const Activation& a) override
    {
        if (m_type != DataType::Float32 || isComparison(m_op)) return false;
        if (m_act.compose(a)) return true;  // x / 6 * s + b: one pass
        if (m_act.kind != Activation::None) return false;
        m_act = a;
        return true;
    }

    void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override
    {
        if (m_sameLayout) return runBlocked(inputs, outputs);
        // Inputs in a oneDNN layout are brought back to plain order first.
        std::vector<const Tensor*> in = inputs;
        std::vector<Tensor> plain(in.size());
        for (size_t i = 0; i < m_toPlain.size(); ++i) {
            if (!m_toPlain[i]) continue;
            plain[i] = Tensor(DataType::Float32, m_shapes[i]);
            dnnl::memory src(m_inputDesc[i], dnnlEngine(), const_cast<void*>(in[i]->raw()));
            dnnl::memory dst(m_plainDesc[i], dnnlEngine(), plain[i].raw());
            m_toPlain[i].execute(dnnlStream(), src, dst);
            dnnlStream().wait();
            in[i] = &plain[i];
        }
        const std::vector<Tensor*>& out = outputs;
        // Pow's exponent may have another type than the base: compute in the base's type.
        Tensor converted;
        if (in.size() > 1 && in[1]->type() != m_type && m_op == BinOp::Pow) {
            converted = in[1]->convertedTo(m_type);
            in[1] = &converted;
        }
        switch (m_type) {
        case DataType::Float32: compute<float>(in, out); break;
        case DataType::Int64: compute<int64_t>(in, out); break;
        case DataType::Int32: compute<int32_t>(in, out); break;
        case DataType::Bool:
        case DataType::UInt8: compute<uint8_t>(in, out); break;
        case DataType::Int8: compute<int8_t>(in, out); break;
        case DataType::Float64: compute<double>(in, out); break;
        case DataType::Int16: compute<int16_t>(in, out); break;
        case DataType::UInt16: compute<uint16_t>(in, out); break;
        case DataType::UInt32: compute<uint32_t>(in, out); break;
        case DataType::UInt64: compute<uint64_t>(in, out); break;
        default: typeError(m_node, m_type);
        }
    }

private:
    void prepareLayouts(const PrepareContext& ctx)
    {
        m_sameLayout = false;
        m_toPlain.assign(ctx.inputLayouts.size(), {});
        m_inputDesc.assign(ctx.inputLayouts.size(), {});
        m_plainDesc.assign(ctx.inputLayouts.size(), {});
        auto layout = [&](size_t i) { return i < ctx.inputLayouts.size() ? dynamic_cast<const DnnlLayout*>(ctx.inputLayouts[i].get()) : nullptr; };
        const DnnlLayout* a = layout(0);
        const DnnlLayout* b = layout(1);
        if (!a && !b) return;
        if (m_op == BinOp::Add && a && b && a->desc == b->desc && m_shapes[0] == m_out && m_shapes[1] == m_out && ctx.outputOpaqueAllowed) {
            // Same blocked layout on both sides: add the buffers as they are (the padding stays zero).
            m_sameLayout = true;
            m_blockedCount = int64_t(a->desc.get_size() / sizeof(float));
            ctx.outputLayout = ctx.inputLayouts[0];
            return;
        }
        for (size_t i = 0; i < m_toPlain.size(); ++i) {
            const DnnlLayout* l = layout(i);
            if (!l) continue;
            m_inputDesc[i] = l->desc;
            m_plainDesc[i] = l->plain;
            m_toPlain[i] = dnnl::reorder(dnnl::memory(m_inputDesc[i], dnnlEngine(), nullptr), dnnl::memory(m_plainDesc[i], dnnlEngine(), nullptr));
        }
    }

    void runBlocked(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out)
    {
        const float* a = in[0]->data<float>();
        const float* b = in[1]->data<float>();
        float* y = out[0]->data<float>();
        int64_t n = m_blockedCount;
#pragma omp parallel for simd if (n > 65536)
        for (int64_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
        m_act.apply(y, size_t(n));
    }

    template <typename T> void compute(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out)
    {
        if (isComparison(m_op)) return pair<T, uint8_t>(in[0]->data<T>(), m_shapes[0], in[1]->data<T>(), m_shapes[1], out[0]->data<uint8_t>());
        T* y = out[0]->data<T>();
        if (in.size() == 1) {
            std::memcpy(y, in[0]->data<T>(), out[0]->byteSize());
        } else {
            pair<T, T>(in[0]->data<T>(), m_shapes[0], in[1]->data<T>(), m_shapes[1], y);
            for (size_t i = 2; i < in.size(); ++i) pair<T, T>(y, m_out, in[i]->data<T>(), m_shapes[i], y);
        }
        if constexpr (std::is_floating_point_v<T>) {
            if (m_mean) {
                T k = T(1) / T(in.size());
                for (int64_t i = 0; i < out[0]->count(); ++i) y[i] *= k;
            }
            if constexpr (std::is_same_v<T, float>) m_act.apply(y, size_t(out[0]->count()));
        }
    }

    template <typename T, typename R> void pair(const T* a, const Shape& sa, const T* b, const Shape& sb, R* y)
    {
        // Dispatch on the op once, outside the loops, so that each inner loop is a plain vectorisable loop.
        switch (m_op) {
        case BinOp::Add: return rows<T, R>(a, sa, b, sb, y, [](T p, T q) { return R(p + q); });
        case BinOp::Sub: return rows<T, R>(a, sa, b, sb, y, [](T p, T q) { return R(p - q); });
        case BinOp::Mul: return rows<T, R>(a, sa, b, sb, y, [](T p, T q) { return R(p * q); });
        case BinOp::Div: return rows<T, R>(a, sa, b, sb, y, [](T p, T q) { return apply<T, R>(BinOp::Div, p, q); });
        case BinOp::Max: return rows<T, R>(a, sa, b, sb, y, [](T p, T q) { return R(p > q ? p : q); });
        case BinOp::Min: return rows<T, R>(a, sa, b, sb, y, [](T p, T q) { return R(p < q ? p : q); });
        default: {
            BinOp op = m_op;
            return rows<T, R>(a, sa, b, sb, y, [op](T p, T q) { return apply<T, R>(op, p, q); });
        }
        }
    }

    template <typename T, typename R, typename F>
    void rows(const T* a, const Shape& sa, const T* b, const Shape& sb, R* y, F f)
    {
        BroadcastPlan plan(m_out, {sa, sb});
        plan.forEachRow([&](const std::vector<int64_t>& offs, int64_t o, int64_t n, const std::vector<int64_t>& st) {
            const T* pa = a + offs[0];
            const T* pb = b + offs[1];
            R* py = y + o;
            if (st[0] == 1 && st[1] == 1) {
                for (int64_t i = 0; i < n; ++i) py[i] = f(pa[i], pb[i]);
            } else if (st[0] == 1 && st[1] == 0) {
                T bv = *pb;
                for (int64_t i = 0; i < n; ++i) py[i] = f(pa[i], bv);
            } else if (st[0] == 0 && st[1] == 1) {
                T av = *pa;
                for (int64_t i = 0; i < n; ++i) py[i] = f(av, pb[i]);
            } else {
                for (int64_t i = 0; i < n; ++i) py[i] = f(pa[i * st[0]], pb[i * st[1]]);
            }
        });
    }

    const Node& m_node;
    BinOp m_op;
    bool m_mean;
    DataType m_type = DataType::Float32;
    Shape m_out;
    std::vector<Shape> m_shapes;
    Activation m_act;
    bool m_sameLayout = false;
    int64_t m_blockedCount = 0;
    std::vector<dnnl::reorder> m_toPlain;
    std::vector<dnnl::memory::desc> m_inputDesc, m_plainDesc;
};

/** Unary float math; a few (Neg, Abs, Not) also for integers and bool. */
class UnaryKernel : public Kernel {
public:
    using Fn = float (*)(float);
    UnaryKernel(const Node& n, Fn fn) : m_node(n), m_fn(fn) {}
    void prepare(const PrepareContext& ctx) override { m_type = ctx.inputTypes[0]; }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        int64_t n = in[0]->count();
        const std::string& op = m_node.opType;
        if (m_type == DataType::Float32) {
            const float* x = in[0]->data<float>();
            float* y = out[0]->data<float>();
            Fn fn = m_fn;
#pragma omp parallel for if (n > 16384)
            for (int64_t i = 0; i < n; ++i) y[i] = fn(x[i]);
        } else if (m_type == DataType::Int64 && (op == "Neg" || op == "Abs")) {
            const int64_t* x = in[0]->data<int64_t>();
            int64_t* y = out[0]->data<int64_t>();
            for (int64_t i = 0; i < n; ++i) y[i] = op == "Neg" ? -x[i] : std::llabs(x[i]);
        } else if (m_type == DataType::Bool && op == "Not") {
            for (int64_t i = 0; i < n; ++i) out[0]->data<uint8_t>()[i] = !in[0]->data<uint8_t>()[i];
        } else {
            typeError(m_node, m_type);
        }
    }

private:
    const Node& m_node;
    Fn m_fn;
    DataType m_type = DataType::Float32;
};

/** Point-wise activations (Relu, Clip, LeakyRelu, HardSigmoid, HardSwish, Sigmoid, Tanh). */
class ActivationKernel : public Kernel {
public:
    explicit ActivationKernel(const Node& n) : m_node(n) {}
    void prepare(const PrepareContext& ctx) override
    {
        if (ctx.inputTypes[0] != DataType::Float32) typeError(m_node, ctx.inputTypes[0]);
        // Clip bounds come from inputs (opset >= 11) or attributes; inputs may be runtime values.
        m_dynamicClip = false;
        if (m_node.opType == "Clip") {
            m_act.kind = Activation::Clip;
            m_act.alpha = m_node.attrFloat("min", std::numeric_limits<float>::lowest());
            m_act.beta = m_node.attrFloat("max", std::numeric_limits<float>::max());
            for (size_t i = 1; i < 3; ++i) {
                if (!ctx.has(i)) continue;
                if (const Tensor* t = ctx.constant(i)) (i == 1 ? m_act.alpha : m_act.beta) = t->toFloat().at(0);
                else m_dynamicClip = true;
            }
        } else {
            m_act = *Activation::fromNode(m_node, Graph{});  // only Clip reads the graph (its constant bounds)
        }
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        Activation a = m_act;
        if (m_dynamicClip) {
            if (in.size() > 1 && in[1]) a.alpha = in[1]->toFloat().at(0);
            if (in.size() > 2 && in[2]) a.beta = in[2]->toFloat().at(0);
        }
        if (out[0]->raw() != in[0]->raw()) std::memcpy(out[0]->raw(), in[0]->raw(), in[0]->byteSize());
        a.apply(out[0]->data<float>(), size_t(out[0]->count()));
    }

private:
    const Node& m_node;
    Activation m_act;
    bool m_dynamicClip = false;
};

class WhereKernel : public Kernel {
public:
    void prepare(const PrepareContext& ctx) override
    {
        m_shapes = ctx.inputShapes;
        m_out = ctx.outputShapes[0];
        m_elem = elementSize(ctx.inputTypes[1]);
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        const uint8_t* c = in[0]->data<uint8_t>();
        auto* a = static_cast<const uint8_t*>(in[1]->raw());
        auto* b = static_cast<const uint8_t*>(in[2]->raw());
        auto* y = static_cast<uint8_t*>(out[0]->raw());
        size_t e = m_elem;
        BroadcastPlan plan(m_out, m_shapes);
        plan.forEachRow([&](const std::vector<int64_t>& offs, int64_t o, int64_t n, const std::vector<int64_t>& st) {
            for (int64_t i = 0; i < n; ++i) {
                bool pick = c[offs[0] + i * st[0]];
                const uint8_t* src = pick ? a + (offs[1] + i * st[1]) * e : b + (offs[2] + i * st[2]) * e;
                std::memcpy(y + (o + i) * e, src, e);
            }
        });
    }

private:
    std::vector<Shape> m_shapes;
    Shape m_out;
    size_t m_elem = 4;
};

float erfF(float x) { return std::erf(x); }
float geluF(float x) { return 0.5f * x * (1.f + std::erf(x * float(M_SQRT1_2))); }
float softplusF(float x) { return x > 20.f ? x : std::log1p(std::exp(x)); }

float expF(float x) { return std::exp(x); }
float logF(float x) { return std::log(x); }
float sqrtF(float x) { return std::sqrt(x); }
float negF(float x) { return -x; }
float absF(float x) { return std::fabs(x); }
float reciprocalF(float x) { return 1.f / x; }
float floorF(float x) { return std::floor(x); }
float ceilF(float x) { return std::ceil(x); }
float roundF(float x) { return std::nearbyint(x); }
float sinF(float x) { return std::sin(x); }
float cosF(float x) { return std::cos(x); }
float mishF(float x) { return x * std::tanh(softplusF(x)); }
float notF(float x) { return x; }
float tanF(float x) { return std::tan(x); }
float sinhF(float x) { return std::sinh(x); }
float coshF(float x) { return std::cosh(x); }
float asinF(float x) { return std::asin(x); }
float acosF(float x) { return std::acos(x); }
float atanF(float x) { return std::atan(x); }
float asinhF(float x) { return std::asinh(x); }
float acoshF(float x) { return std::acosh(x); }
float atanhF(float x) { return std::atanh(x); }
float softsignF(float x) { return x / (1.f + std::fabs(x)); }
float signF(float x) { return float((x > 0.f) - (x < 0.f)); }

/** Float point-wise ops with attributes: ThresholdedRelu, Selu, Shrink, Celu, Elu. */
class ParamUnaryKernel : public Kernel {
public:
    explicit ParamUnaryKernel(const Node& n) : m_node(n) {}
    void prepare(const PrepareContext& ctx) override
    {
        if (ctx.inputTypes[0] != DataType::Float32) typeError(m_node, ctx.inputTypes[0]);
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        const float* x = in[0]->data<float>();
        float* y = out[0]->data<float>();
        const int64_t n = in[0]->count();
        const std::string& op = m_node.opType;
        if (op == "ThresholdedRelu") {
            const float alpha = m_node.attrFloat("alpha", 1.f);
            for (int64_t i = 0; i < n; ++i) y[i] = x[i] > alpha ? x[i] : 0.f;
        } else if (op == "Selu") {
            const float alpha = m_node.attrFloat("alpha", 1.67326319217681884765625f), gamma = m_node.attrFloat("gamma", 1.05070102214813232421875f);
            for (int64_t i = 0; i < n; ++i) y[i] = gamma * (x[i] > 0.f ? x[i] : alpha * (std::exp(x[i]) - 1.f));
        } else if (op == "Shrink") {
            const float bias = m_node.attrFloat("bias", 0.f), lambd = m_node.attrFloat("lambd", 0.5f);
            for (int64_t i = 0; i < n; ++i) y[i] = x[i] < -lambd ? x[i] + bias : x[i] > lambd ? x[i] - bias : 0.f;
        } else if (op == "Celu") {
            const float alpha = m_node.attrFloat("alpha", 1.f);
            for (int64_t i = 0; i < n; ++i) y[i] = std::max(0.f, x[i]) + std::min(0.f, alpha * (std::exp(x[i] / alpha) - 1.f));
        } else {  // Elu
            const float alpha = m_node.attrFloat("alpha", 1.f);
            for (int64_t i = 0; i < n; ++i) y[i] = x[i] < 0 ? alpha * (std::exp(x[i]) - 1.f) : x[i];
        }
    }

private:
    const Node& m_node;
};

/** IsNaN and IsInf (detect_negative / detect_positive): float in, bool out. */
class ClassifyKernel : public Kernel {
public:
    explicit ClassifyKernel(const Node& n) : m_node(n) {}
    void prepare(const PrepareContext& ctx) override { m_type = ctx.inputTypes[0]; }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        auto x = in[0]->toFloat();  // float64 infinities and NaNs survive the conversion
        uint8_t* y = out[0]->data<uint8_t>();
        const bool nan = m_node.opType == "IsNaN";
        const bool neg = m_node.attrInt("detect_negative", 1) != 0, pos = m_node.attrInt("detect_positive", 1) != 0;
        for (size_t i = 0; i < x.size(); ++i)
            y[i] = nan ? std::isnan(x[i]) : std::isinf(x[i]) && ((x[i] < 0 && neg) || (x[i] > 0 && pos));
    }

private:
    const Node& m_node;
    DataType m_type = DataType::Float32;
};

template <BinOp op> std::unique_ptr<Kernel> makeBinary(const Node& n) { return std::make_unique<BinaryKernel>(n, op); }
template <UnaryKernel::Fn fn> std::unique_ptr<Kernel> makeUnary(const Node& n) { return std::make_unique<UnaryKernel>(n, fn); }

}  // namespace

void registerElementwiseKernels()
{
    registerKernel("Add", makeBinary<BinOp::Add>);
    registerKernel("Sub", makeBinary<BinOp::Sub>);
    registerKernel("Mul", makeBinary<BinOp::Mul>);
    registerKernel("Div", makeBinary<BinOp::Div>);
    registerKernel("Pow", makeBinary<BinOp::Pow>);
    registerKernel("Max", makeBinary<BinOp::Max>);
    registerKernel("Min", makeBinary<BinOp::Min>);
    registerKernel("Sum", makeBinary<BinOp::Add>);
    registerKernel("Mean", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<BinaryKernel>(n, BinOp::Add, true); });
    registerKernel("Equal", makeBinary<BinOp::Equal>);
    registerKernel("Less", makeBinary<BinOp::Less>);
    registerKernel("Greater", makeBinary<BinOp::Greater>);
    registerKernel("LessOrEqual", makeBinary<BinOp::LessEq>);
    registerKernel("GreaterOrEqual", makeBinary<BinOp::GreaterEq>);
    registerKernel("And", makeBinary<BinOp::And>);
    registerKernel("Or", makeBinary<BinOp::Or>);
    registerKernel("PRelu", makeBinary<BinOp::PRelu>);
    registerKernel("Xor", makeBinary<BinOp::Xor>);
    registerKernel("Mod", [](const Node& n) -> std::unique_ptr<Kernel> {
        return std::make_unique<BinaryKernel>(n, n.attrInt("fmod", 0) ? BinOp::FMod : BinOp::Mod);
    });
    registerKernel("Where", [](const Node&) -> std::unique_ptr<Kernel> { return std::make_unique<WhereKernel>(); });

    for (const char* op : {"Relu", "Clip", "LeakyRelu", "HardSigmoid", "HardSwish", "Sigmoid", "Tanh"})
        registerKernel(op, [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<ActivationKernel>(n); });

    registerKernel("Exp", makeUnary<expF>);
    registerKernel("Log", makeUnary<logF>);
    registerKernel("Sqrt", makeUnary<sqrtF>);
    registerKernel("Neg", makeUnary<negF>);
    registerKernel("Abs", makeUnary<absF>);
    registerKernel("Reciprocal", makeUnary<reciprocalF>);
    registerKernel("Floor", makeUnary<floorF>);
    registerKernel("Ceil", makeUnary<ceilF>);
    registerKernel("Round", makeUnary<roundF>);
    registerKernel("Sin", makeUnary<sinF>);
    registerKernel("Cos", makeUnary<cosF>);
    registerKernel("Erf", makeUnary<erfF>);
    registerKernel("Gelu", makeUnary<geluF>);
    registerKernel("Softplus", makeUnary<softplusF>);
    registerKernel("Mish", makeUnary<mishF>);
    for (const char* op : {"Elu", "ThresholdedRelu", "Selu", "Shrink", "Celu"})
        registerKernel(op, [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<ParamUnaryKernel>(n); });
    for (const char* op : {"IsNaN", "IsInf"})
        registerKernel(op, [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<ClassifyKernel>(n); });
    registerKernel("Tan", makeUnary<tanF>);
    registerKernel("Sinh", makeUnary<sinhF>);
    registerKernel("Cosh", makeUnary<coshF>);
    registerKernel("Asin", makeUnary<asinF>);
    registerKernel("Acos", makeUnary<acosF>);
    registerKernel("Atan", makeUnary<atanF>);
    registerKernel("Asinh", makeUnary<asinhF>);
    registerKernel("Acosh", makeUnary<acoshF>);
    registerKernel("Atanh", makeUnary<atanhF>);
    registerKernel("Softsign", makeUnary<softsignF>);
    registerKernel("Sign", makeUnary<signF>);
    registerKernel("Not", makeUnary<notF>);
}

}  // namespace qs
