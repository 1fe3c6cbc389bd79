#include "kernels/pool/avgpool_ref.h"

namespace finch::kernels {
namespace {

// How many window taps t in [0, kernel) land on an index start + t·dilation in [lo, hi).
int64_t TapsIn(int64_t start, int64_t kernel, int64_t dilation, int64_t lo, int64_t hi) {
  int64_t n = 0;
  for (int64_t t = 0; t < kernel; ++t) {
    const int64_t i = start + t * dilation;
    if (i >= lo && i < hi) ++n;
  }
  return n;
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
          for (int64_t k0 = 0; k0 < p.kernel[0]; ++k0) {
            const int64_t i0 = s0 + k0 * p.dilation[0];
            if (i0 < 0 || i0 >= p.in[0]) continue;
            for (int64_t k1 = 0; k1 < p.kernel[1]; ++k1) {
              const int64_t i1 = s1 + k1 * p.dilation[1];
              if (i1 < 0 || i1 >= p.in[1]) continue;
              for (int64_t k2 = 0; k2 < p.kernel[2]; ++k2) {
                const int64_t i2 = s2 + k2 * p.dilation[2];
                if (i2 < 0 || i2 >= p.in[2]) continue;
                sum += xp[(i0 * p.in[1] + i1) * p.in[2] + i2];
              }
            }
          }
          // The count factorizes per dim: the window is a product of per-dim tap sets.
          int64_t count = 1;
          const int64_t starts[3] = {s0, s1, s2};
          for (int d = 0; d < 3; ++d) {
            const int64_t lo = count_include_pad ? -p.pad_begin[d] : 0;
            const int64_t hi = count_include_pad ? p.in[d] + p.pad_end[d] : p.in[d];
            count *= TapsIn(starts[d], p.kernel[d], p.dilation[d], lo, hi);
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
