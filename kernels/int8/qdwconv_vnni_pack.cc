// The weight packing of the VNNI int8 depthwise kernel (layout in qdwconv.h).
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/int8/qdwconv.h"

namespace finch::kernels {
namespace {

constexpr int64_t kBlockC = 32;

int64_t Blocks(int64_t c) { return (c + kBlockC - 1) / kBlockC; }
int64_t Groups(int64_t kh) { return (kh + 3) / 4; }

// Bytes of one block: taps (groups · kw · 128), then Σw' (128).
int64_t BlockBytes(const DwConvParams& p) { return Groups(p.kernel_h) * p.kernel_w * 128 + 128; }

}  // namespace

bool qdwconv_nhwc_vnni_applies(const DwConvParams& p) {
  return qdwconv_nhwc_avx2_applies(p) && p.channels >= kBlockC;
}

int64_t qdwconv_nhwc_vnni_packed_bytes(const DwConvParams& p) {
  return Blocks(p.channels) * BlockBytes(p) + 4 * p.channels;
}

bool qdwconv_nhwc_vnni_pack(const DwConvParams& p, const QWeights& w, uint8_t* packed) {
  const int64_t C = p.channels, kh = p.kernel_h, kw = p.kernel_w, blocks = Blocks(C);
  if (C < kBlockC) return false;
  std::memset(packed, 0, static_cast<size_t>(qdwconv_nhwc_vnni_packed_bytes(p)));
  auto weight = [&](int64_t c, int64_t ky, int64_t kx) {
    return LoadQ(w.data, w.type, (c * kh + ky) * kw + kx) - w.ZeroPoint(c);
  };
  auto* abs_sum = reinterpret_cast<int32_t*>(packed + blocks * BlockBytes(p));
  for (int64_t c = 0; c < C; ++c) {
    int32_t s = 0;
    for (int64_t t = 0; t < kh * kw; ++t) {
      const int32_t v = weight(c, t / kw, t % kw);
      if (v < -128 || v > 127) return false;
      s += v < 0 ? -v : v;
    }
    abs_sum[c] = s;
  }
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t c0 = std::min(b * kBlockC, C - kBlockC);
    uint8_t* block = packed + b * BlockBytes(p);
    auto* sums = reinterpret_cast<int32_t*>(block + Groups(kh) * kw * 128);
    for (int u = 0; u < 4; ++u) {
      for (int l = 0; l < 8; ++l) {
        const int64_t c = c0 + 4 * u + (l % 4) + 16 * (l / 4);
        int32_t sum = 0;
        for (int64_t g = 0; g < Groups(kh); ++g) {
          for (int64_t kx = 0; kx < kw; ++kx) {
            uint8_t* dst = block + ((g * kw + kx) * 4 + u) * 32 + 4 * l;
            for (int64_t i = 0; i < 4 && 4 * g + i < kh; ++i) {
              const int32_t v = weight(c, 4 * g + i, kx);
              dst[i] = static_cast<uint8_t>(static_cast<int8_t>(v));
              sum += v;
            }
          }
        }
        sums[8 * u + l] = sum;
      }
    }
  }
  return true;
}

}  // namespace finch::kernels
