#include "kernels/quant/qconv_ref.h"

#include <algorithm>
#include <vector>

#include "kernels/quant/quant_math.h"

namespace finch::kernels {
namespace {

// [lo, hi): the outputs o in [0, out) whose tap reads inside the input, 0 <= o·s − p + kd < in
// (kd = k·d), so the inner loop needs no bounds check.
void ValidOutputs(int64_t in, int64_t out, int64_t s, int64_t p, int64_t kd, int64_t* lo,
                  int64_t* hi) {
  const int64_t first = p - kd;          // o·s >= first
  const int64_t last = in - 1 + p - kd;  // o·s <= last
  *lo = first <= 0 ? 0 : (first + s - 1) / s;
  *hi = last < 0 ? 0 : std::min(out, last / s + 1);
  if (*lo > *hi) *lo = *hi;
}

// Calls out(n, m, flat output index within the (n, m) plane, acc) for every output, acc the
// int32 accumulator. Each (n, m) plane is accumulated tap by tap over whole output rows, which
// reads X row by row (integer sums do not depend on their order), in uint32: arithmetic modulo
// 2^32 without undefined behaviour, so acc is the exact sum wrapped to int32 (the exact sum when
// it fits). Each product is exact in int32 (|product| <= 255 · 255).
template <typename TX, typename TW, typename Out>
void ForEachConvAccumulator(const ConvParams& p, const TX* x, int32_t x_zp, const TW* w,
                            ConvWeightZeroPoint<TW> w_zp, Out&& out) {
  // Every convolution as 3-D with leading unit dims, so the innermost loop runs along the last
  // spatial dim (a row of the image).
  int64_t in[3] = {1, 1, 1}, o_size[3] = {1, 1, 1}, k[3] = {1, 1, 1}, s[3] = {1, 1, 1},
          d[3] = {1, 1, 1}, pb[3] = {0, 0, 0};
  const int lead = kMaxConvSpatial - p.spatial;
  for (int i = 0; i < p.spatial; ++i) {
    in[lead + i] = p.in[i];
    o_size[lead + i] = p.out[i];
    k[lead + i] = p.kernel[i];
    s[lead + i] = p.stride[i];
    d[lead + i] = p.dilation[i];
    pb[lead + i] = p.pad_begin[i];
  }
  const int64_t in_size = in[0] * in[1] * in[2];
  const int64_t out_size = o_size[0] * o_size[1] * o_size[2];
  const int64_t k_size = k[0] * k[1] * k[2];
  const int64_t cin_g = p.in_channels / p.groups;
  const int64_t cout_g = p.out_channels / p.groups;
  std::vector<uint32_t> acc(static_cast<size_t>(out_size));

  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t m = 0; m < p.out_channels; ++m) {
      std::fill(acc.begin(), acc.end(), 0u);
      const int64_t g = m / cout_g;
      const int32_t wz = w_zp.values ? static_cast<int32_t>(w_zp.values[m * w_zp.stride]) : 0;
      for (int64_t c = 0; c < cin_g; ++c) {
        const TX* xc = x + (n * p.in_channels + g * cin_g + c) * in_size;
        const TW* wc = w + (m * cin_g + c) * k_size;
        for (int64_t k0 = 0; k0 < k[0]; ++k0) {
          int64_t lo0, hi0;
          ValidOutputs(in[0], o_size[0], s[0], pb[0], k0 * d[0], &lo0, &hi0);
          for (int64_t k1 = 0; k1 < k[1]; ++k1) {
            int64_t lo1, hi1;
            ValidOutputs(in[1], o_size[1], s[1], pb[1], k1 * d[1], &lo1, &hi1);
            for (int64_t k2 = 0; k2 < k[2]; ++k2) {
              int64_t lo2, hi2;
              ValidOutputs(in[2], o_size[2], s[2], pb[2], k2 * d[2], &lo2, &hi2);
              const uint32_t wv = static_cast<uint32_t>(
                  static_cast<int32_t>(wc[(k0 * k[1] + k1) * k[2] + k2]) - wz);
              const int64_t count = hi2 - lo2, stride = s[2];
              if (count == 0) continue;
              for (int64_t o0 = lo0; o0 < hi0; ++o0) {
                const int64_t i0 = o0 * s[0] - pb[0] + k0 * d[0];
                for (int64_t o1 = lo1; o1 < hi1; ++o1) {
                  const int64_t i1 = o1 * s[1] - pb[1] + k1 * d[1];
                  // The input of output lo2 on this row (inside X), and the accumulators from lo2.
                  const TX* xr =
                      xc + ((i0 * in[1] + i1) * in[2] + lo2 * stride - pb[2] + k2 * d[2]);
                  uint32_t* a = acc.data() + (o0 * o_size[1] + o1) * o_size[2] + lo2;
                  if (stride == 1) {
                    for (int64_t j = 0; j < count; ++j) {
                      a[j] += static_cast<uint32_t>(static_cast<int32_t>(xr[j]) - x_zp) * wv;
                    }
                  } else {
                    for (int64_t j = 0; j < count; ++j) {
                      a[j] +=
                          static_cast<uint32_t>(static_cast<int32_t>(xr[j * stride]) - x_zp) * wv;
                    }
                  }
                }
              }
            }
          }
        }
      }
      for (int64_t o = 0; o < out_size; ++o) out(n, m, o, static_cast<int32_t>(acc[o]));
    }
  }
}

