// The AVX2 quantized elementwise kernels against their references, bit for bit: every length
// around the 8-wide step, uint8 and int8, values that make exact .5 ties, saturation at both
// ends, NaN and infinities, a guard page after every buffer; DequantizeLinear over every byte
// value and zero point extremes. And QLinearGlobalAveragePool in
// both layouts: channel counts around the 16-wide step, images around the 32-byte step and past
// the 128 pixels of an int16 partial sum, extreme inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/quant/avx2/dequantize_linear_avx2.h"
#include "kernels/quant/avx2/qlinear_add_avx2.h"
#include "kernels/quant/avx2/qlinear_pool_avx2.h"
#include "kernels/quant/avx2/quantize_linear_avx2.h"
#include "kernels/quant/quantize_ref.h"
#include "runtime/cpu_features.h"
#include "tests/kernels/int8_test_util.h"

namespace finch::kernels {
namespace {

template <typename T>
void Sweep(const QLinearAddParams& q, uint32_t seed) {
  std::mt19937 rng(seed);
  for (int64_t n : {0, 1, 7, 8, 9, 15, 16, 17, 31, 64, 1001}) {
    Guarded<T> a(n), b(n), ref(n), got(n);
    std::uniform_int_distribution<int> d(std::numeric_limits<T>::min(),
                                         std::numeric_limits<T>::max());
    for (int64_t i = 0; i < n; ++i) {
      a.data()[i] = static_cast<T>(d(rng));
      b.data()[i] = static_cast<T>(d(rng));
    }
    qlinear_add_ref<T>(q, n, a.data(), 1, b.data(), 1, ref.data());
    qlinear_add_avx2<T>(q, n, a.data(), b.data(), got.data());
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(static_cast<int>(got.data()[i]), static_cast<int>(ref.data()[i]))
          << "n " << n << " i " << i << " a " << int(a.data()[i]) << " b " << int(b.data()[i]);
    }
  }
}

TEST(QLinearAddAvx2, MatchesTheReference) {
  if (!GetCpuFeatures().avx2) GTEST_SKIP() << "no AVX2";
  std::vector<QLinearAddParams> params;
  QLinearAddParams mnv2;  // like the int8 MobileNetV2's residual adds
  mnv2.a_scale = 0.1374f;
  mnv2.b_scale = 0.2011f;
  mnv2.c_scale = 0.2519f;
  mnv2.a_zp = 131;
  mnv2.b_zp = 120;
  mnv2.c_zp = 128;
  params.push_back(mnv2);
  QLinearAddParams ties;  // (a − 3)·0.5 + (b − 0)·0.5 over 1: every odd sum is a .5 tie
  ties.a_scale = ties.b_scale = 0.5f;
  ties.c_scale = 1.f;
  ties.a_zp = 3;
  params.push_back(ties);
  QLinearAddParams saturate;  // large scales push most sums past both ends
  saturate.a_scale = 3.f;
  saturate.b_scale = 2.5f;
  saturate.c_scale = 0.75f;
  saturate.c_zp = 10;
  params.push_back(saturate);
  uint32_t seed = 1;
  for (const QLinearAddParams& q : params) {
    Sweep<uint8_t>(q, seed++);
    QLinearAddParams s = q;  // int8 zero points in range
    s.a_zp = q.a_zp - 128;
    s.b_zp = q.b_zp - 128;
    s.c_zp = q.c_zp - 128;
    Sweep<int8_t>(s, seed++);
  }
}

template <typename T>
void QuantizeSweep(float scale, int32_t zero_point, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-300.f, 300.f);
  for (int64_t n : {0, 1, 7, 8, 9, 17, 64, 1001}) {
    Guarded<float> x(n);
    Guarded<T> ref(n), got(n);
    for (int64_t i = 0; i < n; ++i) {
      // Every fourth value an exact tie (k + 0.5)·scale; a few specials.
      x.data()[i] = i % 4 == 0 ? (std::round(d(rng)) + 0.5f) * scale : d(rng) * scale;
      if (i % 97 == 5) x.data()[i] = NAN;
      if (i % 97 == 6) x.data()[i] = INFINITY;
      if (i % 97 == 7) x.data()[i] = -INFINITY;
    }
    const T zp = static_cast<T>(zero_point);
    QuantAxisParams p;
    p.inner = n;
    quantize_linear_ref<float, T>(p, x.data(), &scale, &zp, ref.data());
    quantize_linear_f32_avx2<T>(n, x.data(), scale, zero_point, got.data());
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(static_cast<int>(got.data()[i]), static_cast<int>(ref.data()[i]))
          << "n " << n << " i " << i << " x " << x.data()[i];
    }
  }
}

