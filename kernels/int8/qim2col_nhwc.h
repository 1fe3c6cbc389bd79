// im2col for 8-bit NHWC convolutions: the rows that turn a general convolution (the 3-channel
// stem of a quantized network) into a quantized GEMM (qgemm.h), as kernels/conv/conv_nhwc.h does
// for float. A padding tap holds the input's zero point, so after the GEMM subtracts it the tap
// contributes exactly 0, as ONNX's QLinearConv defines padding.
#pragma once

#include <cstdint>

#include "kernels/conv/conv_nhwc.h"

namespace finch::kernels {

// The rows of group `g` for output pixels m in [m_begin, m_end), m = (n·out_h + oy)·out_w + ox:
// rows[(m − m_begin)·K + (ky·kernel_w + kx)·Cg + ci] = x[n, iy, ix, g·Cg + ci], or `pad` (the
// zero point's byte) for a tap outside the input; K = conv_nhwc_im2col_k(p). Bytes of uint8 or
// int8 alike. `p.act` is unused.
void qconv_nhwc_im2col(const ConvNhwcParams& p, const uint8_t* x, uint8_t pad, int64_t group,
                       int64_t m_begin, int64_t m_end, uint8_t* rows);

// w [out_c, Cg, kh, kw] → w_ohwi [out_c, kh, kw, Cg] (out_c·K bytes): the K order of the rows.
void qconv_weights_to_ohwi(const ConvNhwcParams& p, const uint8_t* w, uint8_t* w_ohwi);

}  // namespace finch::kernels
