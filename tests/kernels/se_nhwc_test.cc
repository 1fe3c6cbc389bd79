// Squeeze-excite in NHWC: se_nhwc_f32_ref against the composition fused.cc's reference runs
// (global_avgpool_f32_ref, two 1×1 conv_f32_ref, the activations, a broadcast multiply) on the
// NCHW tensor — bit for bit, on any data — and se_nhwc_f32_avx2 against se_nhwc_f32_ref within a
// bound derived per element (below), over channels, sizes, batch, reduced widths and activation
// pairs. In-place operation (y == x) is checked for both.
//
// The AVX2 FCs reassociate (8-lane FMA partial sums + a hadd tree). For a dot product of length
// K plus a bias, computed in any order in float, |computed − exact| ≤ γ_{K+1}·(|b| + Σ|w·v|),
// γ_n = n·u/(1 − n·u), u = 2⁻²⁴; the two kernels differ by at most twice that, plus what the
// inputs' own difference contributes (Σ|w|·Δv). An activation maps an input difference Δ to at
// most L·Δ (L its Lipschitz constant) plus the rounding of its own evaluation (a few ulps of the
// output on each side: 8 ulps allowed, for the vector exp the epilogue may use). The final
// multiply adds |x|·Δg plus one rounding.
#include "kernels/se/se_nhwc.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/conv/conv_ref.h"
#include "kernels/pool/avgpool_ref.h"
#include "runtime/cpu_features.h"
#include "tests/util/guarded_buffer.h"

