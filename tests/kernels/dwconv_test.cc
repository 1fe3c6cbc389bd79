// Depthwise convolution: the NCHW and NHWC references against conv_f32_ref (group = channels),
// and every AVX2 variant against its reference over a sweep of channels (tile −1/tile/tile+1,
// primes), sizes, kernels, strides, pads (symmetric and not), batch and activations.
//
// Inputs are small integers, so every sum is exact in float and the results must agree bit for
// bit; the one exception is HardSigmoid (alpha 0.2), where alpha·x + beta may be contracted into
// an FMA on one side only: one rounding instead of two on a value whose clamped result lies in
// [0, 1], so |Δ| ≤ ulp(|alpha·x|)/2 + ulp(1)/2 ≤ 2^-23 for |alpha·x| ≤ 1.5 (beyond that both
// clamp). Sigmoid and SiLU use the vector sigmoid of kernels/common/avx2/vecmath_avx2.h (≤ 2.5
// and 3 ulp from exact; the scalar expf-based reference adds ≤ ~1.5): |Δ| ≤ 1e-6·max(1, |ref|).
// Every buffer a kernel reads or writes ends against a PROT_NONE page.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/conv/conv_ref.h"
#include "kernels/dwconv/avx2/dwconv_avx2.h"
#include "kernels/dwconv/dwconv_ref.h"
#include "runtime/cpu_features.h"
#include "tests/util/guarded_buffer.h"

namespace finch::kernels {
namespace {

// NCHW [N][C][H][W] -> NHWC [N][H][W][C].
std::vector<float> ToNhwc(const float* x, int64_t N, int64_t C, int64_t H, int64_t W) {
  std::vector<float> r(N * C * H * W);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < H * W; ++i) r[(n * H * W + i) * C + c] = x[(n * C + c) * H * W + i];
  return r;
}

const Activation kActivations[] = {
    {ActivationKind::kNone, 0, 0},      {ActivationKind::kRelu, 0, 0},
    {ActivationKind::kClip, 0, 6},      {ActivationKind::kSigmoid, 0, 0},
    {ActivationKind::kSiLU, 0, 0},      {ActivationKind::kHardSigmoid, 0.2f, 0.5f},
    {ActivationKind::kHardSwish, 0, 0}, {ActivationKind::kLeakyRelu, 0.1f, 0},
};

struct Case {
  int64_t batch, channels, h, w, k, stride, pt, pl, pb, pr;
  Activation act;
  bool with_bias;
  uint32_t seed;

