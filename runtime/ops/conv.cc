// Conv kernels. Today: the scalar reference for every shape; the AVX2 depthwise/pointwise
// kernels and the oneDNN fallback join the candidate list in the kernels issue.
#include "runtime/ops/conv.h"

#include "runtime/kernel_registry.h"

namespace finch {
namespace {

class ConvRefKernel final : public OpKernel {
 public:
  explicit ConvRefKernel(const Node& node) : node_(node) {}
  std::string name() const override { return "conv_f32_ref"; }

  Status Run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    const Tensor* b = ctx.has_input(2) ? &ctx.input(2) : nullptr;
    FINCH_ASSIGN_OR_RETURN(ConvGeometry g,
                           ResolveConv(node_, x.shape(), w.shape(), b ? &b->shape() : nullptr));
    const kernels::ConvParams p = ToConvParams(g);
    kernels::conv_f32_ref(p, x.data<float>(), w.data<float>(), b ? b->data<float>() : nullptr,
                          ctx.output(0).mutable_data<float>());
    return Status::Ok();
  }

 private:
  Node node_;  // attributes, resolved against the actual shapes at run time
};

}  // namespace

kernels::ConvParams ToConvParams(const ConvGeometry& g) {
  kernels::ConvParams p;
  p.batch = g.batch;
  p.in_channels = g.in_channels;
  p.out_channels = g.out_channels;
  p.groups = g.groups;
  p.spatial = static_cast<int>(g.window.in.size());
  for (int i = 0; i < p.spatial; ++i) {
    p.in[i] = g.window.in[i];
    p.out[i] = g.window.out[i];
    p.kernel[i] = g.window.kernel[i];
    p.stride[i] = g.window.stride[i];
    p.dilation[i] = g.window.dilation[i];
    p.pad_begin[i] = g.window.pad_begin[i];
  }
  return p;
}

void RegisterConvKernels(KernelRegistry& r) {
  r.Register("", "Conv", [](const KernelBuildContext& ctx) -> StatusOr<std::unique_ptr<OpKernel>> {
    return std::unique_ptr<OpKernel>(new ConvRefKernel(ctx.node));
  });
}

}  // namespace finch
