#include "kernels/quant/avx2/qlinear_add_avx2.h"

#include <immintrin.h>

#include <type_traits>

#include "kernels/quant/avx2/quantize8_avx2.h"

namespace finch::kernels {
namespace {

template <typename T>
__m256 Dequantize8(const T* p, __m256i zp, __m256 scale) {
  const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  const __m256i wide =
      std::is_same_v<T, uint8_t> ? _mm256_cvtepu8_epi32(bytes) : _mm256_cvtepi8_epi32(bytes);
  return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(wide, zp)), scale);
}

}  // namespace

template <typename T>
void qlinear_add_avx2(const QLinearAddParams& q, int64_t n, const T* a, const T* b, T* c) {
  const __m256i a_zp = _mm256_set1_epi32(q.a_zp), b_zp = _mm256_set1_epi32(q.b_zp);
  const __m256 a_scale = _mm256_set1_ps(q.a_scale), b_scale = _mm256_set1_ps(q.b_scale);
  const __m256 c_scale = _mm256_set1_ps(q.c_scale);
  const __m256 c_zp = _mm256_set1_ps(static_cast<float>(q.c_zp));
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 sum = _mm256_add_ps(Dequantize8(a + i, a_zp, a_scale),
                                     Dequantize8(b + i, b_zp, b_scale));
    StoreQuantized8<T>(c + i, _mm256_div_ps(sum, c_scale), c_zp);
  }
  if (i < n) qlinear_add_ref<T>(q, n - i, a + i, 1, b + i, 1, c + i);
}

template void qlinear_add_avx2<uint8_t>(const QLinearAddParams&, int64_t, const uint8_t*,
                                        const uint8_t*, uint8_t*);
template void qlinear_add_avx2<int8_t>(const QLinearAddParams&, int64_t, const int8_t*,
                                       const int8_t*, int8_t*);

}  // namespace finch::kernels
