#include "runtime/kernels/dnnl_common.h"

namespace qs {

dnnl::engine& dnnlEngine()
{
    static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    return engine;
}

dnnl::stream& dnnlStream()
{
    thread_local dnnl::stream stream(dnnlEngine());
    return stream;
}

bool appendEltwise(dnnl::post_ops& ops, const Activation& act)
{
    using A = dnnl::algorithm;
    switch (act.kind) {
    case Activation::None: return true;
    case Activation::Relu: ops.append_eltwise(1.f, A::eltwise_relu, 0.f, 0.f); return true;
    case Activation::LeakyRelu: ops.append_eltwise(1.f, A::eltwise_relu, act.alpha, 0.f); return true;
    case Activation::Clip: ops.append_eltwise(1.f, A::eltwise_clip, act.alpha, act.beta); return true;
    case Activation::Sigmoid: ops.append_eltwise(1.f, A::eltwise_logistic, 0.f, 0.f); return true;
    case Activation::Tanh: ops.append_eltwise(1.f, A::eltwise_tanh, 0.f, 0.f); return true;
    case Activation::HardSwish: ops.append_eltwise(1.f, A::eltwise_hardswish, 0.f, 0.f); return true;
    case Activation::Linear: ops.append_eltwise(1.f, A::eltwise_linear, act.alpha, act.beta); return true;
    default: return false;
    }
}

void DnnlLayout::toPlain(const void* src, void* dst) const
{
    dnnl::memory from(desc, dnnlEngine(), const_cast<void*>(src)), to(plain, dnnlEngine(), dst);
    std::call_once(m_once, [&] { m_reorder = dnnl::reorder(from, to); });
    m_reorder.execute(dnnlStream(), from, to);
    dnnlStream().wait();
}

int64_t DnnlLayout::channelBlock() const
{
    const dnnl_memory_desc_t& d = desc.data;
    if (d.format_kind != dnnl_blocked || d.data_type != dnnl_f32 || d.ndims < 3 || d.offset0 != 0) return 0;
    const dnnl_blocking_desc_t& b = d.format_desc.blocking;
    for (int k = 0; k < d.ndims; ++k)
        if (d.padded_offsets[k] != 0 || (k != 1 && d.padded_dims[k] != d.dims[k])) return 0;
    // channels last (nhwc): one block of all C channels; nChw8c / nChw16c: blocks of B, C padded to a multiple
    const int64_t C = d.dims[1];
    int64_t B = 0;
    if (b.inner_nblks == 0 && b.strides[1] == 1 && d.padded_dims[1] == C) B = C;
    if (b.inner_nblks == 1 && b.inner_idxs[0] == 1) B = b.inner_blks[0];
    if (B <= 0 || d.padded_dims[1] != (C + B - 1) / B * B) return 0;
    int64_t stride = B;  // outer dims: n, C blocks, spatial..., densely packed
    for (int k = d.ndims - 1; k >= 2; --k) {
        if (b.strides[k] != stride) return 0;
        stride *= d.dims[k];
    }
    const int64_t blockStride = B == C && b.inner_nblks == 0 ? 1 : stride;
    if (b.strides[1] != blockStride || b.strides[0] != stride * (d.padded_dims[1] / B)) return 0;
    return B;
}

}  // namespace qs
