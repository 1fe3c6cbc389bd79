#include "kernels/int8/qim2col_nhwc.h"

#include <algorithm>
#include <cstring>

namespace finch::kernels {

namespace {

// n (≥ 0) bytes from src to dst. The short copies of a stem convolution (3×3 taps × 3 channels:
// 9 bytes per kernel row) are two fixed-size, possibly overlapping moves instead of a call to
// memcpy with a variable length.
inline void CopyBytes(uint8_t* dst, const uint8_t* src, int64_t n) {
  if (n >= 8 && n <= 16) {
    uint64_t a, b;
    std::memcpy(&a, src, 8);
    std::memcpy(&b, src + n - 8, 8);
    std::memcpy(dst, &a, 8);
    std::memcpy(dst + n - 8, &b, 8);
  } else if (n >= 4 && n < 8) {
    uint32_t a, b;
    std::memcpy(&a, src, 4);
    std::memcpy(&b, src + n - 4, 4);
    std::memcpy(dst, &a, 4);
    std::memcpy(dst + n - 4, &b, 4);
  } else if (n < 4) {
    for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
  } else {
    std::memcpy(dst, src, static_cast<size_t>(n));
  }
}

}  // namespace

void qconv_nhwc_im2col(const ConvNhwcParams& p, const uint8_t* x, uint8_t pad, int64_t group,
                       int64_t m_begin, int64_t m_end, uint8_t* rows) {
  const int64_t cg = p.in_c / p.group;
  const int64_t k = p.kernel_h * p.kernel_w * cg;
  const int64_t span = p.kernel_w * cg;  // bytes of one kernel row of an im2col row
  // With one group and no horizontal dilation, the kx taps of one kernel row are `span`
  // contiguous bytes of x: one copy per kernel row for a pixel whose window is inside.
  const bool rows_contiguous = p.group == 1 && p.dilation_w == 1;
  // Output columns whose window lies inside horizontally: ox in [ox_lo, ox_hi).
  const int64_t reach = (p.kernel_w - 1) * p.dilation_w;
  const int64_t ox_lo = std::min(p.out_w, (p.pad_left + p.stride_w - 1) / p.stride_w);
  const int64_t ox_hi =
      std::max(ox_lo, std::min(p.out_w, p.in_w - reach + p.pad_left > 0
                                            ? (p.in_w - reach + p.pad_left - 1) / p.stride_w + 1
                                            : 0));
  // One kernel row (ky) of pixel ox's im2col row, tap by tap (borders, grouped, dilated).
  auto taps = [&](uint8_t* dst, const uint8_t* src_row, int64_t ox) {
    const int64_t ix0 = ox * p.stride_w - p.pad_left;
    for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
      const int64_t ix = ix0 + kx * p.dilation_w;
      if (src_row == nullptr || ix < 0 || ix >= p.in_w) {
        std::memset(dst + kx * cg, pad, static_cast<size_t>(cg));
      } else {
        CopyBytes(dst + kx * cg, src_row + ix * p.in_c, cg);
      }
    }
  };
  // Runs of pixels within one output row.
  for (int64_t m = m_begin; m < m_end;) {
    const int64_t ox_first = m % p.out_w, oy = (m / p.out_w) % p.out_h;
    const int64_t n = m / (p.out_w * p.out_h);
    const int64_t count = std::min(m_end - m, p.out_w - ox_first);
    uint8_t* run = rows + (m - m_begin) * k;
    for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
      const int64_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
      uint8_t* dst0 = run + ky * span - ox_first * k;  // pixel ox's kernel row ky at + ox·k
      if (iy < 0 || iy >= p.in_h) {
        for (int64_t ox = ox_first; ox < ox_first + count; ++ox) {
          std::memset(dst0 + ox * k, pad, static_cast<size_t>(span));
        }
        continue;
      }
      const uint8_t* src_row = x + (n * p.in_h + iy) * p.in_w * p.in_c + group * cg;
      int64_t ox = ox_first;
      const int64_t end = ox_first + count;
      const int64_t inner_lo = rows_contiguous ? std::max(ox, ox_lo) : end;
      const int64_t inner_hi = rows_contiguous ? std::max(inner_lo, std::min(end, ox_hi)) : end;
      for (; ox < inner_lo; ++ox) taps(dst0 + ox * k, src_row, ox);
      const uint8_t* src = src_row + (ox * p.stride_w - p.pad_left) * p.in_c;
      const int64_t src_step = p.stride_w * p.in_c;
      for (; ox < inner_hi; ++ox, src += src_step) CopyBytes(dst0 + ox * k, src, span);
      for (; ox < end; ++ox) taps(dst0 + ox * k, src_row, ox);
    }
    m += count;
  }
}

void qconv_weights_to_ohwi(const ConvNhwcParams& p, const uint8_t* w, uint8_t* w_ohwi) {
  const int64_t cg = p.in_c / p.group, khw = p.kernel_h * p.kernel_w;
  for (int64_t o = 0; o < p.out_c; ++o) {
    for (int64_t ci = 0; ci < cg; ++ci) {
      for (int64_t t = 0; t < khw; ++t)
        w_ohwi[(o * khw + t) * cg + ci] = w[(o * cg + ci) * khw + t];
    }
  }
}

}  // namespace finch::kernels
