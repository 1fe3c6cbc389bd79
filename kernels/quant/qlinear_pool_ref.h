// Reference QLinearGlobalAveragePool (com.microsoft): the mean over every spatial position of
// each (batch, channel), requantized.
//
//   acc[n, c] = Σ_hw (x[n, c, hw] − x_zp)                       (exact, int64)
//   y[n, c]   = requantize(acc, x_scale / (y_scale · HW), y_zp)  (kernels/quant/quant_math.h)
//
// The mean's 1/HW is folded into the requantization multiplier, formed in float32 in that order
// (y_scale · float(HW) first), so the only roundings are the multiplier's, the one product
// float(acc) · m and the final round half to even — the same shape of computation as
// QLinearConv's, and ONNX Runtime's choice of multiplier.
#pragma once

#include <cstdint>

namespace finch::kernels {

struct QLinearPoolParams {
  int64_t batch = 1, channels = 1, image = 1;  // image: the product of the spatial dims
  bool channels_last = false;                  // x is [N, spatial..., C], else [N, C, spatial...]
  float x_scale = 1.f, y_scale = 1.f;
  int32_t x_zp = 0, y_zp = 0;
};

// y[n · channels + c] (both layouts: [N, C, 1...] and [N, 1..., C] hold the same order).
// T: uint8_t or int8_t.
template <typename T>
void qlinear_global_average_pool_ref(const QLinearPoolParams& p, const T* x, T* y);

}  // namespace finch::kernels
