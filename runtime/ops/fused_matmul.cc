// finch::FusedMatMul (graph/ops/transformer.h): Y = act(A·B + bias). With a constant B and
// shapes known at plan time, the packed GEMM (B packed once, bias and activation in its
// epilogue, rows split across threads: runtime/ops/gemm_driver.h); otherwise the reference GEMM
// followed by the bias and the scalar activation.
#include <vector>

#include "graph/ops/transformer.h"
#include "kernels/common/activation.h"
#include "kernels/gemm/gemm_ref.h"
#include "runtime/ops/activation.h"
#include "runtime/ops/gemm_driver.h"
#include "runtime/ops/transformer.h"

namespace finch {
namespace {

class PackedFusedMatMulKernel final : public OpKernel {
 public:
  PackedFusedMatMulKernel(const FusedMatMulGeometry& g, const float* b, const float* bias,
                          kernels::Activation act, PackedGemmImpl gemm)
      : rows_(g.rows), b_(g.k, g.n, b, g.n, 1), act_(act), gemm_(gemm) {
    if (bias) bias_.assign(bias, bias + g.n);
  }
  std::string name() const override { return gemm_.name; }
  size_t held_bytes() const override { return b_.bytes() + bias_.size() * sizeof(float); }

  Status Run(KernelContext& ctx) const override {
    kernels::GemmEpilogue e;
    e.bias = bias_.empty() ? nullptr : bias_.data();
    e.act = act_;
    ParallelPackedGemm(ctx.pool, gemm_.fn, rows_, ctx.input(0).data<float>(), b_.K, b_,
                       ctx.output(0).mutable_data<float>(), b_.N, e);
    return Status::Ok();
  }

 private:
  int64_t rows_;
  PackedB b_;
  std::vector<float> bias_;
  kernels::Activation act_;
  PackedGemmImpl gemm_;
};

// Any B: resolved and computed per run.
class RefFusedMatMulKernel final : public OpKernel {
 public:
  RefFusedMatMulKernel(const Node& node, kernels::Activation act) : node_(node), act_(act) {}
  std::string name() const override { return "fused_matmul_f32_ref"; }

  Status Run(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    const Tensor* bias = ctx.has_input(2) ? &ctx.input(2) : nullptr;
    FINCH_ASSIGN_OR_RETURN(
        FusedMatMulGeometry g,
        ResolveFusedMatMul(node_, a.shape(), b.shape(), bias ? &bias->shape() : nullptr));
    float* y = ctx.output(0).mutable_data<float>();
    kernels::GemmParams p;
    p.m = g.rows;
    p.n = g.n;
    p.k = g.k;
    p.lda = g.k;
    p.ldb = g.n;
    p.ldc = g.n;
    kernels::gemm_f32_ref(p, a.data<float>(), b.data<float>(), y);
    const float* bd = bias ? bias->data<float>() : nullptr;
    for (int64_t i = 0; i < g.rows; ++i) {
      float* row = y + i * g.n;
      if (bd) {
        for (int64_t j = 0; j < g.n; ++j) row[j] += bd[j];
      }
      kernels::activation_f32_ref(act_, row, g.n);
    }
    return Status::Ok();
  }

 private:
  Node node_;
  kernels::Activation act_;
};

StatusOr<std::unique_ptr<OpKernel>> MakeFusedMatMul(const KernelBuildContext& ctx) {
  FINCH_ASSIGN_OR_RETURN(FusedActivation act, ParseFusedActivation(ctx.node, ""));
  const kernels::Activation kact = ToKernelActivation(act);
  const Tensor* b = ctx.constants.size() > 1 ? ctx.constants[1] : nullptr;
  const Tensor* bias = ctx.constants.size() > 2 ? ctx.constants[2] : nullptr;
  const char* why = nullptr;
  if (b == nullptr) {
    why = "B is not a constant";
  } else if (ctx.has_input(2) && bias == nullptr) {
    why = "the bias is not a constant";
  } else if (!ctx.inputs[0].is_static()) {
    why = "A's shape known only at run time";
  }
  if (why == nullptr) {
    FINCH_ASSIGN_OR_RETURN(FusedMatMulGeometry g,
                           ResolveFusedMatMul(ctx.node, ctx.inputs[0].static_shape(), b->shape(),
                                              bias ? &bias->shape() : nullptr));
    return std::unique_ptr<OpKernel>(new PackedFusedMatMulKernel(
        g, b->data<float>(), bias ? bias->data<float>() : nullptr, kact, ChoosePackedGemm(ctx)));
  }
  ctx.Skip("gemm_f32_packed", why);
  return std::unique_ptr<OpKernel>(new RefFusedMatMulKernel(ctx.node, kact));
}

}  // namespace

void RegisterFusedMatMulKernels(KernelRegistry& r) {
  r.Register(kFinchDomain, "FusedMatMul", MakeFusedMatMul);
}

}  // namespace finch
