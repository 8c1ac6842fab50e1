// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool in NCHW and NHWC.
#include <algorithm>
#include <cfloat>

#include "graph/error.h"
#include "graph/opregistry.h"
#include "runtime/kernel.h"

namespace qs {
namespace {

class PoolKernel : public Kernel {
public:
    PoolKernel(const Node& n, bool max, bool global) : m_node(n), m_max(max), m_global(global) {}

    bool fuseActivation(const Activation& a) override
    {
        if (m_act.kind != Activation::None) return false;  // one activation
        m_act = a;
        return true;
    }

    void prepare(const PrepareContext& ctx) override
    {
        const Shape& x = ctx.inputShapes[0];
        const Shape& y = ctx.outputShapes[0];
        if (ctx.inputTypes[0] != DataType::Float32)
            throw InputError("node '" + m_node.name + "' (" + m_node.opType + "): only float32 is supported");
        if (x.size() < 3 || x.size() > 4)
            throw InputError("node '" + m_node.name + "' (" + m_node.opType + "): only 1-D and 2-D pooling is supported");
        m_nhwc = isNhwc(m_node);
        bool oneD = x.size() == 3;
        m_N = x[0];
        m_C = m_nhwc ? x.back() : x[1];
        m_H = oneD ? 1 : (m_nhwc ? x[1] : x[2]);
        m_W = m_nhwc ? x[x.size() - 2] : x.back();
        m_OH = oneD ? 1 : (m_nhwc ? y[1] : y[2]);
        m_OW = m_nhwc ? y[y.size() - 2] : y.back();
        if (m_global) {
            m_kh = m_H; m_kw = m_W;
            return;
        }
        auto kernel = m_node.attrInts("kernel_shape");
        std::vector<int64_t> spatial = oneD ? std::vector<int64_t>{m_W} : std::vector<int64_t>{m_H, m_W};
        auto g = windowGeometry(m_node, spatial, kernel, m_node.attrInt("ceil_mode", 0) != 0);
        const AxisGeometry& gw = g.back();
        m_kw = gw.kernel; m_sw = gw.stride; m_dw = gw.dilation; m_pl = gw.padBegin; m_pr = gw.padEnd;
        if (!oneD) {
            m_kh = g[0].kernel; m_sh = g[0].stride; m_dh = g[0].dilation; m_pt = g[0].padBegin; m_pb = g[0].padEnd;
        }
        m_includePad = m_node.attrInt("count_include_pad", 0) != 0;
        m_columnMajor = m_node.attrInt("storage_order", 0) != 0;
    }

    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        const float* x = in[0]->data<float>();
        float* y = out[0]->data<float>();
        if (m_nhwc) runNhwc(x, y);
        else runNchw(x, y);
        if (out.size() > 1 && out[1] && !out[1]->empty()) maxIndices(x, out[1]->data<int64_t>());
        m_act.apply(y, size_t(out[0]->count()));
    }

private:
    // Window [start, end) of output position o along an axis, clipped to the input; count for the divisor.
    void window(int64_t o, int64_t s, int64_t p, int64_t k, int64_t d, int64_t in, int64_t padEnd, int64_t& start,
                int64_t& end, int64_t& padded) const
    {
        start = o * s - p;
        int64_t last = start + (k - 1) * d + 1;
        padded = (std::min(last, in + padEnd) - start + d - 1) / d;
        end = std::min(last, in);
        while (start < 0) start += d;
    }

    void runNchw(const float* x, float* y) const
    {
#pragma omp parallel for
        for (int64_t nc = 0; nc < m_N * m_C; ++nc) {
            const float* xp = x + nc * m_H * m_W;
            float* yp = y + nc * m_OH * m_OW;
            for (int64_t oh = 0; oh < m_OH; ++oh) {
                int64_t h0, h1, ph;
                window(oh, m_sh, m_pt, m_kh, m_dh, m_H, m_pb, h0, h1, ph);
                for (int64_t ow = 0; ow < m_OW; ++ow) {
                    int64_t w0, w1, pw;
                    window(ow, m_sw, m_pl, m_kw, m_dw, m_W, m_pr, w0, w1, pw);
                    float acc = m_max ? -FLT_MAX : 0.f;
                    int64_t count = 0;
                    for (int64_t h = h0; h < h1; h += m_dh)
                        for (int64_t w = w0; w < w1; w += m_dw) {
                            float v = xp[h * m_W + w];
                            acc = m_max ? std::max(acc, v) : acc + v;
                            ++count;
                        }
                    if (!m_max) acc /= float(m_includePad ? ph * pw : std::max<int64_t>(count, 1));
                    yp[oh * m_OW + ow] = acc;
                }
            }
        }
    }

