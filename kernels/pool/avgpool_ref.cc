#include "kernels/pool/avgpool_ref.h"

namespace finch::kernels {
namespace {

// How many window taps t in [0, kernel) land on an index start + t·dilation in [lo, hi).
int64_t TapsIn(int64_t start, int64_t kernel, int64_t dilation, int64_t lo, int64_t hi) {
  int64_t b = 0, e = 0;
  TapRange(start, kernel, dilation, lo, hi, &b, &e);
  return e - b;
}

}  // namespace

void avgpool_f32_ref(const PoolParams& params, bool count_include_pad, const float* x, float* y) {
  const PoolParams p = Expand3(params);
  const int64_t in_size = p.in[0] * p.in[1] * p.in[2];
  const int64_t out_size = p.out[0] * p.out[1] * p.out[2];
  for (int64_t plane = 0; plane < p.planes; ++plane) {
    const float* xp = x + plane * in_size;
    float* yp = y + plane * out_size;
    for (int64_t o0 = 0; o0 < p.out[0]; ++o0) {
      const int64_t s0 = o0 * p.stride[0] - p.pad_begin[0];
      for (int64_t o1 = 0; o1 < p.out[1]; ++o1) {
        const int64_t s1 = o1 * p.stride[1] - p.pad_begin[1];
        for (int64_t o2 = 0; o2 < p.out[2]; ++o2) {
          const int64_t s2 = o2 * p.stride[2] - p.pad_begin[2];
          float sum = 0.f;
          // Only the taps inside the input contribute to the sum.
          const int64_t starts[3] = {s0, s1, s2};
          int64_t kb[3], ke[3];
          InputTaps(p, starts, kb, ke);
          for (int64_t k0 = kb[0]; k0 < ke[0]; ++k0) {
            const int64_t i0 = s0 + k0 * p.dilation[0];
            for (int64_t k1 = kb[1]; k1 < ke[1]; ++k1) {
              const int64_t i1 = s1 + k1 * p.dilation[1];
              for (int64_t k2 = kb[2]; k2 < ke[2]; ++k2) {
                const int64_t i2 = s2 + k2 * p.dilation[2];
                sum += xp[(i0 * p.in[1] + i1) * p.in[2] + i2];
              }
            }
          }
          // The count factorizes per dim: the window is a product of per-dim tap sets. Kept in
          // double: exact for any real window, and a hostile one cannot overflow it.
          double count = 1;
          for (int d = 0; d < 3; ++d) {
            const int64_t lo = count_include_pad ? -p.pad_begin[d] : 0;
            const int64_t hi = count_include_pad ? p.in[d] + p.pad_end[d] : p.in[d];
            count *= static_cast<double>(TapsIn(starts[d], p.kernel[d], p.dilation[d], lo, hi));
          }
          yp[(o0 * p.out[1] + o1) * p.out[2] + o2] =
              count > 0 ? sum / static_cast<float>(count) : 0.f;
        }
      }
    }
  }
}

void global_avgpool_f32_ref(int64_t planes, int64_t size, const float* x, float* y) {
  for (int64_t plane = 0; plane < planes; ++plane) {
    const float* xp = x + plane * size;
    float sum = 0.f;
    for (int64_t i = 0; i < size; ++i) sum += xp[i];
    y[plane] = size > 0 ? sum / static_cast<float>(size) : 0.f;
  }
}

}  // namespace finch::kernels
