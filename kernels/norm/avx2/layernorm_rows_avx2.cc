// layernorm_rows_f32_avx2 (kernels/norm/layernorm_rows.h): three sweeps over a row that stays in
// L1 (a 768-float row is 3 KiB): Σx, Σ(x − μ)², then the normalized output. Each sum keeps 4
// independent 8-lane accumulators (32 partial sums) so the adds pipeline; the last n mod 8
// elements go through masked loads, and their lanes are zeroed after subtracting μ so the
// second sum sees only real elements.
#include <immintrin.h>

#include <cmath>

#include "kernels/common/avx2/activation_avx2.h"
#include "kernels/norm/layernorm_rows.h"

namespace finch::kernels {
namespace {

using avx2::TailMask;

float HorizontalSum(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 s2 = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s2, _mm_movehdup_ps(s2)));
}

// Σ f(x_j) over the row, f(v) = v (mean) or (v − μ)² (variance, with μ broadcast in `mu`).
template <bool kSquares>
float RowSum(const float* x, int64_t n, __m256 mu, __m256i tail_mask) {
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  auto term = [&](__m256 v) {
    if (!kSquares) return v;
    const __m256 d = _mm256_sub_ps(v, mu);
    return _mm256_mul_ps(d, d);
  };
  int64_t j = 0;
  for (; j + 32 <= n; j += 32) {
    for (int a = 0; a < 4; ++a) {
      acc[a] = _mm256_add_ps(acc[a], term(_mm256_loadu_ps(x + j + 8 * a)));
    }
  }
  for (int a = 0; j + 8 <= n; j += 8, ++a) {
    acc[a] = _mm256_add_ps(acc[a], term(_mm256_loadu_ps(x + j)));
  }
  if (j < n) {
    // Masked-off lanes load as 0; for the squares (0 − μ)² must not count, so mask the term.
    const __m256 t = term(_mm256_maskload_ps(x + j, tail_mask));
    acc[3] = _mm256_add_ps(acc[3], _mm256_and_ps(t, _mm256_castsi256_ps(tail_mask)));
  }
  return HorizontalSum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
}

}  // namespace

void layernorm_rows_f32_avx2(int64_t rows, int64_t size, float epsilon, const float* x,
                             const float* scale, const float* bias, float* y) {
  if (size <= 0) return;
  const int64_t tail = size % 8, full = size - tail;
  const __m256i tail_mask = TailMask(tail);
  const float n = static_cast<float>(size);
  const __m256 one = _mm256_set1_ps(1.f), zero = _mm256_setzero_ps();
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * size;
    float* yr = y + r * size;
    const float mean = RowSum<false>(xr, size, zero, tail_mask) / n;
    const __m256 mu = _mm256_set1_ps(mean);
    const float var = RowSum<true>(xr, size, mu, tail_mask) / n;
    const __m256 inv = _mm256_set1_ps(1.f / std::sqrt(var + epsilon));
    // y = ((x − μ)·r)·γ + β, the product and sum as one FMA.
    auto out = [&](__m256 v, __m256 g, __m256 b) {
      return _mm256_fmadd_ps(_mm256_mul_ps(_mm256_sub_ps(v, mu), inv), g, b);
    };
    int64_t j = 0;
    for (; j < full; j += 8) {
      const __m256 g = scale ? _mm256_loadu_ps(scale + j) : one;
      const __m256 b = bias ? _mm256_loadu_ps(bias + j) : zero;
      _mm256_storeu_ps(yr + j, out(_mm256_loadu_ps(xr + j), g, b));
    }
    if (tail) {
      const __m256 g = scale ? _mm256_maskload_ps(scale + j, tail_mask) : one;
      const __m256 b = bias ? _mm256_maskload_ps(bias + j, tail_mask) : zero;
      _mm256_maskstore_ps(yr + j, tail_mask, out(_mm256_maskload_ps(xr + j, tail_mask), g, b));
    }
  }
}

}  // namespace finch::kernels
