// finch::InvertedResidual with layout NHWC, fused: the expanded tensor is produced and consumed
// while it is in cache.
//
// Banded schedule (large images). Each thread owns a contiguous run of output rows and walks it
// in bands of a few rows:
//
//   X rows [in0, in1) ──expand GEMM──▶ E (band buffer, hidden channels, in the thread's scratch)
//   E ──depthwise──▶ D (band buffer) ──project GEMM (+ X rows as residual)──▶ Y rows
//
// Consecutive bands overlap by k − stride input rows; those expanded rows are moved to the
// front of E rather than computed again. The band height keeps E and D within about half the
// L2 cache.
//
// Staged schedule (small images, whole E within half of L2): expand over all pixels, depthwise
// over all rows, project over all rows, each stage split across the threads — no overlap rows
// to recompute per thread, and E still never leaves the cache.
//
// Squeeze-excite needs the mean over the whole image before the projection: D is written whole
// (the post-depthwise tensor), each output row's channel sums are taken while its band is in
// cache, the gates are computed from the row sums (in row order), and then each band of rows is
// scaled and projected, split across the threads.
//
// Each output is computed by the same operations whatever the bands or threads (GEMM rows and
// depthwise rows are independent; the SE means add row sums in a fixed order), so results are
// bit-identical for any thread count; without SE they also equal the three separate NHWC
// kernels'.
#include "runtime/ops/inverted_residual_nhwc.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "graph/ops/layout.h"
#include "kernels/common/mac_counter.h"
#include "kernels/dwconv/avx2/dwconv_avx2.h"
#include "kernels/dwconv/dwconv_rows.h"
#include "kernels/pool/pool_nhwc.h"
#include "kernels/se/se_nhwc.h"
#include "runtime/cpu_features.h"
#include "runtime/ops/activation.h"
#include "runtime/ops/gemm_driver.h"
#include "runtime/ops/image_rows.h"
#include "runtime/thread_pool.h"

namespace finch {
namespace {

std::vector<float> CopyOrZeros(const Tensor* t, int64_t n) {
  std::vector<float> v(n, 0.f);
  if (t) std::copy(t->data<float>(), t->data<float>() + n, v.begin());
  return v;
}

class InvertedResidualNhwcKernel final : public OpKernel {
 public:
  InvertedResidualNhwcKernel(const InvertedResidualGeometry& g,
                             const std::vector<const Tensor*>& c, PackedGemmImpl gemm,
                             bool dw_avx2, bool se_avx2, int threads, int64_t l2_bytes)
      : g_(g), gemm_(gemm), dw_avx2_(dw_avx2), se_avx2_(se_avx2), threads_(threads) {
    const int64_t hidden = g.hidden_channels;
    if (g.expand) {
      expand_ = PackedB(g.in_channels, hidden, c[kIrExpandW]->data<float>(), 1, g.in_channels);
      expand_bias_ = CopyOrZeros(c[kIrExpandB], hidden);
    }
    d_.batch = g.batch;
    d_.channels = hidden;
    d_.in_h = g.in_h;
    d_.in_w = g.in_w;
    d_.out_h = g.out_h;
    d_.out_w = g.out_w;
    d_.kernel_h = g.kernel_h;
    d_.kernel_w = g.kernel_w;
    d_.stride_h = g.stride_h;
    d_.stride_w = g.stride_w;
    d_.pad_top = g.pad_top;
    d_.pad_left = g.pad_left;
    d_.act = ToKernelActivation(g.dw_act);
    dw_w_ = CopyOrZeros(c[kIrDepthwiseW], hidden * g.kernel_h * g.kernel_w);
    dw_b_ = CopyOrZeros(c[kIrDepthwiseB], hidden);
    if (dw_avx2_) {
      dw_packed_.resize(kernels::dwconv_nhwc_avx2_packed_size(d_));
      kernels::dwconv_nhwc_avx2_pack(d_, dw_w_.data(), dw_b_.data(), dw_packed_.data());
    }
    if (g.se) {
      se_.batch = g.batch;
      se_.hw = g.out_h * g.out_w;
      se_.channels = hidden;
      se_.reduced = g.se_channels;
      se_.act = ToKernelActivation(g.se_act);
      se_.gate = ToKernelActivation(g.se_gate);
      se_w1_ = CopyOrZeros(c[kIrSeReduceW], g.se_channels * hidden);
      se_b1_ = CopyOrZeros(c[kIrSeReduceB], g.se_channels);
      se_w2_ = CopyOrZeros(c[kIrSeExpandW], hidden * g.se_channels);
      se_b2_ = CopyOrZeros(c[kIrSeExpandB], hidden);
    }
    project_ = PackedB(hidden, g.out_channels, c[kIrProjectW]->data<float>(), 1, hidden);
    project_bias_ = CopyOrZeros(c[kIrProjectB], g.out_channels);
    // Band height: E ((band−1)·stride + k input rows) and D (band output rows) within half
    // of L2 (256 KiB when unknown), at least one row.
    const int64_t budget = (l2_bytes > 0 ? l2_bytes : 512 * 1024) / 2;
    const int64_t e_row = g.in_w * hidden * 4, d_row = g.out_w * hidden * 4;
    band_ = 1;
    while (band_ < g.out_h &&
           ((band_ * g.stride_h + g.kernel_h) * e_row + (band_ + 1) * d_row) <= budget) {
      ++band_;
    }
    // A small image whose whole expanded tensor fits the budget runs stage by stage instead:
    // each stage split across the threads with no overlap rows to recompute, E still in cache.
    staged_ = g.expand && g.batch * g.in_h * e_row <= budget;
  }

