// DequantizeLinear of contiguous 8-bit values with one scale and zero point, 8 per step with
// AVX2: y = float(x − zero_point) · scale, the difference exact in int32 and one float32 product,
// as the reference (kernels/quant/quantize_ref.h) computes it, so the two agree bit for bit.
// Call only when the CPU reports AVX2.
#pragma once

#include <cstdint>

namespace finch::kernels {

// T: uint8_t or int8_t; zero_point in T's range.
template <typename T>
void dequantize_linear_8bit_avx2(int64_t n, const T* x, float scale, int32_t zero_point, float* y);

}  // namespace finch::kernels
