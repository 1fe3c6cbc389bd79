// Depthwise convolution (one k×k filter per channel, group = channels, dilation 1), float32,
// in both activation layouts finch may choose internally:
//   NCHW: x [N, C, H, W],  y [N, C, OH, OW]
//   NHWC: x [N, H, W, C],  y [N, OH, OW, C]
// Weights are always ONNX's [C, 1, kh, kw] (= [C][kh][kw]); bias [C] or null. The optimized
// kernels (avx2/dwconv_avx2.h) take packed weights instead; these scalar loops are their oracle.
#pragma once

#include <cstdint>

#include "kernels/common/activation.h"

namespace finch::kernels {

enum class DwConvLayout : uint8_t { kNCHW, kNHWC };

// Output sizes are given, not derived: the bottom/right pads are whatever makes
// out = (in + pad_begin + pad_end − k) / stride + 1 hold. Pads are ≥ 0.
struct DwConvParams {
  int64_t batch = 1, channels = 1;
  int64_t in_h = 1, in_w = 1, out_h = 1, out_w = 1;
  int64_t kernel_h = 3, kernel_w = 3;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_left = 0;
  Activation act;
};

// out = floor((in + pad_begin + pad_end − k) / stride) + 1 (ONNX's explicit-pads rule); 0 when the
// kernel is larger than the padded input.
inline int64_t DwConvOutSize(int64_t in, int64_t k, int64_t stride, int64_t pad_begin,
                             int64_t pad_end) {
  const int64_t span = in + pad_begin + pad_end - k;
  return span < 0 ? 0 : span / stride + 1;
}

// y[n, c, oy, ox] = act(bias[c] + Σ_{ky,kx} x[n, c, oy·sh − pt + ky, ox·sw − pl + kx]·w[c, ky, kx])
// with out-of-range taps skipped (zero padding). Accumulates in float starting from the bias, in
// row-major tap order: the same order as conv_f32_ref with group = channels, so the two agree bit
// for bit.
void dwconv_f32_nchw_ref(const DwConvParams& p, const float* x, const float* w, const float* bias,
                         float* y);

// The same sum, with x and y in NHWC.
void dwconv_f32_nhwc_ref(const DwConvParams& p, const float* x, const float* w, const float* bias,
                         float* y);

}  // namespace finch::kernels