  std::string name() const override {
    return std::string("inverted_residual_nhwc_") + (staged_ ? "staged_" : "banded_") +
           (dw_avx2_ ? "avx2" : "ref");
  }

  size_t held_bytes() const override {
    size_t floats = expand_bias_.size() + project_bias_.size() + dw_w_.size() + dw_b_.size() +
                    dw_packed_.size() + se_w1_.size() + se_b1_.size() + se_w2_.size() +
                    se_b2_.size();
    return floats * sizeof(float) + expand_.bytes() + project_.bytes();
  }

  size_t scratch_bytes() const override {
    if (staged_) return (EWhole() + DWhole() + SeFloats()) * sizeof(float) + 64;
    size_t per_thread = static_cast<size_t>(EFloats() + (g_.se ? 0 : DFloats()));
    size_t shared = g_.se ? static_cast<size_t>(DWhole() + SeFloats()) : 0;
    return (threads_ * per_thread + shared) * sizeof(float) + 64 * (threads_ + 1);
  }

  Status Run(KernelContext& ctx) const override {
    const float* x = ctx.input(kIrX).data<float>();
    float* y = ctx.output(0).mutable_data<float>();
    const int threads = std::max(1, std::min(ctx.threads(), threads_));
    auto* scratch = static_cast<float*>(ctx.Scratch(scratch_bytes()));
    if (scratch == nullptr) return ResourceExhausted("out of memory for the block's scratch");
    if (staged_) {
      RunStaged(ctx, x, scratch, y);
      return Status::Ok();
    }
    const int64_t per_thread = Align(EFloats() + (g_.se ? 0 : DFloats()));
    float* d_full = g_.se ? scratch + threads * per_thread : nullptr;

    ForImageRows(ctx, threads_, g_.batch, g_.out_h,
                 [&](int chunk, int64_t n, int64_t r0, int64_t r1) {
                   float* e = scratch + chunk * per_thread;
                   float* d = g_.se ? nullptr : e + Align(EFloats());
                   RunImageRows(x, n, r0, r1, e, d, d_full, y);
                 });
    if (!g_.se) return Status::Ok();

    ExciteAndProject(ctx, x, d_full, d_full + DWhole(), y);
    return Status::Ok();
  }

