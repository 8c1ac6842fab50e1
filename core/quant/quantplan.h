#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace qs {

/** A quantized constant: integer values plus their parameters (per channel along params.axis, or per tensor). */
struct QuantizedConstant {
    Tensor values;  // int8 weights or int32 biases
    QuantParams params;
};

/** The decisions of a quantization run, keyed by tensor and node names: what the exporters write, the reports
 *  print and the GUI shows. */
struct QuantPlan {
    std::map<std::string, QuantParams> activations;     // tensors that get QuantizeLinear -> DequantizeLinear
    std::map<std::string, QuantizedConstant> constants;  // weights and biases stored as integers
    std::set<std::string> quantizedNodes;
    std::set<std::string> skippedNodes;                  // asked for by skip_quant_node; they stay float
    std::map<std::string, std::string> floatReasons;    // node -> why it stays float (unsupported op, ...)
    std::map<std::string, std::vector<float>> biasCorrection;  // bias tensor -> per-channel amount removed
};

}  // namespace qs
