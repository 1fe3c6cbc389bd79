// General 2-D convolution with activations in NHWC ([N, H, W, C], channels innermost): the scalar
// reference, and the im2col lowering that turns it into a GEMM for the fast path.
//
// Weights stay in ONNX's layout w [out_c, in_c/group, kh, kw]; conv_weights_to_ohwi reorders
// them to [out_c][kh][kw][Cg], the K order of the im2col rows, so that per group g
//   y[m, g·OCg + o] = act(bias + Σ_k rows[m, k] · w_ohwi[g·OCg + o, k])
// (OCg = out_c/group, Cg = in_c/group, K = kh·kw·Cg, k = (ky·kw + kx)·Cg + ci).
#pragma once

#include <cstdint>

#include "kernels/common/activation.h"

namespace finch::kernels {

// Output sizes are given, not derived (the bottom/right pads are implied by them). in_c and
// out_c are multiples of group; every size ≥ 1, pads ≥ 0, strides and dilations ≥ 1.
struct ConvNhwcParams {
  int64_t batch = 1, in_h = 1, in_w = 1, in_c = 1, out_h = 1, out_w = 1, out_c = 1, group = 1;
  int64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1,
          pad_top = 0, pad_left = 0;
  Activation act;
};

// y[n, oy, ox, co] = act(Σ_{ky, kx, ci} x[n, iy, ix, g·Cg + ci] · w[co, ci, ky, kx] + b[co])
// with iy = oy·stride_h − pad_top + ky·dilation_h (ix likewise), g = co / OCg; taps outside the
// input are skipped (zero padding). x [N, in_h, in_w, in_c], y [N, out_h, out_w, out_c],
// bias [out_c] or null.
//
// Order: the sum starts from 0 and runs over (ky, kx, ci) row-major — the K order of the im2col
// rows, so a GEMM over them that accumulates k in order agrees bit for bit — and the bias is
// added last (a GEMM epilogue). conv_f32_ref (NCHW) starts from the bias and sums (ci, ky, kx);
// the two agree bit for bit whenever every partial sum is exact (small integers), and within
// float reassociation otherwise.
void conv_nhwc_f32_ref(const ConvNhwcParams& p, const float* x, const float* w, const float* bias,
                       float* y);

// K = kernel_h · kernel_w · (in_c / group): the length of one im2col row.
int64_t conv_nhwc_im2col_k(const ConvNhwcParams& p);

// The im2col rows of group `g` for output pixels m in [m_begin, m_end), m = (n·out_h + oy)·out_w
// + ox: rows[(m − m_begin)·K + (ky·kernel_w + kx)·Cg + ci] = x[n, iy, ix, g·Cg + ci], or 0 for a
// padding tap. rows holds (m_end − m_begin)·K floats.
void conv_nhwc_im2col(const ConvNhwcParams& p, const float* x, int64_t group, int64_t m_begin,
                      int64_t m_end, float* rows);

// w [out_c, Cg, kh, kw] → w_ohwi [out_c, kh, kw, Cg] (out_c·K floats).
void conv_weights_to_ohwi(const ConvNhwcParams& p, const float* w, float* w_ohwi);

}  // namespace finch::kernels
