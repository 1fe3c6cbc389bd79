#include "kernels/conv/conv_transpose_ref.h"

#include "kernels/common/mac_counter.h"

namespace finch::kernels {

void conv_transpose_f32_ref(const ConvParams& p, const float* x, const float* w,
                            const float* bias, float* y) {
  const int s = p.spatial;
  int64_t in_size = 1, out_size = 1, k_size = 1;
  for (int d = 0; d < s; ++d) {
    in_size *= p.in[d];
    out_size *= p.out[d];
    k_size *= p.kernel[d];
  }
  const int64_t cin_g = p.in_channels / p.groups, cout_g = p.out_channels / p.groups;
  if (MacCounter::enabled()) {
    // Per (image, output channel, input channel of its group) the loop below runs the (output,
    // tap) pairs that hit an input pixel: Π_d of each dimension's hits. The cost model counts
    // every (input pixel, tap) pair, in_size·k_size; the rest land in the cropped border (the
    // pads), and are skipped like padding taps (kernels/common/mac_counter.h).
    int64_t hits = 1;
    for (int d = 0; d < s; ++d) {
      int64_t h = 0;
      for (int64_t o = 0; o < p.out[d]; ++o) {
        for (int64_t k = 0; k < p.kernel[d]; ++k) {
          const int64_t t = o + p.pad_begin[d] - k * p.dilation[d];
          h += (t >= 0 && t % p.stride[d] == 0 && t / p.stride[d] < p.in[d]) ? 1 : 0;
        }
      }
      hits *= h;
    }
    const int64_t planes = p.batch * p.out_channels * cin_g;
    MacCounter::Add(planes * hits, planes * (in_size * k_size - hits));
  }
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t m = 0; m < p.out_channels; ++m) {
      const int64_t g = m / cout_g, ml = m % cout_g;
      float* yp = y + (n * p.out_channels + m) * out_size;
      for (int64_t o = 0; o < out_size; ++o) {
        int64_t oc[kMaxConvSpatial] = {0, 0, 0};  // o's coordinates
        int64_t r = o;
        for (int d = s - 1; d >= 0; --d) {
          oc[d] = r % p.out[d];
          r /= p.out[d];
        }
        float acc = bias ? bias[m] : 0.f;
        for (int64_t cl = 0; cl < cin_g; ++cl) {
          const int64_t c = g * cin_g + cl;
          const float* xp = x + (n * p.in_channels + c) * in_size;
          const float* wp = w + (c * cout_g + ml) * k_size;
          for (int64_t k = 0; k < k_size; ++k) {
            int64_t kr = k, xi = 0;
            bool hit = true;
            int64_t kc[kMaxConvSpatial] = {0, 0, 0};
            for (int d = s - 1; d >= 0; --d) {
              kc[d] = kr % p.kernel[d];
              kr /= p.kernel[d];
            }
            for (int d = 0; d < s && hit; ++d) {
              const int64_t t = oc[d] + p.pad_begin[d] - kc[d] * p.dilation[d];
              if (t < 0 || t % p.stride[d] != 0 || t / p.stride[d] >= p.in[d]) hit = false;
              xi = xi * p.in[d] + t / p.stride[d];
            }
            if (hit) acc += xp[xi] * wp[k];
          }
        }
        yp[o] = acc;
      }
    }
  }
}

}  // namespace finch::kernels
