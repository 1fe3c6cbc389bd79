// finch::QLinearConv with layout NHWC: ONNX's QLinearConv with x and y channels-last, on the
// exact int8 kernels (kernels/int8/: no intermediate ever saturates). The GEMM is
// runtime/ops/qgemm_driver.h's: VNNI when the CPU has it and the weights fit, else the int16
// vpmaddwd kernel, else the reference.
//
// Candidates, fastest first, chosen once at plan time; every one needs the weights, scales, zero
// points and bias as constants:
//   qconv1x1_nhwc_qgemm   1×1, stride 1, no padding, one group: the image is the GEMM's A
//                         [pixels, in channels]; weights packed once.
//   qdwconv_nhwc_vnni     depthwise 3×3 / 5×5, stride 1 or 2, ≥ 32 channels, weights minus
//                         their zero points within int8 (AVX-512 VL/BW + VNNI).
//   qdwconv_nhwc_avx2     depthwise 3×3 / 5×5, stride 1 or 2 (AVX2).
//   qconv_nhwc_im2col     any other one-group convolution (the 3-channel stem): im2col rows of a
//                         tile of output pixels, padding taps holding x's zero point, times the
//                         packed weights.
//   NCHW fallback         the reference QLinearConv between two transposes.
// The requantization is the reference's: multiplier = x_scale · w_scale[c] / y_scale in float32,
// y = saturate(round_half_even(float(acc) · multiplier) + y_zp) (kernels/int8/requantize.h), so
// the fast paths and the reference agree bit for bit. Work is split by output pixels or rows,
// never inside a sum: any thread count gives the same bytes. A 1×1 convolution on a small image
// (fewer than two tiles of at most 96 pixels per thread) also splits its output channels into
// groups of whole 16-column panels.
#include <algorithm>
#include <memory>
#include <vector>

#include "graph/ops/fused.h"
#include "graph/ops/layout.h"
#include "graph/ops/quantize.h"
#include "kernels/int8/qdwconv.h"
#include "kernels/int8/qgemm.h"
#include "kernels/int8/qim2col_nhwc.h"
#include "runtime/cpu_features.h"
#include "runtime/kernel_registry.h"
#include "runtime/ops/conv_nhwc.h"
#include "runtime/ops/image_rows.h"
#include "runtime/ops/nhwc_fallback.h"
#include "runtime/ops/qgemm_driver.h"
#include "runtime/thread_pool.h"

