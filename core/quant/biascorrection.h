#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "quant/quantplan.h"
#include "session/progress.h"

namespace qs {

// Moves the int32 bias of an int8 node by the per-channel mean output error (simulated - float) and adds the
// amounts to removed (plan.biasCorrection's entry for the bias).
void removeBiasError(QuantizedConstant& bias, const std::vector<double>& error, std::vector<float>& removed);

// Empirical bias correction (bias_correction=true of FULL_QUANT, as MindSpore Lite measures it; the "empirical"
// variant of Nagel et al.'s data-free quantization): runs the float graph and the plan's simulation
// (simulationGraph) on calibration samples, and moves each int8 weighted node's bias by the per-output-channel mean
// of (simulated output - float output). That removes the mean error that weight rounding AND the rounding of the
// node's int8 input add to each channel, including what earlier nodes passed on. The nodes are corrected all at
// once per pass; each further pass measures what is left after the earlier corrections (an upstream correction
// changes what a downstream node receives). Nodes without a bias input are left as they are.
// sample(i): the inputs of calibration sample i (i < samples). The amounts removed add up in plan.biasCorrection.
// return the number of biases corrected.
size_t correctBiasEmpirically(const Graph& g, QuantPlan& plan, size_t samples,
                              const std::function<std::map<std::string, Tensor>(size_t)>& sample, int passes = 2,
                              int threads = 1, const ProgressSink& progress = {}, const CancelToken* cancel = nullptr);

}  // namespace qs
