#pragma once
// Internal to formats/onnx: the names Quantscope gives ONNX nodes. Unnamed nodes are called <OpType>_<index>, inside
// a subgraph <owner>/<attribute>/<OpType>_<index> (a quantization plan keys nodes by name across the whole model);
// the writer stamps these names into exported models so that skip_quant_node and the GUI keep referring to the
// same nodes after export.
#include <onnx/onnx_pb.h>

#include <set>
#include <string>
#include <vector>

namespace qs {

// prefix: "" for the model's graph, "<owner node>/<attribute>/" for a subgraph
inline std::vector<std::string> onnxNodeNames(const onnx::GraphProto& g, const std::string& prefix = {})
{
    std::vector<std::string> names;
    std::set<std::string> used;
    for (int i = 0; i < g.node_size(); ++i) {
        const auto& n = g.node(i);
        std::string name = n.name().empty() ? prefix + n.op_type() + "_" + std::to_string(i) : n.name();
        while (used.count(name)) name += "_" + std::to_string(i);
        used.insert(name);
        names.push_back(name);
    }
    return names;
}

}  // namespace qs
