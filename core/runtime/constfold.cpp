#include "runtime/constfold.h"

#include <set>

#include "graph/opregistry.h"
#include "runtime/kernel.h"

namespace qs {

std::optional<std::vector<Tensor>> evaluateNode(const Node& node, const std::vector<const Tensor*>& inputs)
{
    auto kernel = createKernel(node);
    if (!kernel) return std::nullopt;
    PrepareContext ctx{node, {}, {}, {}, {}, {}, false, {}, {}, {}, false, nullptr};
    for (const Tensor* t : inputs) {
        ctx.inputShapes.push_back(t ? t->shape() : Shape{});
        ctx.inputTypes.push_back(t ? t->type() : DataType::Undefined);
        ctx.constants.push_back(t);
        ctx.inputQuant.push_back(nullptr);
        ctx.inputLayouts.push_back(nullptr);
    }
    InferResult inferred;
    if (!kernel->inferOutputs(ctx, inferred)) inferred = inferNode(InferContext{node, ctx.inputShapes, ctx.inputTypes, ctx.constants});
    ctx.outputShapes = inferred.shapes;
    ctx.outputTypes = inferred.types;
    ctx.outputQuant.assign(node.outputs.size(), nullptr);
    kernel->prepare(ctx);
    std::vector<Tensor> out;
    std::vector<Tensor*> outPtrs;
    for (size_t o = 0; o < node.outputs.size(); ++o) {
        if (!isStatic(inferred.shapes.at(o)) || inferred.types.at(o) == DataType::Undefined) return std::nullopt;
        out.emplace_back(inferred.types[o], inferred.shapes[o]);
    }
    for (Tensor& t : out) outPtrs.push_back(&t);
    kernel->run(inputs, outPtrs);
    return out;
}

bool isFoldableWeightOpType(const std::string& opType)
{
    // (not DequantizeLinear: a quantized model's weights stay int8 behind it, as the exporters write them)
    static const std::set<std::string> kOps = {"Unsqueeze", "Squeeze", "Reshape", "Flatten", "Transpose", "Slice",
                                               "Concat",    "Split",   "Gather",  "Cast",    "Identity"};
    return kOps.count(opType) != 0;
}

bool isFoldableWeightOp(const Node& node) { return node.domain.empty() && isFoldableWeightOpType(node.opType); }

}  // namespace qs
