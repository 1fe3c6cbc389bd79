#include "kernels/norm/instancenorm_ref.h"

#include "kernels/norm/row_stats.h"

namespace finch::kernels {

void instancenorm_f32_ref(int64_t batch, int64_t channels, int64_t size, float epsilon,
                          const float* x, const float* scale, const float* bias, float* y) {
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t base = (n * channels + c) * size;
      double mean, inv_std;
      RowMeanInvStd(x + base, size, epsilon, &mean, &inv_std);
      for (int64_t j = 0; j < size; ++j) {
        const float normalized = static_cast<float>((x[base + j] - mean) * inv_std);
        y[base + j] = normalized * scale[c] + bias[c];
      }
    }
  }
}

}  // namespace finch::kernels
