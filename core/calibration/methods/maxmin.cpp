// MAX_MIN: the observed range.
#include "calibration/rangemethod.h"

namespace qs {
namespace {
class MaxMin : public RangeMethod {
public:
    std::string name() const override { return "MAX_MIN"; }
    std::pair<double, double> range(const TensorStats& s) const override { return {s.min(), s.max()}; }
};
}  // namespace
std::unique_ptr<RangeMethod> makeMaxMin() { return std::make_unique<MaxMin>(); }
}  // namespace qs
