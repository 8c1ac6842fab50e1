// Resize (and Upsample, mapped to Resize on import): nearest on any axes; linear and cubic on up to two axes.
#include <algorithm>
#include <cmath>

#include "graph/error.h"
#include "runtime/kernel.h"

namespace qs {
namespace {

class ResizeKernel : public Kernel {
public:
    explicit ResizeKernel(const Node& n) : m_node(n) {}

    void prepare(const PrepareContext& ctx) override
    {
        m_x = ctx.inputShapes[0];
        m_y = ctx.outputShapes[0];
        if (ctx.inputTypes[0] != DataType::Float32) kernelError(m_node, "only float32 is supported");
        m_mode = m_node.attrString("mode", "nearest");
        m_coord = m_node.attrString("coordinate_transformation_mode", "half_pixel");
        m_nearest = m_node.attrString("nearest_mode", "round_prefer_floor");
        if (m_mode != "nearest" && m_mode != "linear" && m_mode != "cubic") kernelError(m_node, "unsupported mode '" + m_mode + "'");
        if (m_coord == "tf_crop_and_resize") kernelError(m_node, "coordinate_transformation_mode tf_crop_and_resize is not supported");
        // Scales as the model gives them (they matter for the coordinate transform), else out/in.
        std::vector<float> scales;
        if (ctx.has(2) && !ctx.has(3) && ctx.constant(2)) scales = ctx.constant(2)->toFloat();
        else if (m_node.hasAttr("scales")) scales = m_node.attrFloats("scales");
        m_scales.resize(m_x.size());
        for (size_t d = 0; d < m_x.size(); ++d)
            m_scales[d] = d < scales.size() && !scales.empty() ? scales[d] : float(m_y[d]) / float(m_x[d]);
        m_axes.clear();
        for (size_t d = 0; d < m_x.size(); ++d)
            if (m_x[d] != m_y[d]) m_axes.push_back(d);
        if (m_mode != "nearest" && m_axes.size() > 2) kernelError(m_node, "linear/cubic resize of more than two axes is not supported");
        // Per resized axis and output index: source indices and weights.
        m_taps.assign(m_x.size(), {});
        for (size_t d : m_axes) buildTaps(d);
    }

    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        const float* x = in[0]->data<float>();
        float* y = out[0]->data<float>();
        size_t rank = m_x.size();
        std::vector<int64_t> xs(rank, 1);
        for (size_t i = rank; i-- > 1;) xs[i - 1] = xs[i] * m_x[i];
        if (planar(x, y)) return;
        int64_t total = elementCount(m_y);
        int64_t inner = m_y.back();
#pragma omp parallel for if (total > 65536)
        for (int64_t r = 0; r < total / inner; ++r) {
            std::vector<int64_t> idx(rank);
            int64_t rem = r;
            for (size_t d = rank - 1; d-- > 0;) {
                idx[d] = rem % m_y[d];
                rem /= m_y[d];
            }
            for (int64_t j = 0; j < inner; ++j) {
                idx[rank - 1] = j;
                y[r * inner + j] = sample(x, xs, idx);
            }
        }
    }

private:
    struct Tap {
        int64_t index[4];
        float weight[4];
        int count;
    };

    // Fast path: only the last two axes change size (NCHW images). Each plane is resampled with precomputed taps.
    bool planar(const float* x, float* y) const
    {
        size_t r = m_x.size();
        if (r < 2 || m_axes.empty() || m_axes.front() < r - 2) return false;
        int64_t H = m_x[r - 2], W = m_x[r - 1], OH = m_y[r - 2], OW = m_y[r - 1];
        int64_t planes = elementCount(m_x) / (H * W);
        static const Tap identity{{0}, {1.f}, 1};
        auto tapsFor = [&](size_t d, int64_t o) -> Tap {
            if (m_x[d] != m_y[d]) return m_taps[d][size_t(o)];
            Tap t = identity;
            t.index[0] = o;
            return t;
        };
        if (m_mode == "nearest") {
            // one source element per output element: a gather along each row (the FPN's 2x upsampling)
            std::vector<int64_t> rows(static_cast<size_t>(OH)), cols(static_cast<size_t>(OW));
            for (int64_t oh = 0; oh < OH; ++oh) rows[size_t(oh)] = tapsFor(r - 2, oh).index[0];
            for (int64_t ow = 0; ow < OW; ++ow) cols[size_t(ow)] = tapsFor(r - 1, ow).index[0];
#pragma omp parallel for collapse(2) if (planes * OH * OW > 65536)
            for (int64_t p = 0; p < planes; ++p)
                for (int64_t oh = 0; oh < OH; ++oh) {
                    const float* row = x + p * H * W + rows[size_t(oh)] * W;
                    float* yp = y + (p * OH + oh) * OW;
                    for (int64_t ow = 0; ow < OW; ++ow) yp[ow] = row[cols[size_t(ow)]];
                }
            return true;
        }
#pragma omp parallel for collapse(2) if (planes * OH * OW > 65536)
        for (int64_t p = 0; p < planes; ++p)
            for (int64_t oh = 0; oh < OH; ++oh) {
                const float* xp = x + p * H * W;
                float* yp = y + (p * OH + oh) * OW;
                Tap th = tapsFor(r - 2, oh);
                for (int64_t ow = 0; ow < OW; ++ow) {
                    Tap tw = tapsFor(r - 1, ow);
                    float acc = 0.f;
                    for (int a = 0; a < th.count; ++a) {
                        const float* row = xp + th.index[a] * W;
                        float racc = 0.f;
                        for (int b = 0; b < tw.count; ++b) racc += tw.weight[b] * row[tw.index[b]];
                        acc += th.weight[a] * racc;
                    }
                    yp[ow] = acc;
                }
            }
        return true;
    }