  DwConvParams Params() const {
    DwConvParams p;
    p.batch = batch;
    p.channels = channels;
    p.in_h = h;
    p.in_w = w;
    p.kernel_h = p.kernel_w = k;
    p.stride_h = p.stride_w = stride;
    p.pad_top = pt;
    p.pad_left = pl;
    p.out_h = DwConvOutSize(h, k, stride, pt, pb);
    p.out_w = DwConvOutSize(w, k, stride, pl, pr);
    p.act = act;
    return p;
  }
  std::string Describe() const {
    std::ostringstream s;
    s << "seed=" << seed << " N=" << batch << " C=" << channels << " H=" << h << " W=" << w
      << " k=" << k << " stride=" << stride << " pads(t,l,b,r)=" << pt << "," << pl << "," << pb
      << "," << pr << " act=" << static_cast<int>(act.kind) << "(" << act.alpha << "," << act.beta
      << ") bias=" << with_bias;
    return s.str();
  }
};

// Allowed |Δ| relative to max(1, |ref|); 0 means bit for bit.
float Tolerance(const Activation& a) {
  if (a.kind == ActivationKind::kSigmoid || a.kind == ActivationKind::kSiLU) return 1e-6f;
  return a.kind == ActivationKind::kHardSigmoid ? std::ldexp(1.f, -23) : 0.f;
}

// Compares `n` values; at most a few mismatches printed, with the case and the index.
void ExpectSame(const Case& c, const char* what, const float* want, const float* got, int64_t n,
                float tol) {
  int printed = 0;
  for (int64_t i = 0; i < n; ++i) {
    const bool ok = tol == 0
                        ? std::memcmp(&want[i], &got[i], sizeof(float)) == 0
                        : std::fabs(want[i] - got[i]) <= tol * std::max(1.f, std::fabs(want[i]));
    if (!ok) {
      ADD_FAILURE() << what << " differs at flat index " << i << ": want " << want[i] << " got "
                    << got[i] << " | " << c.Describe();
      if (++printed == 3) return;
    }
  }
}

bool HaveAvx2() {
  const CpuFeatures& f = GetCpuFeatures();
  return f.avx2 && f.fma;
}

// Runs both references (checked against each other) and, when the CPU allows, both AVX2
// variants against them. Returns false when the case makes no output.
bool RunCase(const Case& c, bool avx2) {
  const DwConvParams p = c.Params();
  if (p.out_h <= 0 || p.out_w <= 0) return false;
  std::mt19937 rng(c.seed);
  const int64_t xs = c.batch * c.channels * c.h * c.w;
  const int64_t ys = c.batch * c.channels * p.out_h * p.out_w;
  const int64_t ws = c.channels * c.k * c.k;
  GuardedBuffer x(xs), w(ws), b(c.channels);
  FillInts(rng, -4, 4, x.data(), xs);
  FillInts(rng, -3, 3, w.data(), ws);
  FillInts(rng, -8, 8, b.data(), c.channels);
  const float* bias = c.with_bias ? b.data() : nullptr;

  GuardedBuffer y_nchw(ys), y_nhwc(ys);
  dwconv_f32_nchw_ref(p, x.data(), w.data(), bias, y_nchw.data());
  const std::vector<float> x_nhwc_v = ToNhwc(x.data(), c.batch, c.channels, c.h, c.w);
  GuardedBuffer x_nhwc(xs);
  std::copy(x_nhwc_v.begin(), x_nhwc_v.end(), x_nhwc.data());
  dwconv_f32_nhwc_ref(p, x_nhwc.data(), w.data(), bias, y_nhwc.data());
  const std::vector<float> want_nhwc = ToNhwc(y_nchw.data(), c.batch, c.channels, p.out_h, p.out_w);
  ExpectSame(c, "nhwc_ref vs nchw_ref", want_nhwc.data(), y_nhwc.data(), ys, 0.f);
  if (!avx2 || !dwconv_avx2_applies(p)) return true;

  const float tol = Tolerance(c.act);
  {
    GuardedBuffer packed(dwconv_nhwc_avx2_packed_size(p));
    dwconv_nhwc_avx2_pack(p, w.data(), bias, packed.data());
    GuardedBuffer y(ys);
    y.Fill(std::nanf(""));
    dwconv_f32_nhwc_avx2(p, x_nhwc.data(), packed.data(), y.data(), nullptr);
    ExpectSame(c, "dwconv_f32_nhwc_avx2", y_nhwc.data(), y.data(), ys, tol);
  }
  {
    GuardedBuffer packed(dwconv_nchw_avx2_packed_size(p));
    dwconv_nchw_avx2_pack(p, w.data(), bias, packed.data());
    GuardedBuffer scratch(dwconv_nchw_avx2_scratch_size(p));
    scratch.Fill(std::nanf(""));  // the kernel must zero its own pads
    GuardedBuffer y(ys);
    y.Fill(std::nanf(""));
    dwconv_f32_nchw_avx2(p, x.data(), packed.data(), y.data(), scratch.data());
    ExpectSame(c, "dwconv_f32_nchw_avx2", y_nchw.data(), y.data(), ys, tol);
  }
  return true;
}

TEST(DwConvKernels, GuardPageCatchesOverrun) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        GuardedBuffer b(37);
        volatile float* p = b.data();
        p[37] = 1.f;
      },
      "");
}

