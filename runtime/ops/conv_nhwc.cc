// finch::FusedConv with layout NHWC: Y = act(Conv(X, W) + B + Z), activations channels-last.
//
// Candidates, fastest first; the first that applies is chosen once, at plan time:
//   conv1x1_nhwc_gemm   1×1, stride 1, no padding, one group: the image is already the GEMM's
//                       A [pixels, in channels]; weights packed once; bias, residual and
//                       activation in the GEMM's epilogue.
//   dwconv_nhwc_avx2    depthwise 3×3 / 5×5, stride 1 or 2, dilation 1 (AVX2/FMA).
//   conv_onednn_nhwc    oneDNN (runtime/ops/conv_onednn.cc) for the shapes where it measured
//                       faster than im2col: grouped, depthwise the AVX2 kernel does not take,
//                       dilated.
//   conv_nhwc_im2col    any 2-D convolution: im2col rows of a tile of output pixels (in the
//                       thread's scratch) times the packed weights, per group.
//   conv_nhwc_f32_ref   the oracle, for weights known only at run time or shapes known only
//                       then.
// Every path splits work by output pixels (rows of the GEMM, rows of the image), never inside
// one output's sum, so results are bit-identical for any thread count.
#include "runtime/ops/conv_nhwc.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "graph/ops/conv.h"
#include "graph/ops/layout.h"
#include "kernels/common/mac_counter.h"
#include "kernels/conv/conv_nhwc.h"
#include "kernels/dwconv/avx2/dwconv_avx2.h"
#include "kernels/dwconv/dwconv_rows.h"
#include "runtime/cpu_features.h"
#include "runtime/ops/conv_onednn.h"
#include "runtime/ops/gemm_driver.h"
#include "runtime/ops/image_rows.h"
#include "runtime/thread_pool.h"

namespace finch {

StatusOr<kernels::ConvNhwcParams> NhwcParamsOf(const Node& node, const ConvGeometry& g) {
  if (g.window.in.size() != 2) {
    return Internal(node.Describe(), ": layout NHWC needs a 2-D convolution");
  }
  kernels::ConvNhwcParams p;
  p.batch = g.batch;
  p.in_c = g.in_channels;
  p.out_c = g.out_channels;
  p.group = g.groups;
  p.in_h = g.window.in[0];
  p.in_w = g.window.in[1];
  p.out_h = g.window.out[0];
  p.out_w = g.window.out[1];
  p.kernel_h = g.window.kernel[0];
  p.kernel_w = g.window.kernel[1];
  p.stride_h = g.window.stride[0];
  p.stride_w = g.window.stride[1];
  p.dilation_h = g.window.dilation[0];
  p.dilation_w = g.window.dilation[1];
  p.pad_top = g.window.pad_begin[0];
  p.pad_left = g.window.pad_begin[1];
  return p;
}

kernels::DwConvParams ToDwConv(const kernels::ConvNhwcParams& p) {
  kernels::DwConvParams d;
  d.batch = p.batch;
  d.channels = p.in_c;
  d.in_h = p.in_h;
  d.in_w = p.in_w;
  d.out_h = p.out_h;
  d.out_w = p.out_w;
  d.kernel_h = p.kernel_h;
  d.kernel_w = p.kernel_w;
  d.stride_h = p.stride_h;
  d.stride_w = p.stride_w;
  d.pad_top = p.pad_top;
  d.pad_left = p.pad_left;
  d.act = p.act;
  return d;
}

namespace {

using kernels::ConvNhwcParams;

StatusOr<ConvNhwcParams> ResolveNhwc(const Node& node, const Shape& x_nhwc, const Shape& w,
                                     const Shape* b, const kernels::Activation& act) {
  FINCH_ASSIGN_OR_RETURN(ConvGeometry g, ResolveConv(node, NhwcToNchw(x_nhwc), w, b));
  FINCH_ASSIGN_OR_RETURN(ConvNhwcParams p, NhwcParamsOf(node, g));
  p.act = act;
  return p;
}

int64_t OutputPixels(const ConvNhwcParams& p) { return p.batch * p.out_h * p.out_w; }


// y += z, then act, over n values (the residual of a path whose kernel has no residual input).
void AddResidualThenActivate(const float* z, const kernels::Activation& act, float* y,
                             int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += z[i];
  kernels::activation_f32_ref(act, y, n);
}

// The oracle: shapes resolved and weights read at run time.
class ConvNhwcRefKernel final : public OpKernel {
 public:
  ConvNhwcRefKernel(const Node& node, kernels::Activation act) : node_(node), act_(act) {}
  std::string name() const override { return "conv_nhwc_f32_ref"; }
  Status Run(KernelContext& ctx) const override {
    const Tensor* b = ctx.has_input(2) ? &ctx.input(2) : nullptr;
    const Tensor* z = ctx.has_input(3) ? &ctx.input(3) : nullptr;
    Tensor& y = ctx.output(0);
    const kernels::Activation conv_act = z ? kernels::Activation{} : act_;
    FINCH_ASSIGN_OR_RETURN(ConvNhwcParams p,
                           ResolveNhwc(node_, ctx.input(0).shape(), ctx.input(1).shape(),
                                       b ? &b->shape() : nullptr, conv_act));
    if (z && z->shape() != y.shape()) {
      return InvalidArgument(node_.Describe(), ": residual Z has shape ",
                             ShapeToString(z->shape()), ", the output has ",
                             ShapeToString(y.shape()));
    }
    kernels::conv_nhwc_f32_ref(p, ctx.input(0).data<float>(), ctx.input(1).data<float>(),
                               b ? b->data<float>() : nullptr, y.mutable_data<float>());
    if (z) AddResidualThenActivate(z->data<float>(), act_, y.mutable_data<float>(), y.num_elements());
    return Status::Ok();
  }

