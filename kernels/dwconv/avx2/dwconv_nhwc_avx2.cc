// NHWC depthwise k×k (k = 3, 5), stride 1/2: vectorised over channels.
//
// Layout: x [N][H][W][C], y [N][OH][OW][C], packed weights [k][k][Cp] + bias [Cp], Cp = C rounded
// up to 8. Each output row goes in blocks of 8 pixels; per block, channel vectors of 8 (then one
// masked vector for C % 8) are computed with the kernel row's weights and each input column loaded
// once and reused by every pixel whose window covers it (BlockVector). Blocks at the image's
// border skip the taps outside it, as the reference does. Per channel vector the sum is bias, then
// the taps in row-major order, as in the reference, so the two agree bit for bit.
#include <immintrin.h>

#include <algorithm>

#include "kernels/common/avx2/activation_avx2.h"
#include "kernels/common/mac_counter.h"
#include "kernels/dwconv/avx2/dwconv_avx2.h"

namespace finch::kernels {
namespace {

using avx2::TailMask;
using avx2::VecActivation;

constexpr int64_t kLanes = 8;

int64_t PaddedChannels(int64_t c) { return (c + kLanes - 1) / kLanes * kLanes; }

// kBlock adjacent output pixels of one row, all channels: per channel vector the K weights of a
// kernel row are loaded once and each input column once, then reused by every output pixel whose
// window covers it — ((kBlock − 1)·S + 2K) loads for kBlock·K FMAs per kernel row instead of
// 2·kBlock·K. Each accumulator adds bias, then the taps in row-major order, as the reference.
//
// kEdge: a block at the image's border. Kernel rows [ky0, ky1) only, input columns whose bit in
// `valid_cols` is clear (outside the image) skipped — the taps the reference skips, so the sums
// are the same — and only the first `pixels` outputs stored (the row may end inside the block).
// `xo` is the offset in `xn` of tap (0, 0) of the first pixel; only valid taps form pointers.
template <int K, int S, int kBlock, bool kMasked, bool kEdge>
__attribute__((always_inline)) inline void BlockVector(const float* xn, int64_t xo, int64_t W,
                                                       int64_t C, const float* wp, int64_t Cp,
                                                       int64_t c, __m256i mask,
                                                       const VecActivation& act, float* yp,
                                                       int ky0, int ky1, uint32_t valid_cols,
                                                       int pixels) {
  constexpr int kCols = (kBlock - 1) * S + K;
  __m256 acc[kBlock];
  const __m256 bias = _mm256_loadu_ps(wp + K * K * Cp + c);
#pragma GCC unroll 8
  for (int b = 0; b < kBlock; ++b) acc[b] = bias;
  if (!kEdge) {
    ky0 = 0;
    ky1 = K;
  }
#pragma GCC unroll 5
  for (int ky = ky0; ky < ky1; ++ky) {
    __m256 w[K];
#pragma GCC unroll 5
    for (int kx = 0; kx < K; ++kx) w[kx] = _mm256_loadu_ps(wp + (ky * K + kx) * Cp + c);
    const int64_t row = xo + ky * W * C + c;
#pragma GCC unroll 20
    for (int j = 0; j < kCols; ++j) {
      if (kEdge && !((valid_cols >> j) & 1u)) continue;
      const float* src = xn + (row + j * C);
      const __m256 in = kMasked ? _mm256_maskload_ps(src, mask) : _mm256_loadu_ps(src);
#pragma GCC unroll 8
      for (int b = 0; b < kBlock; ++b) {
        const int kx = j - b * S;
        if (kx >= 0 && kx < K) acc[b] = _mm256_fmadd_ps(in, w[kx], acc[b]);
      }
    }
  }
#pragma GCC unroll 8
  for (int b = 0; b < kBlock; ++b) {
    if (kEdge && b >= pixels) break;
    const __m256 r = act(acc[b]);
    if (kMasked) {
      _mm256_maskstore_ps(yp + b * C, mask, r);
    } else {
      _mm256_storeu_ps(yp + b * C, r);
    }
  }
}

// A block of pixels, all channels.
template <int K, int S, int kBlock, bool kEdge>
__attribute__((always_inline)) inline void PixelBlock(const float* xn, int64_t xo, int64_t W,
                                                      int64_t C, const float* wp, int64_t Cp,
                                                      const VecActivation& act, float* yp,
                                                      int ky0, int ky1, uint32_t valid_cols,
                                                      int pixels) {
  const __m256i none = _mm256_setzero_si256();
  int64_t c = 0;
  for (; c + kLanes <= C; c += kLanes) {
    BlockVector<K, S, kBlock, false, kEdge>(xn, xo, W, C, wp, Cp, c, none, act, yp + c, ky0, ky1,
                                            valid_cols, pixels);
  }
  if (c < C) {
    BlockVector<K, S, kBlock, true, kEdge>(xn, xo, W, C, wp, Cp, c, TailMask(C - c), act, yp + c,
                                           ky0, ky1, valid_cols, pixels);
  }
}

// Σ over a block's first `pixels` outputs of the kernel columns PixelBlock runs for each: pixel
// b's window is columns [b·S, b·S + K) of the block, those with their bit in `valid` set.
template <int K, int S>
int64_t BlockColumnTaps(uint32_t valid, int pixels) {
  int64_t taps = 0;
  for (int b = 0; b < pixels; ++b) {
    taps += __builtin_popcount((valid >> (b * S)) & ((1u << K) - 1));
  }
  return taps;
}

template <int K, int S>
void DwNhwc(const DwConvParams& p, const float* x, const float* wp, float* y) {
  constexpr int kBlock = 8;
  constexpr int kCols = (kBlock - 1) * S + K;  // ≤ 19 < 32 bits of valid_cols
  const int64_t C = p.channels, H = p.in_h, W = p.in_w, Cp = PaddedChannels(C);
  const VecActivation act(p.act);
  // Multiply-adds (kernels/common/mac_counter.h): per output row, the kernel rows [ky0, ky1) it
  // runs × the kernel columns each block runs × C; the taps outside the image are skipped.
  const bool count = MacCounter::enabled();
  int64_t executed = 0;
  for (int64_t n = 0; n < p.batch; ++n) {
    const float* xn = x + n * H * W * C;
    float* yn = y + n * p.out_h * p.out_w * C;
    for (int64_t oy = 0; oy < p.out_h; ++oy) {
      const int64_t iy0 = oy * S - p.pad_top;
      const int ky0 = static_cast<int>(std::clamp<int64_t>(-iy0, 0, K));
      const int ky1 = static_cast<int>(std::clamp<int64_t>(H - iy0, 0, K));
      int64_t row_taps = 0;  // Σ over the row's pixels of their kernel columns run
      for (int64_t ox = 0; ox < p.out_w; ox += kBlock) {
        const int pixels = static_cast<int>(std::min<int64_t>(kBlock, p.out_w - ox));
        const int64_t ix0 = ox * S - p.pad_left;  // input column of the block's tap (0, 0)
        uint32_t valid = 0;
        for (int j = 0; j < kCols; ++j) {
          if (ix0 + j >= 0 && ix0 + j < W) valid |= 1u << j;
        }
        const int64_t xo = (iy0 * W + ix0) * C;
        float* yp = yn + (oy * p.out_w + ox) * C;
        if (pixels == kBlock && ky0 == 0 && ky1 == K && valid == (1u << kCols) - 1) {
          PixelBlock<K, S, kBlock, false>(xn, xo, W, C, wp, Cp, act, yp, 0, K, valid, pixels);
        } else {
          PixelBlock<K, S, kBlock, true>(xn, xo, W, C, wp, Cp, act, yp, ky0, ky1, valid, pixels);
        }
        if (count) row_taps += BlockColumnTaps<K, S>(valid, pixels);
      }
      if (count) executed += (ky1 - ky0) * row_taps * C;
    }
  }
  if (count) {
    const int64_t all = p.batch * p.out_h * p.out_w * K * K * C;
    MacCounter::Add(executed, all - executed);
  }
}

}  // namespace

bool dwconv_avx2_applies(const DwConvParams& p) {
  return p.kernel_h == p.kernel_w && (p.kernel_h == 3 || p.kernel_h == 5) &&
         p.stride_h == p.stride_w && (p.stride_h == 1 || p.stride_h == 2) && p.batch > 0 &&
         p.channels > 0 && p.in_h > 0 && p.in_w > 0 && p.out_h > 0 && p.out_w > 0 &&
         p.pad_top >= 0 && p.pad_left >= 0;
}

int64_t dwconv_nhwc_avx2_packed_size(const DwConvParams& p) {
  return (p.kernel_h * p.kernel_w + 1) * PaddedChannels(p.channels);
}

void dwconv_nhwc_avx2_pack(const DwConvParams& p, const float* w, const float* bias,
                           float* packed) {
  const int64_t taps = p.kernel_h * p.kernel_w, Cp = PaddedChannels(p.channels);
  std::fill(packed, packed + (taps + 1) * Cp, 0.f);
  for (int64_t c = 0; c < p.channels; ++c) {
    for (int64_t t = 0; t < taps; ++t) packed[t * Cp + c] = w[c * taps + t];
    if (bias) packed[taps * Cp + c] = bias[c];
  }
}

int64_t dwconv_nhwc_avx2_scratch_size(const DwConvParams&) { return 0; }

void dwconv_f32_nhwc_avx2(const DwConvParams& p, const float* x, const float* packed, float* y,
                          float*) {
  const bool s1 = p.stride_h == 1;
  if (p.kernel_h == 3) {
    s1 ? DwNhwc<3, 1>(p, x, packed, y) : DwNhwc<3, 2>(p, x, packed, y);
  } else {
    s1 ? DwNhwc<5, 1>(p, x, packed, y) : DwNhwc<5, 2>(p, x, packed, y);
  }
}

}  // namespace finch::kernels
