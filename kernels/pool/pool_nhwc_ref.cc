#include <limits>

#include "kernels/pool/pool_nhwc.h"

namespace finch::kernels {

void global_avgpool_nhwc_f32_ref(int64_t N, int64_t HW, int64_t C, const float* x, float* y) {
  for (int64_t n = 0; n < N; ++n) {
    const float* xn = x + n * HW * C;
    for (int64_t c = 0; c < C; ++c) {
      float sum = 0.f;
      for (int64_t i = 0; i < HW; ++i) sum += xn[i * C + c];
      y[n * C + c] = HW > 0 ? sum / static_cast<float>(HW) : 0.f;
    }
  }
}

void channel_sums_nhwc_f32_ref(int64_t pixels, int64_t C, const float* x, float* sums) {
  for (int64_t c = 0; c < C; ++c) {
    float sum = 0.f;
    for (int64_t i = 0; i < pixels; ++i) sum += x[i * C + c];
    sums[c] = sum;
  }
}

namespace {

// Calls body(yp, xn, start, kb, ke) once per output pixel: yp = the pixel's C outputs, xn = the
// image's input, start = the window's first tap per dim, [kb, ke) = its taps inside the input.
template <typename Body>
void ForEachWindow(const PoolParams& p, int64_t N, int64_t C, const float* x, float* y, Body body) {
  const int64_t in_size = p.in[0] * p.in[1] * p.in[2];
  const int64_t out_size = p.out[0] * p.out[1] * p.out[2];
  for (int64_t n = 0; n < N; ++n) {
    const float* xn = x + n * in_size * C;
    for (int64_t o0 = 0; o0 < p.out[0]; ++o0) {
      for (int64_t o1 = 0; o1 < p.out[1]; ++o1) {
        for (int64_t o2 = 0; o2 < p.out[2]; ++o2) {
          const int64_t start[3] = {o0 * p.stride[0] - p.pad_begin[0],
                                    o1 * p.stride[1] - p.pad_begin[1],
                                    o2 * p.stride[2] - p.pad_begin[2]};
          int64_t kb[3], ke[3];
          InputTaps(p, start, kb, ke);
          float* yp = y + (n * out_size + (o0 * p.out[1] + o1) * p.out[2] + o2) * C;
          body(yp, xn, start, kb, ke);
        }
      }
    }
  }
}

// Offset (in pixels) of tap (k0, k1, k2) of the window at `start`.
inline int64_t TapPixel(const PoolParams& p, const int64_t start[3], int64_t k0, int64_t k1,
                        int64_t k2) {
  const int64_t i0 = start[0] + k0 * p.dilation[0];
  const int64_t i1 = start[1] + k1 * p.dilation[1];
  const int64_t i2 = start[2] + k2 * p.dilation[2];
  return (i0 * p.in[1] + i1) * p.in[2] + i2;
}

}  // namespace

void maxpool_nhwc_f32_ref(const PoolParams& params, int64_t N, int64_t C, const float* x,
                          float* y) {
  const PoolParams p = Expand3(params);
  ForEachWindow(
      p, N, C, x, y,
      [&](float* yp, const float* xn, const int64_t* start, const int64_t* kb, const int64_t* ke) {
        for (int64_t c = 0; c < C; ++c) {
          float best = std::numeric_limits<float>::lowest();
          bool first = true;
          for (int64_t k0 = kb[0]; k0 < ke[0]; ++k0)
            for (int64_t k1 = kb[1]; k1 < ke[1]; ++k1)
              for (int64_t k2 = kb[2]; k2 < ke[2]; ++k2) {
                const float v = xn[TapPixel(p, start, k0, k1, k2) * C + c];
                if (first || v > best) best = v;
                first = false;
              }
          yp[c] = best;
        }
      });
}

void avgpool_nhwc_f32_ref(const PoolParams& params, int64_t N, int64_t C, bool count_include_pad,
                          const float* x, float* y) {
  const PoolParams p = Expand3(params);
  ForEachWindow(
      p, N, C, x, y,
      [&](float* yp, const float* xn, const int64_t* start, const int64_t* kb, const int64_t* ke) {
        const double count = AvgPoolCount(p, start, count_include_pad);
        for (int64_t c = 0; c < C; ++c) {
          float sum = 0.f;
          for (int64_t k0 = kb[0]; k0 < ke[0]; ++k0)
            for (int64_t k1 = kb[1]; k1 < ke[1]; ++k1)
              for (int64_t k2 = kb[2]; k2 < ke[2]; ++k2)
                sum += xn[TapPixel(p, start, k0, k1, k2) * C + c];
          yp[c] = count > 0 ? sum / static_cast<float>(count) : 0.f;
        }
      });
}

}  // namespace finch::kernels
