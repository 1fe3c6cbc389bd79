// The int8 NHWC depthwise convolution (kernels/int8/qdwconv.h): the reference on hand-checked
// values (padding contributes 0 for any x_zp; per-channel weight zero points), the packing
// layout, the worst case (activations and weights at the ends of their ranges: int32 results
// equal the exact count of valid taps × a'·w'), and the AVX2 kernel against the reference BIT
// FOR BIT over H, W in 1..9, C in {1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 48} (16-channel blocks
// ± 1, the overlapped last block, C < 16), 3×3/5×5, strides 1/2, pads 0/1/2 (asymmetric too),
// batch 2, both input types, every output type, and row bands split at every row.
// Every buffer a kernel reads or writes ends against a PROT_NONE page; y is pre-filled with a
// sentinel that must survive outside the written rows.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/int8/qdwconv.h"
#include "tests/kernels/int8_test_util.h"

namespace finch::kernels {
namespace {

void FillQ(std::mt19937& rng, QType t, uint8_t* p, int64_t n) {
  std::uniform_int_distribution<int> d(QTypeMin(t), QTypeMax(t));
  for (int64_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(d(rng));
}

DwConvParams Geometry(int64_t batch, int64_t C, int64_t H, int64_t W, int64_t k, int64_t s,
                      int64_t pt, int64_t pl, int64_t pb, int64_t pr) {
  DwConvParams p;
  p.batch = batch;
  p.channels = C;
  p.in_h = H;
  p.in_w = W;
  p.kernel_h = p.kernel_w = k;
  p.stride_h = p.stride_w = s;
  p.pad_top = pt;
  p.pad_left = pl;
  p.out_h = DwConvOutSize(H, k, s, pt, pb);
  p.out_w = DwConvOutSize(W, k, s, pl, pr);
  return p;
}

TEST(QDwConv, ReferenceHandChecked) {
  // One channel, 3×3 input (uint8, zp 10), 3×3 kernel (int8, zp 1), pad 1, stride 1:
  // x' = [[1, 2, 3], [4, 5, 6], [7, 8, 9]] (x = x' + 10), w' = [[1, 0, −1], [2, 0, −2],
  // [1, 0, −1]] (w = w' + 1), a Sobel-x. With D(r, ox) = x'(r, ox − 1) − x'(r, ox + 1) (0
  // outside): D = [[−2, −2, 2], [−5, −2, 5], [−8, −2, 8]] and y'(oy, ·) = Σ_ky [1, 2, 1][ky]·
  // D(oy − 1 + ky, ·): [−9, −6, 9], [−20, −8, 20], [−21, −6, 21]. Padded taps contribute 0
  // although x_zp ≠ 0.
  const uint8_t x[] = {11, 12, 13, 14, 15, 16, 17, 18, 19};
  const int8_t w[] = {2, 1, 0, 3, 1, -1, 2, 1, 0};
  const int32_t wzp = 1;
  QDwConvParams p;
  p.conv = Geometry(1, 1, 3, 3, 3, 1, 1, 1, 1, 1);
  p.x_type = QType::kUint8;
  p.x_zero_point = 10;
  std::vector<int32_t> y(9, 0);
  qdwconv_nhwc_ref(p, x, {w, QType::kInt8, &wzp, false}, y.data(), QuantEpilogue::Int32(nullptr), 0,
                   3);
  EXPECT_EQ(y, (std::vector<int32_t>{-9, -6, 9, -20, -8, 20, -21, -6, 21}));
  // x_zp 0: x counts fully (rows [11, 12, 13], ...), padded taps still contribute 0:
  // y(0, 0) = 2·(0 − 12) + (0 − 15) = −39.
  p.x_zero_point = 0;
  qdwconv_nhwc_ref(p, x, {w, QType::kInt8, &wzp, false}, y.data(), QuantEpilogue::Int32(nullptr), 0,
                   1);
  EXPECT_EQ(y[0], -39);
  // Stride 2, no padding on a 3×3 input: one output, the centre: y' = −8 (zp back at 10).
  p.x_zero_point = 10;
  p.conv = Geometry(1, 1, 3, 3, 3, 2, 0, 0, 0, 0);
  ASSERT_EQ(p.conv.out_h, 1);
  qdwconv_nhwc_ref(p, x, {w, QType::kInt8, &wzp, false}, y.data(), QuantEpilogue::Int32(nullptr), 0,
                   1);
  EXPECT_EQ(y[0], -8);
}

TEST(QDwConv, ReferencePerChannelZeroPointsAndBias) {
  // Two channels, 1×1 input, 3×3 kernel, pad 1: only the centre tap is valid.
  // x (int8, zp −5) = [10, −20] → x' = [15, −15]; centre weights (uint8) [200, 3] with
  // zp [100, 5] → w' = [100, −2]; bias [7, −7]: y = [1507, 23].
  const int8_t x[] = {10, -20};
  uint8_t w[18] = {};
  w[4] = 200;
  w[9 + 4] = 3;
  const int32_t wzp[] = {100, 5}, bias[] = {7, -7};
  QDwConvParams p;
  p.conv = Geometry(1, 2, 1, 1, 3, 1, 1, 1, 1, 1);
  p.x_type = QType::kInt8;
  p.x_zero_point = -5;
  int32_t y[2];
  const QWeights qw{w, QType::kUint8, wzp, true};
  qdwconv_nhwc_ref(p, x, qw, y, QuantEpilogue::Int32(bias), 0, 1);
  EXPECT_EQ(y[0], 1507);
  EXPECT_EQ(y[1], 23);
  // Requantized: uint8, multiplier 0.1, zp 3: 150.7 → 151 + 3 = 154; 2.3 → 2 + 3 = 5.
  const float mult = 0.1f;
  uint8_t q[2];
  qdwconv_nhwc_ref(p, x, qw, q, QuantEpilogue::Quantized(QType::kUint8, &mult, false, 3, bias), 0,
                   1);
  EXPECT_EQ(q[0], 154);
  EXPECT_EQ(q[1], 5);
}

TEST(QDwConv, PackLayoutHandChecked) {
  // C = 17 (Cp = 32), 3×3, int8 weights w[c][ky][kx] = c + 10ky + kx − 30, zp per channel c % 4.
  const DwConvParams p = Geometry(1, 17, 4, 4, 3, 1, 1, 1, 1, 1);
  ASSERT_EQ(qdwconv_nhwc_avx2_packed_size(p), 2 * 3 * 32 * 2 + 2 * 32);  // taps, then Σw'[Cp]
  std::vector<int8_t> w(17 * 9);
  std::vector<int32_t> zp(17);
  for (int c = 0; c < 17; ++c) {
    zp[c] = c % 4;
    for (int t = 0; t < 9; ++t) w[c * 9 + t] = static_cast<int8_t>(c + 10 * (t / 3) + t % 3 - 30);
  }
  Guarded<int16_t> packed(qdwconv_nhwc_avx2_packed_size(p));
  packed.Fill(9999);
  qdwconv_nhwc_avx2_pack(p, {w.data(), QType::kInt8, zp.data(), true}, packed.data());
  auto wp = [&](int c, int ky, int kx) { return c + 10 * ky + kx - 30 - c % 4; };
  for (int c = 0; c < 32; ++c) {
    for (int kx = 0; kx < 3; ++kx) {
      // Pair 0: rows (0, 1); pair 1: (row 2, 0). Channels ≥ 17 are 0.
      const int16_t* p0 = packed.data() + ((0 * 3 + kx) * 32 + c) * 2;
      const int16_t* p1 = packed.data() + ((1 * 3 + kx) * 32 + c) * 2;
      EXPECT_EQ(p0[0], c < 17 ? wp(c, 0, kx) : 0) << c << " " << kx;
      EXPECT_EQ(p0[1], c < 17 ? wp(c, 1, kx) : 0) << c << " " << kx;
      EXPECT_EQ(p1[0], c < 17 ? wp(c, 2, kx) : 0) << c << " " << kx;
      EXPECT_EQ(p1[1], 0) << c << " " << kx;
    }
    // Σ_taps w'[c] as int32 after the taps: Σ_{ky,kx} (c + 10ky + kx − 30 − c%4)
    // = 9(c − 30 − c%4) + 3·(0 + 10 + 20) + 3·(0 + 1 + 2) = 9(c − 30 − c%4) + 99.
    int32_t sum;
    std::memcpy(&sum, packed.data() + 2 * 3 * 32 * 2 + 2 * c, sizeof(sum));
    EXPECT_EQ(sum, c < 17 ? 9 * (c - 30 - c % 4) + 99 : 0) << c;
  }
}

struct Case {
  int64_t batch, C, H, W, k, s, pt, pl, pb, pr;
  QType x_type, w_type;
  QOutType out;
  bool per_channel, bias;
  uint32_t seed;

  std::string Describe() const {
    std::ostringstream o;
    o << "seed=" << seed << " N=" << batch << " C=" << C << " H=" << H << " W=" << W << " k=" << k
      << " s=" << s << " pads(t,l,b,r)=" << pt << "," << pl << "," << pb << "," << pr
      << " x=" << (x_type == QType::kUint8 ? "u8" : "s8")
      << " w=" << (w_type == QType::kUint8 ? "u8" : "s8") << " out=" << static_cast<int>(out)
      << " per_channel=" << per_channel << " bias=" << bias;
    return o.str();
  }
};

// Reference vs AVX2 (whole, and as row bands split at `split`); returns false on a mismatch.
bool RunCase(const Case& c, int64_t split = -1) {
  QDwConvParams p;
  p.conv = Geometry(c.batch, c.C, c.H, c.W, c.k, c.s, c.pt, c.pl, c.pb, c.pr);
  if (p.conv.out_h <= 0 || p.conv.out_w <= 0) return true;
  std::mt19937 rng(c.seed);
  p.x_type = c.x_type;
  p.x_zero_point = std::uniform_int_distribution<int>(QTypeMin(c.x_type), QTypeMax(c.x_type))(rng);
  Guarded<uint8_t> x(c.batch * c.H * c.W * c.C), w(c.C * c.k * c.k);
  FillQ(rng, c.x_type, x.data(), x.size());
  FillQ(rng, c.w_type, w.data(), w.size());
  Guarded<int32_t> zp(c.per_channel ? c.C : 1), bias(c.C);
  Guarded<float> scale(c.per_channel ? c.C : 1);
  std::uniform_int_distribution<int> wz(QTypeMin(c.w_type), QTypeMax(c.w_type));
  for (int64_t i = 0; i < zp.size(); ++i) zp[i] = wz(rng);
  for (int64_t i = 0; i < bias.size(); ++i) bias[i] = static_cast<int32_t>(rng() % 40001) - 20000;
  std::uniform_real_distribution<float> sd(0.0005f, 0.01f);
  for (int64_t i = 0; i < scale.size(); ++i) scale[i] = sd(rng);
  const QWeights qw{w.data(), c.w_type, zp.data(), c.per_channel};
  Guarded<int16_t> packed(qdwconv_nhwc_avx2_packed_size(p.conv));
  qdwconv_nhwc_avx2_pack(p.conv, qw, packed.data());

  QuantEpilogue e;
  e.type = c.out;
  e.bias = c.bias ? bias.data() : nullptr;
  e.scale = scale.data();
  e.per_channel = c.per_channel;
  if (c.out == QOutType::kUint8 || c.out == QOutType::kInt8) {
    const QType yt = c.out == QOutType::kUint8 ? QType::kUint8 : QType::kInt8;
    e.zero_point = std::uniform_int_distribution<int>(QTypeMin(yt), QTypeMax(yt))(rng);
    e.qmin = c.seed % 3 == 0 ? e.zero_point : QTypeMin(yt);
    e.qmax = QTypeMax(yt);
  }
  e.act = {ActivationKind::kClip, -20.f, 20.f};

  const int64_t rows = c.batch * p.conv.out_h;
  const int64_t elems = rows * p.conv.out_w * c.C, bytes = QOutBytes(c.out);
  Guarded<uint8_t> want(elems * bytes), got(elems * bytes);
  want.FillBytes(0xE7);
  got.FillBytes(0xE7);
  qdwconv_nhwc_ref(p, x.data(), qw, want.data(), e, 0, rows);
  if (split < 0) {
    qdwconv_nhwc_avx2(p, x.data(), packed.data(), got.data(), e, 0, rows);
  } else {
    qdwconv_nhwc_avx2(p, x.data(), packed.data(), got.data(), e, 0, split);
    qdwconv_nhwc_avx2(p, x.data(), packed.data(), got.data(), e, split, rows);
  }
  for (int64_t i = 0; i < elems; ++i) {
    if (std::memcmp(want.data() + i * bytes, got.data() + i * bytes, bytes) != 0) {
      int32_t wv = 0, gv = 0;
      std::memcpy(&wv, want.data() + i * bytes, bytes);
      std::memcpy(&gv, got.data() + i * bytes, bytes);
      const int64_t ch = i % c.C, pix = i / c.C;
      ADD_FAILURE() << "qdwconv_nhwc_avx2 differs at pixel " << pix << " (oy "
                    << (pix / p.conv.out_w) % p.conv.out_h << ", ox " << pix % p.conv.out_w
                    << ") channel " << ch << ": want bits " << wv << " got " << gv
                    << " split=" << split << " | " << c.Describe();
      return false;
    }
  }
  return true;
}

constexpr QOutType kOutTypes[] = {QOutType::kUint8, QOutType::kInt8, QOutType::kInt32,
                                  QOutType::kFloat32};

TEST(QDwConv, Avx2MatchesReferenceSweep) {
  if (!HaveAvx2Fma()) GTEST_SKIP() << "CPU lacks avx2/fma: " << GetCpuFeatures().Summary();
  uint32_t seed = 1;
  int ran = 0;
  for (int64_t k : {3, 5}) {
    for (int64_t s : {1, 2}) {
      for (int64_t H : {1, 2, 3, 5, 7, 9}) {
        for (int64_t W : {1, 3, 4, 5, 7, 8, 9}) {
          for (int64_t C : {1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 48}) {
            // Pads 0, 1, 2, the same on all sides or not, one per case (rotating).
            const int64_t pad = seed % 3, pad2 = (seed / 3) % 3;
            const Case c{seed % 11 == 0 ? 2 : 1,
                         C,
                         H,
                         W,
                         k,
                         s,
                         pad,
                         pad2,
                         seed % 4 == 0 ? pad2 : pad,
                         pad,
                         seed % 2 ? QType::kUint8 : QType::kInt8,
                         seed % 5 < 3 ? QType::kInt8 : QType::kUint8,
                         kOutTypes[seed % 4],
                         seed % 3 != 0,
                         seed % 7 != 0,
                         seed};
            ++seed;
            ++ran;
            if (!RunCase(c)) return;
          }
        }
      }
    }
  }
  EXPECT_EQ(ran, 2 * 2 * 6 * 7 * 11);
}

TEST(QDwConv, Avx2EveryPaddingAndOutputType) {
  if (!HaveAvx2Fma()) GTEST_SKIP() << "CPU lacks avx2/fma: " << GetCpuFeatures().Summary();
  uint32_t seed = 9000;
  for (int64_t k : {3, 5}) {
    for (int64_t s : {1, 2}) {
      for (int64_t pt : {0, 1, 2}) {
        for (int64_t pl : {0, 1, 2}) {
          for (QOutType out : kOutTypes) {
            const Case c{2,
                         33,
                         9,
                         11,
                         k,
                         s,
                         pt,
                         pl,
                         2 - pt,
                         pl,
                         seed % 2 ? QType::kUint8 : QType::kInt8,
                         seed % 3 ? QType::kInt8 : QType::kUint8,
                         out,
                         true,
                         true,
                         seed};
            ++seed;
            if (!RunCase(c)) return;
          }
        }
      }
    }
  }
}

TEST(QDwConv, Avx2RowBandsEqualTheWholeRun) {
  if (!HaveAvx2Fma()) GTEST_SKIP() << "CPU lacks avx2/fma: " << GetCpuFeatures().Summary();
  uint32_t seed = 7000;
  for (int64_t k : {3, 5}) {
    for (int64_t s : {1, 2}) {
      const Case c{2,
                   24,
                   9,
                   10,
                   k,
                   s,
                   k / 2,
                   k / 2,
                   k / 2,
                   k / 2,
                   QType::kUint8,
                   QType::kInt8,
                   QOutType::kUint8,
                   true,
                   true,
                   seed++};
      const int64_t rows = 2 * DwConvOutSize(9, k, s, k / 2, k / 2);
      for (int64_t split = 0; split <= rows; ++split) {
        if (!RunCase(c, split)) return;
      }
    }
  }
  // Empty ranges write nothing.
  QDwConvParams p;
  p.conv = Geometry(1, 16, 3, 3, 3, 1, 1, 1, 1, 1);
  Guarded<uint8_t> y(9 * 16);
  y.Fill(42);
  qdwconv_nhwc_avx2(p, nullptr, nullptr, y.data(), QuantEpilogue::Int32(nullptr), 2, 2);
  qdwconv_nhwc_ref(p, nullptr, {}, y.data(), QuantEpilogue::Int32(nullptr), 3, 1);
  for (int64_t i = 0; i < y.size(); ++i) ASSERT_EQ(y[i], 42);
}

// Activations and weights at the ends of their ranges, zero points at the other ends: every
// valid tap contributes the same ±255·±255 or ±255·±128 product and padded taps contribute 0,
// so each output is (number of valid taps)·a'·w' exactly.
TEST(QDwConv, WorstCaseExtremesAreExact) {
  struct Operand {
    QType type;
    int value, zero_point;
  };
  const Operand kX[] = {{QType::kUint8, 255, 0},
                        {QType::kUint8, 0, 255},
                        {QType::kInt8, -128, 127},
                        {QType::kInt8, 127, -128}};
  const Operand kW[] = {{QType::kInt8, -128, 0},
                        {QType::kInt8, 127, 0},
                        {QType::kInt8, 127, -128},
                        {QType::kUint8, 0, 255},
                        {QType::kUint8, 255, 0}};
  const bool avx2 = HaveAvx2Fma();
  for (int64_t k : {3, 5}) {
    for (int64_t s : {1, 2}) {
      for (const Operand& xo : kX) {
        for (const Operand& wo : kW) {
          QDwConvParams p;
          p.conv = Geometry(1, 33, 7, 9, k, s, 2, 1, 1, 2);
          p.x_type = xo.type;
          p.x_zero_point = xo.zero_point;
          const DwConvParams& g = p.conv;
          Guarded<uint8_t> x(g.in_h * g.in_w * g.channels), w(g.channels * k * k);
          x.FillBytes(static_cast<uint8_t>(xo.value));
          w.FillBytes(static_cast<uint8_t>(wo.value));
          const int32_t wzp = wo.zero_point;
          const QWeights qw{w.data(), wo.type, &wzp, false};
          Guarded<int16_t> packed(qdwconv_nhwc_avx2_packed_size(g));
          qdwconv_nhwc_avx2_pack(g, qw, packed.data());
          const int64_t n = g.out_h * g.out_w * g.channels;
          Guarded<int32_t> y_ref(n), y_avx(n);
          qdwconv_nhwc_ref(p, x.data(), qw, y_ref.data(), QuantEpilogue::Int32(nullptr), 0,
                           g.out_h);
          if (avx2) {
            qdwconv_nhwc_avx2(p, x.data(), packed.data(), y_avx.data(),
                              QuantEpilogue::Int32(nullptr), 0, g.out_h);
          }
          const int64_t product = int64_t{xo.value - xo.zero_point} * (wo.value - wo.zero_point);
          for (int64_t oy = 0; oy < g.out_h; ++oy) {
            for (int64_t ox = 0; ox < g.out_w; ++ox) {
              int64_t taps = 0;
              for (int64_t ky = 0; ky < k; ++ky) {
                for (int64_t kx = 0; kx < k; ++kx) {
                  const int64_t iy = oy * s - g.pad_top + ky, ix = ox * s - g.pad_left + kx;
                  taps += iy >= 0 && iy < g.in_h && ix >= 0 && ix < g.in_w;
                }
              }
              for (int64_t ch = 0; ch < g.channels; ++ch) {
                const int64_t i = (oy * g.out_w + ox) * g.channels + ch;
                ASSERT_EQ(y_ref[i], taps * product) << "ref k=" << k << " s=" << s;
                if (avx2) {
                  ASSERT_EQ(y_avx[i], taps * product) << "avx2 k=" << k << " s=" << s;
                }
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace finch::kernels
