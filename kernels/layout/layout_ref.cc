#include "kernels/layout/layout_ref.h"

namespace finch::kernels {

void nchw_to_nhwc_f32_ref(int64_t N, int64_t C, int64_t HW, const float* x, float* y,
                          int64_t p_begin, int64_t p_end) {
  for (int64_t n = 0; n < N; ++n) {
    const float* xn = x + n * C * HW;
    float* yn = y + n * HW * C;
    for (int64_t p = p_begin; p < p_end; ++p) {
      for (int64_t c = 0; c < C; ++c) yn[p * C + c] = xn[c * HW + p];
    }
  }
}

void nhwc_to_nchw_f32_ref(int64_t N, int64_t C, int64_t HW, const float* x, float* y,
                          int64_t p_begin, int64_t p_end) {
  for (int64_t n = 0; n < N; ++n) {
    const float* xn = x + n * HW * C;
    float* yn = y + n * C * HW;
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t p = p_begin; p < p_end; ++p) yn[c * HW + p] = xn[p * C + c];
    }
  }
}

}  // namespace finch::kernels
