// Gemm and MatMul kernels. Today: gemm_f32_ref (and its integer twins for MatMul) for every
// shape; optimized GEMMs join the candidate list in the kernels issue.
#include "graph/ops/gemm.h"

#include <vector>

#include "kernels/gemm/gemm_ref.h"
#include "runtime/kernel_registry.h"
#include "runtime/ops/gemm.h"
#include "runtime/ops/gemm_packed.h"

namespace finch {
namespace {

// Y [m, n] = C broadcast unidirectionally (C has rank <= 2, each dim 1 or the full size).
void BroadcastBias(const Tensor& c, int64_t m, int64_t n, float* y) {
  const Shape& s = c.shape();
  const int64_t cm = s.size() == 2 ? s[0] : 1;
  const int64_t cn = s.empty() ? 1 : s.back();
  const float* cd = c.data<float>();
  for (int64_t i = 0; i < m; ++i) {
    const float* row = cd + (cm == 1 ? 0 : i) * cn;
    for (int64_t j = 0; j < n; ++j) y[i * n + j] = row[cn == 1 ? 0 : j];
  }
}

StatusOr<std::unique_ptr<OpKernel>> MakeGemm(const KernelBuildContext& ctx) {
  FINCH_ASSIGN_OR_RETURN(GemmAttributes attrs, ParseGemmAttributes(ctx.node, ctx.opset));
  if (auto packed = MakePackedGemmKernel(ctx, kernels::Activation{})) return packed;
  std::unique_ptr<OpKernel> kernel =
      MakeKernel("gemm_f32_ref", [node = ctx.node, attrs](KernelContext& k) {
        return RunGemmRef(node, attrs, k.input(0), k.input(1),
                          k.has_input(2) ? &k.input(2) : nullptr, &k.output(0));
      });
  return kernel;
}

// Element offsets of each batch's matrix in A and B, in row-major order of the broadcast batch
// dims; a batch dim of size 1 in one input repeats its matrix.
template <typename T>
void RunMatMul(const MatMulGeometry& g, const T* a, const T* b, T* y,
               void (*gemm)(const kernels::GemmParams&, const T*, const T*, T*)) {
  std::vector<int64_t> a_index, b_index;
  MatMulBatchMatrices(g, &a_index, &b_index);
  kernels::GemmParams p;
  p.m = g.m;
  p.n = g.n;
  p.k = g.k;
  p.lda = g.k;
  p.ldb = g.n;
  p.ldc = g.n;
  for (size_t i = 0; i < a_index.size(); ++i) {
    gemm(p, a + a_index[i] * g.m * g.k, b + b_index[i] * g.k * g.n,
         y + static_cast<int64_t>(i) * g.m * g.n);
  }
}

StatusOr<std::unique_ptr<OpKernel>> MakeMatMul(const KernelBuildContext& ctx) {
  if (auto packed = MakePackedMatMulKernel(ctx)) return packed;
  const DataType dtype = ctx.inputs[0].dtype;
  const char* name = dtype == DataType::kFloat32 ? "gemm_f32_ref"
                     : dtype == DataType::kInt32 ? "gemm_s32_ref"
                                                 : "gemm_s64_ref";
  std::unique_ptr<OpKernel> kernel = MakeKernel(name, [node = ctx.node, dtype](KernelContext& k) {
    const Tensor& a = k.input(0);
    const Tensor& b = k.input(1);
    FINCH_ASSIGN_OR_RETURN(MatMulGeometry g, ResolveMatMul(node, a.shape(), b.shape()));
    Tensor& y = k.output(0);
    switch (dtype) {
      case DataType::kInt32:
        RunMatMul<int32_t>(g, a.data<int32_t>(), b.data<int32_t>(), y.mutable_data<int32_t>(),
                           kernels::gemm_s32_ref);
        break;
      case DataType::kInt64:
        RunMatMul<int64_t>(g, a.data<int64_t>(), b.data<int64_t>(), y.mutable_data<int64_t>(),
                           kernels::gemm_s64_ref);
        break;
      default:
        RunMatMul<float>(g, a.data<float>(), b.data<float>(), y.mutable_data<float>(),
                         kernels::gemm_f32_ref);  // alpha 1, beta 0: Y = A·B
    }
    return Status::Ok();
  });
  return kernel;
}

}  // namespace

Status RunGemmRef(const Node& node, const GemmAttributes& attrs, const Tensor& a, const Tensor& b,
                  const Tensor* c, Tensor* out) {
  FINCH_ASSIGN_OR_RETURN(GemmGeometry g,
                         ResolveGemm(node, attrs, a.shape(), b.shape(), c ? &c->shape() : nullptr));
  float* y = out->mutable_data<float>();
  kernels::GemmParams p;
  p.m = g.m;
  p.n = g.n;
  p.k = g.k;
  p.trans_a = attrs.trans_a;
  p.trans_b = attrs.trans_b;
  p.lda = a.dim(1);
  p.ldb = b.dim(1);
  p.ldc = g.n;
  p.alpha = attrs.alpha;
  // beta · C is added only when it can matter; with beta = 0 the kernel ignores Y.
  p.beta = c != nullptr ? attrs.beta : 0.f;
  if (p.beta != 0.f) BroadcastBias(*c, g.m, g.n, y);
  kernels::gemm_f32_ref(p, a.data<float>(), b.data<float>(), y);
  return Status::Ok();
}

void RegisterGemmKernels(KernelRegistry& r) {
  r.Register("", "Gemm", MakeGemm);
  r.Register("", "MatMul", MakeMatMul);
}

}  // namespace finch
