// The scalar int8 depthwise convolution and the weight packing of the AVX2 kernel (see
// qdwconv.h for both contracts).
#include <algorithm>
#include <cstring>

#include "kernels/int8/qdwconv.h"

namespace finch::kernels {
namespace {

int64_t PaddedChannels(int64_t c) { return (c + 15) / 16 * 16; }

// int16 elements of the tap pairs; Σw' (int32 [Cp], 2·Cp int16 elements) follows them.
int64_t TapsSize(const DwConvParams& p) {
  return (p.kernel_h + 1) / 2 * p.kernel_w * PaddedChannels(p.channels) * 2;
}

}  // namespace

void qdwconv_nhwc_ref(const QDwConvParams& qp, const void* x, const QWeights& w, void* y,
                      const QuantEpilogue& e, int64_t row_begin, int64_t row_end) {
  const DwConvParams& p = qp.conv;
  const int64_t C = p.channels, H = p.in_h, W = p.in_w, taps = p.kernel_h * p.kernel_w;
  const int64_t bytes = QOutBytes(e.type);
  for (int64_t r = row_begin; r < row_end; ++r) {
    const int64_t n = r / p.out_h, oy = r % p.out_h;
    for (int64_t ox = 0; ox < p.out_w; ++ox) {
      void* y_pixel = static_cast<char*>(y) + ((n * p.out_h + oy) * p.out_w + ox) * C * bytes;
      for (int64_t c = 0; c < C; ++c) {
        const int32_t w_zp = w.ZeroPoint(c);
        int64_t acc = 0;
        for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
          const int64_t iy = oy * p.stride_h - p.pad_top + ky;
          if (iy < 0 || iy >= H) continue;  // padding: x = x_zp, contributes 0
          for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
            const int64_t ix = ox * p.stride_w - p.pad_left + kx;
            if (ix < 0 || ix >= W) continue;
            const int64_t xv = LoadQ(x, qp.x_type, ((n * H + iy) * W + ix) * C + c);
            const int64_t wv = LoadQ(w.data, w.type, c * taps + ky * p.kernel_w + kx);
            acc += (xv - qp.x_zero_point) * (wv - w_zp);
          }
        }
        QuantEpilogueStoreRef(e, WrapToInt32(acc), c, y_pixel, c);
      }
    }
  }
}

int64_t qdwconv_nhwc_avx2_packed_size(const DwConvParams& p) {
  return TapsSize(p) + 2 * PaddedChannels(p.channels);
}

void qdwconv_nhwc_avx2_pack(const DwConvParams& p, const QWeights& w, int16_t* packed) {
  const int64_t kh = p.kernel_h, kw = p.kernel_w, Cp = PaddedChannels(p.channels);
  std::fill(packed, packed + qdwconv_nhwc_avx2_packed_size(p), int16_t{0});
  int16_t* sums = packed + TapsSize(p);
  for (int64_t c = 0; c < p.channels; ++c) {
    const int32_t zp = w.ZeroPoint(c);
    int32_t sum = 0;
    for (int64_t ky = 0; ky < kh; ++ky) {
      for (int64_t kx = 0; kx < kw; ++kx) {
        const int32_t v = LoadQ(w.data, w.type, (c * kh + ky) * kw + kx) - zp;
        packed[(((ky / 2) * kw + kx) * Cp + c) * 2 + ky % 2] = static_cast<int16_t>(v);
        sum += v;
      }
    }
    std::memcpy(sums + 2 * c, &sum, sizeof(sum));
  }
}

}  // namespace finch::kernels
