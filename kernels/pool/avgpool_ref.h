// Reference average pooling: scalar float32, any 1-3 spatial dims, strides, dilations, pads.
// The oracle for optimized average pooling.
#pragma once

#include <cstdint>

#include "kernels/pool/pool_params.h"

namespace finch::kernels {

// y[p, o…] = (Σ_{k…} x[p, o·s − pad_begin + k·d]) / count, the sum running over the window
// positions inside the input, in row-major window order, accumulated in float.
//
//   count_include_pad = false: count = the number of those positions (inside the input).
//   count_include_pad = true:  count = the number of window positions inside the padded input
//     [−pad_begin, in + pad_end); positions beyond it (the extra row/column a ceil_mode output
//     adds) are never counted.
// A window with count 0 (only when pads exceed the kernel extent) yields 0.
// x: [planes, in…], y: [planes, out…].
void avgpool_f32_ref(const PoolParams& p, bool count_include_pad, const float* x, float* y);

// y[p] = (Σ_i x[p, i]) / size, summed in float in index order (GlobalAveragePool).
void global_avgpool_f32_ref(int64_t planes, int64_t size, const float* x, float* y);

}  // namespace finch::kernels
