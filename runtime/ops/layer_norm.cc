// finch::LayerNormalization (graph/ops/transformer.h): rows of the vectorised float kernel
// (kernels/norm/layernorm_rows.h) split across threads, else the double-statistics reference.
#include <algorithm>
#include <vector>

#include "graph/ops/transformer.h"
#include "kernels/norm/layernorm_ref.h"
#include "kernels/norm/layernorm_rows.h"
#include "runtime/ops/elementwise_util.h"
#include "runtime/ops/transformer.h"

namespace finch {
namespace {

class LayerNormKernel final : public OpKernel {
 public:
  LayerNormKernel(const Node& node, FusedLayerNormAttributes attrs, bool avx2)
      : node_(node), attrs_(attrs), avx2_(avx2) {}
  std::string name() const override {
    return avx2_ ? "layernorm_rows_f32_avx2" : "layernorm_f32_ref";
  }

  Status Run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor* scale = ctx.has_input(1) ? &ctx.input(1) : nullptr;
    const Tensor* bias = ctx.has_input(2) ? &ctx.input(2) : nullptr;
    FINCH_ASSIGN_OR_RETURN(
        FusedLayerNormGeometry g,
        ResolveFusedLayerNorm(node_, attrs_, x.shape(), scale ? &scale->shape() : nullptr,
                              bias ? &bias->shape() : nullptr));
    const float* xd = x.data<float>();
    const float* s = scale ? scale->data<float>() : nullptr;
    const float* b = bias ? bias->data<float>() : nullptr;
    float* y = ctx.output(0).mutable_data<float>();
    const int64_t inner = g.inner;
    if (inner == 0) return Status::Ok();
    std::vector<float> ones;
    if (!avx2_ && s == nullptr) {  // the reference takes a scale; this path is the fallback
      ones.assign(static_cast<size_t>(inner), 1.f);
      s = ones.data();
    }
    // Whole rows per chunk: ParallelElements splits [0, outer) when the tensor is large.
    const int64_t min_rows = std::max<int64_t>(1, (int64_t{1} << 15) / inner);
    auto rows = [&](int64_t r0, int64_t r1) {
      if (avx2_) {
        kernels::layernorm_rows_f32_avx2(r1 - r0, inner, attrs_.epsilon, xd + r0 * inner, s, b,
                                         y + r0 * inner);
      } else {
        kernels::layernorm_f32_ref(r1 - r0, inner, attrs_.epsilon, xd + r0 * inner, s, b,
                                   y + r0 * inner, nullptr, nullptr);
      }
    };
    if (ctx.pool && ctx.threads() > 1 && g.outer >= 2 * min_rows) {
      ctx.pool->ParallelFor(g.outer, rows);
    } else {
      rows(0, g.outer);
    }
    return Status::Ok();
  }

 private:
  Node node_;
  FusedLayerNormAttributes attrs_;
  bool avx2_;
};

StatusOr<std::unique_ptr<OpKernel>> MakeLayerNorm(const KernelBuildContext& ctx) {
  FINCH_ASSIGN_OR_RETURN(FusedLayerNormAttributes attrs, ParseFusedLayerNormAttributes(ctx.node));
  const bool avx2 = HaveAvx2Fma();
  if (!avx2) ctx.Skip("layernorm_rows_f32_avx2", "the CPU (or FINCH_DISABLE_ISA) lacks AVX2/FMA");
  return std::unique_ptr<OpKernel>(new LayerNormKernel(ctx.node, attrs, avx2));
}

}  // namespace

void RegisterLayerNormKernels(KernelRegistry& r) {
  r.Register(kFinchDomain, "LayerNormalization", MakeLayerNorm);
}

}  // namespace finch
