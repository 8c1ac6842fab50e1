#pragma once
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace qs {

// PaddleSlim's quantizable_op_type names that map onto Quantscope's ops (conv2d, depthwise_conv2d, mul, pool2d,
// elementwise_add, concat, ...).
const std::vector<std::string>& paddleOpTypeNames();

// return true when node n is of op type name: a PaddleSlim name (conv2d is a convolution that is not depthwise),
// the IR op (Conv), or the op as the source format spelt it (DEPTHWISE_CONV_2D).
bool matchesOpType(const Graph& g, const Node& n, const std::string& name);
// return true when names is empty (no selection) or n matches one of them (quantizable_op_type)
bool matchesAnyOpType(const Graph& g, const Node& n, const std::set<std::string>& names);

// return true when input 1 of n (its weights) is a constant
bool hasConstWeights(const Graph& g, const Node& n);
// return whether n is a depthwise convolution (one input channel per group, as many groups as output channels)
bool isDepthwise(const Graph& g, const Node& n);
// return true for ops with constant weights in input 1: Conv, Gemm, FullyConnected, MatMul with a constant B
bool isWeighted(const Graph& g, const Node& n);
// return true for the ops that multiply by weights, however the weights are made: Conv, ConvTranspose, Gemm, MatMul,
// FullyConnected (where int8 pays, unlike element-wise ops)
bool isMatrixProduct(const Node& n);
// return true for the recurrent layers LSTM, GRU and RNN (weights W and R in inputs 1 and 2)
bool isRecurrent(const Node& n);
// return true when full quantization stores input 1 of n as int8 weights: the weighted ops, and ConvTranspose (ONNX
// QDQ only: TFLite's int8 transposed convolution is not written, MediaPipe's custom one has none)
bool hasQuantizableWeights(const Graph& g, const Node& n);
// return for each value of g whether a weighted op reads it as its (activation) input 0: the tensors whose channel
// means weight rounding and bias correction use
std::vector<char> weightedOpInputs(const Graph& g);
// return the axis of the weights' output channel (for per-channel scales); -1 when per-channel does not apply
int outputChannelAxis(const Node& n);

// For weight element i of node n (weights shaped s): its output channel and the input channel it multiplies (an
// index into the input activation's channel means), for each weight layout. inChannels: channels of the input.
// Empty for layouts it does not know.
struct WeightIndex {
    int64_t outChannel, inChannel;
};
std::function<WeightIndex(int64_t)> weightIndexer(const Node& n, const Shape& s, int64_t inChannels);

}  // namespace qs