namespace finch {
namespace {

using kernels::ConvNhwcParams;
using kernels::QType;

enum QInput { kX, kXScale, kXZp, kW, kWScale, kWZp, kYScale, kYZp, kB };

// The constants of a QLinearConv as the int8 kernels take them.
struct QConvConstants {
  QType x_type = QType::kUint8, w_type = QType::kInt8, y_type = QType::kUint8;
  int32_t x_zp = 0, y_zp = 0;
  std::vector<int32_t> w_zp;       // [1] or [out_c]
  std::vector<float> multiplier;   // [1] or [out_c]: x_scale · w_scale[c] / y_scale
  std::vector<int32_t> bias;       // [out_c] or empty
  bool per_channel = false;        // multiplier per channel
};

QType ToQType(DataType t) { return t == DataType::kInt8 ? QType::kInt8 : QType::kUint8; }

// Every parameter constant and 8-bit, else why not.
StatusOr<QConvConstants> ReadConstants(const KernelBuildContext& b, int64_t out_c,
                                       std::string* why) {
  for (int i : {kXScale, kXZp, kW, kWScale, kWZp, kYScale, kYZp, kB}) {
    if (b.has_input(i) && (i >= static_cast<int>(b.constants.size()) || !b.constants[i])) {
      *why = "input " + std::to_string(i) + " is not a constant";
      return Status::Ok();
    }
  }
  if (!b.has_input(kXZp) || !b.has_input(kWZp) || !b.has_input(kYZp)) {
    *why = "a zero point is omitted";
    return Status::Ok();
  }
  QConvConstants c;
  c.x_type = ToQType(b.inputs[kX].dtype);
  c.w_type = ToQType(b.inputs[kW].dtype);
  c.y_type = ToQType(b.inputs[kYZp].dtype);
  c.x_zp = static_cast<int32_t>(ElementAsInt64(*b.constants[kXZp], 0));
  c.y_zp = static_cast<int32_t>(ElementAsInt64(*b.constants[kYZp], 0));
  const Tensor& w_zp = *b.constants[kWZp];
  for (int64_t i = 0; i < w_zp.num_elements(); ++i) {
    c.w_zp.push_back(static_cast<int32_t>(ElementAsInt64(w_zp, i)));
  }
  const float x_scale = static_cast<float>(ElementAsDouble(*b.constants[kXScale], 0));
  const float y_scale = static_cast<float>(ElementAsDouble(*b.constants[kYScale], 0));
  const Tensor& w_scale = *b.constants[kWScale];
  c.per_channel = w_scale.num_elements() > 1;
  for (int64_t i = 0; i < w_scale.num_elements(); ++i) {
    // The reference's expression and order (kernels/quant/qconv_ref.cc), for identical bits.
    c.multiplier.push_back(x_scale * static_cast<float>(ElementAsDouble(w_scale, i)) / y_scale);
  }
  if (c.w_zp.size() > 1 && static_cast<int64_t>(c.w_zp.size()) != out_c) {
    return b.Error("w_zero_point has ", c.w_zp.size(), " values for ", out_c, " channels");
  }
  if (b.has_input(kB)) {
    const Tensor& bias = *b.constants[kB];
    c.bias.assign(bias.data<int32_t>(), bias.data<int32_t>() + bias.num_elements());
  }
  return c;
}

kernels::QWeights WeightsOf(const QConvConstants& c, const void* data) {
  kernels::QWeights w;
  w.data = data;
  w.type = c.w_type;
  w.zero_point = c.w_zp.data();
  w.per_channel = c.w_zp.size() > 1;
  return w;
}

kernels::QuantEpilogue EpilogueOf(const QConvConstants& c) {
  return kernels::QuantEpilogue::Quantized(c.y_type, c.multiplier.data(), c.per_channel, c.y_zp,
                                           c.bias.empty() ? nullptr : c.bias.data());
}

// The quantized GEMM over rows of A that are either the image itself (1×1) or im2col rows.
class QConvGemmKernel final : public OpKernel {
 public:
  static constexpr int64_t kTile = 96;  // output pixels per task

  QConvGemmKernel(const ConvNhwcParams& p, QConvConstants c, const Tensor& w, bool im2col,
                  const KernelBuildContext& build)
      : p_(p), c_(std::move(c)), k_(kernels::conv_nhwc_im2col_k(p)), im2col_(im2col),
        threads_(std::max(build.threads, 1)),
        gemm_(k_, p.out_c, WeightsOf(c_, OhwiWeights(p, w).data()), 1, k_, build) {}

  std::string name() const override {
    return std::string(im2col_ ? "qconv_nhwc_im2col_" : "qconv1x1_nhwc_") + gemm_.name();
  }
  size_t scratch_bytes() const override { return threads_ * ThreadScratch(); }
  size_t held_bytes() const override {
    return gemm_.held_bytes() + c_.bias.size() * 4 + c_.multiplier.size() * 4;
  }

