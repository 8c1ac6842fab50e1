#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "graph/opregistry.h"

namespace qs {

class Kernel;

/** Sees every tensor as it is produced (graph inputs with node = -1), without keeping it. */
using TensorObserver = std::function<void(int node, int value, const Tensor& tensor)>;
// Offered values the runtime keeps channel-blocked (see OpaqueLayout::channelBlock) before they are copied to
// plain row-major for the TensorObserver: data in that layout, the value's logical shape, the block. Returns true
// when it handled the value (no copy is made then, and the TensorObserver is not called for it).
using BlockedObserver = std::function<bool(int node, int value, const float* data, const Shape& shape, int64_t block)>;

// Sees the values computed inside subgraphs (If branches, Loop bodies, at any depth) as they are produced: the
// subgraph, the producing node's and the value's ids in it (node -1: a subgraph input; outer values it reads are not
// offered again). A Loop body's values are offered once per iteration.
using SubgraphObserver = std::function<void(const Graph& subgraph, int node, int value, const Tensor& tensor)>;

struct InterpreterOptions {
    int threads = 1;
    bool fuse = true;        // fuse activations into Conv/Gemm; observers then do not see pre-activation tensors
    bool reference = false;  // plain reference kernels (for tests)
    // With fuse: let kernels pass oneDNN blocked layouts to each other (observers get plain copies of such values).
    bool opaqueLayouts = true;
    // With fuse: which activation nodes may be fused into the op before them (empty: every one the kernel takes).
    // Calibration fuses only those the quantizer folds, so that it observes every tensor that gets parameters.
    std::function<bool(const Node& activation)> fusible;
};

/** Runs a Graph. Plans per input-shape signature: constant sub-graphs (shape arithmetic, fp16 weight
 *  dequantization) are folded once, kernels are prepared once, and buffers are reused by liveness. */
class Interpreter {
public:
    // Throws InputError listing every unsupported node (name and op) before anything runs.
    Interpreter(const Graph& graph, InterpreterOptions options = {});
    Interpreter(Graph&&, InterpreterOptions = {}) = delete;  // keeps a reference to the graph: it must outlive this
    ~Interpreter();
    Interpreter(const Interpreter&) = delete;
    Interpreter& operator=(const Interpreter&) = delete;

    // Runs the graph; inputs by name. return the graph outputs in graph order (copies the caller owns).
    // Throws InputError on a missing input, a wrong type or a shape that does not fit the model.
    std::vector<Tensor> run(const std::map<std::string, Tensor>& inputs, const TensorObserver& observer = {},
                            const BlockedObserver& blocked = {}, const SubgraphObserver& nested = {});

    // return the shape of every value (by value id) for inputs of these shapes, as the plan infers them; empty for
    // values that get none (outputs of an omitted branch). Plans for the inputs if needed, without running.
    std::vector<Shape> valueShapes(const std::map<std::string, Tensor>& inputs);
    // return the graph outputs' shapes and types for inputs like these, as the plan infers them (without running)
    InferResult outputSignature(const std::map<std::string, Tensor>& inputs);

    const Graph& graph() const { return m_graph; }
    // return "name (op)" for each node the runtime cannot execute
    static std::vector<std::string> unsupportedNodes(const Graph& graph);

private:
    struct Plan;
    Plan& planFor(const std::map<std::string, Tensor>& inputs);
    std::unique_ptr<Plan> buildPlan(const std::map<std::string, Tensor>& inputs);

    const Graph& m_graph;
    InterpreterOptions m_options;
    bool m_hasSubgraphs = false;
    std::map<std::vector<int64_t>, std::unique_ptr<Plan>> m_plans;
    bool m_profile = false;
    std::map<std::string, double> m_profileMs;
};

}  // namespace qs
