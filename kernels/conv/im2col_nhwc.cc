// im2col for NHWC convolution: one row of K = kh·kw·Cg values per output pixel, in (ky, kx, ci)
// order. In NHWC the Cg channels of one tap are contiguous in x, so a row is kh·kw copies of Cg
// floats (or zero runs for padding taps).
#include <algorithm>
#include <cstring>

#include "kernels/conv/conv_nhwc.h"

namespace finch::kernels {

int64_t conv_nhwc_im2col_k(const ConvNhwcParams& p) {
  return p.kernel_h * p.kernel_w * (p.in_c / p.group);
}

void conv_nhwc_im2col(const ConvNhwcParams& p, const float* x, int64_t group, int64_t m_begin,
                      int64_t m_end, float* rows) {
  const int64_t cin_g = p.in_c / p.group;
  const int64_t k = conv_nhwc_im2col_k(p);
  for (int64_t m = m_begin; m < m_end; ++m) {
    const int64_t ox = m % p.out_w;
    const int64_t oy = (m / p.out_w) % p.out_h;
    const int64_t n = m / (p.out_w * p.out_h);
    const float* xn = x + n * p.in_h * p.in_w * p.in_c + group * cin_g;
    float* row = rows + (m - m_begin) * k;
    const int64_t ix0 = ox * p.stride_w - p.pad_left;
    // One group, undilated, the window's columns inside the image: the kw taps of a kernel row
    // are kw·C contiguous floats of x (NHWC), copied as one run.
    const bool row_run = p.group == 1 && p.dilation_w == 1 && ix0 >= 0 && ix0 + p.kernel_w <= p.in_w;
    for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
      const int64_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
      if (row_run && iy >= 0 && iy < p.in_h) {
        const float* src = xn + (iy * p.in_w + ix0) * p.in_c;
        float* dst = row + ky * p.kernel_w * cin_g;
        for (int64_t i = 0; i < p.kernel_w * cin_g; ++i) dst[i] = src[i];
        continue;
      }
      for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
        const int64_t ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
        float* dst = row + (ky * p.kernel_w + kx) * cin_g;
        if (iy < 0 || iy >= p.in_h || ix < 0 || ix >= p.in_w) {
          std::fill(dst, dst + cin_g, 0.f);
        } else {
          std::memcpy(dst, xn + (iy * p.in_w + ix) * p.in_c, cin_g * sizeof(float));
        }
      }
    }
  }
}

void conv_weights_to_ohwi(const ConvNhwcParams& p, const float* w, float* w_ohwi) {
  const int64_t cin_g = p.in_c / p.group;
  const int64_t k_hw = p.kernel_h * p.kernel_w;
  for (int64_t co = 0; co < p.out_c; ++co) {
    for (int64_t ci = 0; ci < cin_g; ++ci) {
      for (int64_t t = 0; t < k_hw; ++t) {  // t = ky·kw + kx
        w_ohwi[(co * k_hw + t) * cin_g + ci] = w[(co * cin_g + ci) * k_hw + t];
      }
    }
  }
}

}  // namespace finch::kernels
