// ABS_MAX (PaddleSlim's abs_max / "direct"): the symmetric range [-a, a] with a the largest magnitude observed.
#include <algorithm>
#include <cmath>

#include "calibration/rangemethod.h"

namespace qs {
namespace {
class AbsMax : public RangeMethod {
public:
    std::string name() const override { return "ABS_MAX"; }
    std::pair<double, double> range(const TensorStats& s) const override
    {
        double a = std::max(std::fabs(s.min()), std::fabs(s.max()));
        return {-a, a};
    }
};
}  // namespace
std::unique_ptr<RangeMethod> makeAbsMax() { return std::make_unique<AbsMax>(); }
}  // namespace qs