TEST(QuantizeLinearAvx2, MatchesTheReference) {
  if (!GetCpuFeatures().avx2) GTEST_SKIP() << "no AVX2";
  QuantizeSweep<uint8_t>(0.0186f, 114, 1);  // the int8 MobileNetV2's input quantization
  QuantizeSweep<uint8_t>(1.f, 0, 2);        // integer ties
  QuantizeSweep<int8_t>(0.5f, -3, 3);
  QuantizeSweep<int8_t>(2.75f, 127, 4);
}

template <typename T>
void DequantizeSweep(float scale, int32_t zero_point) {
  for (int64_t n : {0, 1, 7, 8, 9, 17, 256, 1001}) {
    Guarded<T> x(n);
    Guarded<float> ref(n), got(n);
    for (int64_t i = 0; i < n; ++i) x.data()[i] = static_cast<T>(i * 37 + 11);  // every byte
    const T zp = static_cast<T>(zero_point);
    QuantAxisParams p;
    p.inner = n;
    dequantize_linear_ref<T>(p, x.data(), &scale, &zp, ref.data());
    dequantize_linear_8bit_avx2<T>(n, x.data(), scale, zero_point, got.data());
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(std::memcmp(&got.data()[i], &ref.data()[i], sizeof(float)), 0)
          << "n " << n << " i " << i << " x " << int(x.data()[i]) << " got " << got.data()[i]
          << " want " << ref.data()[i];
    }
  }
}

TEST(DequantizeLinearAvx2, MatchesTheReference) {
  if (!GetCpuFeatures().avx2) GTEST_SKIP() << "no AVX2";
  DequantizeSweep<uint8_t>(0.0186f, 114);
  DequantizeSweep<uint8_t>(0.1f, 0);
  DequantizeSweep<uint8_t>(3.3e-5f, 255);
  DequantizeSweep<int8_t>(0.5f, -128);
  DequantizeSweep<int8_t>(1.7f, 127);
  DequantizeSweep<int8_t>(INFINITY, 0);  // inf·0 = NaN where x = zp, ±inf elsewhere
}

constexpr int kRandom = 1000;  // PoolCase's fill: random values

template <typename T>
void PoolCase(QLinearPoolParams p, uint32_t seed, int fill) {
  std::mt19937 rng(seed);
  const int64_t n = p.batch * p.channels * p.image;
  Guarded<T> x(n), ref(p.batch * p.channels), got(p.batch * p.channels);
  std::uniform_int_distribution<int> d(std::numeric_limits<T>::min(),
                                       std::numeric_limits<T>::max());
  for (int64_t i = 0; i < n; ++i) x.data()[i] = static_cast<T>(fill == kRandom ? d(rng) : fill);
  ASSERT_TRUE(qlinear_global_average_pool_avx2_applies(p));
  qlinear_global_average_pool_ref<T>(p, x.data(), ref.data());
  qlinear_global_average_pool_avx2<T>(p, x.data(), got.data());
  for (int64_t i = 0; i < p.batch * p.channels; ++i) {
    ASSERT_EQ(static_cast<int>(got.data()[i]), static_cast<int>(ref.data()[i]))
        << "C " << p.channels << " image " << p.image << " batch " << p.batch << " last "
        << p.channels_last << " fill " << fill << " at " << i;
  }
}

TEST(QLinearGlobalAveragePoolAvx2, MatchesTheReference) {
  if (!GetCpuFeatures().avx2) GTEST_SKIP() << "no AVX2";
  uint32_t seed = 1;
  for (bool last : {true, false}) {
    for (int64_t C : {1, 15, 16, 17, 33, 1280}) {
      for (int64_t image : {1, 31, 32, 33, 49, 127, 128, 129, 300}) {
        QLinearPoolParams p;
        p.batch = seed % 5 == 0 ? 2 : 1;
        p.channels = C;
        p.image = image;
        p.channels_last = last;
        p.x_scale = 0.0236f;
        p.y_scale = 0.0117f;
        p.x_zp = 3;
        p.y_zp = 250;
        PoolCase<uint8_t>(p, seed++, kRandom);
        // Extremes: all 255 against zero point 0 saturates, all 0 against 255 too.
        p.x_zp = 0;
        PoolCase<uint8_t>(p, seed++, 255);
        p.x_zp = 255;
        p.y_zp = 0;
        PoolCase<uint8_t>(p, seed++, 0);
        // int8, the multiplier giving exact .5 ties (scale ratio 1 over an even image).
        p.x_scale = 1.f;
        p.y_scale = 1.f / static_cast<float>(image) * 2.f;
        p.x_zp = -128;
        p.y_zp = -5;
        PoolCase<int8_t>(p, seed++, kRandom);
        p.x_zp = 127;
        PoolCase<int8_t>(p, seed++, -128);
      }
    }
  }
}

}  // namespace
}  // namespace finch::kernels