 private:
  static int64_t Align(int64_t floats) { return (floats + 15) / 16 * 16; }
  // E: the input rows of one band (the band's windows span (band − 1)·stride + k rows).
  int64_t EFloats() const {
    return g_.expand ? Align(((band_ - 1) * g_.stride_h + (g_.kernel_h - 1) * g_.dilation_h + 1) *
                             g_.in_w * g_.hidden_channels)
                     : 0;
  }
  int64_t DFloats() const { return Align(band_ * g_.out_w * g_.hidden_channels); }
  // Squeeze-excite workspace: per output row its channel sums, then per image the means, the
  // gates, and the reduced vector.
  int64_t SeFloats() const {
    if (!g_.se) return 0;
    const int64_t c = g_.hidden_channels;
    return Align(g_.batch * g_.out_h * c) + 2 * Align(g_.batch * c) + Align(g_.se_channels);
  }

  // Channel sums of output rows [r0, r1) of image n, from their depthwise output `rows`.
  void RowSums(const float* rows, int64_t n, int64_t r0, int64_t r1, float* se) const {
    const int64_t c = g_.hidden_channels, ow = g_.out_w;
    for (int64_t r = r0; r < r1; ++r) {
      (se_avx2_ ? kernels::channel_sums_nhwc_f32_avx2 : kernels::channel_sums_nhwc_f32_ref)(
          ow, c, rows + (r - r0) * ow * c, se + (n * g_.out_h + r) * c);
    }
  }

  // After the depthwise stage wrote all of D and its row sums: the gates (serial, small), then
  // per band of rows D ·= gate and the projection, split across the threads. The means add the
  // row sums in row order — a fixed order, so any thread count gives the same bits.
  void ExciteAndProject(KernelContext& ctx, const float* x, float* d, float* se,
                        float* y) const {
    const int64_t c = g_.hidden_channels, ow = g_.out_w;
    float* mean = se + Align(g_.batch * g_.out_h * c);
    float* gates = mean + Align(g_.batch * c);
    float* reduced = gates + Align(g_.batch * c);
    const float inv = 1.f / static_cast<float>(g_.out_h * ow);
    for (int64_t n = 0; n < g_.batch; ++n) {
      for (int64_t ch = 0; ch < c; ++ch) mean[n * c + ch] = 0.f;
      for (int64_t r = 0; r < g_.out_h; ++r) {
        const float* sums = se + (n * g_.out_h + r) * c;
        for (int64_t ch = 0; ch < c; ++ch) mean[n * c + ch] += sums[ch];
      }
      for (int64_t ch = 0; ch < c; ++ch) mean[n * c + ch] *= inv;
    }
    (se_avx2_ ? kernels::se_nhwc_gates_f32_avx2 : kernels::se_nhwc_gates_f32_ref)(
        se_, mean, se_w1_.data(), se_b1_.data(), se_w2_.data(), se_b2_.data(), gates, reduced);
    ForImageRows(ctx, threads_, g_.batch, g_.out_h, [&](int, int64_t n, int64_t r0, int64_t r1) {
      const int64_t off = (n * g_.out_h + r0) * ow;
      float* dr = d + off * c;
      (se_avx2_ ? kernels::se_nhwc_scale_f32_avx2 : kernels::se_nhwc_scale_f32_ref)(
          (r1 - r0) * ow, c, dr, gates + n * c, dr);
      kernels::GemmEpilogue pe = ProjectEpilogue(x);
      if (pe.residual) pe.residual += off * g_.in_channels;
      gemm_.fn((r1 - r0) * ow, g_.out_channels, c, dr, c, project_.data.data(),
               y + off * g_.out_channels, g_.out_channels, pe, 0, g_.out_channels);
    });
  }
  int64_t EWhole() const { return Align(g_.batch * g_.in_h * g_.in_w * g_.hidden_channels); }
  int64_t DWhole() const { return Align(g_.batch * g_.out_h * g_.out_w * g_.hidden_channels); }

