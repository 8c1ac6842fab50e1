// Conv and ConvTranspose: oneDNN primitives for speed, plain loops as the reference. Both layouts: NCHW (ONNX)
// and NHWC with OHWI / 1HWO weights (TFLite). 1-D convolutions run as 2-D with height 1.
#include <cstring>

#include "graph/error.h"
#include "graph/opregistry.h"
#include "runtime/kernel.h"
#include "runtime/kernels/conv.h"
#include "runtime/kernels/dnnl_common.h"

namespace qs {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

// oneDNN's view of the weights as stored: (O, I, KH, KW), grouped (G, O/G, I/G, KH, KW), through the strides.
dnnl::memory::desc weightDesc(const ConvGeometry& g)
{
    if (g.G > 1) return dnnl::memory::desc({g.G, g.OCg(), g.ICg(), g.KH, g.KW}, dnnl::memory::data_type::f32, {g.wg, g.wo, g.wi, g.wh, g.ww});
    return dnnl::memory::desc({g.OC, g.C, g.KH, g.KW}, dnnl::memory::data_type::f32, {g.wo, g.wi, g.wh, g.ww});
}

}  // namespace

ConvGeometry convGeometry(const Node& node, const Shape& x, const Shape& w, const Shape& y)
{
    ConvGeometry g;
    if (x.size() != 3 && x.size() != 4) kernelError(node, "only 1-D and 2-D convolutions are supported, input is " + shapeToString(x));
    g.nhwc = isNhwc(node);
    bool oneD = x.size() == 3;
    g.N = x[0];
    g.C = g.nhwc ? x.back() : x[1];
    g.OC = g.nhwc ? y.back() : y[1];
    g.H = oneD ? 1 : (g.nhwc ? x[1] : x[2]);
    g.W = g.nhwc ? x[x.size() - 2] : x.back();
    g.OH = oneD ? 1 : (g.nhwc ? y[1] : y[2]);
    g.OW = g.nhwc ? y[y.size() - 2] : y.back();
    g.G = node.attrInt("group", 1);
    std::string wl = node.attrString("weight_layout", "OIHW");
    std::vector<int64_t> kernel;
    if (wl == "OIHW") kernel.assign(w.begin() + 2, w.end());
    else kernel.assign(w.begin() + 1, w.end() - 1);
    if (node.hasAttr("kernel_shape")) kernel = node.attrInts("kernel_shape");
    std::vector<int64_t> spatial = oneD ? std::vector<int64_t>{g.W} : std::vector<int64_t>{g.H, g.W};
    auto geo = windowGeometry(node, spatial, kernel);
    if (oneD) {
        g.KW = geo[0].kernel; g.sw = geo[0].stride; g.dw = geo[0].dilation; g.pl = geo[0].padBegin; g.pr = geo[0].padEnd;
    } else {
        g.KH = geo[0].kernel; g.sh = geo[0].stride; g.dh = geo[0].dilation; g.pt = geo[0].padBegin; g.pb = geo[0].padEnd;
        g.KW = geo[1].kernel; g.sw = geo[1].stride; g.dw = geo[1].dilation; g.pl = geo[1].padBegin; g.pr = geo[1].padEnd;
    }
    int64_t icg = g.ICg(), ocg = g.OCg();
    if (wl == "OIHW") {  // [O, I/G, KH, KW]
        g.wg = ocg * icg * g.KH * g.KW; g.wo = icg * g.KH * g.KW; g.wi = g.KH * g.KW; g.wh = g.KW; g.ww = 1;
    } else if (wl == "OHWI") {  // [O, KH, KW, I/G]
        g.wg = ocg * g.KH * g.KW * icg; g.wo = g.KH * g.KW * icg; g.wi = 1; g.wh = g.KW * icg; g.ww = icg;
    } else if (wl == "1HWO") {  // [1, KH, KW, C*M]; group = C, M = OC/G
        g.wg = ocg; g.wo = 1; g.wi = 1; g.wh = g.KW * g.OC; g.ww = g.OC;
    } else {
        kernelError(node, "unknown weight_layout '" + wl + "'");
    }
    return g;
}

