#pragma once
#include <string>
#include <vector>

#include "quant/quantplan.h"

namespace qs {

/** How much of a model's weighted computation a plan quantizes, and what it left float without being asked to:
 *  the check that keeps a mostly-float export from passing as a quantized one. */
struct WeightedCoverage {
    struct FloatOp {
        std::string node, op, why;
    };
    size_t weighted = 0;   // Conv, ConvTranspose, Gemm, FullyConnected, and MatMul whose B is (computed from) constants
    size_t quantized = 0;  // of them: computed in int8 (FULL_QUANT) or with quantized weights (WEIGHT / DYNAMIC_QUANT)
    size_t chosen = 0;     // of them: left float by skip_quant_node or a documented config rule (QuantPlan::floatByRule)
    std::vector<FloatOp> unexpected;  // the others left float, each with the reason
    // return the share of weighted ops the plan quantizes, of those the config did not keep float (1 without any)
    double share() const { return weighted > chosen ? double(quantized) / double(weighted - chosen) : 1.0; }
};

WeightedCoverage weightedCoverage(const Graph& g, const QuantPlan& plan);

// return one line naming every unexpected float op and why ("" when there are none), for the CLI and the GUI
std::string coverageWarning(const WeightedCoverage& c);

}  // namespace qs
