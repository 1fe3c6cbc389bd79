// The GELU activations (kernels/common/activation.h kGelu / kGeluTanh and their vector forms in
// kernels/common/avx2/activation_avx2.h) against double-precision definitions, with the bounds
// the headers state, over every 2^-8 step of [−20, 20] plus the special values; and the packed
// GEMM's GELU epilogue against its reference at odd sizes (tile − 1, tile, tile + 1 rows and
// panels), buffers against guard pages.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernels/common/activation.h"
#include "kernels/elementwise/avx2/unary_avx2.h"
#include "kernels/gemm/gemm_packed.h"
#include "runtime/cpu_features.h"
#include "tests/util/guarded_buffer.h"

namespace finch {
namespace {

using kernels::Activation;
using kernels::ActivationKind;

bool HaveAvx2() {
  const CpuFeatures& f = GetCpuFeatures();
  return f.avx2 && f.fma;
}

// x·Φ(x), with Φ from erfc so it keeps its relative accuracy for x ≪ 0.
double GeluExact(double x) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); }
double GeluTanhExact(double x) {
  const double k = std::sqrt(2.0 / 3.14159265358979323846);
  return 0.5 * x * (1 + std::tanh(k * (x + 0.044715 * x * x * x)));
}

std::vector<float> Sweep() {
  std::vector<float> x;
  for (int i = -20 * 256; i <= 20 * 256; ++i) x.push_back(static_cast<float>(i) / 256.f);
  for (float v : {1e-30f, -1e-30f, 1e-3f, -1e-3f, 0.7071f, -5.6568f, 5.6569f, -40.f, 40.f}) {
    x.push_back(v);
  }
  return x;
}

// Largest |got − want| / max(1, |x|) over the sweep; fails past `bound`.
void CheckBound(const char* what, const std::vector<float>& x, const std::vector<float>& got,
                double (*exact)(double), double bound) {
  double worst = 0;
  float at = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double e = std::fabs(got[i] - exact(x[i])) / std::max(1.0, std::fabs(double{x[i]}));
    if (e > worst) {
      worst = e;
      at = x[i];
    }
  }
  EXPECT_LE(worst, bound) << what << ": worst at x = " << at;
  std::printf("[ measured ] %s: max |error| / max(1, |x|) = %.3g at x = %g\n", what, worst, at);
}

TEST(GeluKernels, ScalarFormsWithinBound) {
  const std::vector<float> x = Sweep();
  std::vector<float> erf_form(x.size()), tanh_form(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    erf_form[i] = kernels::ApplyActivation({ActivationKind::kGelu, 0, 0}, x[i]);
    tanh_form[i] = kernels::ApplyActivation({ActivationKind::kGeluTanh, 0, 0}, x[i]);
  }
  // Float roundings of x/√2, erf, 1 + erf and two products; 1 + erf cancels for x ≪ 0, so the
  // error is absolute there: 2^-22 of max(1, |x|).
  CheckBound("scalar gelu", x, erf_form, GeluExact, std::ldexp(1.0, -22));
  CheckBound("scalar gelu_tanh", x, tanh_form, GeluTanhExact, std::ldexp(1.0, -22));
  // Hand-checked: GELU(0) = 0, GELU(1) = Φ(1) = 0.8413447, GELU(−1) = −0.1586553.
  EXPECT_EQ(kernels::GeluErf(0.f), 0.f);
  EXPECT_NEAR(kernels::GeluErf(1.f), 0.8413447f, 1e-7);
  EXPECT_NEAR(kernels::GeluErf(-1.f), -0.1586553f, 1e-7);
  EXPECT_NEAR(kernels::GeluTanh(1.f), 0.8411920f, 1e-7);
}