namespace {

// The memory a oneDNN convolution or deconvolution runs on: the producer's blocked source or a plain one reordered
// into the layout the primitive prefers, its destination handed on blocked where the reader takes it (else reordered
// to plain), and its weights reordered into the primitive's layout once when they are constant.
struct DnnlOperands {
    dnnl::memory::desc srcMd, dstMd, plainDstMd, userWeightsMd, biasMd;
    dnnl::memory weights, srcScratch, dstScratch;
    dnnl::reorder srcReorder, dstReorder;
    bool weightsConst = false;

    // The descriptors a primitive is made from: the producer's layout when it hands one over, else any.
    static dnnl::memory::desc source(const PrepareContext& ctx, const dnnl::memory::dims& dims)
    {
        auto* opaqueIn = dynamic_cast<const DnnlLayout*>(ctx.inputLayouts[0].get());
        return opaqueIn ? opaqueIn->desc : dnnl::memory::desc(dims, dt::f32, tag::any);
    }

    // After the primitive pd was made: reorders and scratch where plain tensors meet its layouts.
    template <class PrimitiveDesc>
    void bind(const PrimitiveDesc& pd, const PrepareContext& ctx, const dnnl::memory::desc& plainSrc)
    {
        auto* opaqueIn = dynamic_cast<const DnnlLayout*>(ctx.inputLayouts[0].get());
        srcMd = opaqueIn ? opaqueIn->desc : plainSrc;
        if (!opaqueIn && pd.src_desc() != plainSrc) {
            srcScratch = dnnl::memory(pd.src_desc(), dnnlEngine());
            srcReorder = dnnl::reorder(dnnl::memory(plainSrc, dnnlEngine(), nullptr), srcScratch);
        }
        dstMd = pd.dst_desc();
        if (ctx.outputOpaqueAllowed && pd.dst_desc() != plainDstMd) {
            ctx.outputLayout = std::make_shared<DnnlLayout>(pd.dst_desc(), plainDstMd);
        } else if (pd.dst_desc() != plainDstMd) {
            dstScratch = dnnl::memory(pd.dst_desc(), dnnlEngine());
            dstReorder = dnnl::reorder(dstScratch, dnnl::memory(plainDstMd, dnnlEngine(), nullptr));
        }
        weights = dnnl::memory(pd.weights_desc(), dnnlEngine());
        if (weightsConst) {
            dnnl::memory user(userWeightsMd, dnnlEngine(), const_cast<void*>(ctx.constant(1)->raw()));
            dnnl::reorder(user, weights).execute(dnnlStream(), user, weights);
            dnnlStream().wait();
        }
    }

    void execute(const dnnl::primitive& prim, const float* x, const float* w, const float* b, float* y)
    {
        auto& s = dnnlStream();
        dnnl::memory src(srcMd, dnnlEngine(), const_cast<float*>(x));
        if (srcReorder) {
            srcReorder.execute(s, src, srcScratch);
            src = srcScratch;
        }
        dnnl::memory dst = dstReorder ? dstScratch : dnnl::memory(dstMd, dnnlEngine(), y);
        if (!weightsConst) {
            dnnl::memory user(userWeightsMd, dnnlEngine(), const_cast<float*>(w));
            dnnl::reorder(user, weights).execute(s, user, weights);
        }
        std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}, {DNNL_ARG_WEIGHTS, weights}};
        if (b) args[DNNL_ARG_BIAS] = dnnl::memory(biasMd, dnnlEngine(), const_cast<float*>(b));
        prim.execute(s, args);
        if (dstReorder) {
            dnnl::memory plain(plainDstMd, dnnlEngine(), y);
            dstReorder.execute(s, dstScratch, plain);
        }
        s.wait();
    }
};

/** Conv: y = act(conv(x, w) + b). */
class ConvKernel : public Kernel {
public:
    explicit ConvKernel(const Node& n) : m_node(n) {}

