// The VNNI int8 depthwise convolution (kernels/int8/avx512vnni/qdwconv_vnni.cc) against the
// scalar reference, BIT FOR BIT: the packing's lane order (hand-checked) and its refusal of
// weights whose w − w_zp leaves int8; a sweep over H in 1..9, W in 1..13 (blocks of 4 pixels
// ± 1), C in {32, 33, 40, 47, 48, 63, 64, 65, 96, 144} (32-channel blocks ± 1, the overlapped
// last block), 3×3/5×5, strides 1/2, pads 0/1/2 (asymmetric too), batch 2, both input types,
// symmetric int8 weights, uint8 weights with zero point 128 and int8 weights with small
// per-channel zero points, uint8/int8 outputs with a fused clamp; requantization multipliers
// small (the kernel skips the float clamp), huge (it must clamp) and NaN; row bands split at
// every row; and the worst case (activations and weights at the ends of their ranges).
// Every buffer the kernel reads or writes ends against a PROT_NONE page; y is pre-filled with a
// sentinel that must survive outside the written rows.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/int8/qdwconv.h"
#include "tests/kernels/int8_test_util.h"

namespace finch::kernels {
namespace {

bool HaveVnni() {
  const CpuFeatures& f = GetCpuFeatures();
  return f.avx2 && f.fma && f.avx512vl && f.avx512bw && f.avx512_vnni;
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

TEST(QDwConvVnni, AppliesFrom32Channels) {
  EXPECT_FALSE(qdwconv_nhwc_vnni_applies(Geometry(1, 31, 5, 5, 3, 1, 1, 1, 1, 1)));
  EXPECT_TRUE(qdwconv_nhwc_vnni_applies(Geometry(1, 32, 5, 5, 3, 1, 1, 1, 1, 1)));
  EXPECT_TRUE(qdwconv_nhwc_vnni_applies(Geometry(1, 33, 5, 5, 5, 2, 2, 2, 2, 2)));
  EXPECT_FALSE(qdwconv_nhwc_vnni_applies(Geometry(1, 64, 5, 5, 7, 1, 3, 3, 3, 3)));
}

TEST(QDwConvVnni, PackLayoutHandChecked) {
  // C = 40: blocks start at 0 and 8 (the last 32 channels). 3×3, int8 weights
  // w[c][ky][kx] = (c + 10ky + kx) mod 100 − 50, zero point c % 3 per channel.
  const DwConvParams p = Geometry(1, 40, 4, 4, 3, 1, 1, 1, 1, 1);
  const int64_t block_bytes = 3 * 128 + 128;  // one group of 4 rows × 3 columns, then Σw'
  ASSERT_EQ(qdwconv_nhwc_vnni_packed_bytes(p), 2 * block_bytes + 4 * 40);
  std::vector<int8_t> w(40 * 9);
  std::vector<int32_t> zp(40);
  auto wv = [](int c, int ky, int kx) { return (c + 10 * ky + kx) % 100 - 50; };
  for (int c = 0; c < 40; ++c) {
    zp[c] = c % 3;
    for (int t = 0; t < 9; ++t) w[c * 9 + t] = static_cast<int8_t>(wv(c, t / 3, t % 3));
  }
  Guarded<uint8_t> packed(qdwconv_nhwc_vnni_packed_bytes(p));
  packed.FillBytes(0xAB);
  ASSERT_TRUE(qdwconv_nhwc_vnni_pack(p, {w.data(), QType::kInt8, zp.data(), true}, packed.data()));
  for (int b = 0; b < 2; ++b) {
    const int c0 = b == 0 ? 0 : 8;
    const uint8_t* block = packed.data() + b * block_bytes;
    for (int u = 0; u < 4; ++u) {
      for (int l = 0; l < 8; ++l) {
        const int c = c0 + 4 * u + l % 4 + 16 * (l / 4);
        int32_t sum = 0;
        for (int kx = 0; kx < 3; ++kx) {
          const auto* q = reinterpret_cast<const int8_t*>(block + (kx * 4 + u) * 32 + 4 * l);
          for (int ky = 0; ky < 3; ++ky) {
            EXPECT_EQ(q[ky], wv(c, ky, kx) - c % 3) << "block " << b << " c " << c;
            sum += wv(c, ky, kx) - c % 3;
          }
          EXPECT_EQ(q[3], 0) << "the fourth row of the group is zero";
        }
        int32_t stored;
        std::memcpy(&stored, block + 3 * 128 + 4 * (8 * u + l), 4);
        EXPECT_EQ(stored, sum) << "block " << b << " c " << c;
      }
    }
  }
  for (int c = 0; c < 40; ++c) {
    int32_t abs_sum = 0, stored;
    for (int t = 0; t < 9; ++t) abs_sum += std::abs(wv(c, t / 3, t % 3) - c % 3);
    std::memcpy(&stored, packed.data() + 2 * block_bytes + 4 * c, 4);
    EXPECT_EQ(stored, abs_sum) << c;
  }
}

TEST(QDwConvVnni, PackRefusesWeightsOutsideInt8) {
  const DwConvParams p = Geometry(1, 32, 4, 4, 3, 1, 1, 1, 1, 1);
  std::vector<uint8_t> w(32 * 9, 0), packed(qdwconv_nhwc_vnni_packed_bytes(p));
  w[5 * 9 + 4] = 128;  // uint8 128 − 0 leaves int8
  EXPECT_FALSE(qdwconv_nhwc_vnni_pack(p, {w.data(), QType::kUint8, nullptr, false}, packed.data()));
  const int32_t zp = 1;  // 128 − 1 fits, and 0 − 1 too
  EXPECT_TRUE(qdwconv_nhwc_vnni_pack(p, {w.data(), QType::kUint8, &zp, false}, packed.data()));
  std::vector<int8_t> s(32 * 9, -128);
  const int32_t zp2 = 1;  // −128 − 1 leaves int8
  EXPECT_FALSE(qdwconv_nhwc_vnni_pack(p, {s.data(), QType::kInt8, &zp2, false}, packed.data()));
  EXPECT_FALSE(qdwconv_nhwc_vnni_pack(Geometry(1, 31, 4, 4, 3, 1, 1, 1, 1, 1),
                                      {s.data(), QType::kInt8, nullptr, false}, packed.data()));
}

// Weights whose w − w_zp fit int8, three ways.
enum class WeightKind { kSymmetricInt8, kUint8Zp128, kInt8SmallZp };
// Requantization multipliers: small (no float clamp needed), huge (saturating), NaN.
enum class ScaleKind { kSmall, kHuge, kNaN };

struct Case {
  int64_t batch, C, H, W, k, s, pt, pl, pb, pr;
  QType x_type;
  WeightKind weights;
  QOutType out;
  ScaleKind scales;
  bool per_channel, bias;
  uint32_t seed;

  std::string Describe() const {
    std::ostringstream o;
    o << "seed=" << seed << " N=" << batch << " C=" << C << " H=" << H << " W=" << W << " k=" << k
      << " s=" << s << " pads(t,l,b,r)=" << pt << "," << pl << "," << pb << "," << pr
      << " x=" << (x_type == QType::kUint8 ? "u8" : "s8")
      << " weights=" << static_cast<int>(weights) << " out=" << static_cast<int>(out)
      << " scales=" << static_cast<int>(scales) << " per_channel=" << per_channel
      << " bias=" << bias;
    return o.str();
  }
};

// Reference vs VNNI (whole, or as two row bands split at `split`); false on a mismatch.
bool RunCase(const Case& c, int64_t split = -1) {
  QDwConvParams p;
  p.conv = Geometry(c.batch, c.C, c.H, c.W, c.k, c.s, c.pt, c.pl, c.pb, c.pr);
  if (p.conv.out_h <= 0 || p.conv.out_w <= 0) return true;
  std::mt19937 rng(c.seed);
  p.x_type = c.x_type;
  p.x_zero_point = std::uniform_int_distribution<int>(QTypeMin(c.x_type), QTypeMax(c.x_type))(rng);
  Guarded<uint8_t> x(c.batch * c.H * c.W * c.C), w(c.C * c.k * c.k);
  std::uniform_int_distribution<int> xd(QTypeMin(c.x_type), QTypeMax(c.x_type));
  for (int64_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint8_t>(xd(rng));
  Guarded<int32_t> zp(c.per_channel ? c.C : 1), bias(c.C);
  QWeights qw{w.data(), QType::kInt8, zp.data(), c.per_channel};
  if (c.weights == WeightKind::kUint8Zp128) qw.type = QType::kUint8;
  for (int64_t i = 0; i < zp.size(); ++i) {
    zp[i] = c.weights == WeightKind::kUint8Zp128    ? 128
            : c.weights == WeightKind::kInt8SmallZp ? static_cast<int>(rng() % 11) - 5
                                                    : 0;
  }
  for (int64_t i = 0; i < w.size(); ++i) {
    const int64_t ch = i / (c.k * c.k);
    const int32_t z = zp[c.per_channel ? ch : 0];
    // w' = w − zp uniform over [−128, 127] where w stays in its type's range.
    const int32_t lo = qw.type == QType::kUint8 ? -128 : std::max(-128, -128 - z);
    const int32_t hi = qw.type == QType::kUint8 ? 127 : std::min(127, 127 - z);
    const int32_t wp = std::uniform_int_distribution<int>(lo, hi)(rng);
    w[i] = static_cast<uint8_t>(wp + z);
  }
  for (int64_t i = 0; i < bias.size(); ++i) bias[i] = static_cast<int32_t>(rng() % 40001) - 20000;
  Guarded<float> scale(c.per_channel ? c.C : 1);
  std::uniform_real_distribution<float> small(0.0005f, 0.01f), huge(1e3f, 1e6f);
  for (int64_t i = 0; i < scale.size(); ++i) {
    scale[i] = c.scales == ScaleKind::kSmall ? small(rng)
               : c.scales == ScaleKind::kHuge
                   ? (rng() % 2 ? huge(rng) : small(rng))
                   : (i % 2 ? std::numeric_limits<float>::quiet_NaN() : small(rng));
  }
  Guarded<uint8_t> packed(qdwconv_nhwc_vnni_packed_bytes(p.conv));
  if (!qdwconv_nhwc_vnni_pack(p.conv, qw, packed.data())) {
    ADD_FAILURE() << "pack refused | " << c.Describe();
    return false;
  }
  const QType yt = c.out == QOutType::kUint8 ? QType::kUint8 : QType::kInt8;
  QuantEpilogue e =
      QuantEpilogue::Quantized(yt, scale.data(), c.per_channel,
                               std::uniform_int_distribution<int>(QTypeMin(yt), QTypeMax(yt))(rng),
                               c.bias ? bias.data() : nullptr);
  if (c.seed % 3 == 0) {  // a fused clamp: ReLU6-like range around the zero point
    e.qmin = e.zero_point;
    e.qmax = std::min(QTypeMax(yt), e.zero_point + 60);
  }

  const int64_t rows = c.batch * p.conv.out_h, elems = rows * p.conv.out_w * c.C;
  Guarded<uint8_t> want(elems), got(elems);
  want.FillBytes(0xE7);
  got.FillBytes(0xE7);
  qdwconv_nhwc_ref(p, x.data(), qw, want.data(), e, 0, rows);
  if (split < 0) {
    qdwconv_nhwc_vnni(p, x.data(), packed.data(), got.data(), e, 0, rows);
  } else {
    qdwconv_nhwc_vnni(p, x.data(), packed.data(), got.data(), e, 0, split);
    qdwconv_nhwc_vnni(p, x.data(), packed.data(), got.data(), e, split, rows);
  }
  for (int64_t i = 0; i < elems; ++i) {
    if (want[i] != got[i]) {
      const int64_t pix = i / c.C;
      ADD_FAILURE() << "qdwconv_nhwc_vnni differs at pixel " << pix << " (oy "
                    << (pix / p.conv.out_w) % p.conv.out_h << ", ox " << pix % p.conv.out_w
                    << ") channel " << i % c.C << ": want " << int{want[i]} << " got "
                    << int{got[i]} << " split=" << split << " | " << c.Describe();
      return false;
    }
  }
  return true;
}

constexpr WeightKind kWeightKinds[] = {WeightKind::kSymmetricInt8, WeightKind::kUint8Zp128,
                                       WeightKind::kInt8SmallZp};

TEST(QDwConvVnni, MatchesReferenceSweep) {
  if (!HaveVnni()) GTEST_SKIP() << "no AVX-512 VL/BW + VNNI: " << GetCpuFeatures().Summary();
  uint32_t seed = 1;
  int ran = 0;
  for (int64_t k : {3, 5}) {
    for (int64_t s : {1, 2}) {
      for (int64_t H : {1, 2, 3, 5, 9}) {
        for (int64_t W : {1, 3, 4, 5, 7, 8, 9, 13}) {
          for (int64_t C : {32, 33, 40, 47, 48, 63, 64, 65, 96, 144}) {
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
                         kWeightKinds[seed % 3],
                         seed % 5 < 3 ? QOutType::kUint8 : QOutType::kInt8,
                         seed % 13 == 0 ? ScaleKind::kHuge : ScaleKind::kSmall,
                         seed % 3 != 1,
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
  EXPECT_EQ(ran, 2 * 2 * 5 * 8 * 10);
}

TEST(QDwConvVnni, HugeAndNaNMultipliers) {
  if (!HaveVnni()) GTEST_SKIP() << "no AVX-512 VL/BW + VNNI: " << GetCpuFeatures().Summary();
  uint32_t seed = 5000;
  for (ScaleKind sk : {ScaleKind::kHuge, ScaleKind::kNaN}) {
    for (int64_t k : {3, 5}) {
      for (QOutType out : {QOutType::kUint8, QOutType::kInt8}) {
        for (bool per_channel : {true, false}) {
          const Case c{1,
                       40,
                       7,
                       9,
                       k,
                       2,
                       k / 2,
                       k / 2,
                       k / 2,
                       k / 2,
                       QType::kUint8,
                       WeightKind::kSymmetricInt8,
                       out,
                       sk,
                       per_channel,
                       true,
                       seed++};
          if (!RunCase(c)) return;
        }
      }
    }
  }
}

TEST(QDwConvVnni, RowBandsEqualTheWholeRun) {
  if (!HaveVnni()) GTEST_SKIP() << "no AVX-512 VL/BW + VNNI: " << GetCpuFeatures().Summary();
  uint32_t seed = 7000;
  for (int64_t k : {3, 5}) {
    for (int64_t s : {1, 2}) {
      const Case c{2,
                   48,
                   9,
                   10,
                   k,
                   s,
                   k / 2,
                   k / 2,
                   k / 2,
                   k / 2,
                   QType::kUint8,
                   WeightKind::kSymmetricInt8,
                   QOutType::kUint8,
                   ScaleKind::kSmall,
                   true,
                   true,
                   seed++};
      const int64_t rows = 2 * DwConvOutSize(9, k, s, k / 2, k / 2);
      for (int64_t split = 0; split <= rows; ++split) {
        if (!RunCase(c, split)) return;
      }
    }
  }
}

// Activations and weights at the ends of their ranges, zero points at the other ends (of what
// the VNNI packing accepts: w − w_zp ∈ [−128, 127]): the largest products the kernel can see.
TEST(QDwConvVnni, WorstCaseExtremesMatchTheReference) {
  if (!HaveVnni()) GTEST_SKIP() << "no AVX-512 VL/BW + VNNI: " << GetCpuFeatures().Summary();
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
                        {QType::kUint8, 0, 128},
                        {QType::kUint8, 255, 128}};
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
          Guarded<uint8_t> packed(qdwconv_nhwc_vnni_packed_bytes(g));
          ASSERT_TRUE(qdwconv_nhwc_vnni_pack(g, qw, packed.data()));
          // Multipliers that map the extreme sums (up to 25·255·128) across the output range.
          for (float mult : {1.f / 8000.f, 1.f / 40000.f, 1.f / 800000.f}) {
            const QuantEpilogue e =
                QuantEpilogue::Quantized(QType::kUint8, &mult, false, 128, nullptr);
            const int64_t n = g.out_h * g.out_w * g.channels;
            Guarded<uint8_t> want(n), got(n);
            qdwconv_nhwc_ref(p, x.data(), qw, want.data(), e, 0, g.out_h);
            qdwconv_nhwc_vnni(p, x.data(), packed.data(), got.data(), e, 0, g.out_h);
            for (int64_t i = 0; i < n; ++i) {
              ASSERT_EQ(got[i], want[i]) << "k=" << k << " s=" << s << " x=" << xo.value
                                         << " w=" << wo.value << " mult=" << mult << " at " << i;
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace finch::kernels
