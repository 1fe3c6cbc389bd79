// AVX2 squeeze-excite in NHWC. Per image: the channel means (global_avgpool_nhwc_f32_avx2,
// exact), the two FCs as FMA dot products along their contiguous weight rows — 8 rows at a time,
// their 8 accumulators reduced by one hadd tree into a vector of 8 results, so bias and
// activation are applied 8 outputs at a time — and the final x·g vectorised over channels
// (exact). See se_nhwc.h for the FC error bound.
#include <immintrin.h>

#include <algorithm>

#include "kernels/common/avx2/activation_avx2.h"
#include "kernels/common/mac_counter.h"
#include "kernels/pool/pool_nhwc.h"
#include "kernels/se/se_nhwc.h"

namespace finch::kernels {
namespace {

using avx2::TailMask;
using avx2::VecActivation;

constexpr int64_t kLanes = 8;

// Lane i of the result = the sum of a[i]'s 8 lanes.
__attribute__((always_inline)) inline __m256 HorizontalSums8(const __m256 a[8]) {
  const __m256 h0 = _mm256_hadd_ps(a[0], a[1]), h1 = _mm256_hadd_ps(a[2], a[3]);
  const __m256 h2 = _mm256_hadd_ps(a[4], a[5]), h3 = _mm256_hadd_ps(a[6], a[7]);
  const __m256 g0 = _mm256_hadd_ps(h0, h1), g1 = _mm256_hadd_ps(h2, h3);
  return _mm256_add_ps(_mm256_permute2f128_ps(g0, g1, 0x20), _mm256_permute2f128_ps(g0, g1, 0x31));
}

// out[i] = act(b[i] + Σ_k w[i, k] · v[k]) for i < rows; w [rows, K] row-major, b may be null.
void MatVecAct(const float* w, int64_t rows, int64_t K, const float* v, const float* b,
               const VecActivation& act, float* out) {
  const __m256i k_mask = TailMask(K % kLanes);
  const int64_t k_full = K - K % kLanes;
  for (int64_t r0 = 0; r0 < rows; r0 += kLanes) {
    const int64_t nr = std::min(kLanes, rows - r0);
    __m256 acc[8];
    for (__m256& a : acc) a = _mm256_setzero_ps();
    for (int64_t k = 0; k < k_full; k += kLanes) {
      const __m256 vv = _mm256_loadu_ps(v + k);
      for (int i = 0; i < 8; ++i) {
        if (i < nr) {
          acc[i] = _mm256_fmadd_ps(_mm256_loadu_ps(w + (r0 + i) * K + k), vv, acc[i]);
        }
      }
    }
    if (k_full < K) {
      const __m256 vv = _mm256_maskload_ps(v + k_full, k_mask);
      for (int i = 0; i < 8; ++i) {
        if (i < nr) {
          acc[i] =
              _mm256_fmadd_ps(_mm256_maskload_ps(w + (r0 + i) * K + k_full, k_mask), vv, acc[i]);
        }
      }
    }
    const __m256i r_mask = TailMask(nr);
    __m256 sum = HorizontalSums8(acc);
    if (b) sum = _mm256_add_ps(sum, _mm256_maskload_ps(b + r0, r_mask));
    _mm256_maskstore_ps(out + r0, r_mask, act(sum));
  }
}

// y[p, c] = x[p, c] · g[c] over hw pixels of C channels.
void Scale(const float* x, const float* g, int64_t hw, int64_t C, float* y) {
  const __m256i mask = TailMask(C % kLanes);
  for (int64_t i = 0; i < hw; ++i) {
    const float* xp = x + i * C;
    float* yp = y + i * C;
    int64_t c = 0;
    for (; c + kLanes <= C; c += kLanes) {
      _mm256_storeu_ps(yp + c, _mm256_mul_ps(_mm256_loadu_ps(xp + c), _mm256_loadu_ps(g + c)));
    }
    if (c < C) {
      _mm256_maskstore_ps(
          yp + c, mask,
          _mm256_mul_ps(_mm256_maskload_ps(xp + c, mask), _mm256_maskload_ps(g + c, mask)));
    }
  }
}

}  // namespace

void se_nhwc_gates_f32_avx2(const SqueezeExciteParams& p, const float* mean, const float* w1,
                            const float* b1, const float* w2, const float* b2, float* gates,
                            float* scratch) {
  const VecActivation act(p.act), gate(p.gate);
  // The two FCs per image: reduced × channels multiply-adds each (mac_counter.h).
  if (MacCounter::enabled()) MacCounter::Add(2 * p.batch * p.channels * p.reduced);
  for (int64_t n = 0; n < p.batch; ++n) {
    MatVecAct(w1, p.reduced, p.channels, mean + n * p.channels, b1, act, scratch);
    MatVecAct(w2, p.channels, p.reduced, scratch, b2, gate, gates + n * p.channels);
  }
}

void se_nhwc_scale_f32_avx2(int64_t pixels, int64_t C, const float* x, const float* g, float* y) {
  Scale(x, g, pixels, C, y);
}

void se_nhwc_f32_avx2(const SqueezeExciteParams& p, const float* x, const float* w1,
                      const float* b1, const float* w2, const float* b2, float* y, float* scratch) {
  const int64_t C = p.channels;
  float* s = scratch;      // [C]: the mean, then the gate
  float* r = scratch + C;  // [reduced]
  SqueezeExciteParams one = p;
  one.batch = 1;
  for (int64_t n = 0; n < p.batch; ++n) {
    const float* xn = x + n * p.hw * C;
    global_avgpool_nhwc_f32_avx2(1, p.hw, C, xn, s);
    se_nhwc_gates_f32_avx2(one, s, w1, b1, w2, b2, s, r);
    Scale(xn, s, p.hw, C, y + n * p.hw * C);
  }
}

}  // namespace finch::kernels
