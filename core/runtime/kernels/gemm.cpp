// MatMul (numpy semantics), Gemm and TFLite FullyConnected on oneDNN's matmul primitive; plain loops as reference.
#include "graph/error.h"
#include "runtime/kernel.h"
#include "runtime/kernels/dnnl_common.h"

namespace qs {
namespace {

using dt = dnnl::memory::data_type;

/** A batched product Y[b] = act(alpha * A[b] x B[b] + bias), with A [Ba, M, K] and B [Bb, K, N] given by
 *  element strides (so transposes need no copy) and batch broadcasting where one side has batch 1. */
class MatMulCore : public Kernel {
public:
    explicit MatMulCore(const Node& n) : m_node(n) {}

    bool fuseActivation(const Activation& a) override
    {
        dnnl::post_ops probe;
        if (m_act.kind != Activation::None || !appendEltwise(probe, a)) return false;
        m_act = a;
        return true;
    }

protected:
    struct Operand {
        dnnl::memory::dims dims, strides;
    };

    // Called by subclasses' prepare() once dims are known. bConst: B's values for pre-packing.
    void build(const Operand& a, const Operand& b, const dnnl::memory::dims& yDims, const Tensor* bConst,
               bool hasBias, float alpha, bool reference)
    {
        m_a = a;
        m_b = b;
        m_yDims = yDims;
        m_alpha = alpha;
        m_hasBias = hasBias;
        m_reference = reference;
        m_bConst = bConst != nullptr;
        if (reference) return;
        auto aMd = dnnl::memory::desc(a.dims, dt::f32, a.strides);
        m_bUserMd = dnnl::memory::desc(b.dims, dt::f32, b.strides);
        auto bMd = bConst ? dnnl::memory::desc(b.dims, dt::f32, dnnl::memory::format_tag::any) : m_bUserMd;
        auto yMd = dnnl::memory::desc(yDims, dt::f32, plainStrides(yDims));
        dnnl::memory::dims biasDims(yDims.size(), 1);
        biasDims.back() = yDims.back();
        m_biasMd = dnnl::memory::desc(biasDims, dt::f32, plainStrides(biasDims));
        dnnl::primitive_attr attr;
        if (alpha != 1.f) attr.set_output_scales(0, {alpha});
        dnnl::post_ops ops;
        appendEltwise(ops, m_act);
        attr.set_post_ops(ops);
        auto desc = hasBias ? dnnl::matmul::desc(aMd, bMd, m_biasMd, yMd) : dnnl::matmul::desc(aMd, bMd, yMd);
        auto pd = dnnl::matmul::primitive_desc(desc, attr, dnnlEngine());
        m_prim = dnnl::matmul(pd);
        m_aMd = aMd;
        m_yMd = yMd;
        if (bConst) {
            m_packedB = dnnl::memory(pd.weights_desc(), dnnlEngine());
            dnnl::memory user(m_bUserMd, dnnlEngine(), const_cast<void*>(bConst->raw()));
            dnnl::reorder(user, m_packedB).execute(dnnlStream(), user, m_packedB);
            dnnlStream().wait();
        }
    }

    void compute(const float* a, const float* b, const float* bias, float* y)
    {
        if (m_reference) return reference(a, b, bias, y);
        auto& s = dnnlStream();
        std::unordered_map<int, dnnl::memory> args{
            {DNNL_ARG_SRC, dnnl::memory(m_aMd, dnnlEngine(), const_cast<float*>(a))},
            {DNNL_ARG_WEIGHTS, m_bConst ? m_packedB : dnnl::memory(m_bUserMd, dnnlEngine(), const_cast<float*>(b))},
            {DNNL_ARG_DST, dnnl::memory(m_yMd, dnnlEngine(), y)}};
        if (bias) args[DNNL_ARG_BIAS] = dnnl::memory(m_biasMd, dnnlEngine(), const_cast<float*>(bias));
        m_prim.execute(s, args);
        s.wait();
    }

    static dnnl::memory::dims plainStrides(const dnnl::memory::dims& d)
    {
        dnnl::memory::dims s(d.size(), 1);
        for (size_t i = d.size(); i-- > 1;) s[i - 1] = s[i] * d[i];
        return s;
    }

    const Node& m_node;
    Activation m_act;

private:
    void reference(const float* a, const float* b, const float* bias, float* y) const
    {
        size_t r = m_yDims.size();
        int64_t M = m_yDims[r - 2], N = m_yDims[r - 1], K = m_a.dims[r - 1];
        int64_t batches = 1;
        for (size_t i = 0; i + 2 < r; ++i) batches *= m_yDims[i];
        for (int64_t bt = 0; bt < batches; ++bt) {
            int64_t aOff = 0, bOff = 0, rem = bt;
            for (size_t d = r - 2; d-- > 0;) {
                int64_t idx = rem % m_yDims[d];
                rem /= m_yDims[d];
                if (m_a.dims[d] > 1) aOff += idx * m_a.strides[d];
                if (m_b.dims[d] > 1) bOff += idx * m_b.strides[d];
            }
            for (int64_t i = 0; i < M; ++i)
                for (int64_t j = 0; j < N; ++j) {
                    double acc = 0;
                    for (int64_t k = 0; k < K; ++k)
                        acc += double(a[aOff + i * m_a.strides[r - 2] + k * m_a.strides[r - 1]]) *
                               double(b[bOff + k * m_b.strides[r - 2] + j * m_b.strides[r - 1]]);
                    float v = float(acc) * m_alpha + (bias ? bias[j] : 0.f);
                    y[(bt * M + i) * N + j] = m_act.apply1(v);
                }
        }
    }

