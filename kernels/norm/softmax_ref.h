// Reference softmax and log-softmax over one axis of a tensor viewed as [outer, axis, inner].
// The oracle for optimized softmax kernels.
#pragma once

#include <cstdint>

namespace finch::kernels {

struct SoftmaxParams {
  int64_t outer = 1;  // product of the dims before the axis
  int64_t axis = 1;   // the size of the normalized axis
  int64_t inner = 1;  // product of the dims after it (1 when the axis is the last)
};

// For each (o, i), over a = 0..axis−1 of x[o, a, i]:
//   m = max_a x,  e_a = expf(x_a − m)  (subtracting m keeps expf from overflowing),
//   S = Σ_a e_a accumulated in double in increasing a,
//   softmax:     y_a = e_a / (float)S
//   log-softmax: y_a = (x_a − m) − (float)log(S)
// y may alias x.
void softmax_f32_ref(const SoftmaxParams& p, const float* x, float* y);
void logsoftmax_f32_ref(const SoftmaxParams& p, const float* x, float* y);

}  // namespace finch::kernels
