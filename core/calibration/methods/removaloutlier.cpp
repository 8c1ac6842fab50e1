// REMOVAL_OUTLIER: drop the rarest extremes on each side (0.01% of the elements), then take the range.
#include "calibration/rangemethod.h"

namespace qs {
namespace {
class RemovalOutlier : public RangeMethod {
public:
    std::string name() const override { return "REMOVAL_OUTLIER"; }
    std::pair<double, double> range(const TensorStats& s) const override
    {
        constexpr double kTail = 1e-4;
        double lo = s.min() >= 0 ? s.min() : s.quantile(kTail);
        return {lo, s.quantile(1 - kTail)};
    }
};
}  // namespace
std::unique_ptr<RangeMethod> makeRemovalOutlier() { return std::make_unique<RemovalOutlier>(); }
}  // namespace qs