    // Point-wise steps that follow become oneDNN post-ops: scales and shifts by constants (merged into one) and then
    // one activation (PP-OCRv4's learnable affine block and HardSwish). oneDNN 2.6 computes a linear post-op after
    // a HardSwish one wrongly (measured: ppocr_v4_det's output cosine 0.05 against the unfused run), so nothing
    // follows the activation.
    bool fuseActivation(const Activation& a) override
    {
        if (!m_acts.empty() && m_acts.back().kind != Activation::Linear) return false;
        if (!m_acts.empty() && m_acts.back().compose(a)) return true;  // a scale then a shift: one linear post-op
        dnnl::post_ops probe;
        if (!appendEltwise(probe, a)) return false;
        m_acts.push_back(a);
        return true;
    }

    void prepare(const PrepareContext& ctx) override
    {
        if (ctx.inputTypes[0] != DataType::Float32) kernelError(m_node, "only float32 input is supported");
        m_g = convGeometry(m_node, ctx.inputShapes[0], ctx.inputShapes[1], ctx.outputShapes[0]);
        m_reference = ctx.reference;
        m_io.weightsConst = ctx.constant(1) != nullptr;
        m_hasBias = ctx.has(2);
        if (m_hasBias && elementCount(ctx.inputShapes[2]) != m_g.OC)
            kernelError(m_node, "bias has " + std::to_string(elementCount(ctx.inputShapes[2])) + " values, expected " + std::to_string(m_g.OC));
        if (!m_reference) buildPrimitive(ctx);
    }

    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        const float* x = in[0]->data<float>();
        const float* w = in[1]->data<float>();
        const float* b = m_hasBias ? in[2]->data<float>() : nullptr;
        float* y = out[0]->data<float>();
        if (m_reference) return reference(x, w, b, y);
        m_io.execute(m_prim, x, w, b, y);
    }

private:
    void buildPrimitive(const PrepareContext& ctx)
    {
        const ConvGeometry& g = m_g;
        using dims = dnnl::memory::dims;
        dims srcDims{g.N, g.C, g.H, g.W}, dstDims{g.N, g.OC, g.OH, g.OW};
        auto plainSrc = dnnl::memory::desc(srcDims, dt::f32, g.nhwc ? tag::nhwc : tag::nchw);
        m_io.plainDstMd = dnnl::memory::desc(dstDims, dt::f32, g.nhwc ? tag::nhwc : tag::nchw);
        auto srcAny = DnnlOperands::source(ctx, srcDims);
        auto dstAny = dnnl::memory::desc(dstDims, dt::f32, tag::any);
        m_io.userWeightsMd = weightDesc(g);
        dnnl::memory::dims wDims = m_io.userWeightsMd.dims();
        auto anyWeights = dnnl::memory::desc(wDims, dt::f32, tag::any);
        m_io.biasMd = dnnl::memory::desc({g.OC}, dt::f32, tag::x);
        dnnl::primitive_attr attr;
        dnnl::post_ops ops;
        for (const Activation& a : m_acts) appendEltwise(ops, a);
        attr.set_post_ops(ops);
        auto desc = m_hasBias
                        ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                                          srcAny, anyWeights, m_io.biasMd, dstAny, {g.sh, g.sw},
                                                          {g.dh - 1, g.dw - 1}, {g.pt, g.pl}, {g.pb, g.pr})
                        : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                                          srcAny, anyWeights, dstAny, {g.sh, g.sw}, {g.dh - 1, g.dw - 1},
                                                          {g.pt, g.pl}, {g.pb, g.pr});
        auto pd = dnnl::convolution_forward::primitive_desc(desc, attr, dnnlEngine());
        m_prim = dnnl::convolution_forward(pd);
        m_io.bind(pd, ctx, plainSrc);
    }

    void reference(const float* x, const float* w, const float* b, float* y) const
    {
        const ConvGeometry& g = m_g;
        int64_t icg = g.ICg(), ocg = g.OCg();
#pragma omp parallel for collapse(2)
        for (int64_t n = 0; n < g.N; ++n)
            for (int64_t oc = 0; oc < g.OC; ++oc) {
                int64_t grp = oc / ocg, o = oc % ocg;
                for (int64_t oh = 0; oh < g.OH; ++oh)
                    for (int64_t ow = 0; ow < g.OW; ++ow) {
                        double acc = b ? b[oc] : 0.0;
                        for (int64_t i = 0; i < icg; ++i)
                            for (int64_t kh = 0; kh < g.KH; ++kh) {
                                int64_t ih = oh * g.sh - g.pt + kh * g.dh;
                                if (ih < 0 || ih >= g.H) continue;
                                for (int64_t kw = 0; kw < g.KW; ++kw) {
                                    int64_t iw = ow * g.sw - g.pl + kw * g.dw;
                                    if (iw < 0 || iw >= g.W) continue;
                                    float xv = x[g.act(n, grp * icg + i, ih, iw, g.C, g.H, g.W)];
                                    float wv = w[grp * g.wg + o * g.wo + i * g.wi + kh * g.wh + kw * g.ww];
                                    acc += double(xv) * double(wv);
                                }
                            }
                        float v = float(acc);
                        for (const Activation& a : m_acts) v = a.apply1(v);
                        y[g.act(n, oc, oh, ow, g.OC, g.OH, g.OW)] = v;
                    }
            }
    }

    const Node& m_node;
    ConvGeometry m_g;
    std::vector<Activation> m_acts;
    bool m_reference = false, m_hasBias = false;
    DnnlOperands m_io;
    dnnl::convolution_forward m_prim;
};