  // The depthwise stage on one band: `src` holds the band's input rows (band.in_h of them).
  void Depthwise(const kernels::DwConvParams& band, const float* src, float* dst) const {
    const int64_t hidden = g_.hidden_channels;
    if (band.in_h == 0) {  // every window lies in the padding: act(bias)
      if (kernels::MacCounter::enabled()) {  // every tap is a skipped padding tap
        kernels::MacCounter::Add(0, band.out_h * g_.out_w * hidden * g_.kernel_h * g_.kernel_w);
      }
      for (int64_t i = 0; i < band.out_h * g_.out_w * hidden; ++i) {
        dst[i] = kernels::ApplyActivation(d_.act, dw_b_[i % hidden]);
      }
    } else if (dw_avx2_) {
      kernels::dwconv_f32_nhwc_avx2(band, src, dw_packed_.data(), dst, nullptr);
    } else {
      kernels::dwconv_f32_nhwc_ref(band, src, dw_w_.data(), dw_b_.data(), dst);
    }
  }

  // Expand over all pixels, then the depthwise over all rows, then [SE and] the projection:
  // each stage split across the threads.
  void RunStaged(KernelContext& ctx, const float* x, float* scratch, float* y) const {
    const int64_t hidden = g_.hidden_channels;
    float* e = scratch;
    float* d = e + EWhole();
    kernels::GemmEpilogue ee;
    ee.bias = expand_bias_.data();
    ee.act = ToKernelActivation(g_.expand_act);
    ParallelPackedGemm(ctx.pool, gemm_.fn, g_.batch * g_.in_h * g_.in_w, x, g_.in_channels,
                       expand_, e, hidden, ee);
    ForImageRows(ctx, threads_, g_.batch, g_.out_h, [&](int, int64_t n, int64_t r0, int64_t r1) {
      int64_t in0 = 0, in1 = 0;
      const kernels::DwConvParams band = kernels::DwConvRowBand(d_, r0, r1, &in0, &in1);
      float* dst = d + ((n * g_.out_h + r0) * g_.out_w) * hidden;
      Depthwise(band, e + ((n * g_.in_h + in0) * g_.in_w) * hidden, dst);
      if (g_.se) RowSums(dst, n, r0, r1, d + DWhole());
    });
    if (g_.se) {
      ExciteAndProject(ctx, x, d, d + DWhole(), y);
      return;
    }
    ParallelPackedGemm(ctx.pool, gemm_.fn, g_.batch * g_.out_h * g_.out_w, d, hidden, project_,
                       y, g_.out_channels, ProjectEpilogue(x));
  }

  kernels::GemmEpilogue ProjectEpilogue(const float* x) const {
    kernels::GemmEpilogue e;
    e.bias = project_bias_.data();
    e.act = ToKernelActivation(g_.project_act);
    if (g_.residual) {
      e.residual = x;
      e.ldr = g_.in_channels;
    }
    return e;
  }

  // Output rows [r0, r1) of image n, band by band.
  void RunImageRows(const float* x, int64_t n, int64_t r0, int64_t r1, float* e, float* d,
                    float* d_full, float* y) const {
    const int64_t W = g_.in_w, hidden = g_.hidden_channels;
    const float* xn = x + n * g_.in_h * W * g_.in_channels;
    int64_t have0 = 0, have1 = 0;  // the input rows E holds
    kernels::GemmEpilogue ee;
    ee.bias = expand_bias_.data();
    ee.act = ToKernelActivation(g_.expand_act);
    for (int64_t oy0 = r0; oy0 < r1; oy0 += band_) {
      const int64_t oy1 = std::min(r1, oy0 + band_);
      int64_t in0 = 0, in1 = 0;
      const kernels::DwConvParams band = kernels::DwConvRowBand(d_, oy0, oy1, &in0, &in1);
      const float* src;  // the band's input rows, hidden channels each
      if (g_.expand) {
        int64_t first_new = in0;
        if (in0 >= have0 && in0 < have1) {  // reuse the overlap with the previous band
          std::memmove(e, e + (in0 - have0) * W * hidden, (have1 - in0) * W * hidden * 4);
          first_new = have1;
        }
        if (in1 > first_new) {
          gemm_.fn((in1 - first_new) * W, hidden, g_.in_channels,
                   xn + first_new * W * g_.in_channels, g_.in_channels, expand_.data.data(),
                   e + (first_new - in0) * W * hidden, hidden, ee, 0, hidden);
        }
        have0 = in0;
        have1 = in1;
        src = e;
      } else {
        src = xn + in0 * W * hidden;
      }
      const int64_t out_off = (n * g_.out_h + oy0) * g_.out_w;
      float* dst = g_.se ? d_full + out_off * hidden : d;
      Depthwise(band, src, dst);
      if (g_.se) {
        RowSums(dst, n, oy0, oy1, d_full + DWhole());
        continue;
      }
      kernels::GemmEpilogue pe = ProjectEpilogue(x);
      if (pe.residual) pe.residual += out_off * g_.in_channels;
      gemm_.fn((oy1 - oy0) * g_.out_w, g_.out_channels, hidden, d, hidden,
               project_.data.data(), y + out_off * g_.out_channels, g_.out_channels, pe, 0,
               g_.out_channels);
    }
  }

