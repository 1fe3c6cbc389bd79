#include "runtime/ops/qlinear_matmul_packed.h"

#include <algorithm>
#include <string>
#include <vector>

#include "kernels/int8/qgemm.h"
#include "runtime/ops/qgemm_driver.h"
#include "runtime/ops/image_rows.h"
#include "runtime/thread_pool.h"

namespace finch {
namespace {

using kernels::QType;

enum Input { kA, kAScale, kAZp, kB, kBScale, kBZp, kYScale, kYZp };

QType ToQType(DataType t) { return t == DataType::kInt8 ? QType::kInt8 : QType::kUint8; }

class PackedQLinearMatMulKernel final : public OpKernel {
 public:
  static constexpr int64_t kRowsPerTask = 48;

  PackedQLinearMatMulKernel(QType a_type, int32_t a_zp, QType y_type, int32_t y_zp,
                            std::vector<float> multiplier, int64_t k, int64_t n,
                            const kernels::QWeights& b, const KernelBuildContext& build)
      : a_type_(a_type), a_zp_(a_zp), y_type_(y_type), y_zp_(y_zp),
        multiplier_(std::move(multiplier)), threads_(std::max(build.threads, 1)),
        gemm_(k, n, b, n, 1, build) {}

  std::string name() const override {
    return std::string("qlinear_matmul_packed_") + gemm_.name();
  }
  size_t scratch_bytes() const override { return threads_ * gemm_.scratch_bytes(); }
  size_t held_bytes() const override {
    return gemm_.held_bytes() + multiplier_.size() * sizeof(float);
  }

  Status Run(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(kA);
    const int64_t k = gemm_.K(), n = gemm_.N();
    const int64_t m = k > 0 ? a.num_elements() / k : 0;  // every batch's rows
    const auto* x = static_cast<const uint8_t*>(a.raw_data());
    auto* y = static_cast<uint8_t*>(ctx.output(0).mutable_raw_data());
    const int threads = std::min(ctx.threads(), threads_);
    auto* scratch = static_cast<uint8_t*>(ctx.Scratch(threads * gemm_.scratch_bytes()));
    if (scratch == nullptr && gemm_.scratch_bytes() > 0) {
      return ResourceExhausted("out of memory for QLinearMatMul scratch");
    }
    const kernels::QuantEpilogue e = kernels::QuantEpilogue::Quantized(
        y_type_, multiplier_.data(), multiplier_.size() > 1, y_zp_, nullptr);
    const int64_t tiles = (m + kRowsPerTask - 1) / kRowsPerTask;
    // Few rows (a classifier's one) leave threads idle: the columns are then split too, in
    // groups of whole panels, for at least two tasks per thread (the same bytes in any split).
    const int64_t panels = (n + kernels::kQGemmPanel - 1) / kernels::kQGemmPanel;
    int64_t groups = 1;
    if (threads > 1 && tiles < 2 * threads) {
      groups = std::max<int64_t>(1, std::min(panels, (2 * threads + tiles - 1) / tiles));
    }
    auto run = [&](int chunk, int64_t begin, int64_t end) {
      for (int64_t task = begin; task < end; ++task) {
        const int64_t t = task / groups, g = task % groups;
        const int64_t n0 = panels * g / groups * kernels::kQGemmPanel;
        const int64_t n1 = std::min(n, panels * (g + 1) / groups * kernels::kQGemmPanel);
        const int64_t r0 = t * kRowsPerTask, r1 = std::min(m, r0 + kRowsPerTask);
        kernels::QGemmA qa;
        qa.data = x + r0 * k;
        qa.ld = k;
        qa.type = a_type_;
        qa.zero_point = a_zp_;
        gemm_.Run(r1 - r0, qa, y + r0 * n, n, e,
                  scratch ? scratch + chunk * gemm_.scratch_bytes() : nullptr, n0, n1);
      }
    };
    ForTaskChunks(ctx, threads_, tiles * groups, run);
    return Status::Ok();
  }

 private:
  QType a_type_;
  int32_t a_zp_;
  QType y_type_;
  int32_t y_zp_;
  std::vector<float> multiplier_;
  int threads_;
  QPackedGemm gemm_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> MakePackedQLinearMatMulKernel(
    const KernelBuildContext& build) {
  const char* kName = "qlinear_matmul_packed";
  const auto constant = [&](int i) -> const Tensor* {
    return build.has_input(i) && i < static_cast<int>(build.constants.size())
               ? build.constants[i]
               : nullptr;
  };
  for (int i : {kAScale, kAZp, kB, kBScale, kBZp, kYScale, kYZp}) {
    if (constant(i) == nullptr) {
      build.Skip(kName, "input " + std::to_string(i) + " is not a constant");
      return std::unique_ptr<OpKernel>();
    }
  }
  const Tensor& b = *constant(kB);
  if (b.rank() != 2 || !build.inputs[kA].is_static() || build.inputs[kA].static_shape().empty() ||
      build.inputs[kA].static_shape().back() != b.dim(0)) {
    build.Skip(kName, "B is not a 2-D constant matching A's last dimension");
    return std::unique_ptr<OpKernel>();
  }
  const int64_t k = b.dim(0), n = b.dim(1);
  const Tensor& b_scale = *constant(kBScale);
  const Tensor& b_zp = *constant(kBZp);
  const bool per_column = b_scale.num_elements() > 1 || b_zp.num_elements() > 1;
  if (constant(kAScale)->num_elements() != 1 || constant(kAZp)->num_elements() != 1 ||
      (b_scale.num_elements() != 1 && b_scale.num_elements() != n) ||
      (b_zp.num_elements() != 1 && b_zp.num_elements() != n) ||
      (per_column && (b_scale.rank() > 1 || b_zp.rank() > 1))) {
    build.Skip(kName, "A's parameters are not per-tensor or B's not per-tensor/per-column");
    return std::unique_ptr<OpKernel>();
  }
  if (k > kernels::kQMaxExactTerms) {
    build.Skip(kName, "K beyond the exact int32 range");
    return std::unique_ptr<OpKernel>();
  }
  // The reference's multiplier, expression for expression (kernels/quant/qgemm_ref.cc).
  const float a_scale = static_cast<float>(ElementAsDouble(*constant(kAScale), 0));
  const float y_scale = static_cast<float>(ElementAsDouble(*constant(kYScale), 0));
  std::vector<float> multiplier(b_scale.num_elements() > 1 ? n : 1);
  for (size_t j = 0; j < multiplier.size(); ++j) {
    multiplier[j] =
        a_scale * static_cast<float>(ElementAsDouble(b_scale, static_cast<int64_t>(j))) / y_scale;
  }
  if (multiplier.size() == 1 && per_column) multiplier.assign(n, multiplier[0]);
  std::vector<int32_t> zp(static_cast<size_t>(b_zp.num_elements()));
  for (size_t j = 0; j < zp.size(); ++j) {
    zp[j] = static_cast<int32_t>(ElementAsInt64(b_zp, static_cast<int64_t>(j)));
  }
  kernels::QWeights w;
  w.data = b.raw_data();
  w.type = ToQType(b.dtype());
  w.zero_point = zp.data();
  w.per_channel = zp.size() > 1;
  return std::unique_ptr<OpKernel>(new PackedQLinearMatMulKernel(
      ToQType(build.inputs[kA].dtype), static_cast<int32_t>(ElementAsInt64(*constant(kAZp), 0)),
      ToQType(build.outputs[0].dtype), static_cast<int32_t>(ElementAsInt64(*constant(kYZp), 0)),
      std::move(multiplier), k, n, w, build));
}

}  // namespace finch
