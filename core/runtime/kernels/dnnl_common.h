#pragma once
#include <oneapi/dnnl/dnnl.hpp>

#include "runtime/activation.h"
#include "runtime/kernel.h"

namespace qs {

/** A oneDNN-chosen physical layout (e.g. nChw16c) passed between oneDNN kernels without reorders. */
struct DnnlLayout : OpaqueLayout {
    explicit DnnlLayout(const dnnl::memory::desc& d) : desc(d) { bytes = d.get_size(); }
    dnnl::memory::desc desc;
};

/** The process-wide oneDNN CPU engine and a stream per thread. */
dnnl::engine& dnnlEngine();
dnnl::stream& dnnlStream();

// return true and append the activation as an eltwise post-op where oneDNN has an exact equivalent
bool appendEltwise(dnnl::post_ops& ops, const Activation& act);

}  // namespace qs
