// Pooling with channels innermost: x [N, spatial…, C] → y [N, out…, C] (NHWC for 2-D; 1-D and 3-D
// work the same way). Same semantics, and for averages the same order of additions, as the NCHW
// references (maxpool_ref.h, avgpool_ref.h), so the results agree bit for bit: each channel is
// pooled exactly as the NCHW kernel pools its plane, the channels merely interleaved.
//
// PoolParams (pool_params.h) gives the geometry; its `planes` is NOT used — batch and channels
// are passed separately. ceil_mode is already folded into out[] and pad_end[].
#pragma once

#include <cstdint>

#include "kernels/pool/pool_params.h"

namespace finch::kernels {

// y[n, c] = (Σ_p x[n, p, c]) / HW, summed in float in pixel order — global_avgpool_f32_ref's
// order on the NCHW plane of (n, c), so both agree bit for bit. HW = 0 yields 0.
void global_avgpool_nhwc_f32_ref(int64_t N, int64_t HW, int64_t C, const float* x, float* y);
void global_avgpool_nhwc_f32_avx2(int64_t N, int64_t HW, int64_t C, const float* x, float* y);

// maxpool_f32_ref per channel (no Indices output): the max over the window taps inside the
// input, scanned row-major, `v > best` (first of ties, a NaN never replaces a number unless it
// comes first); a window with no input tap yields the lowest float.
// sums[c] = Σ_p x[p, c] over `pixels` pixels, in pixel order (the sum global average pooling
// divides), both variants bit-identical.
void channel_sums_nhwc_f32_ref(int64_t pixels, int64_t C, const float* x, float* sums);
void channel_sums_nhwc_f32_avx2(int64_t pixels, int64_t C, const float* x, float* sums);

void maxpool_nhwc_f32_ref(const PoolParams& p, int64_t N, int64_t C, const float* x, float* y);
void maxpool_nhwc_f32_avx2(const PoolParams& p, int64_t N, int64_t C, const float* x, float* y);

// avgpool_f32_ref per channel: the sum of the window taps inside the input, row-major from 0,
// divided by the count (count_include_pad as documented in avgpool_ref.h); count 0 yields 0.
void avgpool_nhwc_f32_ref(const PoolParams& p, int64_t N, int64_t C, bool count_include_pad,
                          const float* x, float* y);
void avgpool_nhwc_f32_avx2(const PoolParams& p, int64_t N, int64_t C, bool count_include_pad,
                           const float* x, float* y);

// The divisor avgpool_f32_ref uses for the window whose first tap sits at start[d] (Expand3'ed
// params), in double (exact for any real window, and no overflow for a hostile one).
inline double AvgPoolCount(const PoolParams& p, const int64_t start[kMaxPoolSpatial],
                           bool count_include_pad) {
  double count = 1;
  for (int d = 0; d < kMaxPoolSpatial; ++d) {
    const int64_t lo = count_include_pad ? -p.pad_begin[d] : 0;
    const int64_t hi = count_include_pad ? p.in[d] + p.pad_end[d] : p.in[d];
    int64_t b = 0, e = 0;
    TapRange(start[d], p.kernel[d], p.dilation[d], lo, hi, &b, &e);
    count *= static_cast<double>(e - b);
  }
  return count;
}

}  // namespace finch::kernels
