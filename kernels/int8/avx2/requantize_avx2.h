// The int8 epilogue (kernels/int8/requantize.h) on vectors of 8 int32 accumulators, for the
// files under kernels/int8/avx2/ only.
//
// uint8/int8 output takes 15 instructions per 16 values instead of the reference's 21-step
// order (bias add, cvt, mul, max, min, cvt, add, narrow): the bias is the accumulators' initial
// value in the kernels, and the lower clamp and the zero point move to the narrow integer
// domain, where one instruction handles 16 values:
//   u = minps(hi, v)            hi = qmax − zp; a NaN v stays NaN (minps returns its 2nd operand)
//   r = cvtps2dq(u)             round half to even; NaN or u < −2^31 give INT32_MIN
//   w = packssdw(r) +sat zp     int16, saturating (vpaddsw)
//   b = max(packus/packss(w), qmin)   uint8 (vpmaxub) or int8 (vpmaxsb)
// This equals the reference y = round(clamp(v, qmin − zp, qmax − zp)) + zp bit for bit:
//  - R = round(u) ≤ hi (hi is an integer), so the top clamp is exact;
//  - if R + zp ≥ qmin, then R ∈ [qmin − zp, qmax − zp] ⊂ [−510, 510]: no saturation anywhere and
//    the max is a no-op;
//  - if R + zp < qmin (or v is NaN, or u < −2^31: r = INT32_MIN), every saturated value stays
//    below qmin (−32768 + zp ≤ −32513), the 8-bit saturation is monotone and fixes qmin, so the
//    max gives qmin — as the reference's lower clamp (a NaN v becomes lo there: qmin too).
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/common/avx2/activation_avx2.h"
#include "kernels/int8/requantize.h"

namespace finch::kernels::avx2 {

// The epilogue's constants as vectors, built once per kernel call.
struct VecQuantEpilogue {
  explicit VecQuantEpilogue(const QuantEpilogue& q)
      : e(q),
        hi(_mm256_set1_ps(static_cast<float>(q.qmax - q.zero_point))),
        zp16(_mm256_set1_epi16(static_cast<int16_t>(q.zero_point))),
        qmin8(_mm_set1_epi8(static_cast<char>(q.qmin))),
        scale1(q.scale != nullptr && !q.per_channel ? _mm256_set1_ps(q.scale[0])
                                                    : _mm256_setzero_ps()),
        act(q.act) {}

  // Bias of channels [n, n + live) (live 1..8; lanes past it 0).
  __m256i Bias(int64_t n, int live) const {
    if (e.bias == nullptr) return _mm256_setzero_si256();
    const int32_t* p = e.bias + n;
    return live == 8 ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))
                     : _mm256_maskload_epi32(p, TailMask(live));
  }
  // Scale of channels [n, n + live) (unused for int32 output).
  __m256 Scale(int64_t n, int live) const {
    if (!e.per_channel || e.scale == nullptr) return scale1;
    const float* p = e.scale + n;
    return live == 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, TailMask(live));
  }

  // uint8/int8, first half: r = cvtps2dq(minps(hi, float(acc)·scale)) (see above).
  __m256i Round(__m256i acc, __m256 scale) const {
    const __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), scale);
    return _mm256_cvtps_epi32(_mm256_min_ps(hi, v));
  }
  // float32: act(float(acc)·scale).
  __m256 Dequantize(__m256i acc, __m256 scale) const {
    return act(_mm256_mul_ps(_mm256_cvtepi32_ps(acc), scale));
  }

  // Second half, on int16 values w (16 in a ymm or 8 in an xmm): + zp (saturating), narrowed
  // with saturation, max with qmin.
  template <QOutType T>
  __m128i Narrow(__m128i w_lo, __m128i w_hi) const {
    const __m128i zp = _mm256_castsi256_si128(zp16);
    const __m128i a = _mm_adds_epi16(w_lo, zp), b = _mm_adds_epi16(w_hi, zp);
    return T == QOutType::kUint8 ? _mm_max_epu8(_mm_packus_epi16(a, b), qmin8)
                                 : _mm_max_epi8(_mm_packs_epi16(a, b), qmin8);
  }

  const QuantEpilogue& e;
  __m256 hi;
  __m256i zp16;
  __m128i qmin8;
  __m256 scale1;  // the per-tensor scale
  VecActivation act;
};

