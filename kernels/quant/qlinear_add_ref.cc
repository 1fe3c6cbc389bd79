#include "kernels/quant/qlinear_add_ref.h"

#include "kernels/quant/quant_math.h"

namespace finch::kernels {

template <typename T>
void qlinear_add_ref(const QLinearAddParams& q, int64_t n, const T* a, int64_t a_stride, const T* b,
                     int64_t b_stride, T* c) {
  for (int64_t i = 0; i < n; ++i) {
    const float va = static_cast<float>(static_cast<int32_t>(a[i * a_stride]) - q.a_zp) * q.a_scale;
    const float vb = static_cast<float>(static_cast<int32_t>(b[i * b_stride]) - q.b_zp) * q.b_scale;
    const float sum = va + vb;
    c[i] = QuantizeValue<T>(sum / q.c_scale, q.c_zp);
  }
}

template void qlinear_add_ref<uint8_t>(const QLinearAddParams&, int64_t, const uint8_t*, int64_t,
                                       const uint8_t*, int64_t, uint8_t*);
template void qlinear_add_ref<int8_t>(const QLinearAddParams&, int64_t, const int8_t*, int64_t,
                                      const int8_t*, int64_t, int8_t*);

}  // namespace finch::kernels
