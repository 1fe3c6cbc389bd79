#include "kernels/conv/conv_ref.h"

#include "kernels/common/mac_counter.h"

namespace finch::kernels {

void conv_f32_ref(const ConvParams& p, const float* x, const float* w, const float* bias,
                  float* y) {
  // Treat every convolution as 3-D with trailing unit dims.
  int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, k[3] = {1, 1, 1}, s[3] = {1, 1, 1},
          d[3] = {1, 1, 1}, pb[3] = {0, 0, 0};
  for (int i = 0; i < p.spatial; ++i) {
    in[i] = p.in[i];
    out[i] = p.out[i];
    k[i] = p.kernel[i];
    s[i] = p.stride[i];
    d[i] = p.dilation[i];
    pb[i] = p.pad_begin[i];
  }
  const int64_t in_size = in[0] * in[1] * in[2];
  const int64_t out_size = out[0] * out[1] * out[2];
  const int64_t k_size = k[0] * k[1] * k[2];
  const int64_t cin_g = p.in_channels / p.groups;
  const int64_t cout_g = p.out_channels / p.groups;
  if (MacCounter::enabled()) {
    // Per (image, output channel, input channel of its group): the valid taps of every output
    // run, the padding taps are skipped (kernels/common/mac_counter.h).
    int64_t valid = 1;
    for (int i = 0; i < 3; ++i) valid *= ValidTaps(in[i], out[i], k[i], s[i], pb[i], d[i]);
    const int64_t planes = p.batch * p.out_channels * cin_g;
    MacCounter::Add(planes * valid, planes * (out_size * k_size - valid));
  }

  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t m = 0; m < p.out_channels; ++m) {
      const int64_t g = m / cout_g;
      const float* wm = w + m * cin_g * k_size;
      float* ym = y + (n * p.out_channels + m) * out_size;
      for (int64_t o0 = 0; o0 < out[0]; ++o0) {
        for (int64_t o1 = 0; o1 < out[1]; ++o1) {
          for (int64_t o2 = 0; o2 < out[2]; ++o2) {
            float acc = bias ? bias[m] : 0.f;
            for (int64_t c = 0; c < cin_g; ++c) {
              const float* xc = x + (n * p.in_channels + g * cin_g + c) * in_size;
              const float* wc = wm + c * k_size;
              for (int64_t k0 = 0; k0 < k[0]; ++k0) {
                const int64_t i0 = o0 * s[0] - pb[0] + k0 * d[0];
                if (i0 < 0 || i0 >= in[0]) continue;
                for (int64_t k1 = 0; k1 < k[1]; ++k1) {
                  const int64_t i1 = o1 * s[1] - pb[1] + k1 * d[1];
                  if (i1 < 0 || i1 >= in[1]) continue;
                  for (int64_t k2 = 0; k2 < k[2]; ++k2) {
                    const int64_t i2 = o2 * s[2] - pb[2] + k2 * d[2];
                    if (i2 < 0 || i2 >= in[2]) continue;
                    acc += xc[(i0 * in[1] + i1) * in[2] + i2] * wc[(k0 * k[1] + k1) * k[2] + k2];
                  }
                }
              }
            }
            ym[(o0 * out[1] + o1) * out[2] + o2] = acc;
          }
        }
      }
    }
  }
}

}  // namespace finch::kernels