TEST(GeluKernels, EpilogueGeluBound) {
  if (!HaveAvx2()) GTEST_SKIP() << "no AVX2/FMA";
  const std::vector<float> x = Sweep();
  const int64_t n = static_cast<int64_t>(x.size());
  GuardedBuffer in(n), out(n);
  std::copy(x.begin(), x.end(), in.data());
  kernels::activation_f32_avx2({ActivationKind::kGelu, 0, 0}, in.data(), out.data(), n);
  CheckBound("epilogue gelu (GeluFast)", x, std::vector<float>(out.data(), out.data() + n),
             GeluExact, std::ldexp(1.0, -22));
  kernels::activation_f32_avx2({ActivationKind::kGeluTanh, 0, 0}, in.data(), out.data(), n);
  CheckBound("epilogue gelu_tanh", x, std::vector<float>(out.data(), out.data() + n), GeluTanhExact,
             std::ldexp(1.0, -22));
  // The accurate standalone form stays within vecmath's 5 ulp (here: relative to max(1, |x|)).
  kernels::gelu_f32_avx2(in.data(), out.data(), n);
  CheckBound("gelu_f32_avx2", x, std::vector<float>(out.data(), out.data() + n), GeluExact,
             std::ldexp(1.0, -21));
}

TEST(GeluKernels, EpilogueSpecialValues) {
  if (!HaveAvx2()) GTEST_SKIP() << "no AVX2/FMA";
  const float inf = std::numeric_limits<float>::infinity();
  GuardedBuffer in(4), out(4);
  in.data()[0] = 0.f;
  in.data()[1] = inf;
  in.data()[2] = std::nanf("");
  in.data()[3] = -30.f;
  kernels::activation_f32_avx2({ActivationKind::kGelu, 0, 0}, in.data(), out.data(), 4);
  EXPECT_EQ(out.data()[0], 0.f);
  EXPECT_EQ(out.data()[1], inf);
  EXPECT_TRUE(std::isnan(out.data()[2]));
  EXPECT_EQ(out.data()[3], 0.f);  // exact: −30·Φ(−30) ≈ −1e-197
}

// The packed GEMM with a GELU epilogue: the AVX2 kernel against the reference. With small
// integer data the sums are exact in both, so they differ only by the activation: the two
// bounds above added.
TEST(GeluKernels, PackedGemmEpilogue) {
  if (!HaveAvx2()) GTEST_SKIP() << "no AVX2/FMA";
  std::mt19937 rng(7);
  for (ActivationKind kind : {ActivationKind::kGelu, ActivationKind::kGeluTanh}) {
    for (int64_t M : {1, 5, 6, 7, 13}) {
      for (int64_t N : {1, 8, 15, 16, 17, 40}) {
        for (int64_t K : {1, 3, 19}) {
          SCOPED_TRACE(::testing::Message() << "kind " << static_cast<int>(kind) << " M " << M
                                            << " N " << N << " K " << K);
          GuardedBuffer a(M * K), b(K * N), bias(N), c_ref(M * N), c(M * N);
          FillInts(rng, -3, 3, a.data(), M * K);
          FillInts(rng, -2, 2, b.data(), K * N);
          FillInts(rng, -2, 2, bias.data(), N);
          std::vector<float> packed(kernels::gemm_packed_b_size(K, N));
          kernels::gemm_pack_b(K, N, b.data(), N, 1, packed.data());
          kernels::GemmEpilogue e;
          e.bias = bias.data();
          e.act = Activation{kind, 0, 0};
          kernels::gemm_f32_packed_ref(M, N, K, a.data(), K, packed.data(), c_ref.data(), N, e, 0,
                                       N);
          kernels::gemm_f32_packed_avx2(M, N, K, a.data(), K, packed.data(), c.data(), N, e, 0, N);
          for (int64_t i = 0; i < M * N; ++i) {
            // Both within 2^-22·max(1, |z|) of exact for the pre-activation z; |z| ≤ 4·|y| + 1.
            const double z = 4 * std::fabs(double{c_ref.data()[i]}) + 1;
            const double tol = 2 * std::ldexp(1.0, -22) * z;
            ASSERT_NEAR(c.data()[i], c_ref.data()[i], tol) << "element " << i;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace finch
