#pragma once
#include <oneapi/dnnl/dnnl.hpp>

#include <mutex>

#include "runtime/activation.h"
#include "runtime/kernel.h"

namespace qs {

/** A oneDNN-chosen physical layout (e.g. nChw16c) passed between oneDNN kernels without reorders. */
struct DnnlLayout : OpaqueLayout {
    DnnlLayout(const dnnl::memory::desc& d, const dnnl::memory::desc& p) : desc(d), plain(p) { bytes = d.get_size(); }
    void toPlain(const void* src, void* dst) const override;
    int64_t channelBlock() const override;
    dnnl::memory::desc desc;   // how the data is stored
    dnnl::memory::desc plain;  // the row-major layout the graph's shape describes (nchw, or nhwc for TFLite)

private:
    // the reorder primitive, made on first use: creating one per call cost more than the copy (0.4 ms per
    // MobileNet run with an observer)
    mutable std::once_flag m_once;
    mutable dnnl::reorder m_reorder;
};

/** The process-wide oneDNN CPU engine and a stream per thread. */
dnnl::engine& dnnlEngine();
dnnl::stream& dnnlStream();

// return true and append the activation as an eltwise post-op where oneDNN has an exact equivalent
bool appendEltwise(dnnl::post_ops& ops, const Activation& act);

}  // namespace qs
