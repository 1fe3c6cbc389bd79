// NCHW depthwise k×k (k = 3, 5), stride 1/2: vectorised along the output row.
//
// Layout: x [N][C][H][W], y [N][C][OH][OW], packed weights [C][k][k] + bias [C].
// Per (n, c) the input plane is first copied into the scratch, zero-padded: rows
// Hp = (OH−1)·s + k, row width WS = round_up(OW, 8) + k, so every output vector — tail lanes
// included — reads inside the scratch and the inner loop has no bounds checks at any border.
// The pads are zeroed once per call; each channel's copy rewrites only the interior.
//
// Stride 2: the copy also splits the padded row into even and odd columns (two planes), so
// x[2·ox + kx] for 8 consecutive ox is one contiguous load from plane kx & 1 at ox + kx / 2.
// That costs one shuffle pass per input element (2 loads, 4 shuffles, 2 stores per 16 floats),
// against 2 loads + 2 shuffles per tap per output vector for in-loop deinterleaving, or a
// vgatherdps per tap (8+ µops, slow on both Zen and Intel) for gathers.
//
// Per output row, pixels go 32 at a time (4 independent FMA chains), then 8, then one vector
// with a masked store for OW % 8. Sum order per pixel: bias, then taps row-major (as the
// reference).
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/common/avx2/activation_avx2.h"
#include "kernels/common/mac_counter.h"
#include "kernels/dwconv/avx2/dwconv_avx2.h"

namespace finch::kernels {
namespace {

using avx2::TailMask;
using avx2::VecActivation;

constexpr int64_t kLanes = 8;
constexpr int kMaxVecs = 4;

struct ScratchGeometry {
  int64_t rows, width, planes;  // per plane: rows × width floats
};

ScratchGeometry Geometry(const DwConvParams& p) {
  const int64_t s = p.stride_h, k = p.kernel_h;
  const int64_t ow_up = (p.out_w + kLanes - 1) / kLanes * kLanes;
  return {(p.out_h - 1) * s + k, ow_up + k, s == 2 ? 2 : 1};
}

// Copies input plane `xc` [H][W] into the padded scratch (stride 1: one plane; stride 2: the
// even columns of the padded row into plane 0, the odd ones into plane 1). Columns and rows the
// outputs never reach are dropped.
void CopyPlane(const DwConvParams& p, const ScratchGeometry& g, const float* xc, float* scratch) {
  const int64_t W = p.in_w, pl = p.pad_left, WS = g.width;
  for (int64_t iy = 0; iy < p.in_h; ++iy) {
    const int64_t r = iy + p.pad_top;
    if (r >= g.rows) break;
    const float* xr = xc + iy * W;
    if (g.planes == 1) {
      const int64_t n = std::min(W, WS - pl);
      if (n > 0) std::memcpy(scratch + r * WS + pl, xr, n * sizeof(float));
      continue;
    }
    float* planes[2] = {scratch + r * WS, scratch + (g.rows + r) * WS};
    // Input column ix lands at padded column ix + pl: plane (ix + pl) & 1, index (ix + pl) >> 1.
    float* even_dst = planes[pl & 1];       // for even ix
    float* odd_dst = planes[(pl + 1) & 1];  // for odd ix
    // 16 input columns per step; the last step loads only the columns left (masked lanes read
    // as 0.f and land in the right pad, which is zero anyway). Steps whose stores would leave
    // the row fall back to the scalar loop.
    int64_t ix = 0;
    for (; ix < W && ((ix + 1 + pl) >> 1) + 8 <= WS && ((ix + pl) >> 1) + 8 <= WS; ix += 16) {
      const int64_t left = W - ix;
      const __m256 a =
          left >= 8 ? _mm256_loadu_ps(xr + ix) : _mm256_maskload_ps(xr + ix, TailMask(left));
      const __m256 b = left >= 16 ? _mm256_loadu_ps(xr + ix + 8)
                       : left > 8 ? _mm256_maskload_ps(xr + ix + 8, TailMask(left - 8))
                                  : _mm256_setzero_ps();
      // shuffle: [a0 a2 b0 b2 | a4 a6 b4 b6]; permute 0xD8 puts the 64-bit quarters in order.
      const __m256 ev = _mm256_castpd_ps(
          _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8));
      const __m256 od = _mm256_castpd_ps(
          _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xDD)), 0xD8));
      _mm256_storeu_ps(even_dst + ((ix + pl) >> 1), ev);
      _mm256_storeu_ps(odd_dst + ((ix + 1 + pl) >> 1), od);
    }
    for (; ix < W; ++ix) {
      const int64_t col = ix + pl;
      if ((col >> 1) >= WS) break;
      planes[col & 1][col >> 1] = xr[ix];
    }
  }
}

