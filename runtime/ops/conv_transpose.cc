// ConvTranspose kernel: the scalar reference for every shape.
#include "graph/ops/conv_transpose.h"
#include "kernels/conv/conv_transpose_ref.h"
#include "runtime/kernel_registry.h"
#include "runtime/ops/conv.h"

namespace finch {
namespace {

class ConvTransposeRefKernel final : public OpKernel {
 public:
  explicit ConvTransposeRefKernel(const Node& node) : node_(node) {}
  std::string name() const override { return "conv_transpose_f32_ref"; }

  Status Run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    const Tensor* b = ctx.has_input(2) ? &ctx.input(2) : nullptr;
    FINCH_ASSIGN_OR_RETURN(ConvGeometry g, ResolveConvTranspose(node_, x.shape(), w.shape(),
                                                                b ? &b->shape() : nullptr));
    const kernels::ConvParams p = ToConvParams(g);
    kernels::conv_transpose_f32_ref(p, x.data<float>(), w.data<float>(),
                                    b ? b->data<float>() : nullptr,
                                    ctx.output(0).mutable_data<float>());
    return Status::Ok();
  }

 private:
  Node node_;  // attributes, resolved against the actual shapes at run time
};

}  // namespace

void RegisterConvTransposeKernels(KernelRegistry& r) {
  r.Register("", "ConvTranspose",
             [](const KernelBuildContext& ctx) -> StatusOr<std::unique_ptr<OpKernel>> {
               return std::unique_ptr<OpKernel>(new ConvTransposeRefKernel(ctx.node));
             });
}

}  // namespace finch