  InvertedResidualGeometry g_;
  PackedGemmImpl gemm_;
  bool dw_avx2_, se_avx2_;
  int threads_;
  int64_t band_ = 1;
  bool staged_ = false;
  PackedB expand_, project_;
  std::vector<float> expand_bias_, project_bias_;
  kernels::DwConvParams d_;
  std::vector<float> dw_w_, dw_b_, dw_packed_;
  kernels::SqueezeExciteParams se_;
  std::vector<float> se_w1_, se_b1_, se_w2_, se_b2_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> MakeNhwcInvertedResidualKernel(
    const KernelBuildContext& build) {
  bool known = true;
  std::vector<Shape> shapes(kIrNumInputs);
  std::vector<const Shape*> ptrs(kIrNumInputs, nullptr);
  std::vector<const Tensor*> consts(kIrNumInputs, nullptr);
  for (size_t i = 0; i < kIrNumInputs && i < build.inputs.size(); ++i) {
    if (!build.has_input(i)) continue;
    if (!build.inputs[i].is_static()) known = false;
    if (i != kIrX) {
      consts[i] = build.constants[i];
      if (consts[i] == nullptr) known = false;
    }
  }
  if (!known) {
    return Unimplemented(build.node.Describe(), ": the NHWC block needs its weights known at ",
                         "plan time and static shapes");
  }
  for (size_t i = 0; i < kIrNumInputs && i < build.inputs.size(); ++i) {
    if (!build.has_input(i)) continue;
    shapes[i] = build.inputs[i].static_shape();
    if (i == kIrX) shapes[i] = NhwcToNchw(shapes[i]);
    ptrs[i] = &shapes[i];
  }
  FINCH_ASSIGN_OR_RETURN(InvertedResidualGeometry g, ResolveInvertedResidual(build.node, ptrs));
  const CpuFeatures& cpu = GetCpuFeatures();
  const bool avx2 = cpu.avx2 && cpu.fma;
  kernels::DwConvParams d;
  d.batch = g.batch;
  d.channels = g.hidden_channels;
  d.in_h = g.in_h;
  d.in_w = g.in_w;
  d.out_h = g.out_h;
  d.out_w = g.out_w;
  d.kernel_h = g.kernel_h;
  d.kernel_w = g.kernel_w;
  d.stride_h = g.stride_h;
  d.stride_w = g.stride_w;
  d.pad_top = g.pad_top;
  d.pad_left = g.pad_left;
  if (g.dilation_h != 1 || g.dilation_w != 1) {
    return Unimplemented(build.node.Describe(), ": dilated depthwise in an NHWC block");
  }
  bool dw_avx2 = avx2 && kernels::dwconv_avx2_applies(d);
  if (!dw_avx2) {
    build.Skip("dwconv_nhwc_avx2 stage", avx2 ? "only square 3x3/5x5 kernels, stride 1 or 2"
                                               : "the CPU (or FINCH_DISABLE_ISA) lacks AVX2/FMA");
  }
  const PackedGemmImpl gemm = ChoosePackedGemm(build);
  return std::unique_ptr<OpKernel>(new InvertedResidualNhwcKernel(
      g, consts, gemm, dw_avx2, avx2, build.threads, cpu.l2_bytes));
}

}  // namespace finch