  Status Run(KernelContext& ctx) const override {
    const auto* x = static_cast<const uint8_t*>(ctx.input(kX).raw_data());
    auto* y = static_cast<uint8_t*>(ctx.output(0).mutable_raw_data());
    const int threads = std::min(ctx.threads(), threads_);
    const size_t scratch_bytes = threads * ThreadScratch();
    auto* scratch = static_cast<uint8_t*>(ctx.Scratch(scratch_bytes));
    if (scratch == nullptr && scratch_bytes > 0) {
      return ResourceExhausted("out of memory for QLinearConv scratch");
    }
    const int64_t pixels = p_.batch * p_.out_h * p_.out_w;
    // Tiles of at most kTile pixels, as equal as they come (14×14: 66 + 65 + 65, not
    // 96 + 96 + 4), so that equal numbers of tasks are equal work.
    const int64_t tiles = (pixels + kTile - 1) / kTile;
    const int64_t tile_pixels = tiles > 0 ? (pixels + tiles - 1) / tiles : 0;
    // Small images (14×14: 3 tiles, 7×7: 1) leave threads idle: a 1×1 convolution then also
    // splits its columns into groups of whole panels, for at least two tasks per thread. Each
    // output is computed the same way in any split.
    const int64_t panels = (p_.out_c + kernels::kQGemmPanel - 1) / kernels::kQGemmPanel;
    int64_t groups = 1;
    if (!im2col_ && threads > 1 && tiles < 2 * threads) {
      groups = std::max<int64_t>(1, std::min(panels, (2 * threads + tiles - 1) / tiles));
    }
    const kernels::QuantEpilogue e = EpilogueOf(c_);
    auto run = [&](int chunk, int64_t begin, int64_t end) {
      uint8_t* mine = scratch ? scratch + chunk * ThreadScratch() : nullptr;
      uint8_t* rows = im2col_ ? mine + GemmScratch() : nullptr;
      for (int64_t task = begin; task < end; ++task) {
        const int64_t t = task / groups, g = task % groups;
        const int64_t n0 = panels * g / groups * kernels::kQGemmPanel;
        const int64_t n1 = std::min(p_.out_c, panels * (g + 1) / groups * kernels::kQGemmPanel);
        const int64_t m0 = t * tile_pixels, m1 = std::min(pixels, m0 + tile_pixels);
        kernels::QGemmA a;
        a.type = c_.x_type;
        a.zero_point = c_.x_zp;
        if (im2col_) {
          kernels::qconv_nhwc_im2col(p_, x, static_cast<uint8_t>(c_.x_zp), 0, m0, m1, rows);
          a.data = rows;
          a.ld = k_;
        } else {
          a.data = x + m0 * p_.in_c;
          a.ld = p_.in_c;
        }
        gemm_.Run(m1 - m0, a, y + m0 * p_.out_c, p_.out_c, e, mine, n0, n1);
      }
    };
    ForTaskChunks(ctx, threads_, tiles * groups, run);
    return Status::Ok();
  }

 private:
  // w [out_c, in_c, kh, kw] reordered to the im2col rows' K order (the identity for 1×1).
  static std::vector<uint8_t> OhwiWeights(const ConvNhwcParams& p, const Tensor& w) {
    std::vector<uint8_t> ohwi(static_cast<size_t>(p.out_c * kernels::conv_nhwc_im2col_k(p)));
    kernels::qconv_weights_to_ohwi(p, static_cast<const uint8_t*>(w.raw_data()), ohwi.data());
    return ohwi;
  }
  // Per thread: the GEMM's scratch (64-byte multiple), then the im2col rows.
  size_t GemmScratch() const { return gemm_.scratch_bytes(); }
  size_t ThreadScratch() const {
    return GemmScratch() + (im2col_ ? static_cast<size_t>(kTile * k_ + 64) : 0);
  }

  ConvNhwcParams p_;
  QConvConstants c_;
  int64_t k_;
  bool im2col_;
  int threads_;
  QPackedGemm gemm_;
};

// Depthwise: the VNNI kernel (weights packed as int8), the AVX2 kernel (packed as int16), or the
// reference on the weights as given.
class QDwConvKernel final : public OpKernel {
 public:
  enum class Impl { kVnni, kAvx2, kRef };

