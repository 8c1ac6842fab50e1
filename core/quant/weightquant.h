#pragma once
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "calibration/tensorstats.h"
#include "quant/quantplan.h"

namespace qs {

struct WeightQuantOptions {
    int bits = 8;                  // 1 to 16; 0: mixed bits, chosen per layer (init_scale)
    bool perChannel = true;
    bool correction = true;        // [weight_quant_param] bias_correction: restore each channel's mean and spread
    int64_t minWeightSize = 0;     // quantize weights with more elements than this ...
    int64_t minWeightChannel = 16; // ... and more output channels than this (as documented by MindSpore Lite)
    double initScale = 0.02;       // mixed bits: the largest relative error (||w - w_q|| / ||w||) a layer may have
    double thresholdRate = 0.0;    // Paddle Lite: clip each channel's |w| at its (1 - threshold_rate) quantile
    bool encode = true;            // enable_encode: store widths without a native type as packed bit planes
    std::set<std::string> skipNodes;
    std::map<std::string, int> nodeBits;  // per node: bits instead of the above ([quantscope_param] node_weight_bits)
    std::set<std::string> opTypes; // only these op types (empty: every weighted op)
    // statistics of the weighted ops' inputs (calibration data, or a noise probe's): weights are then rounded to keep
    // each channel's mean output (instead of each channel's mean weight and spread)
    const std::map<std::string, TensorStats>* stats = nullptr;
    // the means shape the rounding of layers with at least this many bits; coarser layers keep each channel's mean
    // weight and spread. 8 for a noise probe's estimates (at 8 bits rounding bias is most of the error; ResNet-8 at 6
    // bits: 0.993 with the correction, 0.985 with the probe's means) and for auto_tune (coarse layers rounded to the
    // data's means vary more from image to image: ResNet-8 tuned to 0.995 on 8 samples gave 0.984 on others, also
    // with the means taken from other samples than those 8; with the correction, 0.998)
    int meansMinBits = 0;
};

// Weight-only quantization: the weights of Conv, Gemm, MatMul and FullyConnected become integers with symmetric
// per-channel (or per-layer) scales; activations stay float. 1 bit stores signs with a scale of mean |w|. Each
// decision (quantized with how many bits in which container, or why left float) is in the plan.
QuantPlan buildWeightQuantPlan(const Graph& graph, const WeightQuantOptions& options);

struct DynamicQuantOptions {
    std::string strategy = "ALWC";  // ALWC: activation per layer, weights per channel; ACWL: the other way round
    std::set<std::string> skipNodes;
    // only these op types (PaddleSlim names or the model's); empty: every weighted op except depthwise convolutions
    std::set<std::string> opTypes;
    // per-channel means of the weighted ops' inputs (calibration data, or a noise probe's), when there are any
    const std::map<std::string, TensorStats>* stats = nullptr;
    int weightBits = 8;  // 7 with [quantscope_param] reduce_range (still stored as int8)
    std::map<std::string, int> nodeWeightBits;  // per node: weightBits for its weights ([quantscope_param] node_weight_bits)
};

// Dynamic quantization: int8 weights of Conv, Gemm, MatMul and FullyConnected quantized offline; their activation
// inputs quantized at run time to uint8 from their own range. With input statistics the weights are rounded so that
// each output channel's mean survives (see quantizeWeightBits). Depthwise convolutions stay float unless opTypes
// names them: each of their output channels reads a single input channel, so a run-time scale shared by all channels
// leaves the small ones few levels (MobileNet V1 0.25: output cosine 0.970 with them, 0.984 without), and they hold
// few weights.
QuantPlan buildDynamicQuantPlan(const Graph& graph, const DynamicQuantOptions& options);

// return for each weight of n the calibration mean of the input channel it multiplies (empty without statistics)
std::vector<float> inputMeanPerWeight(const Graph& g, const Node& n, const std::map<std::string, TensorStats>& stats);

// return graph with the plan's weights replaced by their dequantized values: what a weight-only export computes
Graph withDequantizedWeights(const Graph& graph, const QuantPlan& plan);

// Symmetric quantization of w with bits along axis (axis < 0: per tensor), |w| clipped at the (1 - thresholdRate)
// quantile of each channel when thresholdRate > 0. preserveMean: rounding keeps the sum of each channel along meanAxis
// (the output channels; default axis, which may be per tensor), or with inputMean (one value per weight: the mean of
// the input it multiplies) each such channel's mean output (see .cpp).
QuantizedConstant quantizeWeightBits(const Tensor& w, int axis, int bits, double thresholdRate = 0.0, bool preserveMean = false,
                                     const std::vector<float>& inputMean = {}, std::optional<int> meanAxis = std::nullopt);
// return w as the plan stores it dequantized (corrections applied): what the exported model computes with
std::vector<float> dequantizeConstant(const QuantizedConstant& q);
// return ||w - w_q|| / ||w||
double relativeError(const std::vector<float>& w, const std::vector<float>& wq);

}  // namespace qs
