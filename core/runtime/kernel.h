#pragma once
#include <memory>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "graph/opregistry.h"
#include "runtime/activation.h"
#include "runtime/interpreter.h"

namespace qs {

/** A physical layout private to the kernels that produce and consume it (e.g. oneDNN's blocked nChw16c).
 *  The interpreter needs its size, and converts such values to plain row-major before an observer sees them. */
struct OpaqueLayout {
    virtual ~OpaqueLayout() = default;
    // Writes src (bytes in this layout) to dst (plain row-major, of the value's logical shape).
    virtual void toPlain(const void* src, void* dst) const = 0;
    // return B when the data is float32 stored channel-blocked, [N][ceil(C / B)][spatial][B] with zero offset (oneDNN's
    // nChw8c / nChw16c), so that observers may read it in place; else 0
    virtual int64_t channelBlock() const { return 0; }
    size_t bytes = 0;
};

/** An ONNX QuantizeLinear -> DequantizeLinear pair with one scale and zero point, computed in place on float data:
 *  bit-identical to the two kernels (x / scale rounded half to even, clamped to the integer type, then
 *  (q - zero) * scale). Per element, and 0 stays 0, so it applies to data in any layout, padding included. */
struct FakeQuant {
    float scale = 0.f;
    int32_t zero = 0;
    float qmin = 0.f, qmax = 0.f;  // the integer type's range
    explicit operator bool() const { return scale > 0.f; }
    void apply(float* x, int64_t n) const;  // see kernels/quant.cpp
};

/** What a kernel sees when it is prepared: the node, input shapes/types, and values of constant inputs. */
struct PrepareContext {
    const Node& node;
    std::vector<Shape> inputShapes;
    std::vector<DataType> inputTypes;
    std::vector<const Tensor*> constants;  // null for inputs only known at run time
    std::vector<Shape> outputShapes;
    std::vector<DataType> outputTypes;
    bool reference = false;  // use the plain reference path (for tests)
    std::vector<const QuantParams*> inputQuant;   // quantization parameters the model stores (TFLite), per input
    std::vector<const QuantParams*> outputQuant;  // and per output
    std::vector<std::shared_ptr<const OpaqueLayout>> inputLayouts;  // null: plain row-major
    bool outputOpaqueAllowed = false;  // every reader of output 0 accepts an opaque layout
    mutable std::shared_ptr<const OpaqueLayout> outputLayout;  // set by prepare() to use one for output 0

    bool has(size_t i) const { return i < inputTypes.size() && inputTypes[i] != DataType::Undefined; }
    const Tensor* constant(size_t i) const { return i < constants.size() ? constants[i] : nullptr; }
};

/** One op's implementation (TFLite Micro's split): prepare() validates and caches derived parameters once per
 *  input-shape signature; run() only computes. run() may be called from any thread, never concurrently. */
class Kernel {
public:
    virtual ~Kernel() = default;
    // Ops whose outputs shape inference cannot know (If: the branch a constant condition picks, and that branch's
    // own plan) set out and return true; called before prepare(), whose context then holds out.
    virtual bool inferOutputs(const PrepareContext&, InferResult& /*out*/) { return false; }
    virtual void prepare(const PrepareContext&) {}
    virtual void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) = 0;
    // Offers an activation to apply to the output; return true when the kernel will apply it itself.
    virtual bool fuseActivation(const Activation&) { return false; }
    // Kernels that run subgraphs (If, Loop): the options of the interpreter that runs the kernel, for the subgraphs'
    // own interpreters (called before inferOutputs), and the observer of the subgraphs' values during the runs
    // that follow (null: none).
    virtual void inheritOptions(const InterpreterOptions&) {}
    virtual void observeSubgraphs(const SubgraphObserver*) {}
};

using KernelFactory = std::unique_ptr<Kernel> (*)(const Node&);

// return true when the kernel for consumer reads its input index in any OpaqueLayout (prepare sees which)
bool acceptsOpaqueInput(const Node& consumer, size_t index);

// return a kernel for node, or nullptr when its op (or this variant of it) is not supported
std::unique_ptr<Kernel> createKernel(const Node& node);
bool isOpSupported(const std::string& opType);
std::vector<std::string> supportedOps();

// return why the runtime cannot execute this node as configured ("" when it can); see support.cpp
std::string unsupportedReason(const Node& node, const Graph& graph);

// Registration, one line per op family (see kernels/registry.cpp).
void registerKernel(const std::string& opType, KernelFactory factory);

}  // namespace qs
