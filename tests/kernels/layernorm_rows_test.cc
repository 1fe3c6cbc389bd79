// layernorm_rows_f32_avx2 against the double-statistics reference (layernorm_f32_ref), with the
// error bound of kernels/norm/layernorm_rows.h: row sizes 1, 7, 8, 9 (the 8-lane tail), 31, 32,
// 33 (the 32-float unrolled body), 191, 192, 193 (ViT-tiny), 197 (prime), 768, 1000; rows whose
// mean is far from 0 relative to their spread; scale and bias present or absent; the output in
// place; every buffer ending at a guard page.
#include "kernels/norm/layernorm_rows.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/norm/layernorm_ref.h"
#include "runtime/cpu_features.h"
#include "tests/util/guarded_buffer.h"

namespace finch {
namespace {

bool HaveAvx2() {
  const CpuFeatures& f = GetCpuFeatures();
  return f.avx2 && f.fma;
}

struct Case {
  int64_t rows, size;
  float offset;  // added to every x: the row's mean relative to its spread (~0.58)
  bool scale, bias;
};

// The bound of layernorm_rows.h per element: γ_{k+4} with k = ⌈n/32⌉ + 6 (the lanes' terms and
// the tree), doubled for the second-order terms the first-order bound leaves out.
double Bound(int64_t n, double mean_abs_x, double r, double y_abs, double g, double b) {
  const double u = std::ldexp(1.0, -24);
  const double k = static_cast<double>((n + 31) / 32 + 10);
  const double gk = k * u / (1 - k * u);
  return 2 *
         (std::fabs(g) * gk * (mean_abs_x * r + y_abs) + u * (y_abs * std::fabs(g) + std::fabs(b)));
}

void Check(const Case& c, uint32_t seed) {
  SCOPED_TRACE(::testing::Message()
               << "rows " << c.rows << " size " << c.size << " offset " << c.offset << " scale "
               << c.scale << " bias " << c.bias << " seed " << seed);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  const int64_t n = c.rows * c.size;
  GuardedBuffer x(n), y(n), scale(c.size), bias(c.size);
  for (int64_t i = 0; i < n; ++i) x.data()[i] = dist(rng) + c.offset;
  for (int64_t i = 0; i < c.size; ++i) {
    scale.data()[i] = 0.5f + dist(rng);
    bias.data()[i] = dist(rng);
  }
  std::vector<float> ones(c.size, 1.f), want(n);
  const float eps = 1e-5f;
  kernels::layernorm_f32_ref(c.rows, c.size, eps, x.data(), c.scale ? scale.data() : ones.data(),
                             c.bias ? bias.data() : nullptr, want.data(), nullptr, nullptr);
  kernels::layernorm_rows_f32_avx2(c.rows, c.size, eps, x.data(), c.scale ? scale.data() : nullptr,
                                   c.bias ? bias.data() : nullptr, y.data());
  // In place: the same bits.
  std::vector<float> copy(x.data(), x.data() + n);
  kernels::layernorm_rows_f32_avx2(c.rows, c.size, eps, x.data(), c.scale ? scale.data() : nullptr,
                                   c.bias ? bias.data() : nullptr, x.data());
  for (int64_t r = 0; r < c.rows; ++r) {
    double sum = 0, sum_abs = 0;
    for (int64_t j = 0; j < c.size; ++j) {
      sum += copy[r * c.size + j];
      sum_abs += std::fabs(copy[r * c.size + j]);
    }
    const double mean = sum / c.size;
    double sq = 0;
    for (int64_t j = 0; j < c.size; ++j)
      sq += (copy[r * c.size + j] - mean) * (copy[r * c.size + j] - mean);
    const double rstd = 1 / std::sqrt(sq / c.size + eps);
    int bad = 0;
    for (int64_t j = 0; j < c.size; ++j) {
      const int64_t i = r * c.size + j;
      const double yn = (copy[i] - mean) * rstd;
      const double g = c.scale ? scale.data()[j] : 1.0, b = c.bias ? bias.data()[j] : 0.0;
      const double tol = Bound(c.size, sum_abs / c.size, rstd, std::fabs(yn), g, b);
      if (std::fabs(static_cast<double>(y.data()[i]) - want[i]) > tol && bad++ < 3) {
        ADD_FAILURE() << "row " << r << " col " << j << ": got " << y.data()[i] << ", want "
                      << want[i] << ", |error| " << std::fabs(y.data()[i] - want[i]) << " > bound "
                      << tol;
      }
      if (x.data()[i] != y.data()[i] && bad++ < 3) {
        ADD_FAILURE() << "in place differs at row " << r << " col " << j;
      }
    }
  }
}

TEST(LayerNormRowsKernels, MatchesDoubleReferenceWithinBound) {
  if (!HaveAvx2()) GTEST_SKIP() << "no AVX2/FMA";
  uint32_t seed = 1;
  for (int64_t size : {1, 7, 8, 9, 31, 32, 33, 191, 192, 193, 197, 768, 1000}) {
    for (float offset : {0.f, 3.f, 100.f}) {
      for (int affine = 0; affine < 4; ++affine) {
        Check({3, size, offset, (affine & 1) != 0, (affine & 2) != 0}, seed++);
      }
    }
  }
  Check({1, 192, 0.f, true, true}, seed++);
}

TEST(LayerNormRowsKernels, HandCheckedRow) {
  if (!HaveAvx2()) GTEST_SKIP() << "no AVX2/FMA";
  // x = {1, 2, 3, 4, 5}: μ = 3, σ² = 2; with ε = 0, y = (x − 3)/√2 · 2 + 1.
  GuardedBuffer x(5), y(5), g(5), b(5);
  for (int i = 0; i < 5; ++i) {
    x.data()[i] = static_cast<float>(i + 1);
    g.data()[i] = 2.f;
    b.data()[i] = 1.f;
  }
  kernels::layernorm_rows_f32_avx2(1, 5, 0.f, x.data(), g.data(), b.data(), y.data());
  for (int i = 0; i < 5; ++i) {
    EXPECT_NEAR(y.data()[i], (i - 2) / std::sqrt(2.0) * 2 + 1, 1e-6) << i;
  }
  // A constant row normalizes to β (the deviation is exactly 0).
  for (int i = 0; i < 5; ++i) x.data()[i] = 7.25f;
  kernels::layernorm_rows_f32_avx2(1, 5, 1e-5f, x.data(), g.data(), b.data(), y.data());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(y.data()[i], 1.f) << i;
}

TEST(LayerNormRowsKernels, EmptyRowsWriteNothing) {
  if (!HaveAvx2()) GTEST_SKIP() << "no AVX2/FMA";
  GuardedBuffer y(1);
  y.Fill(42.f);
  kernels::layernorm_rows_f32_avx2(3, 0, 1e-5f, y.data() + 1, nullptr, nullptr, y.data() + 1);
  kernels::layernorm_rows_f32_avx2(0, 4, 1e-5f, y.data(), nullptr, nullptr, y.data());
  EXPECT_EQ(y.data()[0], 42.f);
}

}  // namespace
}  // namespace finch