namespace finch::kernels {
namespace {

bool HaveAvx2() {
  const CpuFeatures& f = GetCpuFeatures();
  return f.avx2 && f.fma;
}

std::vector<float> ToNhwc(const float* x, int64_t N, int64_t C, int64_t HW) {
  std::vector<float> r(N * C * HW);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < HW; ++i) r[(n * HW + i) * C + c] = x[(n * C + c) * HW + i];
  return r;
}

// fused.cc's SqueezeExciteRef, on NCHW, in place.
void ComposedSe(const SqueezeExciteParams& p, const float* w1, const float* b1, const float* w2,
                const float* b2, float* x) {
  const int64_t n = p.batch, c = p.channels, r = p.reduced;
  std::vector<float> pooled(n * c), mid(n * r), scale(n * c);
  global_avgpool_f32_ref(n * c, p.hw, x, pooled.data());
  ConvParams c1;
  c1.batch = n;
  c1.in_channels = c;
  c1.out_channels = r;
  conv_f32_ref(c1, pooled.data(), w1, b1, mid.data());
  activation_f32_ref(p.act, mid.data(), n * r);
  ConvParams c2 = c1;
  c2.in_channels = r;
  c2.out_channels = c;
  conv_f32_ref(c2, mid.data(), w2, b2, scale.data());
  activation_f32_ref(p.gate, scale.data(), n * c);
  for (int64_t i = 0; i < n * c; ++i)
    for (int64_t j = 0; j < p.hw; ++j) x[i * p.hw + j] *= scale[i];
}

double Lipschitz(const Activation& a) {
  switch (a.kind) {
    case ActivationKind::kSigmoid:
      return 0.25;
    case ActivationKind::kSiLU:
      return 1.1;
    case ActivationKind::kHardSigmoid:
      return std::fabs(a.alpha);
    case ActivationKind::kHardSwish:
      return 1.5;
    case ActivationKind::kLeakyRelu:
      return std::max(1.0, std::fabs(double(a.alpha)));
    default:
      return 1.0;
  }
}

double Gamma(int64_t n) {
  const double u = std::ldexp(1.0, -24);
  return n * u / (1 - n * u);
}

double Ulp(double v) { return std::ldexp(1.0, -23) * std::max(std::fabs(v), 1e-30); }

// What evaluating the activation itself may differ by, on equal inputs: 8 ulps of the output,
// and for HardSigmoid one ulp of 1 (alpha·x + beta contracted into an FMA on one side only).
double EvalError(const Activation& a, double out) {
  return 8 * Ulp(out) + (a.kind == ActivationKind::kHardSigmoid ? std::ldexp(1.0, -23) : 0.0);
}

// Per-element bound on |se_avx2 − se_ref| for image n (see the header comment), from the
// reference's intermediate values recomputed in double.
std::vector<double> Bound(const SqueezeExciteParams& p, const float* x, const float* w1,
                          const float* b1, const float* w2, const float* b2) {
  const int64_t C = p.channels, R = p.reduced, HW = p.hw;
  std::vector<double> bound(p.batch * HW * C);
  for (int64_t n = 0; n < p.batch; ++n) {
    const float* xn = x + n * HW * C;
    std::vector<float> s(C);
    for (int64_t c = 0; c < C; ++c) {  // the mean is exact-equal in both kernels
      float sum = 0.f;
      for (int64_t i = 0; i < HW; ++i) sum += xn[i * C + c];
      s[c] = sum / static_cast<float>(HW);
    }
    std::vector<double> r(R), er(R), eg(C), g(C);
    for (int64_t j = 0; j < R; ++j) {
      double z = b1 ? b1[j] : 0, mag = b1 ? std::fabs(b1[j]) : 0;
      for (int64_t c = 0; c < C; ++c) {
        z += double(w1[j * C + c]) * s[c];
        mag += std::fabs(double(w1[j * C + c]) * s[c]);
      }
      r[j] = ApplyActivation(p.act, static_cast<float>(z));
      er[j] = Lipschitz(p.act) * 2 * Gamma(C + 1) * mag + EvalError(p.act, r[j]);
    }
    for (int64_t c = 0; c < C; ++c) {
      double z = b2 ? b2[c] : 0, mag = b2 ? std::fabs(b2[c]) : 0, prop = 0;
      for (int64_t j = 0; j < R; ++j) {
        z += w2[c * R + j] * r[j];
        mag += std::fabs(w2[c * R + j] * r[j]);
        prop += std::fabs(double(w2[c * R + j])) * er[j];
      }
      // mag and prop use r from double; pad by a factor 2 for the float-vs-double difference.
      g[c] = ApplyActivation(p.gate, static_cast<float>(z));
      eg[c] = Lipschitz(p.gate) * 2 * (2 * Gamma(R + 1) * mag + prop) + EvalError(p.gate, g[c]);
    }
    for (int64_t i = 0; i < HW; ++i)
      for (int64_t c = 0; c < C; ++c) {
        const double xv = xn[i * C + c];
        bound[(n * HW + i) * C + c] = std::fabs(xv) * eg[c] + Ulp(xv * g[c]);
      }
  }
  return bound;
}

struct ActPair {
  Activation act, gate;
};

TEST(SeNhwcKernels, Sweep) {
  const bool avx2 = HaveAvx2();
  std::mt19937 rng(9);
  const ActPair pairs[] = {
      {{ActivationKind::kSiLU, 0, 0}, {ActivationKind::kSigmoid, 0, 0}},  // EfficientNet
      {{ActivationKind::kRelu, 0, 0}, {ActivationKind::kHardSigmoid, 1.f / 6, 0.5f}},  // MNv3
      {{ActivationKind::kNone, 0, 0}, {ActivationKind::kHardSwish, 0, 0}},
  };
  const int64_t channels[] = {1, 3, 7, 8, 9, 16, 17, 32, 37};
  const int64_t sizes[] = {1, 2, 3, 7, 8, 9, 13};
  double worst = 0;  // the largest |Δ| / bound seen
  for (int64_t N : {1, 2})
    for (int64_t C : channels)
      for (int64_t H : sizes)
        for (int64_t W : {int64_t{1}, int64_t{7}, int64_t{13}})
          for (int64_t R : {int64_t{1}, int64_t{8}, int64_t{9}}) {
            const ActPair& ap = pairs[(C + H + R) % 3];
            SqueezeExciteParams p{N, H * W, C, R, ap.act, ap.gate};
            const bool with_bias = (C + W) % 4 != 0;
            std::ostringstream what;
            what << "N=" << N << " C=" << C << " H=" << H << " W=" << W << " R=" << R
                 << " act=" << int(ap.act.kind) << " gate=" << int(ap.gate.kind)
                 << " bias=" << with_bias;
            const int64_t xs = N * H * W * C;
            std::vector<float> x(xs);
            GuardedBuffer w1(R * C), b1(R), w2(C * R), b2(C), scratch(se_nhwc_scratch_size(p));
            FillInts(rng, -8, 8, x.data(), xs);
            FillInts(rng, -2, 2, w1.data(), R * C);
            FillInts(rng, -2, 2, b1.data(), R);
            // Small gate weights keep the gate off its flat tails, where nothing is tested.
            std::uniform_real_distribution<float> d(-0.3f, 0.3f);
            for (int64_t i = 0; i < C * R; ++i) w2.data()[i] = d(rng);
            for (int64_t i = 0; i < C; ++i) b2.data()[i] = d(rng);
            const float* pb1 = with_bias ? b1.data() : nullptr;
            const float* pb2 = with_bias ? b2.data() : nullptr;

            // x is NHWC; the composition runs on its NCHW form.
            std::vector<float> x_nchw(xs);
            for (int64_t n = 0; n < N; ++n)
              for (int64_t i = 0; i < H * W; ++i)
                for (int64_t c = 0; c < C; ++c)
                  x_nchw[(n * C + c) * H * W + i] = x[(n * H * W + i) * C + c];
            ComposedSe(p, w1.data(), pb1, w2.data(), pb2, x_nchw.data());
            const std::vector<float> want = ToNhwc(x_nchw.data(), N, C, H * W);

            GuardedBuffer xg(xs), y(xs);
            std::copy(x.begin(), x.end(), xg.data());
            y.Fill(std::nanf(""));
            scratch.Fill(std::nanf(""));
            se_nhwc_f32_ref(p, xg.data(), w1.data(), pb1, w2.data(), pb2, y.data(), scratch.data());
            for (int64_t i = 0; i < xs; ++i) {
              ASSERT_EQ(0, std::memcmp(&want[i], &y.data()[i], sizeof(float)))
                  << "ref vs composition at " << i << ": want " << want[i] << " got " << y.data()[i]
                  << " | " << what.str();
            }
            if (!avx2) continue;
            const std::vector<double> bound = Bound(p, x.data(), w1.data(), pb1, w2.data(), pb2);
            for (bool in_place : {false, true}) {
              float* out = in_place ? xg.data() : y.data();
              std::copy(x.begin(), x.end(), xg.data());
              if (!in_place) y.Fill(std::nanf(""));
              scratch.Fill(std::nanf(""));
              se_nhwc_f32_avx2(p, xg.data(), w1.data(), pb1, w2.data(), pb2, out, scratch.data());
              for (int64_t i = 0; i < xs; ++i) {
                const double diff = std::fabs(double(out[i]) - want[i]);
                ASSERT_LE(diff, bound[i])
                    << "avx2" << (in_place ? " in place" : "") << " at " << i << ": want "
                    << want[i] << " got " << out[i] << " | " << what.str();
                if (bound[i] > 0) worst = std::max(worst, diff / bound[i]);
              }
            }
          }
  if (!avx2) GTEST_SKIP() << "CPU lacks avx2/fma: only the reference was checked";
  RecordProperty("worst_error_over_bound", std::to_string(worst));
}

TEST(SeNhwcKernels, ReferenceInPlace) {
  std::mt19937 rng(10);
  SqueezeExciteParams p{
      2, 5, 11, 3, {ActivationKind::kRelu, 0, 0}, {ActivationKind::kSigmoid, 0, 0}};
  const int64_t xs = 2 * 5 * 11;
  std::vector<float> x(xs), w1(33), b1(3), w2(33), b2(11), y(xs), scratch(se_nhwc_scratch_size(p));
  FillInts(rng, -5, 5, x.data(), xs);
  FillInts(rng, -2, 2, w1.data(), 33);
  FillInts(rng, -2, 2, b1.data(), 3);
  FillInts(rng, -1, 1, w2.data(), 33);
  FillInts(rng, -1, 1, b2.data(), 11);
  se_nhwc_f32_ref(p, x.data(), w1.data(), b1.data(), w2.data(), b2.data(), y.data(),
                  scratch.data());
  se_nhwc_f32_ref(p, x.data(), w1.data(), b1.data(), w2.data(), b2.data(), x.data(),
                  scratch.data());
  EXPECT_EQ(x, y);
}

}  // namespace
}  // namespace finch::kernels
