#include "runtime/ops/gemm_packed.h"

#include <algorithm>
#include <string>
#include <vector>

#include "graph/ops/gemm.h"
#include "runtime/ops/gemm_driver.h"
#include "runtime/thread_pool.h"

namespace finch {
namespace {

class PackedGemmKernel final : public OpKernel {
 public:
  PackedGemmKernel(int64_t m, int64_t k, int64_t n, const float* b, int64_t stride_k,
                   int64_t stride_n, const float* bias, kernels::Activation act,
                   PackedGemmImpl gemm)
      : m_(m), k_(k), b_(k, n, b, stride_k, stride_n), act_(act), gemm_(gemm) {
    if (bias) bias_.assign(bias, bias + n);
  }
  std::string name() const override { return gemm_.name; }
  size_t held_bytes() const override { return b_.bytes() + bias_.size() * sizeof(float); }
  Status Run(KernelContext& ctx) const override {
    kernels::GemmEpilogue e;
    e.bias = bias_.empty() ? nullptr : bias_.data();
    e.act = act_;
    ParallelPackedGemm(ctx.pool, gemm_.fn, m_, ctx.input(0).data<float>(), k_, b_,
                       ctx.output(0).mutable_data<float>(), b_.N, e);
    return Status::Ok();
  }

 private:
  int64_t m_, k_;
  PackedB b_;
  std::vector<float> bias_;
  kernels::Activation act_;
  PackedGemmImpl gemm_;
};

// MatMul of two activations (attention's Q·Kᵀ and P·V): each distinct B matrix packed per run
// into the run's scratch, in parallel, then every (batch, block of rows) product in parallel
// on the packed GEMM. Packing costs K·N per matrix against M·K·N multiply-adds.
class DynamicBMatMulKernel final : public OpKernel {
 public:
  static constexpr int64_t kRows = 48;  // rows per task: 8 microkernel tiles

  DynamicBMatMulKernel(const MatMulGeometry& g, PackedGemmImpl gemm, int threads)
      : g_(g), gemm_(gemm), threads_(std::max(threads, 1)),
        packed_floats_(kernels::gemm_packed_b_size(g.k, g.n)) {
    MatMulBatchMatrices(g, &a_index_, &b_index_);
    b_count_ = NumElements(g.b_batch);
  }
  std::string name() const override { return std::string(gemm_.name) + "_packed_per_run"; }
  size_t scratch_bytes() const override {
    return static_cast<size_t>(b_count_ * packed_floats_) * sizeof(float);
  }

  Status Run(KernelContext& ctx) const override {
    const float* a = ctx.input(0).data<float>();
    const float* b = ctx.input(1).data<float>();
    float* y = ctx.output(0).mutable_data<float>();
    auto* packed = static_cast<float*>(ctx.Scratch(scratch_bytes()));
    if (packed == nullptr) return ResourceExhausted("out of memory for MatMul packing");
    const int64_t kn = g_.k * g_.n, row_blocks = (g_.m + kRows - 1) / kRows;
    const int64_t items = static_cast<int64_t>(a_index_.size()) * row_blocks;
    auto pack = [&](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; ++j) {
        kernels::gemm_pack_b(g_.k, g_.n, b + j * kn, g_.n, 1, packed + j * packed_floats_);
      }
    };
    auto multiply = [&](int64_t begin, int64_t end) {
      for (int64_t item = begin; item < end; ++item) {
        const int64_t t = item / row_blocks, m0 = item % row_blocks * kRows;
        const int64_t m1 = std::min(g_.m, m0 + kRows);
        gemm_.fn(m1 - m0, g_.n, g_.k, a + (a_index_[t] * g_.m + m0) * g_.k, g_.k,
                 packed + b_index_[t] * packed_floats_, y + (t * g_.m + m0) * g_.n, g_.n,
                 kernels::GemmEpilogue{}, 0, g_.n);
      }
    };
    if (ctx.pool && ctx.threads() > 1) {
      ctx.pool->ParallelFor(b_count_, pack);
      ctx.pool->ParallelFor(items, multiply);
    } else {
      pack(0, b_count_);
      multiply(0, items);
    }
    return Status::Ok();
  }

