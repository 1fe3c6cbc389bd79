#include "kernels/norm/batchnorm_ref.h"

#include <algorithm>
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

void batchnorm_nhwc_f32_ref(int64_t pixels, int64_t channels, float epsilon, const float* x,
                            const float* scale, const float* bias, const float* mean,
                            const float* var, float* y) {
  // Channels in blocks whose roots fit a stack buffer (no allocation).
  constexpr int64_t kBlock = 256;
  float root[kBlock];
  for (int64_t c0 = 0; c0 < channels; c0 += kBlock) {
    const int64_t nc = std::min(kBlock, channels - c0);
    for (int64_t c = 0; c < nc; ++c) root[c] = std::sqrt(var[c0 + c] + epsilon);
    for (int64_t p = 0; p < pixels; ++p) {
      const float* xp = x + p * channels + c0;
      float* yp = y + p * channels + c0;
      for (int64_t c = 0; c < nc; ++c) {
        yp[c] = (xp[c] - mean[c0 + c]) / root[c] * scale[c0 + c] + bias[c0 + c];
      }
    }
  }
}

}  // namespace finch::kernels
