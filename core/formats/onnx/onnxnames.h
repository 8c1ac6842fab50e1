#pragma once
// Internal to formats/onnx: the names Quantscope gives ONNX nodes. Unnamed nodes are called <OpType>_<index>;
// the writer stamps these names into exported models so that skip_quant_node and the GUI keep referring to the
// same nodes after export.
#include <onnx/onnx_pb.h>

#include <set>
#include <string>
#include <vector>

namespace qs {

inline std::vector<std::string> onnxNodeNames(const onnx::GraphProto& g)
{
    std::vector<std::string> names;
    std::set<std::string> used;
    for (int i = 0; i < g.node_size(); ++i) {
        const auto& n = g.node(i);
        std::string name = n.name().empty() ? n.op_type() + "_" + std::to_string(i) : n.name();
        while (used.count(name)) name += "_" + std::to_string(i);
        used.insert(name);
        names.push_back(name);
    }
    return names;
}

}  // namespace qs
