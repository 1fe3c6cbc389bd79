// Reference QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear (scalar, any layout).
//
// Per-axis quantization views x as [outer, channels, inner]: element (o, c, i) uses scale[c]
// and zero_point[c]. Per-tensor is channels = 1.
//
//   quantize:   y = saturate(round_half_even(x / scale) + zero_point)   (one float32 division,
//               as ONNX's reference and ONNX Runtime compute it, not x · (1 / scale))
//   dequantize: y = float(x − zero_point) · scale                       (the difference exact)
#pragma once

#include <cstdint>

namespace finch::kernels {

struct QuantAxisParams {
  int64_t outer = 1, channels = 1, inner = 1;
};

// TX: float or int32 (converted to float first); TY: uint8_t or int8_t. zero_point may be null
// (0). scale and zero_point hold `channels` values.
template <typename TX, typename TY>
void quantize_linear_ref(const QuantAxisParams& p, const TX* x, const float* scale,
                         const TY* zero_point, TY* y);

// TX: uint8_t, int8_t or int32_t; zero_point may be null (0).
template <typename TX>
void dequantize_linear_ref(const QuantAxisParams& p, const TX* x, const float* scale,
                           const TX* zero_point, float* y);

// DynamicQuantizeLinear to uint8 over n values:
//   lo = min(0, min x), hi = max(0, max x)          (the range always holds 0 exactly)
//   scale = (hi − lo) / 255                          (float32)
//   zero_point = saturate(round_half_even(0 − lo / scale))
//   y = saturate(round_half_even(x / scale) + zero_point)
// When hi == lo (every x is 0, or n == 0) the scale would be 0 and every division NaN: the
// scale is then 0, the zero point 0 and every y 0, which dequantizes to the input exactly.
// NaN inputs are skipped by the min/max and quantize to 0.
void dynamic_quantize_linear_u8_ref(int64_t n, const float* x, uint8_t* y, float* scale,
                                    uint8_t* zero_point);

}  // namespace finch::kernels
