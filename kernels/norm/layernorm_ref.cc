#include "kernels/norm/layernorm_ref.h"

#include "kernels/norm/row_stats.h"

namespace finch::kernels {

void layernorm_f32_ref(int64_t rows, int64_t size, float epsilon, const float* x,
                       const float* scale, const float* bias, float* y, float* mean_out,
                       float* inv_std_out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * size;
    float* yr = y + r * size;
    double mean, inv_std;
    RowMeanInvStd(xr, size, epsilon, &mean, &inv_std);
    for (int64_t j = 0; j < size; ++j) {
      const float normalized = static_cast<float>((xr[j] - mean) * inv_std);
      yr[j] = normalized * scale[j] + (bias ? bias[j] : 0.f);
    }
    if (mean_out) mean_out[r] = static_cast<float>(mean);
    if (inv_std_out) inv_std_out[r] = static_cast<float>(inv_std);
  }
}

}  // namespace finch::kernels
