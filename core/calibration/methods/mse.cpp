// MSE (PaddleSlim's mse): the symmetric range [-t, t] whose int8 quantization has the least mean squared error
// over the histogram of magnitudes: clipped values cost (|x| - t)^2, the others the rounding noise step^2 / 12.
#include <algorithm>
#include <cmath>

#include "calibration/rangemethod.h"

namespace qs {
namespace {
class Mse : public RangeMethod {
public:
    std::string name() const override { return "MSE"; }
    std::pair<double, double> range(const TensorStats& s) const override
    {
        const auto& h = s.histogram();
        double top = std::max(std::fabs(s.min()), std::fabs(s.max()));
        if (h.empty() || !(top > 0)) return {s.min(), s.max()};
        double w = s.binWidth(), R = s.range();
        double best = top, bestErr = INFINITY;
        for (int k = 1; k <= 200; ++k) {
            double t = top * k / 200.0, step = 2 * t / 255.0, err = 0;
            for (size_t b = 0; b < h.size(); ++b) {
                if (!h[b]) continue;
                double x = std::fabs(-R + (double(b) + 0.5) * w);
                err += double(h[b]) * (x > t ? (x - t) * (x - t) : step * step / 12.0);
            }
            if (err < bestErr) bestErr = err, best = t;
        }
        return {-best, best};
    }
};
}  // namespace
std::unique_ptr<RangeMethod> makeMse() { return std::make_unique<Mse>(); }
}  // namespace qs
