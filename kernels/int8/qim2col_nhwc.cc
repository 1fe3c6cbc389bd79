#include "kernels/int8/qim2col_nhwc.h"

#include <cstring>

namespace finch::kernels {

void qconv_nhwc_im2col(const ConvNhwcParams& p, const uint8_t* x, uint8_t pad, int64_t group,
                       int64_t m_begin, int64_t m_end, uint8_t* rows) {
  const int64_t cg = p.in_c / p.group;
  const int64_t k = p.kernel_h * p.kernel_w * cg;
  for (int64_t m = m_begin; m < m_end; ++m) {
    const int64_t ox = m % p.out_w, oy = (m / p.out_w) % p.out_h, n = m / (p.out_w * p.out_h);
    uint8_t* row = rows + (m - m_begin) * k;
    for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
      const int64_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
      for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
        const int64_t ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
        uint8_t* dst = row + (ky * p.kernel_w + kx) * cg;
        if (iy < 0 || iy >= p.in_h || ix < 0 || ix >= p.in_w) {
          std::memset(dst, pad, static_cast<size_t>(cg));
        } else {
          std::memcpy(dst, x + ((n * p.in_h + iy) * p.in_w + ix) * p.in_c + group * cg,
                      static_cast<size_t>(cg));
        }
      }
    }
  }
}

void qconv_weights_to_ohwi(const ConvNhwcParams& p, const uint8_t* w, uint8_t* w_ohwi) {
  const int64_t cg = p.in_c / p.group, khw = p.kernel_h * p.kernel_w;
  for (int64_t o = 0; o < p.out_c; ++o) {
    for (int64_t ci = 0; ci < cg; ++ci) {
      for (int64_t t = 0; t < khw; ++t) w_ohwi[(o * khw + t) * cg + ci] = w[(o * cg + ci) * khw + t];
    }
  }
}

}  // namespace finch::kernels
