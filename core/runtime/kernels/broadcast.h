#pragma once
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "graph/datatype.h"

namespace qs {

// return the row-major strides (in elements) of a tensor of shape s
std::vector<int64_t> contiguousStrides(const Shape& s);

/** Iteration plan for numpy broadcasting of up to three operands into an output: dims are collapsed where
 *  possible, and each operand gets a stride per dim (0 where broadcast). The innermost dim is walked with
 *  stride 0 or 1, which keeps the inner loop vectorisable. */
struct BroadcastPlan {
    std::vector<int64_t> dims;                  // collapsed output dims, outermost first
    std::vector<std::vector<int64_t>> strides;  // per operand, per dim
    int64_t total = 0;

    BroadcastPlan(const Shape& out, const std::vector<Shape>& operands);
    // Calls fn(offsets..., outOffset, innerCount, innerStrides...) for each inner row.
    template <typename Fn> void forEachRow(Fn&& fn) const;
};

template <typename Fn> void BroadcastPlan::forEachRow(Fn&& fn) const
{
    size_t nd = dims.size();
    size_t nops = strides.size();
    if (total == 0) return;
    if (nd == 0) {
        std::vector<int64_t> offs(nops, 0), inner(nops, 0);
        fn(offs, int64_t(0), int64_t(1), inner);
        return;
    }
    int64_t inner = dims[nd - 1];
    int64_t rows = total / inner;
    std::vector<int64_t> innerStride(nops);
    for (size_t o = 0; o < nops; ++o) innerStride[o] = strides[o][nd - 1];
    if (nops > 4) throw std::runtime_error("BroadcastPlan supports at most 4 operands");
#pragma omp parallel for if (total > 32768 && rows > 1)
    for (int64_t r = 0; r < rows; ++r) {
        thread_local std::vector<int64_t> offs;
        offs.assign(nops, 0);
        int64_t rem = r;
        for (size_t d = nd - 1; d-- > 0;) {
            int64_t idx = rem % dims[d];
            rem /= dims[d];
            for (size_t o = 0; o < nops; ++o) offs[o] += idx * strides[o][d];
        }
        fn(offs, r * inner, inner, innerStride);
    }
}

}  // namespace qs
