// finch::Gelu (graph/ops/transformer.h): the vector GELUs (gelu_f32_avx2 for the erf form, the
// activation epilogue's for the tanh form) or the scalar activation, elements split across
// threads. A GELU after a MatMul never gets here: fuse-matmul-bias puts it in the GEMM epilogue.
#include "graph/ops/transformer.h"
#include "kernels/common/activation.h"
#include "kernels/elementwise/avx2/unary_avx2.h"
#include "runtime/ops/activation.h"
#include "runtime/ops/elementwise_util.h"
#include "runtime/ops/transformer.h"

namespace finch {
namespace {

class GeluKernel final : public OpKernel {
 public:
  GeluKernel(kernels::Activation act, bool avx2) : act_(act), avx2_(avx2) {}
  std::string name() const override {
    const bool erf = act_.kind == kernels::ActivationKind::kGelu;
    return std::string(erf ? "gelu" : "gelu_tanh") + (avx2_ ? "_f32_avx2" : "_f32_ref");
  }

  Status Run(KernelContext& ctx) const override {
    const float* x = ctx.input(0).data<float>();
    float* y = ctx.output(0).mutable_data<float>();
    ParallelElements(ctx.pool, ctx.input(0).num_elements(), [&](int64_t begin, int64_t end) {
      if (!avx2_) {
        for (int64_t i = begin; i < end; ++i) y[i] = kernels::ApplyActivation(act_, x[i]);
      } else if (act_.kind == kernels::ActivationKind::kGelu) {
        kernels::gelu_f32_avx2(x + begin, y + begin, end - begin);
      } else {
        kernels::activation_f32_avx2(act_, x + begin, y + begin, end - begin);
      }
    });
    return Status::Ok();
  }

 private:
  kernels::Activation act_;
  bool avx2_;
};

StatusOr<std::unique_ptr<OpKernel>> MakeGelu(const KernelBuildContext& ctx) {
  FINCH_ASSIGN_OR_RETURN(FusedActivation act, ParseGeluApproximation(ctx.node));
  const bool avx2 = HaveAvx2Fma();
  if (!avx2) ctx.Skip("gelu_f32_avx2", "the CPU (or FINCH_DISABLE_ISA) lacks AVX2/FMA");
  return std::unique_ptr<OpKernel>(new GeluKernel(ToKernelActivation(act), avx2));
}

}  // namespace

void RegisterGeluKernels(KernelRegistry& r) { r.Register(kFinchDomain, "Gelu", MakeGelu); }

}  // namespace finch