    void runNhwc(const float* x, float* y) const
    {
        int64_t C = m_C;
#pragma omp parallel for collapse(2)
        for (int64_t n = 0; n < m_N; ++n)
            for (int64_t oh = 0; oh < m_OH; ++oh) {
                int64_t h0, h1, ph;
                window(oh, m_sh, m_pt, m_kh, m_dh, m_H, m_pb, h0, h1, ph);
                for (int64_t ow = 0; ow < m_OW; ++ow) {
                    int64_t w0, w1, pw;
                    window(ow, m_sw, m_pl, m_kw, m_dw, m_W, m_pr, w0, w1, pw);
                    float* yp = y + ((n * m_OH + oh) * m_OW + ow) * C;
                    std::fill(yp, yp + C, m_max ? -FLT_MAX : 0.f);
                    int64_t count = 0;
                    for (int64_t h = h0; h < h1; h += m_dh)
                        for (int64_t w = w0; w < w1; w += m_dw) {
                            const float* xp = x + ((n * m_H + h) * m_W + w) * C;
                            if (m_max)
                                for (int64_t c = 0; c < C; ++c) yp[c] = std::max(yp[c], xp[c]);
                            else
                                for (int64_t c = 0; c < C; ++c) yp[c] += xp[c];
                            ++count;
                        }
                    if (!m_max) {
                        float inv = 1.f / float(m_includePad ? ph * pw : std::max<int64_t>(count, 1));
                        for (int64_t c = 0; c < C; ++c) yp[c] *= inv;
                    }
                }
            }
    }

    void maxIndices(const float* x, int64_t* idx) const
    {
        for (int64_t nc = 0; nc < m_N * m_C; ++nc)
            for (int64_t oh = 0; oh < m_OH; ++oh)
                for (int64_t ow = 0; ow < m_OW; ++ow) {
                    int64_t h0, h1, ph, w0, w1, pw, best = -1;
                    window(oh, m_sh, m_pt, m_kh, m_dh, m_H, m_pb, h0, h1, ph);
                    window(ow, m_sw, m_pl, m_kw, m_dw, m_W, m_pr, w0, w1, pw);
                    float bv = -FLT_MAX;
                    for (int64_t h = h0; h < h1; h += m_dh)
                        for (int64_t w = w0; w < w1; w += m_dw)
                            if (best < 0 || x[nc * m_H * m_W + h * m_W + w] > bv) {
                                bv = x[nc * m_H * m_W + h * m_W + w];
                                best = nc * m_H * m_W + (m_columnMajor ? w * m_H + h : h * m_W + w);
                            }
                    idx[(nc * m_OH + oh) * m_OW + ow] = best;
                }
    }

    const Node& m_node;
    bool m_max, m_global, m_nhwc = false, m_includePad = false, m_columnMajor = false;
    int64_t m_N = 1, m_C = 1, m_H = 1, m_W = 1, m_OH = 1, m_OW = 1;
    int64_t m_kh = 1, m_kw = 1, m_sh = 1, m_sw = 1, m_dh = 1, m_dw = 1, m_pt = 0, m_pl = 0, m_pb = 0, m_pr = 0;
    Activation m_act;
};

}  // namespace

void registerPoolKernels()
{
    registerKernel("MaxPool", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<PoolKernel>(n, true, false); });
    registerKernel("AveragePool", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<PoolKernel>(n, false, false); });
    registerKernel("GlobalMaxPool", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<PoolKernel>(n, true, true); });
    registerKernel("GlobalAveragePool", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<PoolKernel>(n, false, true); });
}

}  // namespace qs
