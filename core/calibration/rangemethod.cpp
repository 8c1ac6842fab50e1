#include "calibration/rangemethod.h"

#include <map>

namespace qs {

std::unique_ptr<RangeMethod> makeMaxMin();
std::unique_ptr<RangeMethod> makeKlDivergence();
std::unique_ptr<RangeMethod> makeRemovalOutlier();
std::unique_ptr<RangeMethod> makeAbsMax();
std::unique_ptr<RangeMethod> makeAvg();
std::unique_ptr<RangeMethod> makeHist();
std::unique_ptr<RangeMethod> makeMse();

namespace {
const std::map<std::string, std::unique_ptr<RangeMethod>>& registry()
{
    static const auto methods = [] {
        std::map<std::string, std::unique_ptr<RangeMethod>> m;
        for (auto factory : {makeMaxMin, makeKlDivergence, makeRemovalOutlier,  // MindSpore Lite
                             makeAbsMax, makeAvg, makeHist, makeMse}) {        // PaddleSlim
            auto method = factory();
            std::string name = method->name();
            m[name] = std::move(method);
        }
        return m;
    }();
    return methods;
}
}  // namespace

const RangeMethod* findRangeMethod(const std::string& name)
{
    auto it = registry().find(name);
    return it == registry().end() ? nullptr : it->second.get();
}

std::vector<std::string> rangeMethodNames()
{
    std::vector<std::string> names;
    for (const auto& [name, m] : registry()) names.push_back(name);
    return names;
}

}  // namespace qs
