#pragma once
#include <functional>
#include <map>
#include <set>
#include <string>

#include "graph/graph.h"
#include "session/progress.h"

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

/** What SmoothQuant did to a graph. */
struct SmoothingResult {
    Graph graph;                    // the smoothed copy; computes the same function
    size_t tensors = 0;             // activation tensors smoothed
    size_t shifted = 0;             // of those, also shifted to centre their channels
    std::set<std::string> changed;  // constants whose values (and perhaps shapes) changed
    std::string why;                // when tensors == 0: why nothing applied
};

// SmoothQuant (Xiao et al., 2022; MindSpore Lite's [full_quant_param] smooth_alpha and enable_smooth_shift): for an
// activation x read only by weighted nodes (MatMul, Gemm, FullyConnected, Conv), channel c is divided by
// s_c = max|x_c|^alpha / max|W_c|^(1 - alpha) (W_c: the weights reading channel c; s_c in [1e-5, 100]) and the weights
// multiplied by it, so that outlier channels move into the weights, which are quantized per channel. With shift,
// x_c - z_c with z_c = (min x_c + max x_c) / 2 is smoothed instead (outlier suppression+), and z W is added to the
// readers' biases; only readers without padding and with a bias take a shift. Unlike MindSpore, which inserts Mul and
// Add nodes, the division is folded into the constants of the ops that compute x: a weighted op's output channels
// and bias, a BatchNormalization, a Mul or Div by a constant, an Add or Sub of a constant (and on through what
// computes its other input), a positively homogeneous activation (no shift through it). Where that chain ends
// otherwise, x is left as it is. The per-channel ranges come from running the float graph on `samples` samples.
// alpha outside (0, 1) scales nothing (as in MindSpore); the float function is unchanged either way.
SmoothingResult smoothActivations(const Graph& g, double alpha, bool shift, size_t samples,
                                  const std::function<std::map<std::string, Tensor>(size_t)>& sample, int threads = 1,
                                  const ProgressSink& progress = {}, const CancelToken* cancel = nullptr);

}  // namespace qs
