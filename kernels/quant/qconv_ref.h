// Reference integer convolutions (ConvInteger, QLinearConv): direct, scalar, NCHW, 1 to 3
// spatial dims, any groups, strides, dilations and pads (kernels/conv/conv_ref.h's ConvParams).
//
//   acc[n, m, o] = Σ_{c in group(m), k} (x[n, c, o·s − p + k·d] − x_zp) · (w[m, c, k] − w_zp[m])
//
// Padding taps are skipped, which is the same as padding with x_zp (they add 0). The
// accumulator is int32, as ONNX specifies: the sum is computed exactly in int64 and wrapped to
// int32 once (with the bias), so it is exact while K · 255 · 255 + |bias| < 2^31,
// K = (C / group) · Π kernel (K <= 33,025 without bias), and past that wraps modulo 2^32 as every
// int32 accumulator does (ONNX Runtime's, kernels/int8's).
#pragma once

#include <cstdint>

#include "kernels/conv/conv_ref.h"

namespace finch::kernels {

// The zero points: x_zp for all of X; w_zp[m · w_zp_stride] for output channel m (stride 0:
// per-tensor, 1: per output channel). w_zp may be null (0).
template <typename TW>
struct ConvWeightZeroPoint {
  const TW* values = nullptr;
  int64_t stride = 0;
};

// ConvInteger: y[n, m, o] = acc (int32). TX, TW: uint8_t or int8_t.
template <typename TX, typename TW>
void conv_integer_ref(const ConvParams& p, const TX* x, int32_t x_zp, const TW* w,
                      ConvWeightZeroPoint<TW> w_zp, int32_t* y);

// QLinearConv's requantization of output channel m (kernels/quant/quant_math.h), acc + bias in
// int32 as above and the multiplier formed in float32 in this order:
//   y = requantize(acc + bias[m], x_scale · w_scale[m · w_scale_stride] / y_scale, y_zp)
struct ConvRequant {
  float x_scale = 1.f, y_scale = 1.f;
  const float* w_scale = nullptr;
  int64_t w_scale_stride = 0;  // 0: per-tensor, 1: per output channel
  int32_t y_zp = 0;
  const int32_t* bias = nullptr;  // [out_channels] or null
};

// QLinearConv. TY: uint8_t or int8_t.
template <typename TX, typename TW, typename TY>
void qlinear_conv_ref(const ConvParams& p, const TX* x, int32_t x_zp, const TW* w,
                      ConvWeightZeroPoint<TW> w_zp, const ConvRequant& r, TY* y);

}  // namespace finch::kernels