TEST(DwConvKernels, ReferenceMatchesGroupedConv) {
  // Non-integer data: the two references must agree bit for bit anyway (same summation order).
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  for (int64_t k : {1, 3, 5, 4}) {
    for (int64_t s : {1, 2, 3}) {
      for (int64_t pad : {0, 1, 2}) {
        Case c{2, 5, 9, 7, k, s, pad, pad > 0 ? pad - 1 : 0, pad, pad + 1, {}, true, 0};
        DwConvParams p = c.Params();
        if (p.out_h <= 0 || p.out_w <= 0) continue;
        std::vector<float> x(c.batch * c.channels * c.h * c.w), w(c.channels * k * k),
            b(c.channels);
        for (float& v : x) v = d(rng);
        for (float& v : w) v = d(rng);
        for (float& v : b) v = d(rng);
        ConvParams cp;
        cp.batch = c.batch;
        cp.in_channels = cp.out_channels = cp.groups = c.channels;
        cp.spatial = 2;
        cp.in[0] = c.h;
        cp.in[1] = c.w;
        cp.out[0] = p.out_h;
        cp.out[1] = p.out_w;
        cp.kernel[0] = cp.kernel[1] = k;
        cp.stride[0] = cp.stride[1] = s;
        cp.pad_begin[0] = c.pt;
        cp.pad_begin[1] = c.pl;
        const int64_t ys = c.batch * c.channels * p.out_h * p.out_w;
        std::vector<float> want(ys), got(ys);
        conv_f32_ref(cp, x.data(), w.data(), b.data(), want.data());
        dwconv_f32_nchw_ref(p, x.data(), w.data(), b.data(), got.data());
        ExpectSame(c, "dwconv_f32_nchw_ref vs conv_f32_ref", want.data(), got.data(), ys, 0.f);
        // The activation epilogue equals the activation applied afterwards.
        p.act = {ActivationKind::kHardSwish, 0, 0};
        activation_f32_ref(p.act, want.data(), ys);
        dwconv_f32_nchw_ref(p, x.data(), w.data(), b.data(), got.data());
        ExpectSame(c, "dwconv_f32_nchw_ref + HardSwish", want.data(), got.data(), ys, 0.f);
      }
    }
  }
}

TEST(DwConvKernels, Avx2Sweep) {
  const bool avx2 = HaveAvx2();
  if (!avx2) {
    std::printf("[ SKIPPED  ] AVX2/FMA kernels: CPU lacks avx2/fma (%s); references only\n",
                GetCpuFeatures().Summary().c_str());
  }
  struct Pads {
    int64_t t, l, b, r;
  };
  const Pads pads[] = {{0, 0, 0, 0}, {1, 1, 1, 1}, {2, 2, 2, 2}, {0, 1, 2, 0}, {2, 0, 1, 1}};
  const int64_t sizes[] = {1, 2, 3, 7, 8, 9, 14, 17};
  uint32_t seed = 1;
  int ran = 0;
  for (int64_t ch : {1, 7, 8, 9, 16, 24, 37, 144}) {
    for (size_t si = 0; si < std::size(sizes); ++si) {
      const int64_t h = sizes[si], w = sizes[(si + 3) % std::size(sizes)];  // also non-square
      for (int64_t k : {3, 5}) {
        for (int64_t s : {1, 2}) {
          for (const Pads& pd : pads) {
            const Case c{1 + seed % 2,
                         ch,
                         h,
                         w,
                         k,
                         s,
                         pd.t,
                         pd.l,
                         pd.b,
                         pd.r,
                         kActivations[seed % std::size(kActivations)],
                         seed % 5 != 0,
                         seed};
            ++seed;
            ran += RunCase(c, avx2);
            if (HasFailure()) return;
          }
        }
      }
    }
  }
  EXPECT_GT(ran, 850);  // the rest make no output (kernel larger than padded input)
}

TEST(DwConvKernels, Avx2SquareAndEveryActivation) {
  const bool avx2 = HaveAvx2();
  if (!avx2) std::printf("[ SKIPPED  ] AVX2/FMA kernels: CPU lacks avx2/fma\n");
  uint32_t seed = 100000;
  for (const Activation& a : kActivations) {
    for (int64_t ch : {8, 9, 37}) {
      for (int64_t hw : {1, 7, 8, 9, 17}) {
        for (int64_t k : {3, 5}) {
          for (int64_t s : {1, 2}) {
            const int64_t pad = k / 2;
            RunCase({2, ch, hw, hw, k, s, pad, pad, pad, pad, a, true, seed++}, avx2);
            if (HasFailure()) return;
          }
        }
      }
    }
  }
}

TEST(DwConvKernels, Avx2BigShapes) {
  const bool avx2 = HaveAvx2();
  if (!avx2) std::printf("[ SKIPPED  ] AVX2/FMA kernels: CPU lacks avx2/fma\n");
  uint32_t seed = 200000;
  const Case cases[] = {
      {1, 144, 56, 56, 3, 1, 1, 1, 1, 1, kActivations[2], true, seed++},
      {1, 144, 56, 56, 3, 2, 0, 0, 1, 1, kActivations[2], true, seed++},  // TF-style "same" s2
      {2, 37, 56, 56, 5, 2, 2, 2, 2, 2, kActivations[4], true, seed++},
      {1, 24, 56, 17, 5, 1, 2, 2, 2, 2, kActivations[6], false, seed++},
  };
  for (const Case& c : cases) RunCase(c, avx2);
}

}  // namespace
}  // namespace finch::kernels
