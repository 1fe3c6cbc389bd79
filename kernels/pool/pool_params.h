// Geometry shared by the reference pooling kernels: NCHW-style layout [batch·channels, spatial…]
// with 1 to 3 spatial dims, each pooled independently per (n, c) plane.
#pragma once

#include <cstdint>

namespace finch::kernels {

inline constexpr int kMaxPoolSpatial = 3;

// Spatial dims beyond `spatial` are ignored; the kernels treat them as size 1 with no padding.
struct PoolParams {
  int64_t planes = 1;  // batch · channels
  int spatial = 2;
  int64_t in[kMaxPoolSpatial] = {1, 1, 1};
  int64_t out[kMaxPoolSpatial] = {1, 1, 1};
  int64_t kernel[kMaxPoolSpatial] = {1, 1, 1};
  int64_t stride[kMaxPoolSpatial] = {1, 1, 1};
  int64_t dilation[kMaxPoolSpatial] = {1, 1, 1};
  int64_t pad_begin[kMaxPoolSpatial] = {0, 0, 0};
  int64_t pad_end[kMaxPoolSpatial] = {0, 0, 0};
};

// The window taps t in [0, kernel) whose index start + t·dilation lies in [lo, hi), as the
// half-open range [*begin, *end) (empty when *begin == *end). Computed in O(1), so a window
// made mostly of padding (a hostile kernel_shape of 2^40 with SAME padding) costs only its
// taps inside [lo, hi), never kernel iterations. dilation >= 1.
inline void TapRange(int64_t start, int64_t kernel, int64_t dilation, int64_t lo, int64_t hi,
                     int64_t* begin, int64_t* end) {
  // First t with start + t·d >= lo: ceil((lo − start) / d) when start < lo.
  int64_t b = start >= lo ? 0 : (lo - start - 1) / dilation + 1;
  // One past the last t with start + t·d <= hi − 1.
  int64_t e = start >= hi ? 0 : (hi - 1 - start) / dilation + 1;
  if (e > kernel) e = kernel;
  if (b > e) b = e;
  *begin = b;
  *end = e;
}

// For an expanded (Expand3) window whose first tap sits at start[d] in each dim: the taps inside
// the input, [begin[d], end[d]) per dim (padding taps are left out).
inline void InputTaps(const PoolParams& p, const int64_t start[kMaxPoolSpatial],
                      int64_t begin[kMaxPoolSpatial], int64_t end[kMaxPoolSpatial]) {
  for (int d = 0; d < kMaxPoolSpatial; ++d) {
    TapRange(start[d], p.kernel[d], p.dilation[d], 0, p.in[d], &begin[d], &end[d]);
  }
}

// PoolParams with every dim filled to 3: unused trailing dims become size 1, stride 1, no pads.
// Lets each kernel run one triple loop for 1-D, 2-D and 3-D pooling.
inline PoolParams Expand3(const PoolParams& p) {
  PoolParams q;
  q.planes = p.planes;
  q.spatial = kMaxPoolSpatial;
  for (int i = 0; i < p.spatial && i < kMaxPoolSpatial; ++i) {
    q.in[i] = p.in[i];
    q.out[i] = p.out[i];
    q.kernel[i] = p.kernel[i];
    q.stride[i] = p.stride[i];
    q.dilation[i] = p.dilation[i];
    q.pad_begin[i] = p.pad_begin[i];
    q.pad_end[i] = p.pad_end[i];
  }
  return q;
}

}  // namespace finch::kernels
