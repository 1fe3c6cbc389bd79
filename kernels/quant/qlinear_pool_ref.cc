#include "kernels/quant/qlinear_pool_ref.h"

#include "kernels/quant/quant_math.h"

namespace finch::kernels {

template <typename T>
void qlinear_global_average_pool_ref(const QLinearPoolParams& p, const T* x, T* y) {
  const float multiplier = p.x_scale / (p.y_scale * static_cast<float>(p.image));
  // Element (n, c, hw) lies at x[n·C·HW + c·HW + hw] in NCHW, x[n·HW·C + hw·C + c] in NHWC.
  const int64_t c_stride = p.channels_last ? 1 : p.image;
  const int64_t hw_stride = p.channels_last ? p.channels : 1;
  for (int64_t n = 0; n < p.batch; ++n) {
    const T* xn = x + n * p.channels * p.image;
    for (int64_t c = 0; c < p.channels; ++c) {
      int64_t acc = 0;
      for (int64_t i = 0; i < p.image; ++i) {
        acc += static_cast<int32_t>(xn[c * c_stride + i * hw_stride]) - p.x_zp;
      }
      y[n * p.channels + c] = Requantize<T>(acc, multiplier, p.y_zp);
    }
  }
}

template void qlinear_global_average_pool_ref<uint8_t>(const QLinearPoolParams&, const uint8_t*,
                                                       uint8_t*);
template void qlinear_global_average_pool_ref<int8_t>(const QLinearPoolParams&, const int8_t*,
                                                      int8_t*);

}  // namespace finch::kernels
