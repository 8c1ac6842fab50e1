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
};

// Int8 full quantization of an ONNX-layout graph: symmetric per-channel (or per-layer) int8 weights, asymmetric
// int8 activations from the range method, int32 biases (scale = input scale x weight scale).
// stats: calibration statistics per activation tensor name.
QuantPlan buildFullQuantPlan(const Graph& graph, const std::map<std::string, TensorStats>& stats, const FullQuantOptions& options);

// Asymmetric int8 parameters covering [lo, hi] (widened to include 0).
QuantParams activationParams(double lo, double hi);
// Symmetric int8 quantization of w along axis (axis < 0: per tensor).
QuantizedConstant quantizeWeights(const Tensor& w, int axis);

}  // namespace qs
