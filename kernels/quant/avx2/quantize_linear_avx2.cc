#include "kernels/quant/avx2/quantize_linear_avx2.h"

#include <immintrin.h>

#include "kernels/quant/avx2/quantize8_avx2.h"
#include "kernels/quant/quantize_ref.h"

namespace finch::kernels {

template <typename T>
void quantize_linear_f32_avx2(int64_t n, const float* x, float scale, int32_t zero_point, T* y) {
  const __m256 s = _mm256_set1_ps(scale);
  const __m256 zp = _mm256_set1_ps(static_cast<float>(zero_point));
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) StoreQuantized8<T>(y + i, _mm256_div_ps(_mm256_loadu_ps(x + i), s), zp);
  if (i < n) {
    const T zp_value = static_cast<T>(zero_point);
    QuantAxisParams tail;
    tail.inner = n - i;
    quantize_linear_ref<float, T>(tail, x + i, &scale, &zp_value, y + i);
  }
}

template void quantize_linear_f32_avx2<uint8_t>(int64_t, const float*, float, int32_t, uint8_t*);
template void quantize_linear_f32_avx2<int8_t>(int64_t, const float*, float, int32_t, int8_t*);

}  // namespace finch::kernels