 private:
  Node node_;
  kernels::Activation act_;
};

// 1×1, stride 1, no padding, one group: Y[pixels, out] = X[pixels, in] · Wᵀ.
class Conv1x1Kernel final : public OpKernel {
 public:
  Conv1x1Kernel(const ConvNhwcParams& p, const float* w, const Tensor* bias, PackedGemmImpl gemm)
      : p_(p), b_(p.in_c, p.out_c, w, 1, p.in_c), gemm_(gemm) {
    if (bias) bias_.assign(bias->data<float>(), bias->data<float>() + p.out_c);
  }
  std::string name() const override { return std::string("conv1x1_nhwc_") + gemm_.name; }
  size_t held_bytes() const override { return b_.bytes() + bias_.size() * sizeof(float); }
  Status Run(KernelContext& ctx) const override {
    kernels::GemmEpilogue e;
    e.bias = bias_.empty() ? nullptr : bias_.data();
    if (ctx.has_input(3)) {
      e.residual = ctx.input(3).data<float>();
      e.ldr = p_.out_c;
    }
    e.act = p_.act;
    ParallelPackedGemm(ctx.pool, gemm_.fn, OutputPixels(p_), ctx.input(0).data<float>(), p_.in_c,
                       b_, ctx.output(0).mutable_data<float>(), p_.out_c, e);
    return Status::Ok();
  }

 private:
  ConvNhwcParams p_;
  PackedB b_;
  std::vector<float> bias_;
  PackedGemmImpl gemm_;
};

// Depthwise k×k (AVX2): threads split the rows of each image.
class DwConvNhwcKernel final : public OpKernel {
 public:
  DwConvNhwcKernel(const ConvNhwcParams& p, const float* w, const Tensor* bias, bool residual)
      : d_(ToDwConv(p)), residual_(residual), act_(p.act) {
    // With a residual, the activation comes after the add: the kernel runs without it.
    d_.act = residual ? kernels::Activation{} : p.act;
    bias_.assign(p.in_c, 0.f);
    if (bias) std::copy(bias->data<float>(), bias->data<float>() + p.in_c, bias_.begin());
    packed_.resize(kernels::dwconv_nhwc_avx2_packed_size(d_));
    kernels::dwconv_nhwc_avx2_pack(d_, w, bias ? bias->data<float>() : nullptr, packed_.data());
  }
  std::string name() const override { return "dwconv_nhwc_avx2"; }
  size_t held_bytes() const override { return (packed_.size() + bias_.size()) * sizeof(float); }
  Status Run(KernelContext& ctx) const override {
    const float* x = ctx.input(0).data<float>();
    float* y = ctx.output(0).mutable_data<float>();
    const int64_t in_image = d_.in_h * d_.in_w * d_.channels;
    const int64_t out_row = d_.out_w * d_.channels;
    // No scratch: any thread count may split the rows.
    ForImageRows(ctx, ctx.threads(), d_.batch, d_.out_h,
                 [&](int, int64_t n, int64_t oy0, int64_t oy1) {
      int64_t in0 = 0, in1 = 0;
      const kernels::DwConvParams band = kernels::DwConvRowBand(d_, oy0, oy1, &in0, &in1);
      const float* xb = x + n * in_image + in0 * d_.in_w * d_.channels;
      float* yb = y + (n * d_.out_h + oy0) * out_row;
      if (band.in_h > 0) {
        kernels::dwconv_f32_nhwc_avx2(band, xb, packed_.data(), yb, nullptr);
      } else {  // the band's windows lie wholly in the padding: act(bias)
        if (kernels::MacCounter::enabled()) {  // every tap is a skipped padding tap
          kernels::MacCounter::Add(0, band.out_h * out_row * d_.kernel_h * d_.kernel_w);
        }
        for (int64_t i = 0; i < band.out_h * out_row; ++i) {
          yb[i] = kernels::ApplyActivation(d_.act, bias_[i % d_.channels]);
        }
      }
    });
    if (residual_) {
      AddResidualThenActivate(ctx.input(3).data<float>(), act_, y, ctx.output(0).num_elements());
    }
    return Status::Ok();
  }

