#pragma once
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

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
    std::vector<std::string> rescaled;  // the activations rescaled (tensors of them)
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

// Activation equalization ([quantscope_param] activation_equalization): a per-tensor int8 grid is set by the widest
// channel, and narrow channels get few steps of it (PP-OCRv4 det: the first pointwise convolution's 32 output
// channels span [-86, 71] together while half of them have a standard deviation under one step). Where it costs no
// precision elsewhere, channel c of an activation is divided by s_c so that every channel fills the tensor's range:
// the producer takes the division as SmoothQuant's does (a weighted op's output channels and bias, a BatchNormalization,
// a Mul, Div, Add or Sub by a constant, a positively homogeneous activation), and every reader takes the
// multiplication without changing what int8 stores: a depthwise convolution whose weights are quantized per channel
// (perChannelWeights), or a Mul or Div by a constant, which run in float between the int8 ops (ONNX; a TFLite model
// quantizes those constants, so there only weighted ops and BatchNormalization take part). The scales come from the
// channels' extremes on `samples` samples (equalizingScales). The float function is unchanged. result.tensors counts
// the activations equalized.
SmoothingResult equalizeActivations(const Graph& g, bool perChannelWeights, size_t samples,
                                    const std::function<std::map<std::string, Tensor>(size_t)>& sample, int threads = 1,
                                    const ProgressSink& progress = {}, const CancelToken* cancel = nullptr);

// The divisors s_c (in (0, 1], the widest channel 1) that let channels with extremes lo_c, hi_c share one asymmetric grid
// best: channel c / s_c fits a common window [-rho, 1] (scaled), with rho chosen to minimise the geometric mean over
// channels of the grid's step relative to the channel's own span; a channel is stretched to half that window at most
// (headroom for unseen data), and s_c >= 1e-3. Empty when every channel keeps its scale.
std::vector<float> equalizingScales(const std::vector<float>& lo, const std::vector<float>& hi);

}  // namespace qs