  // `impl` is the fastest the geometry and CPU allow; VNNI falls back to AVX2 here when the
  // weights do not fit its packing.
  QDwConvKernel(const ConvNhwcParams& p, QConvConstants c, const Tensor& w, Impl impl,
                const KernelBuildContext& build)
      : c_(std::move(c)), impl_(impl), threads_(std::max(build.threads, 1)) {
    q_.conv = ToDwConv(p);
    q_.x_type = c_.x_type;
    q_.x_zero_point = c_.x_zp;
    const kernels::QWeights weights = WeightsOf(c_, w.raw_data());
    if (impl_ == Impl::kVnni) {
      packed8_.resize(static_cast<size_t>(kernels::qdwconv_nhwc_vnni_packed_bytes(q_.conv)));
      if (kernels::qdwconv_nhwc_vnni_pack(q_.conv, weights, packed8_.data())) return;
      packed8_ = {};
      build.Skip("qdwconv_nhwc_vnni", "a weight minus its zero point leaves int8");
      impl_ = Impl::kAvx2;
    }
    if (impl_ == Impl::kAvx2) {
      packed_.resize(static_cast<size_t>(kernels::qdwconv_nhwc_avx2_packed_size(q_.conv)));
      kernels::qdwconv_nhwc_avx2_pack(q_.conv, weights, packed_.data());
    } else {
      const auto* bytes = static_cast<const uint8_t*>(w.raw_data());
      weights_.assign(bytes, bytes + w.byte_size());
    }
  }
  std::string name() const override {
    switch (impl_) {
      case Impl::kVnni:
        return "qdwconv_nhwc_vnni";
      case Impl::kAvx2:
        return "qdwconv_nhwc_avx2";
      case Impl::kRef:
        break;
    }
    return "qdwconv_nhwc_ref";
  }
  size_t held_bytes() const override {
    return packed8_.size() + packed_.size() * sizeof(int16_t) + weights_.size();
  }

  Status Run(KernelContext& ctx) const override {
    const void* x = ctx.input(kX).raw_data();
    void* y = ctx.output(0).mutable_raw_data();
    const kernels::QuantEpilogue e = EpilogueOf(c_);
    const int64_t rows = q_.conv.out_h;
    const kernels::QWeights w = WeightsOf(c_, weights_.data());
    ForImageRows(ctx, threads_, q_.conv.batch, rows, [&](int, int64_t n, int64_t r0, int64_t r1) {
      switch (impl_) {
        case Impl::kVnni:
          kernels::qdwconv_nhwc_vnni(q_, x, packed8_.data(), y, e, n * rows + r0, n * rows + r1);
          return;
        case Impl::kAvx2:
          kernels::qdwconv_nhwc_avx2(q_, x, packed_.data(), y, e, n * rows + r0, n * rows + r1);
          return;
        case Impl::kRef:
          kernels::qdwconv_nhwc_ref(q_, x, w, y, e, n * rows + r0, n * rows + r1);
          return;
      }
    });
    return Status::Ok();
  }