 private:
  kernels::DwConvParams d_;
  std::vector<float> packed_;
  std::vector<float> bias_;
  bool residual_;
  kernels::Activation act_;
};

// Any 2-D convolution: per tile of output pixels and per group, the im2col rows (in the
// thread's scratch) times that group's packed weights.
class Im2colConvKernel final : public OpKernel {
 public:
  static constexpr int64_t kTile = 96;  // output pixels per tile (a multiple of 6 rows)

  Im2colConvKernel(const ConvNhwcParams& p, const float* w, const Tensor* bias,
                   PackedGemmImpl gemm, int threads)
      : p_(p), k_(kernels::conv_nhwc_im2col_k(p)), gemm_(gemm), threads_(threads) {
    std::vector<float> ohwi(p.out_c * k_);
    kernels::conv_weights_to_ohwi(p, w, ohwi.data());
    const int64_t ocg = p.out_c / p.group;
    for (int64_t g = 0; g < p.group; ++g) {
      groups_.emplace_back(k_, ocg, ohwi.data() + g * ocg * k_, 1, k_);
    }
    if (bias) bias_.assign(bias->data<float>(), bias->data<float>() + p.out_c);
  }
  std::string name() const override { return std::string("conv_nhwc_im2col_") + gemm_.name; }
  size_t scratch_bytes() const override { return threads_ * TileFloats() * sizeof(float); }
  size_t held_bytes() const override {
    size_t n = bias_.size() * sizeof(float);
    for (const PackedB& b : groups_) n += b.bytes();
    return n;
  }

  Status Run(KernelContext& ctx) const override {
    const float* x = ctx.input(0).data<float>();
    const float* z = ctx.has_input(3) ? ctx.input(3).data<float>() : nullptr;
    float* y = ctx.output(0).mutable_data<float>();
    const int threads = std::min(ctx.threads(), threads_);
    auto* scratch = static_cast<float*>(ctx.Scratch(threads * TileFloats() * sizeof(float)));
    if (scratch == nullptr) return ResourceExhausted("out of memory for im2col scratch");
    const int64_t tiles = (OutputPixels(p_) + kTile - 1) / kTile;
    const int64_t ocg = p_.out_c / p_.group;
    auto run = [&](int chunk, int64_t begin, int64_t end) {
      float* rows = scratch + chunk * TileFloats();
      for (int64_t t = begin; t < end; ++t) {
        const int64_t m0 = t * kTile, m1 = std::min(OutputPixels(p_), m0 + kTile);
        for (int64_t g = 0; g < p_.group; ++g) {
          kernels::conv_nhwc_im2col(p_, x, g, m0, m1, rows);
          kernels::GemmEpilogue e;
          e.bias = bias_.empty() ? nullptr : bias_.data() + g * ocg;
          if (z) {
            e.residual = z + m0 * p_.out_c + g * ocg;
            e.ldr = p_.out_c;
          }
          e.act = p_.act;
          const PackedB& b = groups_[g];
          gemm_.fn(m1 - m0, b.N, b.K, rows, k_, b.data.data(), y + m0 * p_.out_c + g * ocg,
                   p_.out_c, e, 0, b.N);
        }
      }
    };
    ForTaskChunks(ctx, threads_, tiles, run);
    return Status::Ok();
  }

 private:
  int64_t TileFloats() const { return kTile * k_ + 16; }

