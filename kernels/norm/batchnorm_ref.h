// Reference batch normalization, inference form (running statistics given), float32.
#pragma once

#include <cstdint>

namespace finch::kernels {

// x, y: [batch, channels, inner]. The parameters (scale, bias, mean, var) hold one value per
// channel, or, when per_activation (BatchNormalization opset < 9 with spatial = 0), one per
// (channel, inner) element: [channels, inner].
struct BatchNormParams {
  int64_t batch = 1, channels = 1, inner = 1;
  bool per_activation = false;
  float epsilon = 1e-5f;
};

// y = (x − mean) / sqrtf(var + epsilon) · scale + bias, evaluated in float in that order.
void batchnorm_f32_ref(const BatchNormParams& p, const float* x, const float* scale,
                       const float* bias, const float* mean, const float* var, float* y);

// The same per element, channels last: x, y [pixels, channels] (pixels = batch · inner), one
// parameter per channel. sqrtf(var + epsilon) is computed once per channel — the same value the
// NCHW loop recomputes per element — so the two agree bit for bit.
void batchnorm_nhwc_f32_ref(int64_t pixels, int64_t channels, float epsilon, const float* x,
                            const float* scale, const float* bias, const float* mean,
                            const float* var, float* y);

}  // namespace finch::kernels
