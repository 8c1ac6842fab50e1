#include "runtime/kernels/broadcast.h"

namespace qs {

std::vector<int64_t> contiguousStrides(const Shape& s)
{
    std::vector<int64_t> st(s.size(), 1);
    for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
    return st;
}

BroadcastPlan::BroadcastPlan(const Shape& out, const std::vector<Shape>& operands)
{
    size_t rank = out.size();
    total = elementCount(out);
    // Per-operand strides aligned to the output rank (numpy: align to the right).
    std::vector<std::vector<int64_t>> full(operands.size(), std::vector<int64_t>(rank, 0));
    for (size_t o = 0; o < operands.size(); ++o) {
        const Shape& s = operands[o];
        int64_t stride = 1;
        for (size_t i = 0; i < s.size(); ++i) {
            size_t d = s.size() - 1 - i;
            size_t od = rank - 1 - i;
            full[o][od] = s[d] == 1 ? 0 : stride;
            stride *= s[d];
        }
    }
    // Collapse adjacent dims when every operand is contiguous across them (or broadcast across both).
    for (size_t d = 0; d < rank; ++d) {
        if (out[d] == 1) continue;
        bool merge = !dims.empty();
        for (size_t o = 0; merge && o < operands.size(); ++o) {
            int64_t prev = strides[o].back();
            int64_t cur = full[o][d];
            merge = (prev == 0 && cur == 0) || (cur != 0 && prev == cur * out[d]);
        }
        if (merge) {
            dims.back() *= out[d];
            for (size_t o = 0; o < operands.size(); ++o) strides[o].back() = full[o][d];
        } else {
            dims.push_back(out[d]);
            strides.resize(operands.size());
            for (size_t o = 0; o < operands.size(); ++o) strides[o].push_back(full[o][d]);
        }
    }
    strides.resize(operands.size());
}

}  // namespace qs
