// HIST (PaddleSlim's hist): the symmetric range [-a, a] with a the 99.999th percentile of the magnitudes
// (PaddleSlim's default hist_percent), read from the histogram.
#include "calibration/rangemethod.h"

namespace qs {
namespace {
class Hist : public RangeMethod {
public:
    std::string name() const override { return "HIST"; }
    std::pair<double, double> range(const TensorStats& s) const override
    {
        double a = s.absQuantile(0.99999);
        return {-a, a};
    }
};
}  // namespace
std::unique_ptr<RangeMethod> makeHist() { return std::make_unique<Hist>(); }
}  // namespace qs
