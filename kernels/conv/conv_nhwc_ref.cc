#include "kernels/common/mac_counter.h"
#include "kernels/conv/conv_nhwc.h"

namespace finch::kernels {

void conv_nhwc_f32_ref(const ConvNhwcParams& p, const float* x, const float* w, const float* bias,
                       float* y) {
  const int64_t cin_g = p.in_c / p.group;
  const int64_t cout_g = p.out_c / p.group;
  const int64_t k_hw = p.kernel_h * p.kernel_w;
  if (MacCounter::enabled()) {
    // Valid taps run, padding taps skipped (kernels/common/mac_counter.h), per (image, output
    // channel, input channel of its group).
    const int64_t valid =
        ValidTaps(p.in_h, p.out_h, p.kernel_h, p.stride_h, p.pad_top, p.dilation_h) *
        ValidTaps(p.in_w, p.out_w, p.kernel_w, p.stride_w, p.pad_left, p.dilation_w);
    const int64_t planes = p.batch * p.out_c * cin_g;
    MacCounter::Add(planes * valid, planes * (p.out_h * p.out_w * k_hw - valid));
  }
  for (int64_t n = 0; n < p.batch; ++n) {
    const float* xn = x + n * p.in_h * p.in_w * p.in_c;
    for (int64_t oy = 0; oy < p.out_h; ++oy) {
      for (int64_t ox = 0; ox < p.out_w; ++ox) {
        float* yp = y + ((n * p.out_h + oy) * p.out_w + ox) * p.out_c;
        for (int64_t co = 0; co < p.out_c; ++co) {
          const int64_t g = co / cout_g;
          const float* wc = w + co * cin_g * k_hw;  // [ci][ky][kx] of this output channel
          float acc = 0.f;
          for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
            const int64_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
            if (iy < 0 || iy >= p.in_h) continue;
            for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
              const int64_t ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
              if (ix < 0 || ix >= p.in_w) continue;
              const float* xp = xn + (iy * p.in_w + ix) * p.in_c + g * cin_g;
              for (int64_t ci = 0; ci < cin_g; ++ci) {
                acc += xp[ci] * wc[ci * k_hw + ky * p.kernel_w + kx];
              }
            }
          }
          if (bias) acc += bias[co];
          yp[co] = ApplyActivation(p.act, acc);
        }
      }
    }
  }
}

}  // namespace finch::kernels
