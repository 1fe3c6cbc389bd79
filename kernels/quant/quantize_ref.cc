#include "kernels/quant/quantize_ref.h"

#include "kernels/quant/quant_math.h"

namespace finch::kernels {

template <typename TX, typename TY>
void quantize_linear_ref(const QuantAxisParams& p, const TX* x, const float* scale,
                         const TY* zero_point, TY* y) {
  for (int64_t o = 0; o < p.outer; ++o) {
    for (int64_t c = 0; c < p.channels; ++c) {
      const float s = scale[c];
      const int32_t zp = zero_point ? static_cast<int32_t>(zero_point[c]) : 0;
      const int64_t base = (o * p.channels + c) * p.inner;
      for (int64_t i = 0; i < p.inner; ++i) {
        y[base + i] = QuantizeValue<TY>(static_cast<float>(x[base + i]) / s, zp);
      }
    }
  }
}

template <typename TX>
void dequantize_linear_ref(const QuantAxisParams& p, const TX* x, const float* scale,
                           const TX* zero_point, float* y) {
  for (int64_t o = 0; o < p.outer; ++o) {
    for (int64_t c = 0; c < p.channels; ++c) {
      const float s = scale[c];
      const int64_t zp = zero_point ? static_cast<int64_t>(zero_point[c]) : 0;
      const int64_t base = (o * p.channels + c) * p.inner;
      for (int64_t i = 0; i < p.inner; ++i) {
        // int64: an int32 x minus an int32 zero point can leave int32.
        y[base + i] = static_cast<float>(static_cast<int64_t>(x[base + i]) - zp) * s;
      }
    }
  }
}

void dynamic_quantize_linear_u8_ref(int64_t n, const float* x, uint8_t* y, float* scale,
                                    uint8_t* zero_point) {
  float lo = 0.f, hi = 0.f;
  for (int64_t i = 0; i < n; ++i) {
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
  }
  const float s = (hi - lo) / 255.f;
  if (!(s > 0.f)) {  // hi == lo == 0
    *scale = 0.f;
    *zero_point = 0;
    for (int64_t i = 0; i < n; ++i) y[i] = 0;
    return;
  }
  const uint8_t zp = QuantizeValue<uint8_t>(0.f - lo / s, 0);
  *scale = s;
  *zero_point = zp;
  for (int64_t i = 0; i < n; ++i) y[i] = QuantizeValue<uint8_t>(x[i] / s, zp);
}

template void quantize_linear_ref<float, uint8_t>(const QuantAxisParams&, const float*,
                                                  const float*, const uint8_t*, uint8_t*);
template void quantize_linear_ref<float, int8_t>(const QuantAxisParams&, const float*, const float*,
                                                 const int8_t*, int8_t*);
template void quantize_linear_ref<int32_t, uint8_t>(const QuantAxisParams&, const int32_t*,
                                                    const float*, const uint8_t*, uint8_t*);
template void quantize_linear_ref<int32_t, int8_t>(const QuantAxisParams&, const int32_t*,
                                                   const float*, const int8_t*, int8_t*);
template void dequantize_linear_ref<uint8_t>(const QuantAxisParams&, const uint8_t*, const float*,
                                             const uint8_t*, float*);
template void dequantize_linear_ref<int8_t>(const QuantAxisParams&, const int8_t*, const float*,
                                            const int8_t*, float*);
template void dequantize_linear_ref<int32_t>(const QuantAxisParams&, const int32_t*, const float*,
                                             const int32_t*, float*);

}  // namespace finch::kernels