  ConvNhwcParams p_;
  int64_t k_;
  std::vector<PackedB> groups_;
  std::vector<float> bias_;
  PackedGemmImpl gemm_;
  int threads_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> MakeNhwcConvKernel(const KernelBuildContext& build,
                                                        const kernels::Activation& act) {
  const Tensor* w = build.constants.size() > 1 ? build.constants[1] : nullptr;
  const Tensor* b = build.constants.size() > 2 ? build.constants[2] : nullptr;
  bool known = build.inputs[0].is_static() && build.inputs[1].is_static() && w != nullptr &&
               (!build.has_input(2) || b != nullptr) &&
               build.inputs[0].dtype == DataType::kFloat32;
  for (size_t i = 0; i < build.inputs.size(); ++i) {
    if (build.has_input(i) && !build.inputs[i].is_static()) known = false;
  }
  if (!known) {
    build.Skip("fast paths", "the weights or shapes are known only at run time");
    return std::unique_ptr<OpKernel>(new ConvNhwcRefKernel(build.node, act));
  }
  const Shape bias_shape = b ? b->shape() : Shape{};
  FINCH_ASSIGN_OR_RETURN(ConvNhwcParams p,
                         ResolveNhwc(build.node, build.inputs[0].static_shape(), w->shape(),
                                     b ? &bias_shape : nullptr, act));
  const bool residual = build.has_input(3);
  const CpuFeatures& cpu = GetCpuFeatures();
  const PackedGemmImpl gemm = ChoosePackedGemm(build);

  const bool pointwise = p.kernel_h == 1 && p.kernel_w == 1 && p.stride_h == 1 &&
                         p.stride_w == 1 && p.pad_top == 0 && p.pad_left == 0 &&
                         p.out_h == p.in_h && p.out_w == p.in_w && p.group == 1;
  if (pointwise) return std::unique_ptr<OpKernel>(new Conv1x1Kernel(p, w->data<float>(), b, gemm));
  build.Skip("conv1x1_nhwc_gemm", "not a 1x1 stride-1 unpadded single-group convolution");

  const bool depthwise = p.group == p.in_c && p.out_c == p.in_c;
  const kernels::DwConvParams d = ToDwConv(p);
  if (!depthwise) {
    build.Skip("dwconv_nhwc_avx2", "not depthwise (group != channels or a channel multiplier)");
  } else if (p.dilation_h != 1 || p.dilation_w != 1) {
    build.Skip("dwconv_nhwc_avx2", "dilated");
  } else if (!kernels::dwconv_avx2_applies(d)) {
    build.Skip("dwconv_nhwc_avx2", "only square 3x3/5x5 kernels with stride 1 or 2");
  } else if (!(cpu.avx2 && cpu.fma)) {
    build.Skip("dwconv_nhwc_avx2", "the CPU (or FINCH_DISABLE_ISA) lacks AVX2/FMA");
  } else {
    return std::unique_ptr<OpKernel>(new DwConvNhwcKernel(p, w->data<float>(), b, residual));
  }
  // oneDNN before im2col where it measured faster (bench/onednn_conv_bench.cc, one thread, AMD
  // EPYC with AVX-512, oneDNN 2.6; median µs finch im2col → oneDNN):
  //   depthwise 7x7, 96 ch, 56²        66 100 → 375  (im2col runs one N=1 GEMM per channel)
  //   64→64 group 4, 3x3, 28²          236 → 121  (1.95×; 167 with oneDNN capped at AVX2)
  //   64→64 3x3 dilation 2, 28²        533 → 454  (1.18×; 492 at AVX2)
  // The stems (3→32 3x3 s2, 224²: 461 → 221 µs on one thread) stay on im2col: oneDNN allocates
  // in every run (its execution context), and a run of finch allocates nothing in steady state,
  // and at 2 threads im2col splits across the pool (≈ 270 µs). oneDNN runs on the calling
  // thread alone (runtime/ops/conv_onednn.cc says why). finch's own 1x1 GEMM wins 144→24 1x1
  // 56² (212 vs 256), so 1x1 and the AVX2 depthwise keep their places above.
  const bool onednn_wins = p.group > 1 || p.dilation_h > 1 || p.dilation_w > 1;
  if (!onednn_wins) {
    build.Skip("conv_onednn_nhwc", "dense and undilated: finch's im2col path is preferred");
  } else if (auto onednn = MakeOneDnnConvKernel(build, act, /*nhwc=*/true, "conv_onednn_nhwc")) {
    return onednn;
  }
  return std::unique_ptr<OpKernel>(
      new Im2colConvKernel(p, w->data<float>(), b, gemm, build.threads));
}

}  // namespace finch
