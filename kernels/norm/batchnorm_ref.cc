#include "kernels/norm/batchnorm_ref.h"

#include <cmath>

namespace finch::kernels {

void batchnorm_f32_ref(const BatchNormParams& p, const float* x, const float* scale,
                       const float* bias, const float* mean, const float* var, float* y) {
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t c = 0; c < p.channels; ++c) {
      const int64_t base = (n * p.channels + c) * p.inner;
      for (int64_t i = 0; i < p.inner; ++i) {
        const int64_t k = p.per_activation ? c * p.inner + i : c;
        y[base + i] = (x[base + i] - mean[k]) / std::sqrt(var[k] + p.epsilon) * scale[k] + bias[k];
      }
    }
  }
}

}  // namespace finch::kernels
