#include "kernels/quant/avx2/qlinear_pool_avx2.h"

#include <immintrin.h>

#include <algorithm>
#include <type_traits>

#include "kernels/quant/avx2/quantize8_avx2.h"
#include "kernels/quant/quant_math.h"

namespace finch::kernels {
namespace {

constexpr int64_t kInt16Pixels = 128;  // 128 · 255 = 32640 ≤ INT16_MAX

template <typename T>
__m256i Widen16(__m128i v) {
  return std::is_same_v<T, uint8_t> ? _mm256_cvtepu8_epi16(v) : _mm256_cvtepi8_epi16(v);
}

// Σ_hw x[n, hw, c] for 16 channels from c, as int32 (channels 0–7 in s[0], 8–15 in s[1]).
template <typename T>
void SumChannels16(const T* x, int64_t image, int64_t C, __m256i* s) {
  s[0] = s[1] = _mm256_setzero_si256();
  for (int64_t i0 = 0; i0 < image; i0 += kInt16Pixels) {
    const int64_t i1 = std::min(image, i0 + kInt16Pixels);
    __m256i part = _mm256_setzero_si256();
    for (int64_t i = i0; i < i1; ++i) {
      part = _mm256_add_epi16(
          part, Widen16<T>(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i * C))));
    }
    s[0] = _mm256_add_epi32(s[0], _mm256_cvtepi16_epi32(_mm256_castsi256_si128(part)));
    s[1] = _mm256_add_epi32(s[1], _mm256_cvtepi16_epi32(_mm256_extracti128_si256(part, 1)));
  }
}

// Σ_hw x[hw] over one contiguous plane, exact.
template <typename T>
int64_t SumPlane(const T* x, int64_t image) {
  const auto* b = reinterpret_cast<const uint8_t*>(x);
  // int8: x + 128 is the byte with its sign bit flipped; vpsadbw against 0 sums bytes.
  const __m256i flip = _mm256_set1_epi8(std::is_same_v<T, uint8_t> ? 0 : static_cast<char>(0x80));
  __m256i acc = _mm256_setzero_si256();
  int64_t i = 0;
  for (; i + 32 <= image; i += 32) {
    const __m256i v =
        _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i)), flip);
    acc = _mm256_add_epi64(acc, _mm256_sad_epu8(v, _mm256_setzero_si256()));
  }
  alignas(32) int64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), acc);
  int64_t sum = lanes[0] + lanes[1] + lanes[2] + lanes[3];
  if (!std::is_same_v<T, uint8_t>) sum -= 128 * i;
  for (; i < image; ++i) sum += x[i];
  return sum;
}

}  // namespace

bool qlinear_global_average_pool_avx2_applies(const QLinearPoolParams& p) {
  return p.batch > 0 && p.channels > 0 && p.image > 0 && p.image < (int64_t{1} << 31) / 255;
}

template <typename T>
void qlinear_global_average_pool_avx2(const QLinearPoolParams& p, const T* x, T* y) {
  // The reference's multiplier, same expression and order.
  const float multiplier = p.x_scale / (p.y_scale * static_cast<float>(p.image));
  const int64_t C = p.channels, HW = p.image;
  // Σ(x − zp) = Σx − HW·zp: exact in int32 (|Σ(x − zp)| ≤ 255·HW < 2^31, and so is every part).
  const int32_t zp_total = static_cast<int32_t>(HW * p.x_zp);
  for (int64_t n = 0; n < p.batch; ++n) {
    const T* xn = x + n * C * HW;
    T* yn = y + n * C;
    if (!p.channels_last) {
      for (int64_t c = 0; c < C; ++c) {
        yn[c] = Requantize<T>(SumPlane(xn + c * HW, HW) - zp_total, multiplier, p.y_zp);
      }
      continue;
    }
    const __m256 m = _mm256_set1_ps(multiplier);
    const __m256 zp = _mm256_set1_ps(static_cast<float>(p.y_zp));
    const __m256i total = _mm256_set1_epi32(zp_total);
    int64_t c = 0;
    for (; c + 16 <= C; c += 16) {
      __m256i s[2];
      SumChannels16(xn + c, HW, C, s);
      for (int h = 0; h < 2; ++h) {
        const __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(s[h], total)), m);
        StoreQuantized8(yn + c + 8 * h, v, zp);
      }
    }
    for (; c < C; ++c) {  // the last C mod 16 channels
      int64_t sum = 0;
      for (int64_t i = 0; i < HW; ++i) sum += xn[i * C + c];
      yn[c] = Requantize<T>(sum - zp_total, multiplier, p.y_zp);
    }
  }
}

template void qlinear_global_average_pool_avx2<uint8_t>(const QLinearPoolParams&, const uint8_t*,
                                                        uint8_t*);
template void qlinear_global_average_pool_avx2<int8_t>(const QLinearPoolParams&, const int8_t*,
                                                       int8_t*);

}  // namespace finch::kernels
