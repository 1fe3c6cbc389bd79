// AVX2 NCHW ↔ NHWC conversion: the same contract as kernels/layout/layout_ref.h (exact copies,
// pixel range [p_begin, p_end)). Call only when GetCpuFeatures() reports avx2 and fma.
#pragma once

#include <cstdint>

namespace finch::kernels {

void nchw_to_nhwc_f32_avx2(int64_t N, int64_t C, int64_t HW, const float* x, float* y,
                           int64_t p_begin, int64_t p_end);
void nhwc_to_nchw_f32_avx2(int64_t N, int64_t C, int64_t HW, const float* x, float* y,
                           int64_t p_begin, int64_t p_end);

}  // namespace finch::kernels
