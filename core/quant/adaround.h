#pragma once
#include <functional>
#include <map>
#include <string>

#include "quant/quantplan.h"
#include "session/progress.h"

namespace qs {

// Learned rounding ([quantscope_param] round_type=ADAROUND): for every int8 weighted node of a FULL_QUANT plan
// (Conv in every layout, grouped and depthwise too, Gemm, FullyConnected, MatMul with constant weights), chooses each
// weight's rounding, down or up, to minimise the error it adds to the node's output on the calibration data rather
// than each weight's own error. That is AdaRound's objective (Nagel et al. 2020) in its second-order form: per output
// channel, minimise d^T H d, d the rounding errors of the channel's weights, H = E[x x^T] over the input patches x the
// channel multiplies, as the simulation of the plan feeds them (the node's int8 input, after the earlier nodes'
// learned rounding: the nodes are taken in stages along the graph, each stage measured with the stages before it
// applied). The binary problem is solved by coordinate descent from round-to-nearest (never worse than it on H).
// Run it before bias correction, which then removes the mean error left. The summary goes in plan.learnedRounding too.
LearnedRounding roundAdaptively(const Graph& g, QuantPlan& plan, size_t samples,
                                const std::function<std::map<std::string, Tensor>(size_t)>& sample, int threads = 1,
                                const ProgressSink& progress = {}, const CancelToken* cancel = nullptr);

}  // namespace qs
