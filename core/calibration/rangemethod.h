#pragma once
#include <memory>
#include <string>
#include <vector>

#include "calibration/tensorstats.h"

namespace qs {

/** Chooses the float range [lo, hi] that an activation is quantized to, from its calibration statistics.
 *  Each method lives in its own file under methods/ and registers with one line in rangemethod.cpp. */
class RangeMethod {
public:
    virtual ~RangeMethod() = default;
    virtual std::string name() const = 0;
    // return {lo, hi} with lo <= 0 <= hi not required (the quantizer widens to include 0)
    virtual std::pair<double, double> range(const TensorStats& stats) const = 0;
};

// return the method registered under name (e.g. MAX_MIN, KL, REMOVAL_OUTLIER), or nullptr
const RangeMethod* findRangeMethod(const std::string& name);
std::vector<std::string> rangeMethodNames();

}  // namespace qs
