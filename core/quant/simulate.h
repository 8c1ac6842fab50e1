#pragma once
#include "quant/quantplan.h"

namespace qs {

// The float graph with plan applied in memory, as the exported model computes it up to the runtimes' integer
// rounding: quantized weights, biases and operands replaced by their dequantized values, every activation with
// parameters passed through QuantizeLinear -> DequantizeLinear (its readers and graph outputs read the result),
// inside If branches and Loop bodies too.
// No export and no parsing: what sensitivity analysis runs for each trial plan. FULL_QUANT and WEIGHT_QUANT plans;
// DYNAMIC_QUANT's run-time scales are not simulated here (InputError).
Graph simulationGraph(const Graph& graph, const QuantPlan& plan);

}  // namespace qs
