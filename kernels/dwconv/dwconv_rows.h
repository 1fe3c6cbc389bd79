// A band of output rows of a depthwise convolution as a convolution of its own, so a kernel
// over whole images can compute rows [oy_begin, oy_end) of one image — for threads splitting an
// image, and for the fused inverted-residual block, which feeds the depthwise stage a band of
// expanded rows at a time.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/dwconv/dwconv_ref.h"

namespace finch::kernels {

// The input rows rows [*in_begin, *in_end) of the image that output rows [oy_begin, oy_end)
// read (clipped to the image), and the parameters of the band: batch 1, in_h = those rows,
// out_h = the band's rows, pad_top = the padding rows above the band's first window. The band's
// bottom padding follows from out_h as in the whole convolution. Each output pixel sums the
// same taps in the same order as in the whole convolution, so the band's results are the
// whole convolution's rows, bit for bit.
inline DwConvParams DwConvRowBand(const DwConvParams& p, int64_t oy_begin, int64_t oy_end,
                                  int64_t* in_begin, int64_t* in_end) {
  const int64_t top = oy_begin * p.stride_h - p.pad_top;  // input row of the first window
  const int64_t bottom = (oy_end - 1) * p.stride_h - p.pad_top + p.kernel_h;  // one past
  *in_begin = std::max<int64_t>(0, top);
  *in_end = std::min(p.in_h, bottom);
  DwConvParams band = p;
  band.batch = 1;
  band.in_h = std::max<int64_t>(0, *in_end - *in_begin);
  band.out_h = oy_end - oy_begin;
  band.pad_top = *in_begin - top;
  return band;
}

}  // namespace finch::kernels
