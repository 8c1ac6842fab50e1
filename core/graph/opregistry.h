#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "graph/graph.h"

namespace qs {

/** Coarse op families; they drive node colours in the graph view and default quantization rules. */
enum class OpCategory { Conv, Gemm, Activation, Pool, Normalization, Elementwise, Shape, Tensor, Reduce, Quant, Other };
std::string_view categoryName(OpCategory c);

struct AttrSchema {
    std::string name;
    std::optional<Attribute> defaultValue;
    std::string doc;
};

/** What shape inference sees of a node: input shapes and types, and input values where they are constants. */
struct InferContext {
    const Node& node;
    std::vector<Shape> inputShapes;
    std::vector<DataType> inputTypes;
    std::vector<const Tensor*> inputValues;  // null where not known before run time

    size_t inputCount() const { return inputShapes.size(); }
    bool hasInput(size_t i) const { return i < inputShapes.size() && inputTypes[i] != DataType::Undefined; }
    const Tensor* value(size_t i) const { return i < inputValues.size() ? inputValues[i] : nullptr; }
};

struct InferResult {
    std::vector<Shape> shapes;
    std::vector<DataType> types;
};

using ShapeFn = std::function<InferResult(const InferContext&)>;

/** One declaration per op (like ONNX's schemas): docs, attribute defaults, category, quantizability and shape
 *  inference live in one place, and the rest of the program reads them from here. */
struct OpSchema {
    std::string name;
    OpCategory category = OpCategory::Other;
    bool quantizable = false;  // has weights or arithmetic worth quantizing
    std::string doc;
    std::vector<AttrSchema> attrs;
    ShapeFn inferShapes;
};

// return the schema of an IR op type, or nullptr when the op is unknown
const OpSchema* findOpSchema(std::string_view opType);
std::vector<const OpSchema*> allOpSchemas();

// Infers output shapes and types of node from the given input facts. Throws InputError naming the node when the
// inputs are inconsistent (e.g. a channel mismatch).
InferResult inferNode(const InferContext& ctx);

// Annotates every value of the graph with inferred shapes, using constants where known. Values whose shape
// cannot be inferred statically keep -1 dims. Never throws for dynamic shapes; throws InputError on mismatches.
void inferGraphShapes(Graph& graph);

/** Geometry of one spatial axis of a window op (Conv, pooling). */
struct AxisGeometry {
    int64_t in = 0, kernel = 1, stride = 1, dilation = 1, padBegin = 0, padEnd = 0, out = 0;
};
// Resolves pads and output sizes of a Conv/pool node for the given spatial input sizes (auto_pad aware).
std::vector<AxisGeometry> windowGeometry(const Node& node, const std::vector<int64_t>& spatialIn,
                                         const std::vector<int64_t>& kernel, bool ceilMode = false);
// return numpy-style broadcast of two shapes; throws InputError naming node on mismatch
Shape broadcastShapes(const Shape& a, const Shape& b, const Node& node);

/** An Einsum equation resolved for input shapes: each input's and the output's axes as label ids (ellipsis dims get
 *  ids of their own), and each label's size. Labels not in the output are summed over. */
struct EinsumSpec {
    std::vector<std::vector<int>> inputs;
    std::vector<int> output;
    std::vector<int64_t> sizes;  // per label id
};
// Throws InputError naming node when the equation does not fit the shapes.
EinsumSpec parseEinsum(const Node& node, const std::vector<Shape>& shapes);

// Layout helpers: IR spatial ops default to NCHW; TFLite imports set layout=NHWC.
bool isNhwc(const Node& node);
// The [start, end) dims a Shape node reports, clamped to rank.
std::pair<int64_t, int64_t> shapeRange(const Node& node, size_t rank);

}  // namespace qs
