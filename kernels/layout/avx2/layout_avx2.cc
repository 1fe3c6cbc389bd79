// AVX2 NCHW ↔ NHWC: 8 channels × 8 pixels at a time, loaded as 8 ymm rows, transposed in
// registers (unpack → shuffle → permute2f128, 24 shuffles), stored as 8 rows of the other layout.
// A block cut short by C or by the pixel range uses masked loads (lanes past the end read as 0,
// and never fault) and masked stores (only the real lanes are written), so there is no scalar
// tail. C = 3 (the image input and output of vision models) has its own paths both ways: 8
// pixels of the 3 planes (de)interleave into 3 full vectors with lane permutes and blends.
#include "kernels/layout/avx2/layout_avx2.h"

#include <immintrin.h>

#include <algorithm>

#include "kernels/common/avx2/activation_avx2.h"

namespace finch::kernels {
namespace {

using avx2::TailMask;

constexpr int64_t kB = 8;  // block edge: 8 floats per ymm

// In place: r[i] lane j ↔ r[j] lane i.
__attribute__((always_inline)) inline void Transpose8x8(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
  r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
  r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
  r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
  r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

// Transposes the rows × cols (≤ 8 × 8) block at src (row stride src_stride) into dst (row
// stride dst_stride): dst[j·dst_stride + i] = src[i·src_stride + j].
__attribute__((always_inline)) inline void Block(const float* src, int64_t src_stride, float* dst,
                                                 int64_t dst_stride, int64_t rows, int64_t cols) {
  __m256 r[8];
  if (rows == kB && cols == kB) {
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * src_stride);
    Transpose8x8(r);
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) _mm256_storeu_ps(dst + j * dst_stride, r[j]);
    return;
  }
  // Masked moves only where a row is really short (a masked store is slow on some cores).
  const __m256i load_mask = TailMask(cols), store_mask = TailMask(rows);
  for (int i = 0; i < 8; ++i) {
    r[i] = i >= rows    ? _mm256_setzero_ps()
           : cols == kB ? _mm256_loadu_ps(src + i * src_stride)
                        : _mm256_maskload_ps(src + i * src_stride, load_mask);
  }
  Transpose8x8(r);
  for (int j = 0; j < cols; ++j) {
    if (rows == kB) {
      _mm256_storeu_ps(dst + j * dst_stride, r[j]);
    } else {
      _mm256_maskstore_ps(dst + j * dst_stride, store_mask, r[j]);
    }
  }
}

// NCHW → NHWC for C = 3: pixels [p0, p0 + 8) of the three planes → 24 interleaved floats.
// Output lane l of vector k holds flat index i = 8k + l: pixel i / 3, channel i % 3.
__attribute__((always_inline)) inline void Interleave3(const float* xn, int64_t HW, int64_t p0,
                                                       float* out) {
  const __m256 r0 = _mm256_loadu_ps(xn + p0);
  const __m256 r1 = _mm256_loadu_ps(xn + HW + p0);
  const __m256 r2 = _mm256_loadu_ps(xn + 2 * HW + p0);
  const __m256i i0 = _mm256_setr_epi32(0, 0, 0, 1, 1, 1, 2, 2);
  const __m256i i1 = _mm256_setr_epi32(2, 3, 3, 3, 4, 4, 4, 5);
  const __m256i i2 = _mm256_setr_epi32(5, 5, 6, 6, 6, 7, 7, 7);
  // Blend masks: lanes of channel 1 / channel 2 in each output vector.
  __m256 v =
      _mm256_blend_ps(_mm256_permutevar8x32_ps(r0, i0), _mm256_permutevar8x32_ps(r1, i0), 0x92);
  _mm256_storeu_ps(out, _mm256_blend_ps(v, _mm256_permutevar8x32_ps(r2, i0), 0x24));
  v = _mm256_blend_ps(_mm256_permutevar8x32_ps(r0, i1), _mm256_permutevar8x32_ps(r1, i1), 0x24);
  _mm256_storeu_ps(out + 8, _mm256_blend_ps(v, _mm256_permutevar8x32_ps(r2, i1), 0x49));
  v = _mm256_blend_ps(_mm256_permutevar8x32_ps(r0, i2), _mm256_permutevar8x32_ps(r1, i2), 0x49);
  _mm256_storeu_ps(out + 16, _mm256_blend_ps(v, _mm256_permutevar8x32_ps(r2, i2), 0x92));
}

// NHWC → NCHW for C = 3, the inverse: 24 interleaved floats (pixels [p0, p0 + 8)) → 8 floats of
// each plane. Lane l of plane c is flat index 3l + c: vector (3l + c) / 8, lane (3l + c) % 8.
__attribute__((always_inline)) inline void Deinterleave3(const float* in, int64_t HW, int64_t p0,
                                                         float* yn) {
  const __m256 v0 = _mm256_loadu_ps(in), v1 = _mm256_loadu_ps(in + 8),
               v2 = _mm256_loadu_ps(in + 16);
  const __m256i i0 = _mm256_setr_epi32(0, 3, 6, 1, 4, 7, 2, 5);
  const __m256i i1 = _mm256_setr_epi32(1, 4, 7, 2, 5, 0, 3, 6);
  const __m256i i2 = _mm256_setr_epi32(2, 5, 0, 3, 6, 1, 4, 7);
  // Blend masks: lanes taken from v1 / from v2.
  __m256 t =
      _mm256_blend_ps(_mm256_permutevar8x32_ps(v0, i0), _mm256_permutevar8x32_ps(v1, i0), 0x38);
  _mm256_storeu_ps(yn + p0, _mm256_blend_ps(t, _mm256_permutevar8x32_ps(v2, i0), 0xC0));
  t = _mm256_blend_ps(_mm256_permutevar8x32_ps(v0, i1), _mm256_permutevar8x32_ps(v1, i1), 0x18);
  _mm256_storeu_ps(yn + HW + p0, _mm256_blend_ps(t, _mm256_permutevar8x32_ps(v2, i1), 0xE0));
  t = _mm256_blend_ps(_mm256_permutevar8x32_ps(v0, i2), _mm256_permutevar8x32_ps(v1, i2), 0x1C);
  _mm256_storeu_ps(yn + 2 * HW + p0, _mm256_blend_ps(t, _mm256_permutevar8x32_ps(v2, i2), 0xE0));
}

}  // namespace