// V output vectors of one row starting at pixel ox.
template <int K, int S, int V, bool kMasked>
__attribute__((always_inline)) inline void RowBlock(const float* const* src_rows, const __m256* wv,
                                                    __m256 bias, int64_t ox, __m256i mask,
                                                    const VecActivation& act, float* yr) {
  __m256 acc[V];
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) acc[v] = bias;
#pragma GCC unroll 5
  for (int ky = 0; ky < K; ++ky) {
#pragma GCC unroll 5
    for (int kx = 0; kx < K; ++kx) {
      // Stride 1: one plane, offset kx. Stride 2: plane kx & 1, offset kx / 2.
      const float* src = S == 1 ? src_rows[ky] + kx : src_rows[2 * ky + (kx & 1)] + (kx >> 1);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) {
        acc[v] = _mm256_fmadd_ps(_mm256_loadu_ps(src + ox + v * kLanes), wv[ky * K + kx], acc[v]);
      }
    }
  }
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) {
    const __m256 r = act(acc[v]);
    if (kMasked) {
      _mm256_maskstore_ps(yr + ox + v * kLanes, mask, r);
    } else {
      _mm256_storeu_ps(yr + ox + v * kLanes, r);
    }
  }
}

template <int K, int S>
void DwNchw(const DwConvParams& p, const float* x, const float* packed, float* y, float* scratch) {
  const ScratchGeometry g = Geometry(p);
  const int64_t OW = p.out_w, taps = K * K;
  const float* bias = packed + p.channels * taps;
  const VecActivation act(p.act);
  const __m256i none = _mm256_setzero_si256(), tail = TailMask(OW % kLanes);
  std::fill(scratch, scratch + g.planes * g.rows * g.width, 0.f);
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t c = 0; c < p.channels; ++c) {
      const int64_t nc = n * p.channels + c;
      CopyPlane(p, g, x + nc * p.in_h * p.in_w, scratch);
      __m256 wv[taps];
      for (int t = 0; t < taps; ++t) wv[t] = _mm256_set1_ps(packed[c * taps + t]);
      const __m256 bv = _mm256_set1_ps(bias[c]);
      float* yc = y + nc * p.out_h * OW;
      for (int64_t oy = 0; oy < p.out_h; ++oy) {
        // Source rows per tap row (and per column parity for stride 2).
        const float* src_rows[2 * K];
        for (int ky = 0; ky < K; ++ky) {
          const int64_t r = oy * S + ky;
          src_rows[S == 1 ? ky : 2 * ky] = scratch + r * g.width;
          if (S == 2) src_rows[2 * ky + 1] = scratch + (g.rows + r) * g.width;
        }
        float* yr = yc + oy * OW;
        int64_t ox = 0;
        for (; ox + kMaxVecs * kLanes <= OW; ox += kMaxVecs * kLanes) {
          RowBlock<K, S, kMaxVecs, false>(src_rows, wv, bv, ox, none, act, yr);
        }
        for (; ox + kLanes <= OW; ox += kLanes) {
          RowBlock<K, S, 1, false>(src_rows, wv, bv, ox, none, act, yr);
        }
        if (ox < OW) RowBlock<K, S, 1, true>(src_rows, wv, bv, ox, tail, act, yr);
      }
    }
  }
}

}  // namespace

int64_t dwconv_nchw_avx2_packed_size(const DwConvParams& p) {
  return (p.kernel_h * p.kernel_w + 1) * p.channels;
}

void dwconv_nchw_avx2_pack(const DwConvParams& p, const float* w, const float* bias,
                           float* packed) {
  const int64_t taps = p.kernel_h * p.kernel_w;
  std::copy(w, w + p.channels * taps, packed);
  for (int64_t c = 0; c < p.channels; ++c) packed[p.channels * taps + c] = bias ? bias[c] : 0.f;
}

int64_t dwconv_nchw_avx2_scratch_size(const DwConvParams& p) {
  const ScratchGeometry g = Geometry(p);
  return g.planes * g.rows * g.width;
}

void dwconv_f32_nchw_avx2(const DwConvParams& p, const float* x, const float* packed, float* y,
                          float* scratch) {
  // Every tap of every stored pixel runs, padding taps on the scratch's zeros included
  // (kernels/common/mac_counter.h); the lanes past OW store nothing and are not counted.
  if (MacCounter::enabled()) {
    MacCounter::Add(p.batch * p.channels * p.out_h * p.out_w * p.kernel_h * p.kernel_w);
  }
  const bool s2 = p.stride_h == 2;
  if (p.kernel_h == 3) {
    s2 ? DwNchw<3, 2>(p, x, packed, y, scratch) : DwNchw<3, 1>(p, x, packed, y, scratch);
  } else {
    s2 ? DwNchw<5, 2>(p, x, packed, y, scratch) : DwNchw<5, 1>(p, x, packed, y, scratch);
  }
}

}  // namespace finch::kernels