/** ConvTranspose: ONNX (NCHW, weights [C_in, C_out/G, KH, KW]) and TFLite (layout NHWC, weight_layout OHWI:
 *  [C_out, KH, KW, C_in], one group; TRANSPOSE_CONV and MediaPipe's Convolution2DTransposeBias). */
class ConvTransposeKernel : public Kernel {
public:
    explicit ConvTransposeKernel(const Node& n) : m_node(n) {}

    void prepare(const PrepareContext& ctx) override
    {
        const Shape& x = ctx.inputShapes[0];
        const Shape& w = ctx.inputShapes[1];
        const Shape& y = ctx.outputShapes[0];
        if (x.size() != 4) kernelError(m_node, "only 2-D transposed convolution is supported");
        if (ctx.inputTypes[0] != DataType::Float32) kernelError(m_node, "only float32 input is supported");
        ConvGeometry& g = m_g;
        g.nhwc = m_node.attrString("layout", "NCHW") == "NHWC";
        const bool ohwi = m_node.attrString("weight_layout", "IOHW") == "OHWI";
        if (g.nhwc) {
            g.N = x[0]; g.H = x[1]; g.W = x[2]; g.C = x[3];
            g.OH = y[1]; g.OW = y[2]; g.OC = y[3];
        } else {
            g.N = x[0]; g.C = x[1]; g.H = x[2]; g.W = x[3];
            g.OC = y[1]; g.OH = y[2]; g.OW = y[3];
        }
        g.G = m_node.attrInt("group", 1);
        if (ohwi && g.G != 1) kernelError(m_node, "grouped transposed convolution with OHWI weights is not supported");
        g.KH = ohwi ? w[1] : w[2];
        g.KW = ohwi ? w[2] : w[3];
        auto strides = m_node.attrInts("strides", {1, 1});
        auto dil = m_node.attrInts("dilations", {1, 1});
        auto pads = m_node.attrInts("pads", {0, 0, 0, 0});
        g.sh = strides[0]; g.sw = strides[1]; g.dh = dil[0]; g.dw = dil[1];
        // Derive begin pads from the output size (handles auto_pad and output_shape); the remainder is at the end.
        std::string autoPad = m_node.attrString("auto_pad", "NOTSET");
        auto totalPad = [&](int64_t in, int64_t k, int64_t s, int64_t d, int64_t out) { return s * (in - 1) + (k - 1) * d + 1 - out; };
        int64_t th = totalPad(g.H, g.KH, g.sh, g.dh, g.OH), tw = totalPad(g.W, g.KW, g.sw, g.dw, g.OW);
        if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" || m_node.hasAttr("output_shape")) {
            bool upper = autoPad != "SAME_LOWER";
            g.pt = upper ? th / 2 : th - th / 2;
            g.pl = upper ? tw / 2 : tw - tw / 2;
        } else if (autoPad == "VALID") {
            g.pt = g.pl = 0;
        } else {
            g.pt = pads[0];
            g.pl = pads[1];
        }
        g.pb = th - g.pt;  // may be negative with output_padding
        g.pr = tw - g.pl;
        int64_t icg = g.ICg(), ocg = g.OCg();
        if (ohwi) {
            g.wg = 0; g.wo = g.KH * g.KW * g.C; g.wi = 1; g.wh = g.KW * g.C; g.ww = g.C;
        } else {
            g.wg = icg * ocg * g.KH * g.KW; g.wi = ocg * g.KH * g.KW; g.wo = g.KH * g.KW; g.wh = g.KW; g.ww = 1;
        }
        m_hasBias = ctx.has(2);
        m_io.weightsConst = ctx.constant(1) != nullptr;
        m_reference = ctx.reference || g.pb < 0 || g.pr < 0;
        // A kernel that tiles the output (kernel = stride, no padding) with few output channels: oneDNN pads those to
        // 16 in its blocked layout (PP-OCRv4 det's last layer, 24 -> 1 channel at 640x640: 6-10 ms, this loop 1-2).
        constexpr int64_t kFewChannels = 4;
        m_tiles = !m_reference && !g.nhwc && g.G == 1 && g.KH == g.sh && g.KW == g.sw && g.dh == 1 && g.dw == 1 && g.pt == 0 &&
                  g.pl == 0 && g.pb == 0 && g.pr == 0 && g.OC <= kFewChannels && !ctx.inputLayouts[0];
        if (!m_reference && !m_tiles) build(ctx);
    }

    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        const float* x = in[0]->data<float>();
        const float* w = in[1]->data<float>();
        const float* b = m_hasBias ? in[2]->data<float>() : nullptr;
        float* y = out[0]->data<float>();
        if (m_reference) return reference(x, w, b, y);
        if (m_tiles) return tiles(x, w, b, y);
        m_io.execute(m_prim, x, w, b, y);
    }

