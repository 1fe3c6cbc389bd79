// finch::SqueezeExcite with layout NHWC: X [N, H, W, C] scaled per (image, channel) by
// gate(W2 · act(W1 · mean(X) + B1) + B2). Shapes were checked by inference; the weights are
// read at run time (they are small: nothing to pack).
#include "runtime/ops/squeeze_excite_nhwc.h"

#include "kernels/se/se_nhwc.h"
#include "runtime/cpu_features.h"

namespace finch {
namespace {

using SeFn = decltype(&kernels::se_nhwc_f32_ref);

class SqueezeExciteNhwcKernel final : public OpKernel {
 public:
  SqueezeExciteNhwcKernel(kernels::Activation act, kernels::Activation gate, SeFn fn,
                          const char* name)
      : act_(act), gate_(gate), fn_(fn), name_(name) {}
  std::string name() const override { return name_; }

  Status Run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    kernels::SqueezeExciteParams p;
    p.batch = x.dim(0);
    p.hw = x.dim(1) * x.dim(2);
    p.channels = x.dim(3);
    p.reduced = ctx.input(1).dim(0);
    p.act = act_;
    p.gate = gate_;
    auto* scratch = static_cast<float*>(
        ctx.Scratch(static_cast<size_t>(kernels::se_nhwc_scratch_size(p)) * sizeof(float)));
    if (scratch == nullptr && kernels::se_nhwc_scratch_size(p) > 0) {
      return ResourceExhausted("out of memory for squeeze-excite scratch");
    }
    fn_(p, x.data<float>(), ctx.input(1).data<float>(), ctx.input(2).data<float>(),
        ctx.input(3).data<float>(), ctx.input(4).data<float>(),
        ctx.output(0).mutable_data<float>(), scratch);
    return Status::Ok();
  }

 private:
  kernels::Activation act_, gate_;
  SeFn fn_;
  const char* name_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> MakeNhwcSqueezeExciteKernel(const KernelBuildContext& build,
                                                                 const kernels::Activation& act,
                                                                 const kernels::Activation& gate) {
  const CpuFeatures& cpu = GetCpuFeatures();
  if (cpu.avx2 && cpu.fma) {
    return std::unique_ptr<OpKernel>(
        new SqueezeExciteNhwcKernel(act, gate, kernels::se_nhwc_f32_avx2, "se_nhwc_f32_avx2"));
  }
  build.Skip("se_nhwc_f32_avx2", "the CPU (or FINCH_DISABLE_ISA) lacks AVX2/FMA");
  return std::unique_ptr<OpKernel>(
      new SqueezeExciteNhwcKernel(act, gate, kernels::se_nhwc_f32_ref, "se_nhwc_f32_ref"));
}

}  // namespace finch
