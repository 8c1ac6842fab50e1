// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (ONNX: class weights, ignore_index, none/sum/mean reduction,
// the log-probabilities as SoftmaxCrossEntropyLoss's optional second output).
#include <cmath>
#include <vector>

#include "graph/error.h"
#include "runtime/kernel.h"

namespace qs {
namespace {

class LossKernel : public Kernel {
public:
    explicit LossKernel(const Node& n) : m_node(n), m_softmax(n.opType == "SoftmaxCrossEntropyLoss") {}

    void prepare(const PrepareContext& ctx) override
    {
        const Shape& x = ctx.inputShapes[0];
        const Shape& t = ctx.inputShapes[1];
        if (x.size() < 2) kernelError(m_node, "the input must have rank >= 2 ([N, C, ...]), got " + shapeToString(x));
        Shape want{x[0]};
        want.insert(want.end(), x.begin() + 2, x.end());
        if (t != want) kernelError(m_node, "the target has shape " + shapeToString(t) + ", expected " + shapeToString(want));
        if (ctx.has(2) && ctx.inputShapes[2] != Shape{x[1]})
            kernelError(m_node, "the weights have shape " + shapeToString(ctx.inputShapes[2]) + ", expected [" + std::to_string(x[1]) + "]");
        m_n = x[0];
        m_c = x[1];
        m_inner = 1;
        for (size_t d = 2; d < x.size(); ++d) m_inner *= x[d];
        m_reduction = m_node.attrString("reduction", "mean");
        if (m_reduction != "none" && m_reduction != "sum" && m_reduction != "mean") kernelError(m_node, "unknown reduction '" + m_reduction + "'");
    }

    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        const int64_t N = m_n, C = m_c, D = m_inner;
        const float* lp = in[0]->data<float>();
        std::vector<float> logProb;
        if (m_softmax) {  // log-softmax over C
            float* dst = out.size() > 1 && out[1] && !out[1]->empty() ? out[1]->data<float>() : nullptr;
            if (!dst) {
                logProb.resize(size_t(N * C * D));
                dst = logProb.data();
            }
            for (int64_t n = 0; n < N; ++n)
                for (int64_t i = 0; i < D; ++i) {
                    const float* xp = lp + n * C * D + i;
                    float mx = -INFINITY;
                    for (int64_t c = 0; c < C; ++c) mx = std::max(mx, xp[c * D]);
                    double sum = 0;
                    for (int64_t c = 0; c < C; ++c) sum += std::exp(double(xp[c * D] - mx));
                    const double ls = std::log(sum);
                    for (int64_t c = 0; c < C; ++c) dst[(n * C + c) * D + i] = float(double(xp[c * D] - mx) - ls);
                }
            lp = dst;
        }
        const auto target = in[1]->toInt64();
        const float* weight = in.size() > 2 && in[2] ? in[2]->data<float>() : nullptr;
        const bool hasIgnore = m_node.hasAttr("ignore_index");
        const int64_t ignore = m_node.attrInt("ignore_index", 0);
        float* y = out[0]->data<float>();
        double sum = 0, weights = 0;
        for (int64_t n = 0; n < N; ++n)
            for (int64_t i = 0; i < D; ++i) {
                const int64_t t = target[size_t(n * D + i)];
                double loss = 0, w = 0;
                if (!(hasIgnore && t == ignore)) {
                    if (t < 0 || t >= C) kernelError(m_node, "target " + std::to_string(t) + " is not a class in [0, " + std::to_string(C) + ")");
                    w = weight ? weight[t] : 1.0;
                    loss = -double(lp[(n * C + t) * D + i]) * w;
                }
                if (m_reduction == "none") y[n * D + i] = float(loss);
                sum += loss;
                weights += w;
            }
        if (m_reduction == "sum") y[0] = float(sum);
        else if (m_reduction == "mean") y[0] = float(weights != 0 ? sum / weights : 0.0);
    }

private:
    const Node& m_node;
    bool m_softmax;
    int64_t m_n = 0, m_c = 0, m_inner = 1;
    std::string m_reduction;
};

}  // namespace

void registerLossKernels()
{
    for (const char* op : {"NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss"})
        registerKernel(op, [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<LossKernel>(n); });
}

}  // namespace qs