 private:
  MatMulGeometry g_;
  PackedGemmImpl gemm_;
  int threads_;
  int64_t packed_floats_;
  int64_t b_count_ = 0;
  std::vector<int64_t> a_index_, b_index_;  // per output batch, in matrices
};

bool Static(const KernelBuildContext& build, size_t i) {
  return build.has_input(i) && build.inputs[i].is_static();
}

// Records why the packed GEMM does not apply; returns null for the caller to return.
std::unique_ptr<OpKernel> Skip(const KernelBuildContext& build, const char* why) {
  build.Skip("gemm_f32_packed", why);
  return nullptr;
}

}  // namespace

std::unique_ptr<OpKernel> MakePackedGemmKernel(const KernelBuildContext& build,
                                               const kernels::Activation& act) {
  auto skip = [&](const char* why) { return Skip(build, why); };
  const Tensor* b = build.constants.size() > 1 ? build.constants[1] : nullptr;
  if (b == nullptr) return skip("B is not a constant");
  if (build.inputs[0].dtype != DataType::kFloat32) return skip("not float32");
  if (!Static(build, 0) || !Static(build, 1)) return skip("shapes known only at run time");
  // finch::FusedGemm carries Gemm's attributes with opset 13 semantics.
  auto attrs = ParseGemmAttributes(build.node,
                                   build.node.domain.empty() ? build.opset : int64_t{13});
  if (!attrs.ok()) return skip("bad attributes");
  if (attrs->trans_a) return skip("transA = 1");
  if (attrs->alpha != 1.f) return skip("alpha != 1");
  const Shape a = build.inputs[0].static_shape();
  const Shape bs = b->shape();
  const Tensor* c = nullptr;
  if (build.has_input(2)) {
    c = build.constants[2];
    if (c == nullptr) return skip("C is not a constant");
    if (attrs->beta != 1.f) return skip("beta != 1");
  }
  auto g = ResolveGemm(build.node, *attrs, a, bs, c ? &c->shape() : nullptr);
  if (!g.ok()) return skip("shapes do not resolve");
  if (c && !(c->num_elements() == g->n && (c->rank() == 1 || (c->rank() == 2 && c->dim(0) == 1)))) {
    return skip("C is not a bias row [N]");
  }
  // B [K, N] (row-major) or, transposed, B [N, K].
  const int64_t stride_k = attrs->trans_b ? 1 : g->n;
  const int64_t stride_n = attrs->trans_b ? g->k : 1;
  return std::make_unique<PackedGemmKernel>(g->m, g->k, g->n, b->data<float>(), stride_k,
                                            stride_n, c ? c->data<float>() : nullptr, act,
                                            ChoosePackedGemm(build));
}

std::unique_ptr<OpKernel> MakePackedMatMulKernel(const KernelBuildContext& build) {
  auto skip = [&](const char* why) { return Skip(build, why); };
  const Tensor* b = build.constants.size() > 1 ? build.constants[1] : nullptr;
  if (b == nullptr) {
    // Both operands activations: pack B in every run.
    if (build.inputs[0].dtype != DataType::kFloat32) return skip("not float32");
    if (!Static(build, 0) || !Static(build, 1)) return skip("shapes known only at run time");
    const Shape a = build.inputs[0].static_shape(), bs = build.inputs[1].static_shape();
    if (a.size() < 2 || bs.size() < 2) return skip("an operand is a vector");
    auto g = ResolveMatMul(build.node, a, bs);
    if (!g.ok()) return skip("shapes do not resolve");
    if (g->m == 0 || g->n == 0 || g->k == 0) return skip("an empty dimension");
    return std::make_unique<DynamicBMatMulKernel>(*g, ChoosePackedGemm(build), build.threads);
  }
  if (build.inputs[0].dtype != DataType::kFloat32) return skip("not float32");
  if (b->rank() != 2) return skip("B is not a matrix");
  if (!Static(build, 0)) return skip("A's shape known only at run time");
  const Shape a = build.inputs[0].static_shape();
  if (a.size() < 2) return skip("A is a vector");
  auto g = ResolveMatMul(build.node, a, b->shape());
  if (!g.ok()) return skip("shapes do not resolve");
  int64_t rows = g->m;
  for (size_t i = 0; i + 2 < a.size(); ++i) rows *= a[i];
  return std::make_unique<PackedGemmKernel>(rows, g->k, g->n, b->data<float>(), g->n, 1,
                                            nullptr, kernels::Activation{},
                                            ChoosePackedGemm(build));
}

}  // namespace finch
