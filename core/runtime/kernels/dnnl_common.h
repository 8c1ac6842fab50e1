#pragma once
#include <oneapi/dnnl/dnnl.hpp>

#include "runtime/activation.h"

namespace qs {

/** The process-wide oneDNN CPU engine and a stream per thread. */
dnnl::engine& dnnlEngine();
dnnl::stream& dnnlStream();

// return true and append the activation as an eltwise post-op where oneDNN has an exact equivalent
bool appendEltwise(dnnl::post_ops& ops, const Activation& act);

}  // namespace qs
