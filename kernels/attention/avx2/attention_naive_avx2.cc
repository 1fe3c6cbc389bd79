// attn_f32_naive_avx2: see attention_naive.h. The scores of one problem are a dense Nq × Nk
// float buffer; each softmax row is small enough (4·Nk bytes) to stay in L1 across its passes,
// so the buffer costs one write by the first GEMM, one read and write by the softmax and one read
// by the second GEMM: 4·Nq·Nk·4 bytes of memory traffic per problem once it outgrows the caches.
#include <immintrin.h>

#include <algorithm>
#include <limits>

#include "kernels/attention/attention_naive.h"
#include "kernels/common/avx2/vecmath_avx2.h"
#include "kernels/gemm/gemm_packed.h"

namespace finch::kernels {
namespace {

struct NaiveLayout {
  int64_t s = 0, kt = 0, v = 0, q = 0, total = 0;
  explicit NaiveLayout(const AttentionProblem& p) {
    s = 0;
    kt = s + p.q_len * p.kv_len;
    v = kt + gemm_packed_b_size(p.head_dim, p.kv_len);
    q = v + gemm_packed_b_size(p.kv_len, p.v_dim);
    total = q + (p.q.col == 1 ? 0 : p.q_len * p.head_dim);
  }
};

inline __m256 LaneMask(int64_t n) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), idx));
}

inline float HMax(__m256 v) {
  __m128 x = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_max_ps(x, _mm_movehl_ps(x, x));
  return _mm_cvtss_f32(_mm_max_ss(x, _mm_movehdup_ps(x)));
}

inline float HSum(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  return _mm_cvtss_f32(_mm_add_ss(x, _mm_movehdup_ps(x)));
}

// Row i of the scores in place: s_j ← softmax_j(scale·s_j + M[i, j]), −inf past `visible` keys.
void SoftmaxRow(float* s, int64_t nk, int64_t visible, float scale, const float* mask,
                int64_t mask_col) {
  const __m256 neg_inf = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  const __m256 vs = _mm256_set1_ps(scale);
  __m256 vmax = neg_inf;
  alignas(32) float t[8];
  for (int64_t j = 0; j < nk; j += 8) {
    const int64_t n = std::min<int64_t>(8, nk - j);
    const __m256 lanes = LaneMask(n);
    __m256 x = _mm256_mul_ps(_mm256_maskload_ps(s + j, _mm256_castps_si256(lanes)), vs);
    if (mask != nullptr) {
      __m256 mv;
      if (mask_col == 1) {
        mv = _mm256_maskload_ps(mask + j, _mm256_castps_si256(lanes));
      } else {
        for (int64_t jj = 0; jj < 8; ++jj) t[jj] = jj < n ? mask[(j + jj) * mask_col] : 0.f;
        mv = _mm256_load_ps(t);
      }
      x = _mm256_add_ps(x, mv);
    }
    x = _mm256_blendv_ps(neg_inf, x, _mm256_and_ps(lanes, LaneMask(visible - j)));
    _mm256_maskstore_ps(s + j, _mm256_castps_si256(lanes), x);
    vmax = _mm256_max_ps(vmax, x);
  }
  float m = HMax(vmax);
  if (m == -std::numeric_limits<float>::infinity()) m = 0.f;  // every key masked: P = 0
  const __m256 vm = _mm256_set1_ps(m);
  __m256 sum = _mm256_setzero_ps();
  for (int64_t j = 0; j < nk; j += 8) {
    const __m256i lanes = _mm256_castps_si256(LaneMask(nk - j));
    const __m256 e = _mm256_and_ps(avx2::Exp(_mm256_sub_ps(_mm256_maskload_ps(s + j, lanes), vm)),
                                   _mm256_castsi256_ps(lanes));
    _mm256_maskstore_ps(s + j, lanes, e);
    sum = _mm256_add_ps(sum, e);
  }
  const float total = HSum(sum);
  const __m256 inv = _mm256_set1_ps(total > 0.f ? 1.f / total : 0.f);
  for (int64_t j = 0; j < nk; j += 8) {
    const __m256i lanes = _mm256_castps_si256(LaneMask(nk - j));
    _mm256_maskstore_ps(s + j, lanes, _mm256_mul_ps(_mm256_maskload_ps(s + j, lanes), inv));
  }
}

}  // namespace

int64_t attention_naive_scratch_floats(const AttentionProblem& p) { return NaiveLayout(p).total; }

void attention_f32_naive_avx2(const AttentionProblem& p, int64_t p_begin, int64_t p_end,
                              float* scratch) {
  const int64_t nq = p.q_len, nk = p.kv_len, d = p.head_dim, dv = p.v_dim;
  if (nq <= 0 || dv <= 0) return;
  const NaiveLayout lay(p);
  float* s = scratch + lay.s;
  float* kt = scratch + lay.kt;
  float* vp = scratch + lay.v;
  const GemmEpilogue none;
  for (int64_t pb = p_begin; pb < p_end; ++pb) {
    float* out = p.out + pb * p.out_head;
    if (nk == 0) {
      for (int64_t i = 0; i < nq; ++i)
        std::fill(out + i * p.out_row, out + i * p.out_row + dv, 0.f);
      continue;
    }
    const float* q = p.q.data + pb * p.q.head;
    int64_t lda = p.q.row;
    if (p.q.col != 1) {
      float* qc = scratch + lay.q;
      for (int64_t i = 0; i < nq; ++i) {
        for (int64_t c = 0; c < d; ++c) qc[i * d + c] = q[i * p.q.row + c * p.q.col];
      }
      q = qc;
      lda = d;
    }
    // Kᵀ as B[c, j] = K[j, c]; V as B[j, c].
    gemm_pack_b(d, nk, p.k.data + pb * p.k.head, p.k.col, p.k.row, kt);
    gemm_pack_b(nk, dv, p.v.data + pb * p.v.head, p.v.row, p.v.col, vp);
    gemm_f32_packed_avx2(nq, nk, d, q, lda, kt, s, nk, none, 0, nk);
    for (int64_t i = 0; i < nq; ++i) {
      const int64_t visible = p.causal ? std::clamp<int64_t>(i + nk - nq + 1, 0, nk) : nk;
      const float* mask =
          p.mask.data == nullptr ? nullptr : p.mask.data + pb * p.mask.head + i * p.mask.row;
      SoftmaxRow(s + i * nk, nk, visible, p.scale, mask, p.mask.col);
    }
    gemm_f32_packed_avx2(nq, dv, nk, s, nk, vp, out, p.out_row, none, 0, dv);
  }
}

}  // namespace finch::kernels
