// KL: the clipping threshold whose quantized distribution is closest to the observed one in KL divergence
// (entropy calibration as TensorRT describes it), searched on the histogram of |x|.
#include <cmath>
#include <limits>

#include "calibration/rangemethod.h"

namespace qs {
namespace {

class KlDivergence : public RangeMethod {
public:
    std::string name() const override { return "KL"; }

    std::pair<double, double> range(const TensorStats& s) const override
    {
        const auto& h = s.histogram();
        if (h.empty() || s.count() == 0) return {s.min(), s.max()};
        // Fold the symmetric histogram into one of |x|.
        int half = TensorStats::kBins / 2;
        std::vector<double> absHist(size_t(half), 0.0);
        for (int b = 0; b < TensorStats::kBins; ++b) {
            int a = b >= half ? b - half : half - 1 - b;
            absHist[size_t(a)] += double(h[size_t(b)]);
        }
        bool oneSided = s.min() >= 0;
        // The spike of exact zeros after a ReLU says nothing about where to clip, but spreading it over merged bins
        // dominates the divergence and drives the threshold far too low: leave it out.
        if (oneSided) absHist[0] = 0;
        int levels = oneSided ? 255 : 127;  // quantization levels on the |x| side
        double width = s.binWidth();
        int last = half;
        while (last > 1 && absHist[size_t(last - 1)] == 0) --last;
        // A spike in the top bin means the values saturate at a hard bound (ReLU6, clipped inputs). KL would fold it
        // into a lower bin at little cost in divergence while every saturated value moves; keep the bound instead.
        double total = 0;
        for (double c : absHist) total += c;
        if (absHist[size_t(last - 1)] > 0.005 * total) return {s.min(), s.max()};
        int start = std::min(levels, last);
        double bestKl = std::numeric_limits<double>::max();
        int bestI = last;
        for (int i = start; i <= last; ++i) {
            double kl = divergence(absHist, i, levels);
            if (kl < bestKl) {
                bestKl = kl;
                bestI = i;
            }
        }
        double t = bestI * width;
        return {std::max(s.min(), -t), std::min(s.max(), t)};
    }

private:
    // KL(P || Q): P is the first i bins with the clipped tail folded into the last; Q is the same i bins *without*
    // the tail, merged into `levels` bins and spread back over the non-empty ones. Clipping mass thus costs
    // divergence, and coarse bins cost divergence; the threshold balances the two.
    static double divergence(const std::vector<double>& hist, int i, int levels)
    {
        std::vector<double> p(hist.begin(), hist.begin() + i);
        for (size_t k = size_t(i); k < hist.size(); ++k) p.back() += hist[k];
        std::vector<double> q(size_t(i), 0.0);
        double step = double(i) / levels;
        for (int j = 0; j < levels; ++j) {
            int a = int(std::floor(j * step)), b = std::min(i, int(std::floor((j + 1) * step)));
            if (j == levels - 1) b = i;
            double sum = 0;
            int nonzero = 0;
            for (int k = a; k < b; ++k) {
                sum += hist[size_t(k)];
                nonzero += p[size_t(k)] > 0;
            }
            for (int k = a; k < b; ++k)
                if (p[size_t(k)] > 0) q[size_t(k)] = sum / nonzero;
        }
        double sp = 0, sq = 0;
        for (int k = 0; k < i; ++k) {
            sp += p[size_t(k)];
            sq += q[size_t(k)];
        }
        if (sp <= 0 || sq <= 0) return std::numeric_limits<double>::max();
        double kl = 0;
        for (int k = 0; k < i; ++k) {
            if (p[size_t(k)] <= 0) continue;
            double pk = p[size_t(k)] / sp, qk = q[size_t(k)] / sq;
            kl += qk > 0 ? pk * std::log(pk / qk) : pk * 20.0;  // an empty Q bin where P has mass: heavy penalty
        }
        return kl;
    }
};

}  // namespace
std::unique_ptr<RangeMethod> makeKlDivergence() { return std::make_unique<KlDivergence>(); }
}  // namespace qs
