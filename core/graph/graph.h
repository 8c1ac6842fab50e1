#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "graph/tensor.h"

namespace qs {

enum class AttrKind : uint8_t { Int, Float, String, Ints, Floats, Strings, Tensor, Graph };

class Graph;

/** One node attribute. Only the member matching kind is meaningful. */
struct Attribute {
    AttrKind kind = AttrKind::Int;
    int64_t i = 0;
    float f = 0.f;
    std::string s;
    std::vector<int64_t> ints;
    std::vector<float> floats;
    std::vector<std::string> strings;
    Tensor t;
    // A subgraph (If's branches, Loop's body). Its inputs: its formal ones, then the outer values it reads (ONNX's
    // outer-scope references, Graph::captures), which the node lists as inputs after its own (Node::captures).
    std::shared_ptr<const Graph> g;

    static Attribute ofInt(int64_t v) { Attribute a; a.kind = AttrKind::Int; a.i = v; return a; }
    static Attribute ofFloat(float v) { Attribute a; a.kind = AttrKind::Float; a.f = v; return a; }
    static Attribute ofString(std::string v) { Attribute a; a.kind = AttrKind::String; a.s = std::move(v); return a; }
    static Attribute ofInts(std::vector<int64_t> v) { Attribute a; a.kind = AttrKind::Ints; a.ints = std::move(v); return a; }
    static Attribute ofFloats(std::vector<float> v) { Attribute a; a.kind = AttrKind::Floats; a.floats = std::move(v); return a; }
    std::string toString() const;
};

/** A value (edge) of the graph: a graph input, a constant, or the output of one node. */
struct Value {
    std::string name;
    DataType type = DataType::Float32;
    Shape shape;                        // as declared or inferred; -1 for unknown dims
    std::vector<std::string> dimNames;  // symbolic names of dynamic dims, where the format gives them
    std::optional<Tensor> constant;     // weights and other initializers
    int producer = -1;                  // node index, -1 for graph inputs and constants
    std::vector<int> consumers;         // node indices
    QuantParams quant;                  // quantization parameters read from the model (TFLite), if any
};

/** One operator application. Inputs and outputs are value ids; -1 marks an omitted optional input. */
struct Node {
    std::string name;
    std::string opType;        // IR op type (ONNX names, plus a few of our own such as FullyConnected)
    std::string domain;
    std::string sourceOpType;  // the op as the source format spelt it (e.g. DEPTHWISE_CONV_2D)
    std::vector<int> inputs;
    std::vector<int> outputs;
    std::map<std::string, Attribute> attrs;
    // Nodes with subgraphs: the outer values the subgraphs read, by the name the subgraphs use; they are the node's
    // last captures.size() inputs, in this order (so the graph's order and liveness see them).
    std::vector<std::string> captures;

    const Attribute* attr(const std::string& key) const;
    // These return the node's attribute, else the op schema's default, else fallback.
    int64_t attrInt(const std::string& key, int64_t fallback = 0) const;
    float attrFloat(const std::string& key, float fallback = 0.f) const;
    std::string attrString(const std::string& key, const std::string& fallback = {}) const;
    std::vector<int64_t> attrInts(const std::string& key, std::vector<int64_t> fallback = {}) const;
    std::vector<float> attrFloats(const std::string& key) const;
    bool hasAttr(const std::string& key) const { return attrs.count(key) != 0; }
};

// Throws InputError "node 'NAME' (OP): msg": the one way kernels and shape inference report a node they cannot handle.
[[noreturn]] void kernelError(const Node& node, const std::string& msg);

/** Which file format a graph came from, and what a round trip needs to remember of it. */
struct ModelInfo {
    std::string format;  // "onnx" or "tflite"
    std::string path;
    int64_t opset = 0;   // ONNX default-domain opset (normalised semantics follow opset >= 13)
    int64_t sourceOpset = 0;
    int64_t irVersion = 0;
    std::string producer;
    uint32_t tfliteVersion = 0;
    std::map<std::string, int64_t> extraOpsets;  // other ONNX domains
};

class Graph;

/** A subgraph of a node (an If branch, a Loop body): the graph, its owner node and the attribute holding it. */
struct SubgraphRef {
    const Graph* graph = nullptr;
    const Node* owner = nullptr;
    std::string key;   // then_branch, else_branch, body
    std::string path;  // "<owner>/<key>/", prefixed by the outer subgraph's path when nested
};

/** The model as one format-independent graph. Nodes are kept in topological order. */
class Graph {
public:
    ModelInfo info;
    std::vector<Value> values;
    std::vector<Node> nodes;
    std::vector<int> inputs;   // graph inputs (non-constant)
    std::vector<int> outputs;
    // A subgraph's reads of its outer graph's values, by name: its last captures.size() inputs.
    std::vector<std::string> captures;

    int findValue(const std::string& name) const;
    int findNode(const std::string& name) const;
    int addValue(Value v);
    int addConstant(const std::string& name, Tensor t);
    int addNode(Node n);  // appends; links producer/consumers
    // Rebuilds producer/consumer links and sorts nodes topologically. Throws InputError on a cycle.
    void finalize();
    // return a name not yet used by any value, starting from base
    std::string uniqueValueName(const std::string& base) const;

    // return the graph inputs' names, comma separated, for messages
    std::string inputNames() const;
    // return true when actual fits the declared shape of a value (-1 dims match anything; an empty declared shape
    // is unknown and matches too)
    static bool shapeFits(const Shape& declared, const Shape& actual);

    int64_t parameterCount() const;
    int64_t parameterBytes() const;
    // return the nodes' subgraphs at every depth, each before the subgraphs nested in it
    std::vector<SubgraphRef> subgraphs() const;
    // return the number of nodes, those of subgraphs included
    size_t totalNodeCount() const;

private:
    std::unordered_map<std::string, int> m_valueIndex;
};

}  // namespace qs
