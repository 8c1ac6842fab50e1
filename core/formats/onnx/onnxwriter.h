#pragma once
#include <string>

#include "quant/quantplan.h"

namespace qs {

// Writes the model at sourcePath as QDQ ONNX: QuantizeLinear/DequantizeLinear pairs on the plan's activations,
// int8/int32 initializers behind DequantizeLinear for its weights and biases. Names of the original tensors and
// nodes are kept (the dequantized tensor carries the original name), and models below opset 13 are converted to
// opset 13 first. return the serialised model. Throws InputError naming the node when conversion fails.
// graph: the model as loaded (with any --inputShape applied); its known shapes guide the opset conversion, and so do
// shapes (per value id of graph, as the runtime inferred them for one input; optional) where the graph's are open.
std::string writeQdqOnnx(const std::string& sourcePath, const Graph& graph, const QuantPlan& plan, const std::vector<Shape>& shapes = {});

}  // namespace qs
