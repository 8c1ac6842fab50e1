#pragma once
#include <map>
#include <set>
#include <string>

#include "calibration/tensorstats.h"
#include "quant/quantplan.h"

namespace qs {

struct FullQuantOptions {
    std::string method = "MAX_MIN";  // a RangeMethod name
    bool perChannel = true;
    std::set<std::string> skipNodes;
    // PaddleSlim's quantizable_op_type: only nodes of these op types compute in int8 (empty: every supported type).
    std::set<std::string> opTypes;
    // Remove from each bias the mean output shift its weights' quantization causes: (W_q - W) E[x].
    bool biasCorrection = true;
    int weightBits = 8;  // 7 with [quantscope_param] reduce_range (still stored as int8)
    std::map<std::string, int> nodeWeightBits;       // per node: weightBits for its weights ([quantscope_param] node_weight_bits)
    std::map<std::string, std::string> nodeMethods;  // per node: the range method of its outputs (node_activation_quant_method)
    // nodes whose activations (inputs and outputs) are int16 ([quantscope_param] int16_activation_node). ONNX: the
    // tensors they read or write get int16 QuantizeLinear/DequantizeLinear; TFLite has no per-node int16 (LiteRT's
    // 16x8 mode is the whole model's), so there they stay float, saying so.
    std::set<std::string> int16Nodes;
};

// Int8 full quantization of an ONNX-layout graph: symmetric per-channel (or per-layer) int8 weights, asymmetric
// int8 activations from the range method, int32 biases (scale = input scale x weight scale).
// stats: calibration statistics per activation tensor name.
QuantPlan buildFullQuantPlan(const Graph& graph, const std::map<std::string, TensorStats>& stats, const FullQuantOptions& options);

// return whether full quantization folds activation node n into the int8 op before it (ONNX: Relu and Clip, which
// ONNX Runtime fuses into QLinearConv & co.; TFLite carries such activations inside the op already). Calibration
// lets the runtime fuse only these, so that every other op's output is observed and can get parameters.
bool foldsIntoQuantizedOp(const Graph& g, const Node& n);

// Asymmetric parameters of a signed bits-wide integer (8 or 16) covering [lo, hi] (widened to include 0).
QuantParams activationParams(double lo, double hi, int bits = 8);
// Symmetric quantization of w along axis (axis < 0: per tensor) to bits (<= 8), stored as int8.
QuantizedConstant quantizeWeights(const Tensor& w, int axis, int bits = 8);

}  // namespace qs
