#pragma once
#include <optional>
#include <vector>

#include "graph/graph.h"

namespace qs {

// return the outputs of node computed from inputs (every one known; null for omitted optional inputs) with the
// runtime's kernels, or nothing when the runtime has no kernel for it. Throws InputError when the kernel rejects it.
std::optional<std::vector<Tensor>> evaluateNode(const Node& node, const std::vector<const Tensor*>& inputs);

// return true for ops that only move, reorder or convert their input's elements (Transpose, Slice, Concat, Cast ...):
// a reader may fold them when every input is a constant. PyTorch's LSTM/GRU exports build the
// weights that way (gates reordered with Slice/Concat, then Unsqueeze), so after folding the quantizers see them.
bool isFoldableWeightOp(const Node& node);
bool isFoldableWeightOpType(const std::string& opType);  // the same, by default-domain op type

}  // namespace qs
