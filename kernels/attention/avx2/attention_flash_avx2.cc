// attn_f32_flash_avx2: FlashAttention (Dao et al. 2022; the loop order of FlashAttention-2) on
// the CPU. The Nq × Nk score matrix is never formed: per query row i the kernel keeps
//
//   m_i  the running max of the scores seen so far,
//   l_i  the running Σ_j exp(s_ij − m_i),
//   O_i  the running Σ_j exp(s_ij − m_i)·v_j   (unnormalised),
//
// and for each new block of keys with scores x_j = scale·q_i·k_j + M_ij:
//
//   m' = max(m, max_j x_j),  α = exp(m − m'),  p_j = exp(x_j − m'),
//   l' = α·l + Σ_j p_j,      O' = α·O + Σ_j p_j·v_j,
//
// so that after the last block O/l = Σ_j softmax_j(x)·v_j exactly as the materialised form (the
// factors exp(−m) cancel). A row that has seen only −inf keeps m = −inf; the exponents then use
// 0 instead of m' (exp(−inf − 0) = 0, no −inf − (−inf) = NaN), and a row with l = 0 at the end
// is written as zeros. α = exp(0) = 1 exactly when the max did not grow, so a key block that a
// row cannot see (causal) leaves its state bit for bit unchanged: the result of a row does not
// depend on the query block it is computed in, nor on how a thread pool splits the grid.
//
// Data layout and register tiles (scratch regions: attention_flash_layout.h):
//   - Kᵀ in 16-key panels (d rows of 16 floats): S = Q·Kᵀ for a strip of 6 query rows and 16
//     keys is a 6×16 tile of 12 accumulators; per head-dim element c, two loads of the panel row,
//     6 broadcasts of Q[r, c], 12 FMAs (the packed GEMM's tile).
//   - V in panels of 16 value columns (Nk rows of 16 floats; the last panel 8 wide when dvp is
//     an odd multiple of 8): O += P·V for the strip is a 6×16 tile over 16 value columns (the
//     last may be 8), per key j two loads of V[j], 6 broadcasts of P[r, j], 12 FMAs; the tile
//     starts as α_r·O[r, :] (the rescale costs one multiply per accumulator per key block).
//   - the strip's scores (6 × kv_block) are written by the first tile, turned into
//     probabilities in place by the softmax step, read by the second.
// Loop order per problem: pack Kᵀ and V once (Q is copied per query block, multiplied by the
// scale); per query block: per key block: per 6-row strip. The key block's K and V tiles are
// reused by every strip of the query block from L2, the strip's scores stay in L1
// (attention_blocks.cc has the arithmetic and the measurements).
//
// Cost per 8 scores of one row at d = dv = 64: 128 FMAs of the two products (64 cycles at two
// FMAs per cycle) and one vector Exp, which takes ~11.6 cycles per 8 values on this EPYC
// (bench/RESULTS.md, elementwise) in its own phase between the two products: a ceiling of
// 64/75.6 = 85% of the FMA peak. Measured (bench/attention_bench.cc, one thread): 73–75% at
// N ≥ 4096, 86% with the Exp removed. Hiding the Exp under the FMA loops would need its
// temporaries next to the 6×16 tile's 15 live registers, more than AVX2's 16.
//
// Accuracy: each score is a float dot product accumulated with one FMA per element (as a plain
// float32 implementation's) of k and the scale-multiplied q (one more rounding per element of q,
// none when the scale is a power of two, as 1/√64), the exponentials use the vector Exp (≤ 1 ulp,
// kernels/common/avx2/vecmath_avx2.h), and the output is O/l with one true division.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

#include "kernels/attention/attention.h"
#include "kernels/attention/attention_flash_layout.h"
#include "kernels/common/avx2/vecmath_avx2.h"
#include "kernels/common/mac_counter.h"

namespace finch::kernels {
namespace {

using namespace attention_flash_internal;

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Lanes [0, n) set, for n in [0, 8].
inline __m256i LaneMask(int64_t n) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), idx);
}

