// BatchNormalization, InstanceNormalization, LayerNormalization, LRN, Softmax, LogSoftmax and Hardmax.
#include <algorithm>
#include <cmath>

#include "graph/error.h"
#include "runtime/kernel.h"

namespace qs {
namespace {

/** y = x * a[c] + b[c], with a, b folded from scale, bias, mean, var once the statistics are constants. */
class BatchNormKernel : public Kernel {
public:
    explicit BatchNormKernel(const Node& n) : m_node(n) {}
    bool fuseActivation(const Activation& a) override
    {
        if (m_act.kind != Activation::None) return false;  // one activation
        m_act = a;
        return true;
    }
    void prepare(const PrepareContext& ctx) override
    {
        const Shape& x = ctx.inputShapes[0];
        if (x.size() < 2) kernelError(m_node, "input must have rank >= 2");
        m_C = x[1];
        m_inner = 1;
        for (size_t d = 2; d < x.size(); ++d) m_inner *= x[d];
        m_N = x[0];
        for (size_t i = 1; i < 5; ++i)
            if (elementCount(ctx.inputShapes[i]) != m_C)
                kernelError(m_node, "input " + std::to_string(i) + " has " + std::to_string(elementCount(ctx.inputShapes[i])) +
                                 " values, expected one per channel (" + std::to_string(m_C) + ")");
        m_folded = ctx.constant(1) && ctx.constant(2) && ctx.constant(3) && ctx.constant(4);
        if (m_folded) fold(ctx.constants);
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        if (!m_folded) fold(in);
        const float* x = in[0]->data<float>();
        float* y = out[0]->data<float>();
#pragma omp parallel for collapse(2)
        for (int64_t n = 0; n < m_N; ++n)
            for (int64_t c = 0; c < m_C; ++c) {
                const float* xp = x + (n * m_C + c) * m_inner;
                float* yp = y + (n * m_C + c) * m_inner;
                float a = m_a[size_t(c)], b = m_b[size_t(c)];
                for (int64_t i = 0; i < m_inner; ++i) yp[i] = xp[i] * a + b;
            }
        m_act.apply(y, size_t(out[0]->count()));
    }

private:
    void fold(const std::vector<const Tensor*>& in)
    {
        auto scale = in[1]->toFloat(), bias = in[2]->toFloat(), mean = in[3]->toFloat(), var = in[4]->toFloat();
        float eps = m_node.attrFloat("epsilon", 1e-5f);
        m_a.resize(size_t(m_C));
        m_b.resize(size_t(m_C));
        for (size_t c = 0; c < size_t(m_C); ++c) {
            m_a[c] = scale[c] / std::sqrt(var[c] + eps);
            m_b[c] = bias[c] - mean[c] * m_a[c];
        }
    }
    const Node& m_node;
    int64_t m_N = 1, m_C = 1, m_inner = 1;
    bool m_folded = false;
    std::vector<float> m_a, m_b;
    Activation m_act;
};

class InstanceNormKernel : public Kernel {
public:
    explicit InstanceNormKernel(const Node& n) : m_node(n) {}
    void prepare(const PrepareContext& ctx) override { m_x = ctx.inputShapes[0]; }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        int64_t N = m_x[0], C = m_x[1], inner = elementCount(m_x) / (N * C);
        auto scale = in[1]->toFloat(), bias = in[2]->toFloat();
        float eps = m_node.attrFloat("epsilon", 1e-5f);
        const float* x = in[0]->data<float>();
        float* y = out[0]->data<float>();
#pragma omp parallel for
        for (int64_t nc = 0; nc < N * C; ++nc) {
            const float* xp = x + nc * inner;
            double sum = 0, sq = 0;
            for (int64_t i = 0; i < inner; ++i) { sum += xp[i]; sq += double(xp[i]) * xp[i]; }
            double mean = sum / double(inner), var = sq / double(inner) - mean * mean;
            float a = float(scale[size_t(nc % C)] / std::sqrt(var + eps));
            float b = float(bias[size_t(nc % C)] - mean * a);
            for (int64_t i = 0; i < inner; ++i) y[nc * inner + i] = xp[i] * a + b;
        }
    }

private:
    const Node& m_node;
    Shape m_x;
};

class LrnKernel : public Kernel {
public:
    explicit LrnKernel(const Node& n) : m_node(n) {}
    void prepare(const PrepareContext& ctx) override { m_x = ctx.inputShapes[0]; }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        int64_t N = m_x[0], C = m_x[1], inner = elementCount(m_x) / (N * C);
        int64_t size = m_node.attrInt("size", 1);
        float alpha = m_node.attrFloat("alpha", 1e-4f), beta = m_node.attrFloat("beta", 0.75f), bias = m_node.attrFloat("bias", 1.f);
        const float* x = in[0]->data<float>();
        float* y = out[0]->data<float>();
        int64_t lo = (size - 1) / 2, hi = size - 1 - lo;
        for (int64_t n = 0; n < N; ++n)
            for (int64_t c = 0; c < C; ++c)
                for (int64_t i = 0; i < inner; ++i) {
                    float sq = 0;
                    for (int64_t k = std::max<int64_t>(0, c - lo); k <= std::min(C - 1, c + hi); ++k) {
                        float v = x[(n * C + k) * inner + i];
                        sq += v * v;
                    }
                    y[(n * C + c) * inner + i] = x[(n * C + c) * inner + i] / std::pow(bias + alpha / float(size) * sq, beta);
                }
    }

private:
    const Node& m_node;
    Shape m_x;
};

