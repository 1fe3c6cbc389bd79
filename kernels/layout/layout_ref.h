// Activation layout conversion between NCHW ([N, C, H·W]) and NHWC ([N, H·W, C]), the edges of
// finch's NHWC fast path. Exact copies; both directions take a pixel range [p_begin, p_end) of
// the HW = H·W pixels (every n, every c) so a thread pool can split the work by pixels.
#pragma once

#include <cstdint>

namespace finch::kernels {

// y[n, p, c] = x[n, c, p] for p in [p_begin, p_end).
void nchw_to_nhwc_f32_ref(int64_t N, int64_t C, int64_t HW, const float* x, float* y,
                          int64_t p_begin, int64_t p_end);

// y[n, c, p] = x[n, p, c] for p in [p_begin, p_end).
void nhwc_to_nchw_f32_ref(int64_t N, int64_t C, int64_t HW, const float* x, float* y,
                          int64_t p_begin, int64_t p_end);

}  // namespace finch::kernels