    Operand m_a, m_b;
    dnnl::memory::dims m_yDims;
    float m_alpha = 1.f;
    bool m_hasBias = false, m_reference = false, m_bConst = false;
    dnnl::memory::desc m_aMd, m_bUserMd, m_yMd, m_biasMd;
    dnnl::memory m_packedB;
    dnnl::matmul m_prim;
};

class MatMulKernel : public MatMulCore {
public:
    using MatMulCore::MatMulCore;
    void prepare(const PrepareContext& ctx) override
    {
        if (ctx.inputTypes[0] != DataType::Float32) kernelError(m_node, "only float32 inputs are supported");
        Shape a = ctx.inputShapes[0], b = ctx.inputShapes[1];
        if (a.size() == 1) a.insert(a.begin(), 1);
        if (b.size() == 1) b.push_back(1);
        size_t r = std::max(a.size(), b.size());
        while (a.size() < r) a.insert(a.begin(), 1);
        while (b.size() < r) b.insert(b.begin(), 1);
        dnnl::memory::dims y(r);
        for (size_t i = 0; i + 2 < r; ++i) y[i] = std::max(a[i], b[i]);
        y[r - 2] = a[r - 2];
        y[r - 1] = b[r - 1];
        build({a, plainStrides(a)}, {b, plainStrides(b)}, y, ctx.constant(1), false, 1.f, ctx.reference);
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        compute(in[0]->data<float>(), in[1]->data<float>(), nullptr, out[0]->data<float>());
    }
};

class GemmKernel : public MatMulCore {
public:
    using MatMulCore::MatMulCore;
    void prepare(const PrepareContext& ctx) override
    {
        if (ctx.inputTypes[0] != DataType::Float32) kernelError(m_node, "only float32 inputs are supported");
        const Shape& a = ctx.inputShapes[0];
        const Shape& b = ctx.inputShapes[1];
        bool ta = m_node.attrInt("transA", 0), tb = m_node.attrInt("transB", 0);
        int64_t M = ta ? a[1] : a[0], K = ta ? a[0] : a[1], N = tb ? b[0] : b[1];
        Operand A{{M, K}, ta ? dnnl::memory::dims{1, M} : dnnl::memory::dims{K, 1}};
        Operand B{{K, N}, tb ? dnnl::memory::dims{1, K} : dnnl::memory::dims{N, 1}};
        m_beta = m_node.attrFloat("beta", 1.f);
        m_c = ctx.has(2) ? ctx.inputShapes[2] : Shape{};
        // C as a bias row ([N] or [1, N]) goes into the primitive; other C shapes are added afterwards.
        m_biasRow = ctx.has(2) && elementCount(m_c) == N && (m_c.size() == 1 || m_c[0] == 1) && m_beta == 1.f;
        if (!m_biasRow) std::swap(m_act, m_late);  // with a general C the activation must follow the addition
        m_M = M;
        m_N = N;
        build(A, B, {M, N}, ctx.constant(1), m_biasRow, m_node.attrFloat("alpha", 1.f), ctx.reference);
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        const float* c = in.size() > 2 && in[2] ? in[2]->data<float>() : nullptr;
        float* y = out[0]->data<float>();
        compute(in[0]->data<float>(), in[1]->data<float>(), m_biasRow ? c : nullptr, y);
        if (c && !m_biasRow) {
            // numpy broadcast of C ([M,N], [M,1], [N], scalar) onto Y
            int64_t cm = m_c.size() == 2 ? m_c[0] : 1, cn = m_c.empty() ? 1 : m_c.back();
            for (int64_t i = 0; i < m_M; ++i)
                for (int64_t j = 0; j < m_N; ++j) y[i * m_N + j] += m_beta * c[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
        }
        m_late.apply(y, size_t(m_M * m_N));
    }

private:
    float m_beta = 1.f;
    bool m_biasRow = false;
    Activation m_late;
    Shape m_c;
    int64_t m_M = 0, m_N = 0;
};

class FullyConnectedKernel : public MatMulCore {
public:
    using MatMulCore::MatMulCore;
    void prepare(const PrepareContext& ctx) override
    {
        if (ctx.inputTypes[0] != DataType::Float32) kernelError(m_node, "only float32 inputs are supported");
        const Shape& w = ctx.inputShapes[1];  // [N, K]
        int64_t N = w[0], K = w[1];
        int64_t M = elementCount(ctx.inputShapes[0]) / K;
        build({{M, K}, {K, 1}}, {{K, N}, {1, K}}, {M, N}, ctx.constant(1), ctx.has(2), 1.f, ctx.reference);
        m_hasBias = ctx.has(2);
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        compute(in[0]->data<float>(), in[1]->data<float>(), m_hasBias ? in[2]->data<float>() : nullptr, out[0]->data<float>());
    }

private:
    bool m_hasBias = false;
};

template <typename K> std::unique_ptr<Kernel> make(const Node& n) { return std::make_unique<K>(n); }

}  // namespace

void registerGemmKernels()
{
    registerKernel("MatMul", make<MatMulKernel>);
    registerKernel("Gemm", make<GemmKernel>);
    registerKernel("FullyConnected", make<FullyConnectedKernel>);
}

}  // namespace qs