inline float HMax(__m256 v) {
  __m128 x = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_max_ps(x, _mm_movehl_ps(x, x));
  x = _mm_max_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

inline float HSum(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  x = _mm_add_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

// Kᵀ panels of one problem (layout: attention_flash_layout.h). The loop runs along whichever of
// K's strides is unit, so both [Nk, d] and the exported Kᵀ [d, Nk] are read sequentially.
void PackKt(const AttentionTensor& k, int64_t pb, int64_t nk, int64_t d, float* kt) {
  const float* base = k.data + pb * k.head;
  for (int64_t j0 = 0; j0 < nk; j0 += kKeyPanel) {
    float* panel = kt + j0 * d;  // panel j0/16 starts at (j0/16)·16·d
    const int64_t n = std::min(kKeyPanel, nk - j0);
    if (n < kKeyPanel) std::fill(panel, panel + kKeyPanel * d, 0.f);
    if (k.col == 1) {
      for (int64_t jj = 0; jj < n; ++jj) {
        const float* row = base + (j0 + jj) * k.row;
        for (int64_t c = 0; c < d; ++c) panel[c * kKeyPanel + jj] = row[c];
      }
    } else {
      for (int64_t c = 0; c < d; ++c) {
        const float* col = base + c * k.col + j0 * k.row;
        for (int64_t jj = 0; jj < n; ++jj) panel[c * kKeyPanel + jj] = col[jj * k.row];
      }
    }
  }
}

// V of one problem in column panels (layout: attention_flash_layout.h), so that the P·V tile
// over 16 value columns reads its panel sequentially, key after key.
void PackV(const AttentionTensor& v, int64_t pb, int64_t nk, int64_t dv, int64_t dvp, float* vp) {
  const float* base = v.data + pb * v.head;
  for (int64_t c0 = 0; c0 < dvp; c0 += kValuePanel) {
    const int64_t w = std::min(kValuePanel, dvp - c0);  // 16, or 8 for the last panel
    float* panel = vp + c0 * nk;
    for (int64_t j = 0; j < nk; ++j) {
      const float* row = base + j * v.row;
      for (int64_t cc = 0; cc < w; ++cc) {
        panel[j * w + cc] = c0 + cc < dv ? row[(c0 + cc) * v.col] : 0.f;
      }
    }
  }
}

// S[r, 0..16·panels) = Q[r, :]·Kᵀ for the R rows of a strip. q: R rows of d floats (already
// multiplied by the scale); kt: the first panel; s: R rows of ld_s floats. With row_max, also
// row_max[r] = max of the row's scores (all 16·panels of them: the caller asks only when every
// column is a key the row sees).
template <int R>
void StripScores(const float* q, int64_t d, const float* kt, int64_t panels, float* s, int64_t ld_s,
                 float* row_max) {
  __m256 vmax[R];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) vmax[r] = _mm256_set1_ps(kNegInf);
  for (int64_t t = 0; t < panels; ++t) {
    const float* kp = kt + t * kKeyPanel * d;
    __m256 acc0[R], acc1[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) acc0[r] = acc1[r] = _mm256_setzero_ps();
#pragma GCC unroll 2
    for (int64_t c = 0; c < d; ++c) {
      const __m256 k0 = _mm256_loadu_ps(kp + c * kKeyPanel);
      const __m256 k1 = _mm256_loadu_ps(kp + c * kKeyPanel + 8);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        const __m256 qv = _mm256_broadcast_ss(q + r * d + c);
        acc0[r] = _mm256_fmadd_ps(qv, k0, acc0[r]);
        acc1[r] = _mm256_fmadd_ps(qv, k1, acc1[r]);
      }
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      _mm256_storeu_ps(s + r * ld_s + t * kKeyPanel, acc0[r]);
      _mm256_storeu_ps(s + r * ld_s + t * kKeyPanel + 8, acc1[r]);
      if (row_max != nullptr) vmax[r] = _mm256_max_ps(vmax[r], _mm256_max_ps(acc0[r], acc1[r]));
    }
  }
  if (row_max != nullptr) {
    for (int r = 0; r < R; ++r) row_max[r] = HMax(vmax[r]);
  }
}

