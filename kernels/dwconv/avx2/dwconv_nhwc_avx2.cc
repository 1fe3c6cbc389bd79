// NHWC depthwise k×k (k = 3, 5), stride 1/2: vectorised over channels.
//
// Layout: x [N][H][W][C], y [N][OH][OW][C], packed weights [k][k][Cp] + bias [Cp], Cp = C rounded
// up to 8. For one output pixel, channels go 32 at a time (4 independent FMA chains, enough to
// cover the FMA latency on the two FMA ports while the loads — one input and one weight vector
// per FMA — are the real limit), then 8 at a time, then one masked vector for C % 8. Per channel
// vector the sum is bias, then the taps in row-major order, as in the reference.
//
// Interior pixels (every tap inside the input) take the same code instantiated with constant tap
// bounds, so the k×k loop unrolls with no bounds checks; border pixels clip the tap ranges.
#include <immintrin.h>

#include <algorithm>

#include "kernels/common/avx2/activation_avx2.h"
#include "kernels/dwconv/avx2/dwconv_avx2.h"

namespace finch::kernels {
namespace {

using avx2::TailMask;
using avx2::VecActivation;

constexpr int64_t kLanes = 8;
constexpr int kMaxVecs = 4;  // channel vectors per step

int64_t PaddedChannels(int64_t c) { return (c + kLanes - 1) / kLanes * kLanes; }

// The channel vectors [c, c + 8·V) of one output pixel over taps [ky0, ky1) × [kx0, kx1).
// `xo` is the offset in `xn` of the (possibly out-of-range) input pixel under tap (0, 0), channel
// c; only in-range taps form pointers.
template <int K, int V, bool kMasked>
__attribute__((always_inline)) inline void ChannelBlock(const float* xn, int64_t xo, int64_t W,
                                                        int64_t C, const float* wp, int64_t Cp,
                                                        int64_t c, int ky0, int ky1, int kx0,
                                                        int kx1, __m256i mask,
                                                        const VecActivation& act, float* yp) {
  const float* bias = wp + K * K * Cp + c;
  __m256 acc[V];
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) acc[v] = _mm256_loadu_ps(bias + v * kLanes);
#pragma GCC unroll 5
  for (int ky = ky0; ky < ky1; ++ky) {
#pragma GCC unroll 5
    for (int kx = kx0; kx < kx1; ++kx) {
      const float* xt = xn + xo + (ky * W + kx) * C;
      const float* wt = wp + (ky * K + kx) * Cp + c;
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) {
        const __m256 xv =
            kMasked ? _mm256_maskload_ps(xt + v * kLanes, mask) : _mm256_loadu_ps(xt + v * kLanes);
        acc[v] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(wt + v * kLanes), acc[v]);
      }
    }
  }
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) {
    const __m256 r = act(acc[v]);
    if (kMasked) {
      _mm256_maskstore_ps(yp + v * kLanes, mask, r);
    } else {
      _mm256_storeu_ps(yp + v * kLanes, r);
    }
  }
}

// All channels of one output pixel.
template <int K>
__attribute__((always_inline)) inline void Pixel(const float* xn, int64_t xo, int64_t W, int64_t C,
                                                 const float* wp, int64_t Cp, int ky0, int ky1,
                                                 int kx0, int kx1, const VecActivation& act,
                                                 float* yp) {
  const __m256i none = _mm256_setzero_si256();
  int64_t c = 0;
  for (; c + kMaxVecs * kLanes <= C; c += kMaxVecs * kLanes) {
    ChannelBlock<K, kMaxVecs, false>(xn, xo + c, W, C, wp, Cp, c, ky0, ky1, kx0, kx1, none, act,
                                     yp + c);
  }
  for (; c + kLanes <= C; c += kLanes) {
    ChannelBlock<K, 1, false>(xn, xo + c, W, C, wp, Cp, c, ky0, ky1, kx0, kx1, none, act, yp + c);
  }
  if (c < C) {
    ChannelBlock<K, 1, true>(xn, xo + c, W, C, wp, Cp, c, ky0, ky1, kx0, kx1, TailMask(C - c), act,
                             yp + c);
  }
}

template <int K>
void DwNhwc(const DwConvParams& p, const float* x, const float* wp, float* y) {
  const int64_t C = p.channels, H = p.in_h, W = p.in_w, Cp = PaddedChannels(C);
  const int64_t s = p.stride_h;
  const VecActivation act(p.act);
  for (int64_t n = 0; n < p.batch; ++n) {
    const float* xn = x + n * H * W * C;
    float* yn = y + n * p.out_h * p.out_w * C;
    for (int64_t oy = 0; oy < p.out_h; ++oy) {
      const int64_t iy0 = oy * s - p.pad_top;
      const int ky0 = static_cast<int>(std::clamp<int64_t>(-iy0, 0, K));
      const int ky1 = static_cast<int>(std::clamp<int64_t>(H - iy0, 0, K));
      for (int64_t ox = 0; ox < p.out_w; ++ox) {
        const int64_t ix0 = ox * s - p.pad_left;
        const int kx0 = static_cast<int>(std::clamp<int64_t>(-ix0, 0, K));
        const int kx1 = static_cast<int>(std::clamp<int64_t>(W - ix0, 0, K));
        const int64_t xo = (iy0 * W + ix0) * C;
        float* yp = yn + (oy * p.out_w + ox) * C;
        if (ky0 == 0 && ky1 == K && kx0 == 0 && kx1 == K) {
          Pixel<K>(xn, xo, W, C, wp, Cp, 0, K, 0, K, act, yp);  // interior: constant bounds
        } else {
          Pixel<K>(xn, xo, W, C, wp, Cp, ky0, ky1, kx0, kx1, act, yp);
        }
      }
    }
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
  if (p.kernel_h == 3) {
    DwNhwc<3>(p, x, packed, y);
  } else {
    DwNhwc<5>(p, x, packed, y);
  }
}

}  // namespace finch::kernels
