#include "kernels/quant/avx2/dequantize_linear_avx2.h"

#include <immintrin.h>

#include <cstring>
#include <type_traits>

namespace finch::kernels {

template <typename T>
void dequantize_linear_8bit_avx2(int64_t n, const T* x, float scale, int32_t zero_point, float* y) {
  const __m256i zp = _mm256_set1_epi32(zero_point);
  const __m256 s = _mm256_set1_ps(scale);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    int64_t bytes;
    std::memcpy(&bytes, x + i, sizeof(bytes));
    const __m128i v = _mm_cvtsi64_si128(bytes);
    const __m256i w =
        std::is_same_v<T, uint8_t> ? _mm256_cvtepu8_epi32(v) : _mm256_cvtepi8_epi32(v);
    _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(w, zp)), s));
  }
  for (; i < n; ++i) y[i] = static_cast<float>(static_cast<int32_t>(x[i]) - zero_point) * scale;
}

template void dequantize_linear_8bit_avx2<uint8_t>(int64_t, const uint8_t*, float, int32_t, float*);
template void dequantize_linear_8bit_avx2<int8_t>(int64_t, const int8_t*, float, int32_t, float*);

}  // namespace finch::kernels
