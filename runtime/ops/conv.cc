// Conv (NCHW): the node as the model has it, which runs when the layout-nhwc pass is off
// (SessionOptions::lower = false) or for the convolutions it does not convert (1-D, 3-D).
//
// Candidates, in order:
//   conv_onednn_nchw  oneDNN's direct convolution on the plain NCHW tensors: 2-D, float32,
//                     static shapes, W (and B) known at plan time (runtime/ops/conv_onednn.cc).
//                     Bit-identical for any thread count, but not bit-identical to the
//                     reference (oneDNN orders the channel sum its own way).
//   conv_f32_ref      the oracle: any rank, weights known only at run time.
#include "runtime/ops/conv.h"

#include "runtime/kernel_registry.h"
#include "runtime/ops/conv_onednn.h"

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
    if (auto onednn = MakeOneDnnConvKernel(ctx, kernels::Activation{}, /*nhwc=*/false,
                                           "conv_onednn_nchw")) {
      return onednn;
    }
    return std::unique_ptr<OpKernel>(new ConvRefKernel(ctx.node));
  });
}

}  // namespace finch
