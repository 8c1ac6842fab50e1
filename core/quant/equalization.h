#pragma once
#include <set>
#include <string>

#include "graph/graph.h"

namespace qs {

/** What cross-layer equalization did to a graph. */
struct EqualizationResult {
    Graph graph;                       // the equalized copy; computes the same function
    size_t pairs = 0;                  // weighted pairs equalized
    std::set<std::string> changed;     // constants (weights and biases) whose values changed
    std::string why;                   // when pairs == 0: why nothing applied
};

// Cross-layer equalization (Nagel et al., "Data-Free Quantization", 2019): for each pair of weighted nodes where the
// first one's output reaches only the second one, directly or through a positively homogeneous activation (Relu,
// LeakyRelu, PRelu, a Clip without an upper bound, TFLite's fused RELU), output channel c of the first node is
// divided by s_c and input channel c of the second multiplied by it, with s_c = sqrt(r1_c / r2_c) from the channel's
// weight ranges, so that both ranges become sqrt(r1_c r2_c): per-tensor and per-channel int8 grids then fit the
// channels alike. The float function is unchanged (f(x / s) = f(x) / s for such activations). Pairs are equalized
// repeatedly until the scales settle, since a node can end one pair and start the next. Bounded activations (ReLU6,
// Clip with a maximum, HardSwish) do not scale and break the chain; so do weights read by other nodes, a node output
// read twice or being a graph output, and non-float32 weights.
EqualizationResult equalizeCrossLayer(const Graph& g);

}  // namespace qs
