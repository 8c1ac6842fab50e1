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
    default: return false;
    }
}

void DnnlLayout::toPlain(const void* src, void* dst) const
{
    dnnl::memory from(desc, dnnlEngine(), const_cast<void*>(src)), to(plain, dnnlEngine(), dst);
    dnnl::reorder(from, to).execute(dnnlStream(), from, to);
    dnnlStream().wait();
}

}  // namespace qs
