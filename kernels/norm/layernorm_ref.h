// Reference layer normalization (ONNX LayerNormalization-17), float32. Statistics are computed
// in double (row_stats.h), so the result is the float rounding of nearly exact math; optimized
// kernels are compared with a tolerance.
#pragma once

#include <cstdint>

namespace finch::kernels {

// x, y: [rows, size]; each row is normalized over its `size` elements:
//   mean, inv_std = RowMeanInvStd(row)                          (double)
//   y_j = (float)((x_j − mean) · inv_std) · scale_j + bias_j    (the last two in float)
// scale: [size]; bias: [size] or null (0). mean_out / inv_std_out ([rows], may be null) receive
// the statistics rounded to float.
void layernorm_f32_ref(int64_t rows, int64_t size, float epsilon, const float* x,
                       const float* scale, const float* bias, float* y, float* mean_out,
                       float* inv_std_out);

}  // namespace finch::kernels