class SoftmaxKernel : public Kernel {
public:
    SoftmaxKernel(const Node& n, bool log) : m_node(n), m_log(log) {}
    void prepare(const PrepareContext& ctx) override
    {
        const Shape& x = ctx.inputShapes[0];
        int64_t rank = int64_t(x.size());
        int64_t axis = m_node.attrInt("axis", -1);
        if (axis < 0) axis += rank;
        if (axis < 0 || axis >= std::max<int64_t>(rank, 1)) kernelError(m_node, "axis out of range");
        m_outer = 1;
        m_dim = 1;
        m_inner = 1;
        bool legacy = m_node.attrInt("legacy_coerce_2d", 0) != 0;  // opset < 13: flatten [0, axis) x [axis, rank)
        for (int64_t d = 0; d < rank; ++d) {
            if (d < axis) m_outer *= x[size_t(d)];
            else if (d == axis || legacy) m_dim *= x[size_t(d)];
            else m_inner *= x[size_t(d)];
        }
        m_beta = m_node.attrFloat("beta", 1.f);
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        const float* x = in[0]->data<float>();
        float* y = out[0]->data<float>();
        int64_t dim = m_dim, inner = m_inner;
        float beta = m_beta;
        bool log = m_log;
        const bool hard = m_node.opType == "Hardmax";
#pragma omp parallel for collapse(2) if (m_outer * m_inner > 64)
        for (int64_t o = 0; o < m_outer; ++o)
            for (int64_t i = 0; i < inner; ++i) {
                const float* xp = x + o * dim * inner + i;
                float* yp = y + o * dim * inner + i;
                if (hard) {  // Hardmax: 1 at the first largest value, 0 elsewhere
                    int64_t best = 0;
                    for (int64_t k = 1; k < dim; ++k)
                        if (xp[k * inner] > xp[best * inner]) best = k;
                    for (int64_t k = 0; k < dim; ++k) yp[k * inner] = k == best ? 1.f : 0.f;
                    continue;
                }
                float mx = -INFINITY;
                for (int64_t k = 0; k < dim; ++k) mx = std::max(mx, xp[k * inner]);
                double sum = 0;
                for (int64_t k = 0; k < dim; ++k) {
                    float e = std::exp((xp[k * inner] - mx) * beta);
                    if (!log) yp[k * inner] = e;
                    sum += e;
                }
                if (log) {
                    float ls = float(std::log(sum));
                    for (int64_t k = 0; k < dim; ++k) yp[k * inner] = (xp[k * inner] - mx) * beta - ls;
                } else {
                    float inv = float(1.0 / sum);
                    for (int64_t k = 0; k < dim; ++k) yp[k * inner] *= inv;
                }
            }
    }

private:
    const Node& m_node;
    bool m_log;
    int64_t m_outer = 1, m_dim = 1, m_inner = 1;
    float m_beta = 1.f;
};

