#include "kernels/dwconv/dwconv_ref.h"

#include <algorithm>

#include "kernels/common/mac_counter.h"

namespace finch::kernels {
namespace {

// One output value: bias, then the valid taps in row-major order, then the activation.
// `x_at(iy, ix)` reads the input plane of the current (n, c).
template <typename XAt>
float DwPoint(const DwConvParams& p, const float* wc, float b, int64_t oy, int64_t ox,
              const XAt& x_at) {
  float acc = b;
  for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
    const int64_t iy = oy * p.stride_h - p.pad_top + ky;
    if (iy < 0 || iy >= p.in_h) continue;
    for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
      const int64_t ix = ox * p.stride_w - p.pad_left + kx;
      if (ix < 0 || ix >= p.in_w) continue;
      acc += x_at(iy, ix) * wc[ky * p.kernel_w + kx];
    }
  }
  return ApplyActivation(p.act, acc);
}

// The call's multiply-adds (kernels/common/mac_counter.h): each output runs its valid taps and
// skips its padding taps, the same in every (image, channel) plane.
void CountMacs(const DwConvParams& p) {
  if (!MacCounter::enabled()) return;
  const int64_t valid = ValidTaps(p.in_h, p.out_h, p.kernel_h, p.stride_h, p.pad_top) *
                        ValidTaps(p.in_w, p.out_w, p.kernel_w, p.stride_w, p.pad_left);
  const int64_t all = p.out_h * p.out_w * p.kernel_h * p.kernel_w;
  const int64_t planes = p.batch * p.channels;
  MacCounter::Add(planes * valid, planes * (all - valid));
}

}  // namespace

void dwconv_f32_nchw_ref(const DwConvParams& p, const float* x, const float* w, const float* bias,
                         float* y) {
  CountMacs(p);
  const int64_t taps = p.kernel_h * p.kernel_w;
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t c = 0; c < p.channels; ++c) {
      const float* xc = x + (n * p.channels + c) * p.in_h * p.in_w;
      float* yc = y + (n * p.channels + c) * p.out_h * p.out_w;
      const float b = bias ? bias[c] : 0.f;
      auto x_at = [&](int64_t iy, int64_t ix) { return xc[iy * p.in_w + ix]; };
      for (int64_t oy = 0; oy < p.out_h; ++oy) {
        for (int64_t ox = 0; ox < p.out_w; ++ox) {
          yc[oy * p.out_w + ox] = DwPoint(p, w + c * taps, b, oy, ox, x_at);
        }
      }
    }
  }
}

void dwconv_f32_nhwc_ref(const DwConvParams& p, const float* x, const float* w, const float* bias,
                         float* y) {
  CountMacs(p);
  const int64_t taps = p.kernel_h * p.kernel_w;
  const int64_t C = p.channels;
  for (int64_t n = 0; n < p.batch; ++n) {
    const float* xn = x + n * p.in_h * p.in_w * C;
    float* yn = y + n * p.out_h * p.out_w * C;
    for (int64_t oy = 0; oy < p.out_h; ++oy) {
      for (int64_t ox = 0; ox < p.out_w; ++ox) {
        for (int64_t c = 0; c < C; ++c) {
          auto x_at = [&](int64_t iy, int64_t ix) { return xn[(iy * p.in_w + ix) * C + c]; };
          yn[(oy * p.out_w + ox) * C + c] =
              DwPoint(p, w + c * taps, bias ? bias[c] : 0.f, oy, ox, x_at);
        }
      }
    }
  }
}

}  // namespace finch::kernels
