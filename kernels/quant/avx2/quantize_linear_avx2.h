// QuantizeLinear of contiguous float32 values with one scale and zero point, 8 per step with
// AVX2: y = saturate(round_half_even(x / scale) + zero_point), one float32 division as the
// reference (kernels/quant/quantize_ref.h) computes it, so the two agree bit for bit. Call only
// when the CPU reports AVX2.
#pragma once

#include <cstdint>

namespace finch::kernels {

// T: uint8_t or int8_t.
template <typename T>
void quantize_linear_f32_avx2(int64_t n, const float* x, float scale, int32_t zero_point, T* y);

}  // namespace finch::kernels
