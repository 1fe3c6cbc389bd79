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

namespace {

// dst[0, n) = src[0, n): n is a kernel row's taps (kw·Cg), often 9 (the 3×3 stem of an RGB
// image) — a constant the compiler unrolls.
inline void CopyRun(const float* src, int64_t n, float* dst) {
  if (n == 9) {
    std::memcpy(dst, src, 9 * sizeof(float));  // inlined: two 16-byte moves and one 4-byte
    return;
  }
  std::memcpy(dst, src, n * sizeof(float));
}

}  // namespace

void conv_nhwc_im2col(const ConvNhwcParams& p, const float* x, int64_t group, int64_t m_begin,
                      int64_t m_end, float* rows) {
  const int64_t cin_g = p.in_c / p.group;
  const int64_t k = conv_nhwc_im2col_k(p);
  const int64_t run_len = p.kernel_w * cin_g;  // one kernel row's taps, when contiguous
  // Output pixels go one run of a row at a time, so the index arithmetic is per run.
  for (int64_t m = m_begin; m < m_end;) {
    const int64_t ox0 = m % p.out_w;
    const int64_t oy = (m / p.out_w) % p.out_h;
    const int64_t n = m / (p.out_w * p.out_h);
    const int64_t count = std::min(m_end - m, p.out_w - ox0);
    const float* xn = x + n * p.in_h * p.in_w * p.in_c + group * cin_g;
    for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
      const int64_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
      float* dst0 = rows + (m - m_begin) * k + ky * run_len;
      if (iy < 0 || iy >= p.in_h) {  // a padding row: zeros for every pixel of the run
        for (int64_t j = 0; j < count; ++j) std::fill(dst0 + j * k, dst0 + j * k + run_len, 0.f);
        continue;
      }
      const float* src_row = xn + iy * p.in_w * p.in_c;
      for (int64_t j = 0; j < count; ++j) {
        const int64_t ix0 = (ox0 + j) * p.stride_w - p.pad_left;
        float* dst = dst0 + j * k;
        // One group, undilated, the window inside the image: the kw taps are kw·C contiguous
        // floats of x (NHWC), copied as one run.
        if (p.group == 1 && p.dilation_w == 1 && ix0 >= 0 && ix0 + p.kernel_w <= p.in_w) {
          CopyRun(src_row + ix0 * p.in_c, run_len, dst);
          continue;
        }
        for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
          const int64_t ix = ix0 + kx * p.dilation_w;
          float* d = dst + kx * cin_g;
          if (ix < 0 || ix >= p.in_w) {
            std::fill(d, d + cin_g, 0.f);
          } else {
            std::memcpy(d, src_row + ix * p.in_c, cin_g * sizeof(float));
          }
        }
      }
    }
    m += count;
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