 private:
  kernels::QDwConvParams q_;
  QConvConstants c_;
  Impl impl_;
  int threads_;
  std::vector<uint8_t> packed8_;  // VNNI
  std::vector<int16_t> packed_;   // AVX2
  std::vector<uint8_t> weights_;  // reference: [C, 1, kh, kw] as given
};

StatusOr<std::unique_ptr<OpKernel>> Fallback(const KernelBuildContext& build) {
  const KernelFactory* nchw = GlobalKernels().Find("", "QLinearConv");
  if (nchw == nullptr) return Internal("no kernel for QLinearConv");
  return MakeNchwFallbackKernel(build, *nchw, {kX});
}

StatusOr<std::unique_ptr<OpKernel>> MakeQLinearConvNhwcKernel(const KernelBuildContext& build) {
  if (!IsNhwc(build.node)) return build.Unsupported("finch::QLinearConv needs layout NHWC");
  bool known = true;
  for (size_t i = 0; i < build.inputs.size(); ++i) {
    if (build.has_input(i) && !build.inputs[i].is_static()) known = false;
  }
  if (!known) {
    build.Skip("int8 fast paths", "shapes known only at run time");
    return Fallback(build);
  }
  InputShapes shapes(build.inputs.size(), nullptr);
  std::vector<Shape> storage(build.inputs.size());
  for (size_t i = 0; i < build.inputs.size(); ++i) {
    if (!build.has_input(i)) continue;
    storage[i] = build.inputs[i].static_shape();
    if (i == kX) storage[i] = NhwcToNchw(storage[i]);
    shapes[i] = &storage[i];
  }
  FINCH_ASSIGN_OR_RETURN(QConvGeometry g, ResolveQLinearConv(build.node, shapes));
  FINCH_ASSIGN_OR_RETURN(ConvNhwcParams p, NhwcParamsOf(build.node, g.conv));
  std::string why;
  FINCH_ASSIGN_OR_RETURN(QConvConstants c, ReadConstants(build, p.out_c, &why));
  if (!why.empty()) {
    build.Skip("int8 fast paths", why);
    return Fallback(build);
  }
  const Tensor& w = *build.constants[kW];
  const CpuFeatures& cpu = GetCpuFeatures();
  const bool avx2 = cpu.avx2 && cpu.fma;

  const bool pointwise = p.kernel_h == 1 && p.kernel_w == 1 && p.stride_h == 1 &&
                         p.stride_w == 1 && p.pad_top == 0 && p.pad_left == 0 &&
                         p.out_h == p.in_h && p.out_w == p.in_w && p.group == 1;
  if (pointwise) {
    return std::unique_ptr<OpKernel>(
        new QConvGemmKernel(p, std::move(c), w, false, build));
  }
  build.Skip("qconv1x1_nhwc", "not a 1x1 stride-1 unpadded single-group convolution");
  const bool depthwise = p.group == p.in_c && p.out_c == p.in_c;
  if (!depthwise) {
    build.Skip("qdwconv_nhwc_avx2", "not depthwise");
  } else if (p.dilation_h != 1 || p.dilation_w != 1) {
    build.Skip("qdwconv_nhwc_avx2", "dilated");
  } else {
    const bool applies = kernels::qdwconv_nhwc_avx2_applies(ToDwConv(p));
    const bool vnni = avx2 && cpu.avx512vl && cpu.avx512bw && cpu.avx512_vnni;
    using Impl = QDwConvKernel::Impl;
    Impl impl = Impl::kRef;
    if (!applies) {
      build.Skip("qdwconv_nhwc_vnni", "only square 3x3/5x5 kernels with stride 1 or 2");
      build.Skip("qdwconv_nhwc_avx2", "only square 3x3/5x5 kernels with stride 1 or 2");
    } else {
      if (!vnni) {
        build.Skip("qdwconv_nhwc_vnni",
                   "the CPU (or FINCH_DISABLE_ISA) lacks AVX-512 VL/BW + VNNI");
      } else if (!kernels::qdwconv_nhwc_vnni_applies(ToDwConv(p))) {
        build.Skip("qdwconv_nhwc_vnni", "fewer than 32 channels");
      } else {
        impl = Impl::kVnni;
      }
      if (impl == Impl::kRef && avx2) impl = Impl::kAvx2;
      if (!avx2) build.Skip("qdwconv_nhwc_avx2", "the CPU (or FINCH_DISABLE_ISA) lacks AVX2/FMA");
    }
    return std::unique_ptr<OpKernel>(new QDwConvKernel(p, std::move(c), w, impl, build));
  }
  if (p.group == 1) {
    return std::unique_ptr<OpKernel>(
        new QConvGemmKernel(p, std::move(c), w, true, build));
  }
  build.Skip("qconv_nhwc_im2col", "grouped");
  return Fallback(build);
}

}  // namespace

void RegisterQLinearConvNhwcKernels(KernelRegistry& r) {
  r.Register(kFinchDomain, "QLinearConv", MakeQLinearConvNhwcKernel);
}

}  // namespace finch
