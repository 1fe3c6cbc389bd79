// The last step every AVX2 quantizing kernel shares: 8 float32 values v onto an 8-bit grid, as
// kernels/quant/quant_math.h's QuantizeValue does one at a time — round half to even, add the
// zero point in float, clamp (a NaN gives T's lowest value), convert — so results agree bit for
// bit with the references. Include only from files under an avx2/ folder.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <limits>
#include <type_traits>

namespace finch::kernels {

template <typename T>
inline void StoreQuantized8(T* dst, __m256 v, __m256 zero_point) {
  const __m256 lo = _mm256_set1_ps(static_cast<float>(std::numeric_limits<T>::min()));
  const __m256 hi = _mm256_set1_ps(static_cast<float>(std::numeric_limits<T>::max()));
  __m256 r = _mm256_add_ps(_mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC),
                           zero_point);
  r = _mm256_max_ps(r, lo);  // a NaN in r gives lo, as QuantizeValue's !(q >= lo)
  r = _mm256_min_ps(r, hi);
  const __m256i q32 = _mm256_cvtps_epi32(r);  // integral and in range: exact
  const __m128i q16 =
      _mm_packs_epi32(_mm256_castsi256_si128(q32), _mm256_extracti128_si256(q32, 1));
  const __m128i q8 =
      std::is_same_v<T, uint8_t> ? _mm_packus_epi16(q16, q16) : _mm_packs_epi16(q16, q16);
  _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), q8);
}

}  // namespace finch::kernels
