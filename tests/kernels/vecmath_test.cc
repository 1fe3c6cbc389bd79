// The vector transcendental functions of kernels/common/avx2/vecmath_avx2.h, through the array
// kernels that apply them (kernels/elementwise/avx2/unary_avx2.h), against std:: in double:
// a dense sweep (every 2^-10 of [−100, 100], every 2^-12 of [−16, 16]), every float exponent
// (denormals included) with several mantissas, and the special values (±0, ±inf, NaN, the
// overflow/underflow thresholds ± 1 ulp, the branch points ± 1 ulp). The bounds asserted here
// are the ones documented in the header; the worst input is printed.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <random>
#include <vector>

#include "kernels/common/activation.h"
#include "kernels/elementwise/avx2/unary_avx2.h"
#include "runtime/cpu_features.h"

namespace finch::kernels {
namespace {

bool HaveAvx2() {
  const CpuFeatures& f = GetCpuFeatures();
  return f.avx2 && f.fma;
}

float Next(float x, int steps) {
  for (int i = 0; i < steps; ++i) x = std::nextafter(x, INFINITY);
  for (int i = 0; i > steps; --i) x = std::nextafter(x, -INFINITY);
  return x;
}

std::vector<float> Inputs() {
  std::vector<float> xs;
  for (int k = -100 * 1024; k <= 100 * 1024; ++k) xs.push_back(std::ldexp(float(k), -10));
  for (int k = -16 * 4096; k <= 16 * 4096; ++k) xs.push_back(std::ldexp(float(k), -12));
  std::mt19937 rng(12345);
  std::uniform_real_distribution<float> mant(1.f, 2.f);
  for (int e = -149; e <= 127; ++e) {
    std::vector<float> ms = {1.f, Next(1.f, 1), 1.25f, 1.5f, 1.75f, Next(2.f, -1)};
    for (int i = 0; i < 8; ++i) ms.push_back(mant(rng));
    for (float m : ms) {
      xs.push_back(std::ldexp(m, e));
      xs.push_back(-std::ldexp(m, e));
    }
  }
  const float kEdges[] = {
      0.f,
      FLT_MIN,
      FLT_TRUE_MIN,
      FLT_MAX,
      INFINITY,
      88.72283172607421875f,  // largest x with expf(x) finite
      87.33654475f,           // ln(FLT_MIN)
      103.972084f,            // e^−x is the smallest denormal
      104.f,
      89.f,
      0.55f,
      0.5f,
      4.f,
      15.f,
      0.70710678f,
      10.5f,
      9.01f,
      1.f,
      2.f,
  };
  for (float e : kEdges) {
    for (int s = -1; s <= 1; ++s) {
      xs.push_back(Next(e, s));
      xs.push_back(-Next(e, s));
    }
  }
  xs.push_back(std::numeric_limits<float>::quiet_NaN());
  xs.push_back(-std::numeric_limits<float>::quiet_NaN());
  return xs;
}

// |got − ref| in units of the float spacing at ref, and at 2^floor_exp for smaller results (the
// default: 2^-149 for denormal and zero results); infinite when exactly one is NaN, when an
// infinity is not matched exactly, or when a zero result has the wrong sign.
double UlpError(float got, double ref, int floor_exp) {
  if (std::isnan(ref) || std::isnan(got)) return std::isnan(ref) && std::isnan(got) ? 0 : INFINITY;
  const float rf = static_cast<float>(ref);
  if (std::isinf(rf) || std::isinf(got)) return got == rf ? 0 : INFINITY;
  if (got == 0 && rf == 0 && std::signbit(got) != std::signbit(ref)) return INFINITY;
  const int e = rf == 0 ? floor_exp : std::max(std::ilogb(rf), floor_exp);
  return std::fabs(double(got) - ref) / std::ldexp(1.0, e - 23);
}

struct Stats {
  double max_ulp = 0, max_abs = 0;
  float worst_x = 0, worst_got = 0;
  double worst_ref = 0;
};

Stats Measure(const char* name, const std::function<void(const float*, float*, int64_t)>& kernel,
              const std::function<double(double)>& ref, int floor_exp = -126) {
  const std::vector<float> xs = Inputs();
  std::vector<float> ys(xs.size());
  kernel(xs.data(), ys.data(), static_cast<int64_t>(xs.size()));
  Stats s;
  for (size_t i = 0; i < xs.size(); ++i) {
    const double r = ref(xs[i]);
    const double u = UlpError(ys[i], r, floor_exp);
    if (u > s.max_ulp) {
      s.max_ulp = u;
      s.worst_x = xs[i];
      s.worst_got = ys[i];
      s.worst_ref = r;
    }
    if (std::isfinite(r) && std::isfinite(ys[i])) {
      s.max_abs = std::max(s.max_abs, std::fabs(double(ys[i]) - r));
    }
  }
  std::printf("%-8s max %.3f ulp at x = %.9g (%a): got %.9g, want %.12g; max abs %.3g\n", name,
              s.max_ulp, s.worst_x, s.worst_x, s.worst_got, s.worst_ref, s.max_abs);
  return s;
}

std::function<void(const float*, float*, int64_t)> Unary(UnaryOp op) {
  return [op](const float* x, float* y, int64_t n) { unary_f32_avx2(op, {}, x, y, n); };
}
std::function<void(const float*, float*, int64_t)> Act(ActivationKind k) {
  return [k](const float* x, float* y, int64_t n) { activation_f32_avx2({k, 0, 0}, x, y, n); };
}

double SigmoidRef(double x) { return 1 / (1 + std::exp(-x)); }

#define REQUIRE_AVX2() \
  if (!HaveAvx2()) GTEST_SKIP() << "no avx2+fma on this CPU"

TEST(VecMath, Exp) {
  REQUIRE_AVX2();
  EXPECT_LE(Measure("exp", Unary(UnaryOp::kExp), [](double x) { return std::exp(x); }).max_ulp,
            1.0);
}

TEST(VecMath, Sigmoid) {
  REQUIRE_AVX2();
  EXPECT_LE(Measure("sigmoid", Unary(UnaryOp::kSigmoid), SigmoidRef).max_ulp, 2.5);
}

TEST(VecMath, SiLU) {
  REQUIRE_AVX2();
  EXPECT_LE(
      Measure(
          "silu", silu_f32_avx2, [](double x) { return x * SigmoidRef(x); }, -119)
          .max_ulp,
      3.0);
}

// The fused-kernel epilogue (VecActivation): SigmoidFast / SiLUFast flush results below
// FLT_MIN, so results under 2^-104 are measured in absolute units of 2^-127 (the flush costs
// at most 2 of them) and SiLU's under 2^-99 in units of 2^-122 (x·sigmoid(x) < 2^-119 there).
TEST(VecMath, SigmoidFast) {
  REQUIRE_AVX2();
  EXPECT_LE(Measure("sigmoid*", Act(ActivationKind::kSigmoid), SigmoidRef, -104).max_ulp, 5.0);
}

TEST(VecMath, SiLUFast) {
  REQUIRE_AVX2();
  EXPECT_LE(
      Measure(
          "silu*", Act(ActivationKind::kSiLU), [](double x) { return x * SigmoidRef(x); }, -99)
          .max_ulp,
      6.0);
}

TEST(VecMath, Tanh) {
  REQUIRE_AVX2();
  EXPECT_LE(Measure("tanh", Unary(UnaryOp::kTanh), [](double x) { return std::tanh(x); }).max_ulp,
            2.0);
}

TEST(VecMath, Erf) {
  REQUIRE_AVX2();
  const Stats s = Measure("erf", Unary(UnaryOp::kErf), [](double x) { return std::erf(x); });
  EXPECT_LE(s.max_ulp, 2.0);
  EXPECT_LE(s.max_abs, 1.5e-7);
}

TEST(VecMath, Gelu) {
  REQUIRE_AVX2();
  const Stats s = Measure(
      "gelu", gelu_f32_avx2,
      [](double x) {
        if (std::isinf(x)) return x > 0 ? x : -0.0;  // the limits (x·Φ(x) → 0 as x → −inf)
        return 0.5 * x * std::erfc(-x / std::sqrt(2.0));
      },
      -122);
  EXPECT_LE(s.max_ulp, 5.0);
}

// Every special value exactly.
TEST(VecMath, SpecialValues) {
  REQUIRE_AVX2();
  const float inf = INFINITY, nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> x = {0.f, -0.f, inf, -inf, nan};
  auto run = [&](const std::function<void(const float*, float*, int64_t)>& k) {
    std::vector<float> y(x.size());
    k(x.data(), y.data(), static_cast<int64_t>(x.size()));
    return y;
  };
  auto same = [](const std::vector<float>& got, const std::vector<float>& want, const char* what) {
    for (size_t i = 0; i < want.size(); ++i) {
      const bool ok = std::isnan(want[i])
                          ? std::isnan(got[i])
                          : got[i] == want[i] && std::signbit(got[i]) == std::signbit(want[i]);
      EXPECT_TRUE(ok) << what << " lane " << i << ": got " << got[i] << " want " << want[i];
    }
  };
  same(run(Unary(UnaryOp::kExp)), {1, 1, inf, 0, nan}, "exp");
  same(run(Unary(UnaryOp::kSigmoid)), {0.5f, 0.5f, 1, 0, nan}, "sigmoid");
  same(run(Act(ActivationKind::kSiLU)), {0.f, -0.f, inf, nan, nan}, "silu");  // −inf·0
  same(run(Unary(UnaryOp::kTanh)), {0.f, -0.f, 1, -1, nan}, "tanh");
  same(run(Unary(UnaryOp::kErf)), {0.f, -0.f, 1, -1, nan}, "erf");
  same(run(gelu_f32_avx2), {0.f, -0.f, inf, -0.f, nan}, "gelu");
}

}  // namespace
}  // namespace finch::kernels