// O[r, :] = α_r·O[r, :] + Σ_{j<nk} P[r, j]·V[j, :] for the R rows of a strip, 16 value columns at
// a time (then 8). o: R rows of dvp floats; p: R rows of ld_p floats; vp: the packed V of the
// problem (kv_len keys), the strip's keys starting at key j0.
template <int R>
void StripUpdate(const float* p, int64_t ld_p, const float* alpha, const float* v_packed,
                 int64_t kv_len, int64_t j0, int64_t nk, int64_t dvp, float* o) {
  int64_t c0 = 0;
  for (; c0 + 16 <= dvp; c0 += 16) {
    const float* vp = v_packed + c0 * kv_len + j0 * 16;
    __m256 acc0[R], acc1[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m256 a = _mm256_broadcast_ss(alpha + r);
      acc0[r] = _mm256_mul_ps(a, _mm256_loadu_ps(o + r * dvp + c0));
      acc1[r] = _mm256_mul_ps(a, _mm256_loadu_ps(o + r * dvp + c0 + 8));
    }
    for (int64_t j = 0; j < nk; ++j) {
      const __m256 v0 = _mm256_loadu_ps(vp + j * 16);
      const __m256 v1 = _mm256_loadu_ps(vp + j * 16 + 8);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        const __m256 pv = _mm256_broadcast_ss(p + r * ld_p + j);
        acc0[r] = _mm256_fmadd_ps(pv, v0, acc0[r]);
        acc1[r] = _mm256_fmadd_ps(pv, v1, acc1[r]);
      }
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      _mm256_storeu_ps(o + r * dvp + c0, acc0[r]);
      _mm256_storeu_ps(o + r * dvp + c0 + 8, acc1[r]);
    }
  }
  if (c0 < dvp) {  // dvp is a multiple of 8: one 8-column tail
    const float* vp = v_packed + c0 * kv_len + j0 * 8;
    __m256 acc[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      acc[r] = _mm256_mul_ps(_mm256_broadcast_ss(alpha + r), _mm256_loadu_ps(o + r * dvp + c0));
    }
    for (int64_t j = 0; j < nk; ++j) {
      const __m256 v0 = _mm256_loadu_ps(vp + j * 8);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        acc[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(p + r * ld_p + j), v0, acc[r]);
      }
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) _mm256_storeu_ps(o + r * dvp + c0, acc[r]);
  }
}

// The mask values M[i, j0 .. j0+n) (n ≤ 8) of one row, lanes past n undefined.
inline __m256 LoadMask(const float* m, int64_t col, int64_t n, __m256i lanes) {
  if (col == 1) return n == 8 ? _mm256_loadu_ps(m) : _mm256_maskload_ps(m, lanes);
  if (col == 0) return _mm256_set1_ps(*m);
  alignas(32) float t[8] = {};
  for (int64_t jj = 0; jj < n; ++jj) t[jj] = m[jj * col];
  return _mm256_load_ps(t);
}

struct Ctx {
  const AttentionProblem* p;
  int64_t d, dvp, kv_block;
  const float* kt;  // packed Kᵀ of the current problem
  const float* vp;  // packed V
  float* s;         // strip scores, kStripRows × kv_block
  int64_t pb;
};

