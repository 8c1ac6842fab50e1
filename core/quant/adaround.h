#pragma once
#include <functional>
#include <map>
#include <string>

#include "quant/quantplan.h"
#include "session/progress.h"

namespace qs {

// Learned rounding ([quantscope_param] round_type=ADAROUND): for every int8 weighted node of a FULL_QUANT plan
// (Conv in every layout, grouped and depthwise too, Gemm, FullyConnected, MatMul with constant weights), chooses each
// weight's rounding, down or up, to minimise the node's output error against the float model on the calibration
// data rather than each weight's own error: AdaRound's objective (Nagel et al. 2020) in its second-order form with
// asymmetric reconstruction, per output channel E[(w.x - w^.x^)^2], x the float model's input patches, x^ those the
// simulation of the plan feeds (after the earlier nodes' learned rounding: one simulation run per node and sample).
// Solved by coordinate descent from round-to-nearest. Below 8 bits each output channel's step is chosen first, by the
// same objective (int32 biases follow it). With correctBias the objective is centred and each node's int32 bias is the
// float bias minus the mean error (bias correction then leaves those biases; plan.learnedRounding.correctedBiases).
LearnedRounding roundAdaptively(const Graph& g, QuantPlan& plan, size_t samples,
                                const std::function<std::map<std::string, Tensor>(size_t)>& sample, bool correctBias, int threads = 1,
                                const ProgressSink& progress = {}, const CancelToken* cancel = nullptr);

}  // namespace qs
