// Reference convolution: direct, scalar, float32, NCHW (1 to 3 spatial dims), any groups,
// strides, dilations and pads. The oracle every optimized convolution is tested against.
#pragma once

#include <cstdint>

namespace finch::kernels {

inline constexpr int kMaxConvSpatial = 3;

// Spatial dims beyond `spatial` are ignored; unused entries should be 1 (sizes) or 0 (pads).
struct ConvParams {
  int64_t batch = 1, in_channels = 1, out_channels = 1, groups = 1;
  int spatial = 2;
  int64_t in[kMaxConvSpatial] = {1, 1, 1};
  int64_t out[kMaxConvSpatial] = {1, 1, 1};
  int64_t kernel[kMaxConvSpatial] = {1, 1, 1};
  int64_t stride[kMaxConvSpatial] = {1, 1, 1};
  int64_t dilation[kMaxConvSpatial] = {1, 1, 1};
  int64_t pad_begin[kMaxConvSpatial] = {0, 0, 0};
};

// y[n, m, o...] = bias[m] + Σ_{c in group(m), k...} x[n, c, o·s − p + k·d] · w[m, c, k...]
// x: [batch, in_channels, in...], w: [out_channels, in_channels/groups, kernel...],
// bias: [out_channels] or null, y: [batch, out_channels, out...]. Accumulates in float, in the
// order c, then kernel dims (row-major).
void conv_f32_ref(const ConvParams& p, const float* x, const float* w, const float* bias,
                  float* y);

}  // namespace finch::kernels