/** LayerNormalization: normalised over the dims from axis on, then scaled and shifted (Scale and B of those dims, or
 *  one value); the optional Mean and InvStdDev outputs keep the leading dims. */
class LayerNormKernel : public Kernel {
public:
    explicit LayerNormKernel(const Node& n) : m_node(n) {}
    void prepare(const PrepareContext& ctx) override
    {
        const Shape& x = ctx.inputShapes[0];
        int64_t axis = m_node.attrInt("axis", -1);
        if (axis < 0) axis += int64_t(x.size());
        if (axis < 0 || axis >= int64_t(x.size())) kernelError(m_node, "axis out of range for " + shapeToString(x));
        m_outer = 1;
        m_inner = 1;
        for (int64_t d = 0; d < int64_t(x.size()); ++d) (d < axis ? m_outer : m_inner) *= x[size_t(d)];
        for (size_t i = 1; i < 3; ++i)
            if (ctx.has(i) && elementCount(ctx.inputShapes[i]) != m_inner && elementCount(ctx.inputShapes[i]) != 1)
                kernelError(m_node, std::string(i == 1 ? "Scale" : "B") + " has shape " + shapeToString(ctx.inputShapes[i]) +
                                        ", expected the normalised dims (" + std::to_string(m_inner) + " values) or one value");
        m_hasBias = ctx.has(2);
        m_epsilon = m_node.attrFloat("epsilon", 1e-5f);
    }
    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        const float* x = in[0]->data<float>();
        const float* scale = in[1]->data<float>();
        const float* bias = m_hasBias ? in[2]->data<float>() : nullptr;
        const bool oneScale = in[1]->count() == 1, oneBias = bias && in[2]->count() == 1;
        float* y = out[0]->data<float>();
        float* mean = out.size() > 1 && out[1] && !out[1]->empty() ? out[1]->data<float>() : nullptr;
        float* invStd = out.size() > 2 && out[2] && !out[2]->empty() ? out[2]->data<float>() : nullptr;
        const int64_t inner = m_inner;
#pragma omp parallel for if (m_outer > 16)
        for (int64_t o = 0; o < m_outer; ++o) {
            const float* xp = x + o * inner;
            double sum = 0, sq = 0;
            for (int64_t i = 0; i < inner; ++i) sum += xp[i];
            const double mu = sum / double(inner);
            for (int64_t i = 0; i < inner; ++i) sq += (xp[i] - mu) * (xp[i] - mu);
            const double inv = 1.0 / std::sqrt(sq / double(inner) + double(m_epsilon));
            for (int64_t i = 0; i < inner; ++i)
                y[o * inner + i] = float((xp[i] - mu) * inv) * scale[oneScale ? 0 : i] + (bias ? bias[oneBias ? 0 : i] : 0.f);
            if (mean) mean[o] = float(mu);
            if (invStd) invStd[o] = float(inv);
        }
    }

private:
    const Node& m_node;
    int64_t m_outer = 1, m_inner = 1;
    bool m_hasBias = false;
    float m_epsilon = 1e-5f;
};

}  // namespace

void registerNormalizationKernels()
{
    registerKernel("BatchNormalization", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<BatchNormKernel>(n); });
    registerKernel("InstanceNormalization", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<InstanceNormKernel>(n); });
    registerKernel("LRN", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<LrnKernel>(n); });
    registerKernel("Softmax", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<SoftmaxKernel>(n, false); });
    registerKernel("LogSoftmax", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<SoftmaxKernel>(n, true); });
    registerKernel("Hardmax", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<SoftmaxKernel>(n, false); });
    registerKernel("LayerNormalization", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<LayerNormKernel>(n); });
}

}  // namespace qs
