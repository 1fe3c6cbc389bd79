// Resize and Upsample kernels: the geometry is resolved against the actual inputs at run time
// (scales and sizes are often fed or computed), then the reference kernel interpolates.
#include "graph/ops/resize.h"
#include "kernels/resize/resize_ref.h"
#include "runtime/kernel_registry.h"

namespace finch {
namespace {

class ResizeRefKernel final : public OpKernel {
 public:
  ResizeRefKernel(const Node& node, int64_t opset, kernels::ResizeOptions o)
      : node_(node), opset_(opset), options_(o) {}
  std::string name() const override { return "resize_f32_ref"; }

  Status Run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    FINCH_ASSIGN_OR_RETURN(ResizeGeometry g,
                           ResolveResize(node_, opset_, options_, x.shape(), ctx.inputs));
    Tensor& y = ctx.output(0);
    if (y.shape() != g.out) {
      return Internal(node_.Describe(), ": output ", ShapeToString(y.shape()),
                      " differs from the resolved ", ShapeToString(g.out));
    }
    std::vector<kernels::ResizeAxisTaps> taps;
    for (const kernels::ResizeAxis& a : g.axes) taps.push_back(kernels::resize_axis_taps(options_, a));
    kernels::resize_f32_ref(static_cast<int>(x.rank()), x.shape().data(), g.out.data(),
                            taps.data(), options_.extrapolation_value, x.data<float>(),
                            y.mutable_data<float>());
    return Status::Ok();
  }

 private:
  Node node_;
  int64_t opset_;
  kernels::ResizeOptions options_;
};

StatusOr<std::unique_ptr<OpKernel>> MakeResize(const KernelBuildContext& ctx) {
  FINCH_ASSIGN_OR_RETURN(kernels::ResizeOptions o, ParseResizeOptions(ctx.node, ctx.opset));
  return std::unique_ptr<OpKernel>(new ResizeRefKernel(ctx.node, ctx.opset, o));
}

}  // namespace

void RegisterResizeKernels(KernelRegistry& r) {
  r.Register("", "Resize", MakeResize);
  r.Register("", "Upsample", MakeResize);
}

}  // namespace finch
