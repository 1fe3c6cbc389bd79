// Reference transposed convolution (the gradient of Conv with respect to its input): direct,
// scalar, float32, NCHW with 1 to 3 spatial dims, any groups, strides, dilations and pads.
#pragma once

#include <cstdint>

#include "kernels/conv/conv_ref.h"

namespace finch::kernels {

// Uses ConvParams with in/out swapped in meaning: `in` is X's spatial size, `out` Y's, and
// pad_begin the head padding removed from the full (unpadded) output. Each input pixel i
// scatters into output o = i·s − p + k·d; computed here as a gather per output element:
//   y[n, m, o...] = bias[m] + Σ_{c in group(m), k...} x[n, c, i...] · w[c, m mod M/g, k...]
//   over the k with (o + p − k·d) divisible by s and i = (o + p − k·d) / s inside X.
// x: [batch, in_channels, in...], w: [in_channels, out_channels/groups, kernel...],
// bias: [out_channels] or null, y: [batch, out_channels, out...]. Accumulates in float in the
// order c, then kernel dims (row-major).
void conv_transpose_f32_ref(const ConvParams& p, const float* x, const float* w,
                            const float* bias, float* y);

}  // namespace finch::kernels