// One key block [j0, j0 + nkb) for the strip of R rows starting at query row i (row r0 of the
// query block): scores, online-softmax update of m, l, and O.
template <int R>
void StripBlock(const Ctx& x, const float* q, float* o, float* m, float* l, int64_t i, int64_t j0,
                int64_t nkb) {
  const AttentionProblem& p = *x.p;
  // Keys of the block each row may see: all nkb, or up to the causal diagonal j ≤ i + Nk − Nq.
  int64_t valid[kStripRows];
  int64_t strip_keys = 0;
  for (int r = 0; r < R; ++r) {
    int64_t n = nkb;
    if (p.causal) n = std::clamp<int64_t>(i + r + (p.kv_len - p.q_len) - j0 + 1, 0, nkb);
    valid[r] = n;
    strip_keys = std::max(strip_keys, n);
  }
  if (strip_keys == 0) return;  // no row sees a key of this block: state unchanged
  const int64_t panels = (strip_keys + kKeyPanel - 1) / kKeyPanel;
  // The common case, every row of the strip sees every key of the block, the block is whole
  // panels and there is no mask: the row maxima come with the scores and each row takes one
  // pass of exp. Otherwise a first pass adds the mask, sets the keys a row does not see (and
  // the panel's padding) to −inf and takes the max. The two give the same bits for a row.
  bool plain = p.mask.data == nullptr && panels * kKeyPanel == nkb;
  for (int r = 0; r < R; ++r) plain = plain && valid[r] == nkb;
  float row_max[kStripRows];
  StripScores<R>(q, x.d, x.kt + j0 * x.d, panels, x.s, x.kv_block, plain ? row_max : nullptr);

  // Softmax step per row: x_j = s_j + M_ij (−inf past the row's valid keys), then
  // p_j = exp(x_j − m'), written over s_j up to strip_keys (P·V reads that far).
  const __m256 neg_inf = _mm256_set1_ps(kNegInf);
  alignas(32) float m_old[8] = {}, m_use[8] = {};
  float row_sum[kStripRows];
  for (int r = 0; r < R; ++r) {
    float* s = x.s + r * x.kv_block;
    if (!plain) {
      const float* mrow = p.mask.data == nullptr ? nullptr
                                                 : p.mask.data + x.pb * p.mask.head +
                                                       (i + r) * p.mask.row + j0 * p.mask.col;
      __m256 vmax = neg_inf;
      for (int64_t jj = 0; jj < strip_keys; jj += 8) {
        const int64_t n = std::clamp<int64_t>(valid[r] - jj, 0, 8);
        __m256 v = _mm256_loadu_ps(s + jj);
        if (n > 0 && mrow != nullptr) {
          v = _mm256_add_ps(v, LoadMask(mrow + jj * p.mask.col, p.mask.col, n, LaneMask(n)));
        }
        if (n < 8) v = _mm256_blendv_ps(neg_inf, v, _mm256_castsi256_ps(LaneMask(n)));
        _mm256_storeu_ps(s + jj, v);
        vmax = _mm256_max_ps(vmax, v);
      }
      row_max[r] = HMax(vmax);
    }
    const float m_new = std::max(m[r], row_max[r]);
    m_old[r] = m[r];
    m_use[r] = m_new == kNegInf ? 0.f : m_new;
    m[r] = m_new;
    const __m256 mu = _mm256_set1_ps(m_use[r]);
    __m256 sum = _mm256_setzero_ps();
    for (int64_t jj = 0; jj < strip_keys; jj += 8) {
      const __m256 e = avx2::Exp(_mm256_sub_ps(_mm256_loadu_ps(s + jj), mu));
      _mm256_storeu_ps(s + jj, e);
      sum = _mm256_add_ps(sum, e);
    }
    row_sum[r] = HSum(sum);
  }
  // α_r = exp(m_r − m'_r) for the strip's rows at once (1 exactly when the max did not grow).
  alignas(32) float alpha[8];
  _mm256_store_ps(alpha, avx2::Exp(_mm256_sub_ps(_mm256_load_ps(m_old), _mm256_load_ps(m_use))));
  for (int r = 0; r < R; ++r) l[r] = alpha[r] * l[r] + row_sum[r];
  StripUpdate<R>(x.s, x.kv_block, alpha, x.vp, p.kv_len, j0, strip_keys, x.dvp, o);
}

using StripFn = void (*)(const Ctx&, const float*, float*, float*, float*, int64_t, int64_t,
                         int64_t);
constexpr StripFn kStrip[kStripRows + 1] = {nullptr,       StripBlock<1>, StripBlock<2>,
                                            StripBlock<3>, StripBlock<4>, StripBlock<5>,
                                            StripBlock<6>};

