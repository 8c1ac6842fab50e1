#include <map>
#include <mutex>

#include "runtime/kernel.h"

namespace qs {

// One registration function per op family (each in its own file).
void registerElementwiseKernels();
void registerTensorKernels();
void registerConvKernels();
void registerGemmKernels();
void registerPoolKernels();
void registerNormalizationKernels();
void registerResizeKernels();
void registerReduceKernels();
void registerQuantKernels();
void registerRecurrentKernels();
void registerControlFlowKernels();
void registerLossKernels();
void registerIndexingKernels();
void registerEinsumKernels();

namespace {
std::map<std::string, KernelFactory>& factories()
{
    static std::map<std::string, KernelFactory> f;
    return f;
}

void ensureRegistered()
{
    static std::once_flag once;
    std::call_once(once, [] {
        registerElementwiseKernels();
        registerTensorKernels();
        registerConvKernels();
        registerGemmKernels();
        registerPoolKernels();
        registerNormalizationKernels();
        registerResizeKernels();
        registerReduceKernels();
        registerQuantKernels();
        registerRecurrentKernels();
        registerControlFlowKernels();
        registerLossKernels();
        registerIndexingKernels();
        registerEinsumKernels();
    });
}
}  // namespace

bool acceptsOpaqueInput(const Node& consumer, size_t index)
{
    // Add runs on two tensors in the same layout as they are, and reorders anything else (see elementwise.cpp).
    return ((consumer.opType == "Conv" || consumer.opType == "ConvTranspose") && index == 0) || (consumer.opType == "Add" && index < 2);
}

void registerKernel(const std::string& opType, KernelFactory factory) { factories()[opType] = factory; }

std::unique_ptr<Kernel> createKernel(const Node& node)
{
    ensureRegistered();
    auto it = factories().find(node.opType);
    return it == factories().end() ? nullptr : it->second(node);
}

bool isOpSupported(const std::string& opType)
{
    ensureRegistered();
    return factories().count(opType) != 0;
}

std::vector<std::string> supportedOps()
{
    ensureRegistered();
    std::vector<std::string> out;
    for (const auto& [name, f] : factories()) out.push_back(name);
    return out;
}

}  // namespace qs