private:
    void build(const PrepareContext& ctx)
    {
        const ConvGeometry& g = m_g;
        const dnnl::memory::dims srcDims{g.N, g.C, g.H, g.W}, dstDims{g.N, g.OC, g.OH, g.OW};
        const auto plainSrc = dnnl::memory::desc(srcDims, dt::f32, g.nhwc ? tag::nhwc : tag::nchw);
        m_io.plainDstMd = dnnl::memory::desc(dstDims, dt::f32, g.nhwc ? tag::nhwc : tag::nchw);
        // Plain layouts make oneDNN fall back to its GEMM deconvolution (8 ms where the blocked JIT one takes 1 on
        // PP-OCRv4 det's head at 320x320): take the producer's blocked layout, or let oneDNN choose and reorder.
        const auto srcAny = DnnlOperands::source(ctx, srcDims);
        const auto dstAny = dnnl::memory::desc(dstDims, dt::f32, tag::any);
        m_io.userWeightsMd = weightDesc(g);
        dnnl::memory::dims wDims = m_io.userWeightsMd.dims();
        m_io.biasMd = dnnl::memory::desc({g.OC}, dt::f32, tag::x);
        auto anyWeights = dnnl::memory::desc(wDims, dt::f32, tag::any);
        auto desc = m_hasBias ? dnnl::deconvolution_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::deconvolution_direct,
                                                                  srcAny, anyWeights, m_io.biasMd, dstAny, {g.sh, g.sw},
                                                                  {g.dh - 1, g.dw - 1}, {g.pt, g.pl}, {g.pb, g.pr})
                              : dnnl::deconvolution_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::deconvolution_direct,
                                                                  srcAny, anyWeights, dstAny, {g.sh, g.sw}, {g.dh - 1, g.dw - 1},
                                                                  {g.pt, g.pl}, {g.pb, g.pr});
        auto pd = dnnl::deconvolution_forward::primitive_desc(desc, dnnlEngine());
        m_prim = dnnl::deconvolution_forward(pd);
        m_io.bind(pd, ctx, plainSrc);
    }

    // Output tiles of KH x KW, one per input position (NCHW, one group): row a of tile (i, j) in channel oc is the
    // bias plus the sum over input channels of x[c, i, j] * w[c, oc, a, :].
    void tiles(const float* x, const float* w, const float* b, float* y) const
    {
        const ConvGeometry& g = m_g;
#pragma omp parallel for collapse(3) if (g.OC * g.OH * g.OW > 65536)
        for (int64_t n = 0; n < g.N; ++n)
            for (int64_t oc = 0; oc < g.OC; ++oc)
                for (int64_t i = 0; i < g.H; ++i)
                    for (int64_t a = 0; a < g.KH; ++a) {
                        float* row = y + ((n * g.OC + oc) * g.OH + i * g.KH + a) * g.OW;
                        std::fill(row, row + g.OW, b ? b[oc] : 0.f);
                        for (int64_t c = 0; c < g.C; ++c) {
                            const float* xr = x + ((n * g.C + c) * g.H + i) * g.W;
                            for (int64_t k = 0; k < g.KW; ++k) {
                                const float wv = w[c * g.wi + oc * g.wo + a * g.wh + k * g.ww];
                                for (int64_t j = 0; j < g.W; ++j) row[j * g.KW + k] += xr[j] * wv;
                            }
                        }
                    }
    }

    void reference(const float* x, const float* w, const float* b, float* y) const
    {
        const ConvGeometry& g = m_g;
        int64_t icg = g.ICg(), ocg = g.OCg();
        for (int64_t n = 0; n < g.N; ++n)
            for (int64_t oc = 0; oc < g.OC; ++oc)
                for (int64_t oh = 0; oh < g.OH; ++oh)
                    for (int64_t ow = 0; ow < g.OW; ++ow) y[g.act(n, oc, oh, ow, g.OC, g.OH, g.OW)] = b ? b[oc] : 0.f;
        for (int64_t n = 0; n < g.N; ++n)
            for (int64_t grp = 0; grp < g.G; ++grp)
                for (int64_t o = 0; o < ocg; ++o) {
                    const int64_t oc = grp * ocg + o;
                    for (int64_t i = 0; i < icg; ++i) {
                        const int64_t ic = grp * icg + i;
                        for (int64_t ih = 0; ih < g.H; ++ih)
                            for (int64_t iw = 0; iw < g.W; ++iw)
                                for (int64_t kh = 0; kh < g.KH; ++kh) {
                                    int64_t oh = ih * g.sh - g.pt + kh * g.dh;
                                    if (oh < 0 || oh >= g.OH) continue;
                                    for (int64_t kw = 0; kw < g.KW; ++kw) {
                                        int64_t ow = iw * g.sw - g.pl + kw * g.dw;
                                        if (ow < 0 || ow >= g.OW) continue;
                                        y[g.act(n, oc, oh, ow, g.OC, g.OH, g.OW)] +=
                                            x[g.act(n, ic, ih, iw, g.C, g.H, g.W)] * w[grp * g.wg + i * g.wi + o * g.wo + kh * g.wh + kw * g.ww];
                                    }
                                }
                    }
                }
    }

    const Node& m_node;
    ConvGeometry m_g;
    bool m_reference = false, m_hasBias = false, m_tiles = false;
    DnnlOperands m_io;
    dnnl::deconvolution_forward m_prim;
};

}  // namespace

void registerConvKernels()
{
    registerKernel("Conv", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<ConvKernel>(n); });
    registerKernel("ConvTranspose", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<ConvTransposeKernel>(n); });
}

}  // namespace qs