int64_t OutPlane(const ConvParams& p) {
  int64_t size = 1;
  for (int i = 0; i < p.spatial; ++i) size *= p.out[i];
  return size;
}

}  // namespace

template <typename TX, typename TW>
void conv_integer_ref(const ConvParams& p, const TX* x, int32_t x_zp, const TW* w,
                      ConvWeightZeroPoint<TW> w_zp, int32_t* y) {
  const int64_t plane = OutPlane(p);
  ForEachConvAccumulator(p, x, x_zp, w, w_zp, [&](int64_t n, int64_t m, int64_t o, int32_t acc) {
    y[(n * p.out_channels + m) * plane + o] = acc;
  });
}

template <typename TX, typename TW, typename TY>
void qlinear_conv_ref(const ConvParams& p, const TX* x, int32_t x_zp, const TW* w,
                      ConvWeightZeroPoint<TW> w_zp, const ConvRequant& r, TY* y) {
  const int64_t plane = OutPlane(p);
  ForEachConvAccumulator(p, x, x_zp, w, w_zp, [&](int64_t n, int64_t m, int64_t o, int32_t acc) {
    const int32_t acc32 = r.bias ? WrapToInt32(int64_t{acc} + r.bias[m]) : acc;
    const float multiplier = r.x_scale * r.w_scale[m * r.w_scale_stride] / r.y_scale;
    y[(n * p.out_channels + m) * plane + o] = Requantize<TY>(acc32, multiplier, r.y_zp);
  });
}

#define FINCH_INSTANTIATE_CONV_INTEGER(TX, TW)                                             \
  template void conv_integer_ref<TX, TW>(const ConvParams&, const TX*, int32_t, const TW*, \
                                         ConvWeightZeroPoint<TW>, int32_t*);
#define FINCH_INSTANTIATE_QLINEAR_CONV(TX, TW, TY)                                             \
  template void qlinear_conv_ref<TX, TW, TY>(const ConvParams&, const TX*, int32_t, const TW*, \
                                             ConvWeightZeroPoint<TW>, const ConvRequant&, TY*);
FINCH_INSTANTIATE_CONV_INTEGER(uint8_t, uint8_t)
FINCH_INSTANTIATE_CONV_INTEGER(uint8_t, int8_t)
FINCH_INSTANTIATE_CONV_INTEGER(int8_t, uint8_t)
FINCH_INSTANTIATE_CONV_INTEGER(int8_t, int8_t)
FINCH_INSTANTIATE_QLINEAR_CONV(uint8_t, uint8_t, uint8_t)
FINCH_INSTANTIATE_QLINEAR_CONV(uint8_t, uint8_t, int8_t)
FINCH_INSTANTIATE_QLINEAR_CONV(uint8_t, int8_t, uint8_t)
FINCH_INSTANTIATE_QLINEAR_CONV(uint8_t, int8_t, int8_t)
FINCH_INSTANTIATE_QLINEAR_CONV(int8_t, uint8_t, uint8_t)
FINCH_INSTANTIATE_QLINEAR_CONV(int8_t, uint8_t, int8_t)
FINCH_INSTANTIATE_QLINEAR_CONV(int8_t, int8_t, uint8_t)
FINCH_INSTANTIATE_QLINEAR_CONV(int8_t, int8_t, int8_t)
#undef FINCH_INSTANTIATE_CONV_INTEGER
#undef FINCH_INSTANTIATE_QLINEAR_CONV

}  // namespace finch::kernels
