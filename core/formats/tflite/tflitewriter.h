#pragma once
#include <string>

#include "quant/quantplan.h"

namespace qs {

// Writes the TFLite model at sourcePath as an int8 model following the plan: the plan's weights and biases become
// int8/int32 tensors with their (per-channel) parameters, activations of int8 ops become int8 tensors, and QUANTIZE /
// DEQUANTIZE ops join int8 and float parts, so graph inputs and outputs stay float32 with their names and indices.
// Operators, options, tensor names and signatures of the source are kept. return the serialised model.
// graph: the model as readTflite loaded it (its first values are the source's tensors, in order).
std::string writeInt8Tflite(const std::string& sourcePath, const Graph& graph, const QuantPlan& plan);

}  // namespace qs
