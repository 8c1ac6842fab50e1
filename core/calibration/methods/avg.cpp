// AVG (PaddleSlim's avg): the symmetric range [-a, a] with a the per-sample largest magnitude averaged over the
// calibration samples (from the per-sample means of min and max, which the statistics keep).
#include <algorithm>
#include <cmath>

#include "calibration/rangemethod.h"

namespace qs {
namespace {
class Avg : public RangeMethod {
public:
    std::string name() const override { return "AVG"; }
    std::pair<double, double> range(const TensorStats& s) const override
    {
        double a = std::max(std::fabs(s.meanSampleMin()), std::fabs(s.meanSampleMax()));
        return {-a, a};
    }
};
}  // namespace
std::unique_ptr<RangeMethod> makeAvg() { return std::make_unique<Avg>(); }
}  // namespace qs