void nchw_to_nhwc_f32_avx2(int64_t N, int64_t C, int64_t HW, const float* x, float* y,
                           int64_t p_begin, int64_t p_end) {
  for (int64_t n = 0; n < N; ++n) {
    const float* xn = x + n * C * HW;
    float* yn = y + n * HW * C;
    int64_t p0 = p_begin;
    if (C == 3) {
      for (; p0 + kB <= p_end; p0 += kB) Interleave3(xn, HW, p0, yn + p0 * 3);
    }
    // Pixel blocks outer, channel blocks inner: each output pixel row is written in order.
    for (; p0 < p_end; p0 += kB) {
      const int64_t np = std::min(kB, p_end - p0);
      for (int64_t c0 = 0; c0 < C; c0 += kB) {
        Block(xn + c0 * HW + p0, HW, yn + p0 * C + c0, C, std::min(kB, C - c0), np);
      }
    }
  }
}

void nhwc_to_nchw_f32_avx2(int64_t N, int64_t C, int64_t HW, const float* x, float* y,
                           int64_t p_begin, int64_t p_end) {
  for (int64_t n = 0; n < N; ++n) {
    const float* xn = x + n * HW * C;
    float* yn = y + n * C * HW;
    int64_t p_rest = p_begin;  // where the general blocks start
    if (C == 3) {
      for (; p_rest + kB <= p_end; p_rest += kB) Deinterleave3(xn + p_rest * 3, HW, p_rest, yn);
    }
    // Channel blocks outer, pixel blocks inner: each output plane row is written in order.
    for (int64_t c0 = 0; c0 < C; c0 += kB) {
      const int64_t nc = std::min(kB, C - c0);
      for (int64_t p0 = p_rest; p0 < p_end; p0 += kB) {
        Block(xn + p0 * C + c0, C, yn + c0 * HW + p0, HW, std::min(kB, p_end - p0), nc);
      }
    }
  }
}

}  // namespace finch::kernels
