// QLinearGlobalAveragePool with AVX2, bit-identical to qlinear_global_average_pool_ref: the same
// exact integer sums (here in int16/int32 lanes instead of int64, which changes nothing while
// they fit: checked by qlinear_global_average_pool_avx2_applies) and the same float32
// requantization (quantize8_avx2.h's StoreQuantized8 is QuantizeValue on 8 lanes).
//   NHWC: 16 channels per step, each pixel's 16 bytes widened to int16 and added (at most 128
//   pixels per int16 partial sum: 128·255 < 2^15), partial sums folded into int32.
//   NCHW: each (image, channel) plane summed with vpsadbw (int8 flipped to uint8 first).
// Call only when the CPU reports AVX2.
#pragma once

#include <cstdint>

#include "kernels/quant/qlinear_pool_ref.h"

namespace finch::kernels {

// Whether the sums fit int32 (image · 255 < 2^31) and the sizes are positive.
bool qlinear_global_average_pool_avx2_applies(const QLinearPoolParams& p);

// T: uint8_t or int8_t.
template <typename T>
void qlinear_global_average_pool_avx2(const QLinearPoolParams& p, const T* x, T* y);

}  // namespace finch::kernels