// 8 accumulators (bias included) → 8 bytes in the low half, in order.
template <QOutType T>
inline __m128i Requantize8(const VecQuantEpilogue& q, __m256i acc, __m256 scale) {
  const __m256i r = q.Round(acc, scale);
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
  return q.Narrow<T>(w, w);
}

// 16 accumulators (channels 0..7 in acc0, 8..15 in acc1) → 16 bytes, in order.
template <QOutType T>
inline __m128i Requantize16(const VecQuantEpilogue& q, __m256i acc0, __m256i acc1, __m256 scale0,
                            __m256 scale1) {
  // packssdw works per 128-bit lane: [r0 0-3, r1 0-3 | r0 4-7, r1 4-7]; 0xD8 = qwords 0, 2, 1, 3
  // puts each vector's halves together: [r0 0-7 | r1 0-7]. The zero point is added on the whole
  // ymm before it is split (one vpaddsw for 16 values).
  __m256i w = _mm256_permute4x64_epi64(
      _mm256_packs_epi32(q.Round(acc0, scale0), q.Round(acc1, scale1)), 0xD8);
  w = _mm256_adds_epi16(w, q.zp16);
  const __m128i a = _mm256_castsi256_si128(w), b = _mm256_extracti128_si256(w, 1);
  return T == QOutType::kUint8 ? _mm_max_epu8(_mm_packus_epi16(a, b), q.qmin8)
                               : _mm_max_epi8(_mm_packs_epi16(a, b), q.qmin8);
}

// Stores the first `n` (1..16) bytes of v.
inline void StoreBytes(void* dst, __m128i v, int n) {
  if (n == 16) {
    _mm_storeu_si128(static_cast<__m128i*>(dst), v);
  } else if (n == 8) {
    _mm_storel_epi64(static_cast<__m128i*>(dst), v);
  } else {
    alignas(16) uint8_t tmp[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(tmp), v);
    std::memcpy(dst, tmp, static_cast<size_t>(n));
  }
}

// The epilogue of 8 accumulators of channels [n, n + live) (live 1..8) whose bias is already
// added, with their scales (unused for int32), stored at dst (the element of channel n, of type
// T). The kernels hoist bias and scale loads out of their row loops and call this.
template <QOutType T>
inline void Store8(const VecQuantEpilogue& q, __m256i acc, __m256 scale, void* dst, int live) {
  if constexpr (T == QOutType::kInt32) {
    if (live == 8) {
      _mm256_storeu_si256(static_cast<__m256i*>(dst), acc);
    } else {
      _mm256_maskstore_epi32(static_cast<int*>(dst), TailMask(live), acc);
    }
  } else if constexpr (T == QOutType::kFloat32) {
    const __m256 y = q.Dequantize(acc, scale);
    if (live == 8) {
      _mm256_storeu_ps(static_cast<float*>(dst), y);
    } else {
      _mm256_maskstore_ps(static_cast<float*>(dst), TailMask(live), y);
    }
  } else {
    StoreBytes(dst, Requantize8<T>(q, acc, scale), live);
  }
}

// The same for 16 channels (acc0: [0, 8), acc1: [8, 16) of the block), live 1..16.
template <QOutType T>
inline void Store16(const VecQuantEpilogue& q, __m256i acc0, __m256i acc1, __m256 scale0,
                    __m256 scale1, void* dst, int live) {
  if constexpr (T == QOutType::kUint8 || T == QOutType::kInt8) {
    if (live <= 8) {
      StoreBytes(dst, Requantize8<T>(q, acc0, scale0), live);
    } else {
      StoreBytes(dst, Requantize16<T>(q, acc0, acc1, scale0, scale1), live);
    }
  } else {
    Store8<T>(q, acc0, scale0, dst, live < 8 ? live : 8);
    if (live > 8) Store8<T>(q, acc1, scale1, static_cast<char*>(dst) + 8 * QOutBytes(T), live - 8);
  }
}

// Store8 with the bias and scale of channels [n, n + live) loaded here.
template <QOutType T>
inline void Emit8(const VecQuantEpilogue& q, __m256i acc, int64_t n, void* dst, int live) {
  Store8<T>(q, _mm256_add_epi32(acc, q.Bias(n, live)), q.Scale(n, live), dst, live);
}

}  // namespace finch::kernels::avx2
