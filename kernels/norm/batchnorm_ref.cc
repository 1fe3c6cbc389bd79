#include "kernels/norm/batchnorm_ref.h"

#include <cmath>
#include <vector>

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

void batchnorm_nhwc_f32_ref(int64_t pixels, int64_t channels, float epsilon, const float* x,
                            const float* scale, const float* bias, const float* mean,
                            const float* var, float* y) {
  std::vector<float> root(channels);
  for (int64_t c = 0; c < channels; ++c) root[c] = std::sqrt(var[c] + epsilon);
  for (int64_t p = 0; p < pixels; ++p) {
    const float* xp = x + p * channels;
    float* yp = y + p * channels;
    for (int64_t c = 0; c < channels; ++c) {
      yp[c] = (xp[c] - mean[c]) / root[c] * scale[c] + bias[c];
    }
  }
}

}  // namespace finch::kernels