    float transform(size_t d, int64_t o) const
    {
        float scale = m_scales[d];
        float in = float(m_x[d]), out = float(m_y[d]);
        if (m_coord == "half_pixel") return (float(o) + 0.5f) / scale - 0.5f;
        if (m_coord == "pytorch_half_pixel") return out > 1 ? (float(o) + 0.5f) / scale - 0.5f : 0.f;
        // ONNX uses the unrounded resized length (in * scale) here, which differs from out when scales are given.
        if (m_coord == "align_corners") return out == 1 ? 0.f : float(o) * (in - 1) / (in * scale - 1);
        if (m_coord == "tf_half_pixel_for_nn") return (float(o) + 0.5f) / scale;
        if (m_coord == "half_pixel_symmetric") {
            float adj = out / (scale * in);
            float center = in / 2;
            return center * (1 - adj) + (float(o) + 0.5f) / scale - 0.5f;
        }
        return float(o) / scale;  // asymmetric
    }

    void buildTaps(size_t d)
    {
        auto& taps = m_taps[d];
        taps.resize(size_t(m_y[d]));
        int64_t in = m_x[d];
        for (int64_t o = 0; o < m_y[d]; ++o) {
            float s = transform(d, o);
            Tap& t = taps[size_t(o)];
            if (m_mode == "nearest") {
                float f = std::floor(s);
                float frac = s - f;
                int64_t i;
                if (m_nearest == "floor") i = int64_t(f);
                else if (m_nearest == "ceil") i = int64_t(std::ceil(s));
                else if (m_nearest == "round_prefer_ceil") i = frac >= 0.5f ? int64_t(f) + 1 : int64_t(f);
                else i = frac > 0.5f ? int64_t(f) + 1 : int64_t(f);
                t = {{std::clamp<int64_t>(i, 0, in - 1)}, {1.f}, 1};
            } else if (m_mode == "linear") {
                s = std::clamp(s, 0.f, float(in - 1));
                int64_t i0 = int64_t(std::floor(s));
                int64_t i1 = std::min(i0 + 1, in - 1);
                float w = s - float(i0);
                t = {{i0, i1}, {1.f - w, w}, 2};
            } else {  // cubic (Keys, coefficient a)
                float a = m_node.attrFloat("cubic_coeff_a", -0.75f);
                bool exclude = m_node.attrInt("exclude_outside", 0) != 0;
                int64_t i0 = int64_t(std::floor(s));
                float f = s - float(i0);
                float dist[4] = {1 + f, f, 1 - f, 2 - f};
                float sum = 0;
                for (int k = 0; k < 4; ++k) {
                    float x = dist[k];
                    float w = x <= 1 ? ((a + 2) * x - (a + 3)) * x * x + 1 : ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
                    int64_t idx = i0 - 1 + k;
                    if (exclude && (idx < 0 || idx >= in)) w = 0;
                    t.index[k] = std::clamp<int64_t>(idx, 0, in - 1);
                    t.weight[k] = w;
                    sum += w;
                }
                if (exclude && sum != 0)
                    for (float& w : t.weight) w /= sum;
                t.count = 4;
            }
        }
    }

    float sample(const float* x, const std::vector<int64_t>& xs, const std::vector<int64_t>& idx) const
    {
        int64_t base = 0;
        for (size_t d = 0; d < idx.size(); ++d)
            if (m_x[d] == m_y[d]) base += idx[d] * xs[d];
        if (m_axes.empty()) return x[base];
        const Tap& t0 = m_taps[m_axes[0]][size_t(idx[m_axes[0]])];
        if (m_axes.size() == 1 || m_mode == "nearest") {
            if (m_mode == "nearest") {
                int64_t off = base;
                for (size_t d : m_axes) off += m_taps[d][size_t(idx[d])].index[0] * xs[d];
                return x[off];
            }
            float acc = 0;
            for (int k = 0; k < t0.count; ++k) acc += t0.weight[k] * x[base + t0.index[k] * xs[m_axes[0]]];
            return acc;
        }
        const Tap& t1 = m_taps[m_axes[1]][size_t(idx[m_axes[1]])];
        float acc = 0;
        for (int a = 0; a < t0.count; ++a)
            for (int b = 0; b < t1.count; ++b)
                acc += t0.weight[a] * t1.weight[b] * x[base + t0.index[a] * xs[m_axes[0]] + t1.index[b] * xs[m_axes[1]]];
        return acc;
    }

    const Node& m_node;
    Shape m_x, m_y;
    std::string m_mode, m_coord, m_nearest;
    std::vector<float> m_scales;
    std::vector<size_t> m_axes;
    std::vector<std::vector<Tap>> m_taps;
};

}  // namespace

void registerResizeKernels()
{
    registerKernel("Resize", [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<ResizeKernel>(n); });
}

}  // namespace qs
