// Reference instance normalization (ONNX InstanceNormalization-6), float32.
#pragma once

#include <cstdint>

namespace finch::kernels {

// x, y: [batch, channels, size]; each (n, c) plane is normalized over its `size` elements:
//   mean, inv_std = RowMeanInvStd(plane)                        (double, row_stats.h)
//   y_j = (float)((x_j − mean) · inv_std) · scale[c] + bias[c]  (the last two in float)
void instancenorm_f32_ref(int64_t batch, int64_t channels, int64_t size, float epsilon,
                          const float* x, const float* scale, const float* bias, float* y);

}  // namespace finch::kernels
