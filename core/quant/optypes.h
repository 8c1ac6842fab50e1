#pragma once
#include <string>
#include <vector>

#include "graph/graph.h"

namespace qs {

// PaddleSlim's quantizable_op_type names that map onto Quantscope's ops (conv2d, depthwise_conv2d, mul, pool2d,
// elementwise_add, concat, ...).
const std::vector<std::string>& paddleOpTypeNames();

// return true when node n is of op type name: a PaddleSlim name (conv2d is a convolution that is not depthwise),
// the IR op (Conv), or the op as the source format spelt it (DEPTHWISE_CONV_2D).
bool matchesOpType(const Graph& g, const Node& n, const std::string& name);

}  // namespace qs
