// AVX2 NHWC pooling: vectorised over channels — per output pixel, channels go 32 at a time (4
// independent accumulators), then 8, then one masked vector for C % 8. Each lane runs exactly
// the scalar reference's sequence for its channel (same taps, same order, no FMA, max as
// `v > best`), so the results are bit-identical to pool_nhwc_ref.cc and to the NCHW references.
#include <immintrin.h>

#include <limits>

#include "kernels/common/avx2/activation_avx2.h"
#include "kernels/pool/pool_nhwc.h"

namespace finch::kernels {
namespace {

using avx2::TailMask;

constexpr int64_t kLanes = 8;

template <bool kMasked>
__attribute__((always_inline)) inline __m256 Load(const float* p, __m256i mask) {
  return kMasked ? _mm256_maskload_ps(p, mask) : _mm256_loadu_ps(p);
}
template <bool kMasked>
__attribute__((always_inline)) inline void Store(float* p, __m256i mask, __m256 v) {
  if (kMasked) {
    _mm256_maskstore_ps(p, mask, v);
  } else {
    _mm256_storeu_ps(p, v);
  }
}

// Runs block<V, masked>(c) over the channel blocks of [0, C): V = 4, then 1, then a masked tail.
template <typename Block>
__attribute__((always_inline)) inline void ForChannelBlocks(int64_t C, Block&& block) {
  int64_t c = 0;
  for (; c + 4 * kLanes <= C; c += 4 * kLanes) block.template operator()<4, false>(c);
  for (; c + kLanes <= C; c += kLanes) block.template operator()<1, false>(c);
  if (c < C) block.template operator()<1, true>(c);
}

// Offset (in pixels) of tap (k0, k1, k2) of the window at `start` (Expand3'ed params).
inline int64_t TapPixel(const PoolParams& p, const int64_t start[3], int64_t k0, int64_t k1,
                        int64_t k2) {
  return ((start[0] + k0 * p.dilation[0]) * p.in[1] + start[1] + k1 * p.dilation[1]) * p.in[2] +
         start[2] + k2 * p.dilation[2];
}

struct GapBlock {
  const float* xn;
  float* yn;
  int64_t HW, C;
  __m256i mask;
  bool divide = true;  // false: the sums
  template <int V, bool kMasked>
  void operator()(int64_t c) const {
    __m256 acc[V];
    for (int v = 0; v < V; ++v) acc[v] = _mm256_setzero_ps();
    for (int64_t i = 0; i < HW; ++i) {
      const float* xp = xn + i * C + c;
      for (int v = 0; v < V; ++v)
        acc[v] = _mm256_add_ps(acc[v], Load<kMasked>(xp + v * kLanes, mask));
    }
    const __m256 d = _mm256_set1_ps(static_cast<float>(HW));
    for (int v = 0; v < V; ++v) {
      const __m256 r = !divide ? acc[v] : HW > 0 ? _mm256_div_ps(acc[v], d) : _mm256_setzero_ps();
      Store<kMasked>(yn + c + v * kLanes, mask, r);
    }
  }
};

struct WindowBlock {
  const PoolParams& p;
  const float* xn;
  float* yp;
  int64_t C;
  const int64_t* start;
  const int64_t* kb;
  const int64_t* ke;
  __m256i mask;
  bool is_max;
  float divisor;  // average only; 0 → the output is 0

  template <int V, bool kMasked>
  void operator()(int64_t c) const {
    __m256 acc[V];
    bool first = true;
    const __m256 init =
        is_max ? _mm256_set1_ps(std::numeric_limits<float>::lowest()) : _mm256_setzero_ps();
    for (int v = 0; v < V; ++v) acc[v] = init;
    for (int64_t k0 = kb[0]; k0 < ke[0]; ++k0) {
      for (int64_t k1 = kb[1]; k1 < ke[1]; ++k1) {
        for (int64_t k2 = kb[2]; k2 < ke[2]; ++k2) {
          const float* xp = xn + TapPixel(p, start, k0, k1, k2) * C + c;
          for (int v = 0; v < V; ++v) {
            const __m256 x = Load<kMasked>(xp + v * kLanes, mask);
            // max_ps(x, best) = x > best ? x : best: the reference's comparison, NaNs included.
            acc[v] = !is_max ? _mm256_add_ps(acc[v], x) : first ? x : _mm256_max_ps(x, acc[v]);
          }
          first = false;
        }
      }
    }
    for (int v = 0; v < V; ++v) {
      __m256 r = acc[v];
      if (!is_max) {
        r = divisor > 0 ? _mm256_div_ps(r, _mm256_set1_ps(divisor)) : _mm256_setzero_ps();
      }
      Store<kMasked>(yp + c + v * kLanes, mask, r);
    }
  }
};

void PoolNhwc(const PoolParams& params, int64_t N, int64_t C, bool is_max, bool count_include_pad,
              const float* x, float* y) {
  const PoolParams p = Expand3(params);
  const int64_t in_size = p.in[0] * p.in[1] * p.in[2];
  const int64_t out_size = p.out[0] * p.out[1] * p.out[2];
  const __m256i mask = TailMask(C % kLanes);
  for (int64_t n = 0; n < N; ++n) {
    const float* xn = x + n * in_size * C;
    for (int64_t o0 = 0; o0 < p.out[0]; ++o0) {
      for (int64_t o1 = 0; o1 < p.out[1]; ++o1) {
        for (int64_t o2 = 0; o2 < p.out[2]; ++o2) {
          const int64_t start[3] = {o0 * p.stride[0] - p.pad_begin[0],
                                    o1 * p.stride[1] - p.pad_begin[1],
                                    o2 * p.stride[2] - p.pad_begin[2]};
          int64_t kb[3], ke[3];
          InputTaps(p, start, kb, ke);
          // The reference divides by static_cast<float>(count) when count > 0.
          const double count = is_max ? 0 : AvgPoolCount(p, start, count_include_pad);
          float* yp = y + (n * out_size + (o0 * p.out[1] + o1) * p.out[2] + o2) * C;
          const float divisor = count > 0 ? static_cast<float>(count) : 0.f;
          const WindowBlock b{p, xn, yp, C, start, kb, ke, mask, is_max, divisor};
          ForChannelBlocks(C, b);
        }
      }
    }
  }
}

}  // namespace

void global_avgpool_nhwc_f32_avx2(int64_t N, int64_t HW, int64_t C, const float* x, float* y) {
  const __m256i mask = TailMask(C % kLanes);
  for (int64_t n = 0; n < N; ++n) {
    GapBlock b{x + n * HW * C, y + n * C, HW, C, mask};
    ForChannelBlocks(C, b);
  }
}

void channel_sums_nhwc_f32_avx2(int64_t pixels, int64_t C, const float* x, float* sums) {
  GapBlock b{x, sums, pixels, C, TailMask(C % kLanes), /*divide=*/false};
  ForChannelBlocks(C, b);
}

void maxpool_nhwc_f32_avx2(const PoolParams& p, int64_t N, int64_t C, const float* x, float* y) {
  PoolNhwc(p, N, C, /*is_max=*/true, false, x, y);
}

void avgpool_nhwc_f32_avx2(const PoolParams& p, int64_t N, int64_t C, bool count_include_pad,
                           const float* x, float* y) {
  PoolNhwc(p, N, C, /*is_max=*/false, count_include_pad, x, y);
}

}  // namespace finch::kernels
