// Which variants of the registered ops the runtime really executes. Interpreter::unsupportedNodes() reports
// everything else up front, naming the node and the reason, instead of failing half-way through a run.
#include <set>

#include "graph/graph.h"
#include "runtime/interpreter.h"
#include "runtime/kernel.h"
#include "runtime/kernels/recurrent.h"

namespace qs {

namespace {
const std::set<std::string> kFloatOnly = {
    "Conv", "ConvTranspose", "Gemm", "MatMul", "FullyConnected", "MaxPool", "AveragePool", "GlobalAveragePool",
    "GlobalMaxPool", "BatchNormalization", "InstanceNormalization", "LayerNormalization", "LRN", "Softmax", "LogSoftmax", "Hardmax", "Resize",
    "Relu", "Clip", "LeakyRelu", "HardSigmoid", "HardSwish", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Reciprocal",
    "Floor", "Ceil", "Round", "Sin", "Cos", "Erf", "Gelu", "Softplus", "Mish", "Elu", "ReduceMean", "ReduceMax",
    "ReduceMin", "ReduceSum", "ReduceProd", "ReduceL2", "ReduceL1", "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp", "QuantizeLinear", "Quantize", "PRelu", "LSTM", "GRU", "RNN", "NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss"};
const std::set<DataType> kBinaryTypes = {DataType::Float32, DataType::Float64, DataType::Int64,  DataType::Int32,
                                         DataType::Int16,   DataType::Int8,    DataType::UInt8,  DataType::UInt16,
                                         DataType::UInt32,  DataType::UInt64,  DataType::Bool};
}  // namespace

std::string unsupportedReason(const Node& n, const Graph& g)
{
    auto typeOf = [&](size_t i) {
        return i < n.inputs.size() && n.inputs[i] >= 0 ? g.values[n.inputs[i]].type : DataType::Undefined;
    };
    auto rankOf = [&](size_t i) -> int {
        if (i >= n.inputs.size() || n.inputs[i] < 0) return -1;
        const Value& v = g.values[n.inputs[i]];
        return v.shape.empty() && !v.constant ? -1 : int(v.shape.size());
    };
    for (int id : n.inputs)
        if (id >= 0 && (g.values[id].type == DataType::String || g.values[id].type == DataType::BFloat16))
            return std::string(dataTypeName(g.values[id].type)) + " tensors are not supported";
    for (int id : n.outputs)
        if (g.values[id].type == DataType::String || g.values[id].type == DataType::BFloat16)
            return std::string(dataTypeName(g.values[id].type)) + " tensors are not supported";
    DataType t0 = typeOf(0);
    const std::string& op = n.opType;
    if (kFloatOnly.count(op) && t0 != DataType::Float32 && t0 != DataType::Undefined)
        return "input type " + std::string(dataTypeName(t0)) + " (only float32)";
    if ((op == "Max" || op == "Min" || op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Sum" ||
         op == "Mean" || op == "Mod") && t0 != DataType::Undefined && !kBinaryTypes.count(t0))
        return "input type " + std::string(dataTypeName(t0));
    int r = rankOf(0);
    if ((op == "Conv" || op == "MaxPool" || op == "AveragePool") && r >= 0 && r != 3 && r != 4)
        return "only 1-D and 2-D windows are supported (input rank " + std::to_string(r) + ")";
    if (op == "ConvTranspose" && r >= 0 && r != 4) return "only 2-D transposed convolution is supported";
    if (op == "BatchNormalization" && (n.attrInt("training_mode", 0) || n.outputs.size() > 1))
        return "training mode is not supported";
    if (op == "Dropout" && n.inputs.size() > 2 && n.inputs[2] >= 0) {
        const Value& v = g.values[n.inputs[2]];
        if (!v.constant || v.constant->toInt64().at(0) != 0) return "training mode is not supported";
    }
    if (op == "Resize") {
        std::string mode = n.attrString("mode", "nearest");
        if (mode != "nearest" && mode != "linear" && mode != "cubic") return "mode '" + mode + "'";
        if (n.attrString("coordinate_transformation_mode") == "tf_crop_and_resize") return "tf_crop_and_resize";
        if (n.hasAttr("antialias") && n.attrInt("antialias")) return "antialias";
        if (n.hasAttr("axes")) return "the axes attribute";
    }
    if (op == "Pad" && n.attrString("mode", "constant") == "wrap") return "mode 'wrap'";
    if (op == "Cast") {
        DataType to = dataTypeFromOnnx(int(n.attrInt("to", 1)));
        if (to == DataType::Undefined || to == DataType::String || to == DataType::BFloat16 || to == DataType::Int4 ||
            to == DataType::UInt4)
            return "cast to ONNX type " + std::to_string(n.attrInt("to", 1));
    }
    if (op == "LSTM" || op == "GRU" || op == "RNN") return recurrentUnsupportedReason(n);
    for (const auto& [key, a] : n.attrs)
        if (a.kind == AttrKind::Graph && a.g) {
            auto bad = Interpreter::unsupportedNodes(*a.g);
            if (bad.empty()) continue;
            std::string list;
            for (size_t i = 0; i < bad.size() && i < 5; ++i) list += (i ? ", " : "") + bad[i];
            return key + " has " + std::to_string(bad.size()) + " unsupported node(s): " + list + (bad.size() > 5 ? ", ..." : "");
        }
    return {};
}

}  // namespace qs