// Query rows [i0, i0 + rows) of problem x.pb.
void QueryBlock(const Ctx& x, const ScratchLayout& lay, float* base, int64_t i0, int64_t rows) {
  const AttentionProblem& p = *x.p;
  const int64_t d = x.d, dvp = x.dvp, dv = p.v_dim;
  float* q = base + lay.q;
  float* o = base + lay.o;
  float* m = base + lay.m;
  float* l = base + lay.l;
  const float* qsrc = p.q.data + x.pb * p.q.head;
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = qsrc + (i0 + r) * p.q.row;
    for (int64_t c = 0; c < d; ++c) q[r * d + c] = row[c * p.q.col] * p.scale;
  }
  std::fill(o, o + rows * dvp, 0.f);
  std::fill(m, m + rows, kNegInf);
  std::fill(l, l + rows, 0.f);
  // Keys any row of the block may see (causal: up to the last row's diagonal).
  int64_t kv_end = p.kv_len;
  if (p.causal) kv_end = std::clamp<int64_t>(i0 + rows + p.kv_len - p.q_len, 0, p.kv_len);
  for (int64_t j0 = 0; j0 < kv_end; j0 += x.kv_block) {
    const int64_t nkb = std::min(x.kv_block, kv_end - j0);
    for (int64_t r0 = 0; r0 < rows; r0 += kStripRows) {
      const int64_t R = std::min(kStripRows, rows - r0);
      kStrip[R](x, q + r0 * d, o + r0 * dvp, m + r0, l + r0, i0 + r0, j0, nkb);
    }
  }
  // O / l, one true division per element; l = 0 (every key masked) gives zeros.
  const __m256i tail = LaneMask(dv % 8);
  for (int64_t r = 0; r < rows; ++r) {
    float* out = p.out + x.pb * p.out_head + (i0 + r) * p.out_row;
    const float* acc = o + r * dvp;
    const __m256 lv = _mm256_set1_ps(l[r]);
    const bool zero = l[r] == 0.f;
    int64_t c = 0;
    for (; c + 8 <= dv; c += 8) {
      const __m256 y = zero ? _mm256_setzero_ps() : _mm256_div_ps(_mm256_loadu_ps(acc + c), lv);
      _mm256_storeu_ps(out + c, y);
    }
    if (c < dv) {
      const __m256 y = zero ? _mm256_setzero_ps() : _mm256_div_ps(_mm256_loadu_ps(acc + c), lv);
      _mm256_maskstore_ps(out + c, tail, y);
    }
  }
}

}  // namespace

void attention_f32_flash_avx2(const AttentionProblem& p, const AttentionBlocks& b, int64_t p_begin,
                              int64_t p_end, int64_t qb_begin, int64_t qb_end, float* scratch) {
  const int64_t q_block = EffectiveQBlock(b);
  const int64_t row_begin = std::max<int64_t>(qb_begin, 0) * q_block;
  const int64_t row_end = std::min(p.q_len, qb_end * q_block);
  if (p_begin >= p_end || row_begin >= row_end) return;
  if (MacCounter::enabled()) {
    MacCounter::Add((p_end - p_begin) * (row_end - row_begin) * p.kv_len * (p.head_dim + p.v_dim));
  }
  const ScratchLayout lay = ScratchLayout::For(p, b);
  // Align the base to 64 bytes (the layout reserved kAlignFloats of slack for it).
  const uintptr_t addr = reinterpret_cast<uintptr_t>(scratch);
  float* base = reinterpret_cast<float*>((addr + 63) & ~static_cast<uintptr_t>(63));
  Ctx x;
  x.p = &p;
  x.d = p.head_dim;
  x.dvp = PaddedVDim(p.v_dim);
  x.kv_block = EffectiveKvBlock(b);
  x.kt = base + lay.kt;
  x.vp = base + lay.v;
  x.s = base + lay.s;
  for (int64_t pb = p_begin; pb < p_end; ++pb) {
    x.pb = pb;
    PackKt(p.k, pb, p.kv_len, x.d, base + lay.kt);
    PackV(p.v, pb, p.kv_len, p.v_dim, x.dvp, base + lay.v);
    for (int64_t i0 = row_begin; i0 < row_end; i0 += q_block) {
      QueryBlock(x, lay, base, i0, std::min(q_block, row_end - i0));
    }
  }
}

}  // namespace finch::kernels
