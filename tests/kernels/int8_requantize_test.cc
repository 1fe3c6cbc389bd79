// The int8 epilogue (kernels/int8/requantize.h): hand-checked rounding (ties to even, on both
// signs), saturation at both ends of uint8 and int8, the fused clamp and its quantized bounds,
// per-channel scales and bias, int32 and float outputs; then requantize_avx2 against
// requantize_ref BIT FOR BIT over random accumulators (extremes included), every output type,
// per-channel and per-tensor scales (NaN, ±inf, 0 and denormal ones too), odd widths and
// strides. Every buffer ends against a PROT_NONE page; outside the written block the output
// keeps its sentinel.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/int8/requantize.h"
#include "tests/kernels/int8_test_util.h"

namespace finch::kernels {
namespace {

using RequantizeFn = void (*)(const QuantEpilogue&, int64_t, int64_t, const int32_t*, int64_t,
                              void*, int64_t);

// The variants to check: the reference always, AVX2 when the CPU has it.
std::vector<std::pair<const char*, RequantizeFn>> Variants() {
  std::vector<std::pair<const char*, RequantizeFn>> v = {{"ref", requantize_ref}};
  if (HaveAvx2Fma()) v.push_back({"avx2", requantize_avx2});
  return v;
}

// One row of accumulators through every variant; returns each variant's output as int32 values
// (uint8/int8/int32) and checks the variants agree.
std::vector<int32_t> RunRow(const QuantEpilogue& e, const std::vector<int32_t>& acc) {
  const int64_t n = static_cast<int64_t>(acc.size());
  std::vector<int32_t> first;
  for (const auto& [name, fn] : Variants()) {
    Guarded<int32_t> a(n);
    std::copy(acc.begin(), acc.end(), a.data());
    Guarded<uint8_t> y(n * QOutBytes(e.type));
    y.FillBytes(0xA5);
    fn(e, 1, n, a.data(), n, y.data(), n);
    std::vector<int32_t> got(n);
    for (int64_t i = 0; i < n; ++i) {
      switch (e.type) {
        case QOutType::kUint8:
          got[i] = y[i];
          break;
        case QOutType::kInt8:
          got[i] = static_cast<int8_t>(y[i]);
          break;
        default:
          std::memcpy(&got[i], y.data() + 4 * i, 4);
          break;
      }
    }
    if (first.empty()) {
      first = got;
    } else {
      EXPECT_EQ(got, first) << name << " differs from ref";
    }
  }
  return first;
}

TEST(Requantize, TiesRoundToEven) {
  const float half = 0.5f;
  // acc·0.5 = k + 0.5 exactly: 0.5 → 0, 1.5 → 2, 2.5 → 2, 3.5 → 4, −0.5 → −0, −1.5 → −2,
  // −2.5 → −2, then + zero point 10.
  const std::vector<int32_t> acc = {1, 3, 5, 7, -1, -3, -5, 0, 2, 9, 11, -7};
  const QuantEpilogue u8 = QuantEpilogue::Quantized(QType::kUint8, &half, false, 10, nullptr);
  EXPECT_EQ(RunRow(u8, acc), (std::vector<int32_t>{10, 12, 12, 14, 10, 8, 8, 10, 11, 14, 16, 6}));
  const QuantEpilogue s8 = QuantEpilogue::Quantized(QType::kInt8, &half, false, -3, nullptr);
  EXPECT_EQ(RunRow(s8, acc), (std::vector<int32_t>{-3, -1, -1, 1, -3, -5, -5, -3, -2, 1, 3, -7}));
  // Ties made by the float product, which finch rounds like ORT (one float multiply, then
  // round half to even): 3·float(1/6) = 0.50000001 exactly rounds to the float 0.5 → 0; 9· → 1.5
  // → 2; 15· → 2.5 → 2. Likewise 5·0.1f = 0.5 → 0, 25·0.1f = 2.5 → 2, 35·0.1f = 3.5 → 4.
  const float sixth = 1.f / 6.f, tenth = 0.1f;
  EXPECT_EQ(RunRow(QuantEpilogue::Quantized(QType::kUint8, &sixth, false, 0, nullptr), {3, 9, 15}),
            (std::vector<int32_t>{0, 2, 2}));
  EXPECT_EQ(RunRow(QuantEpilogue::Quantized(QType::kInt8, &tenth, false, 0, nullptr),
                   {5, 25, 35, -5, -25, -35}),
            (std::vector<int32_t>{0, 2, 4, 0, -2, -4}));
}

TEST(Requantize, SaturatesAtBothEndsOfUint8AndInt8) {
  const float one = 1.f, big = 1e30f;
  const int32_t kMin = std::numeric_limits<int32_t>::min();
  const int32_t kMax = std::numeric_limits<int32_t>::max();
  const std::vector<int32_t> acc = {kMin, -1000, -129, -128, -1, 0, 126, 127, 128, 255, 256, kMax};
  EXPECT_EQ(RunRow(QuantEpilogue::Quantized(QType::kUint8, &one, false, 0, nullptr), acc),
            (std::vector<int32_t>{0, 0, 0, 0, 0, 0, 126, 127, 128, 255, 255, 255}));
  EXPECT_EQ(RunRow(QuantEpilogue::Quantized(QType::kInt8, &one, false, 0, nullptr), acc),
            (std::vector<int32_t>{-128, -128, -128, -128, -1, 0, 126, 127, 127, 127, 127, 127}));
  // With a zero point the saturation applies after adding it: uint8 zp 200: 55 → 255, 56 → 255,
  // −200 → 0, −201 → 0.
  EXPECT_EQ(RunRow(QuantEpilogue::Quantized(QType::kUint8, &one, false, 200, nullptr),
                   {54, 55, 56, -199, -200, -201}),
            (std::vector<int32_t>{254, 255, 255, 1, 0, 0}));
  EXPECT_EQ(RunRow(QuantEpilogue::Quantized(QType::kInt8, &one, false, -128, nullptr),
                   {254, 255, 256, 1, 0, -1}),
            (std::vector<int32_t>{126, 127, 127, -127, -128, -128}));
  // A product far outside int32 (1e30) still saturates (clamped before the conversion).
  EXPECT_EQ(RunRow(QuantEpilogue::Quantized(QType::kUint8, &big, false, 7, nullptr), {1, -1, 0}),
            (std::vector<int32_t>{255, 0, 7}));
}

TEST(Requantize, FusedClampAndItsQuantizedBounds) {
  int32_t qmin = 0, qmax = 0;
  // ReLU6 on y_scale 0.05, y_zp 10: [0, 6] → [10, 10 + 120] = [10, 130].
  QuantizedClampRange(0.f, 6.f, 0.05f, 10, QType::kUint8, &qmin, &qmax);
  EXPECT_EQ(qmin, 10);
  EXPECT_EQ(qmax, 130);
  // ReLU (hi = +inf) on int8 with y_zp −20: [−20, 127].
  QuantizedClampRange(0.f, INFINITY, 0.1f, -20, QType::kInt8, &qmin, &qmax);
  EXPECT_EQ(qmin, -20);
  EXPECT_EQ(qmax, 127);
  // Bounds past the type saturate: [−100, 100] at scale 0.1, zp 128 → [0, 255].
  QuantizedClampRange(-100.f, 100.f, 0.1f, 128, QType::kUint8, &qmin, &qmax);
  EXPECT_EQ(qmin, 0);
  EXPECT_EQ(qmax, 255);
  // A tie: 0.25 / 0.5 = 0.5 → 0 (even), −0.75/0.5 = −1.5 → −2.
  QuantizedClampRange(-0.75f, 0.25f, 0.5f, 0, QType::kInt8, &qmin, &qmax);
  EXPECT_EQ(qmin, -2);
  EXPECT_EQ(qmax, 0);

  const float one = 1.f;
  QuantEpilogue e = QuantEpilogue::Quantized(QType::kUint8, &one, false, 10, nullptr);
  e.qmin = 10;
  e.qmax = 130;
  EXPECT_EQ(RunRow(e, {-50, -1, 0, 1, 119, 120, 121, 500}),
            (std::vector<int32_t>{10, 10, 10, 11, 129, 130, 130, 130}));
  e = QuantEpilogue::Quantized(QType::kInt8, &one, false, -20, nullptr);
  e.qmin = -20;
  EXPECT_EQ(RunRow(e, {-300, -1, 0, 1, 147, 148}),
            (std::vector<int32_t>{-20, -20, -20, -19, 127, 127}));
}

TEST(Requantize, PerChannelScalesBiasInt32AndFloat) {
  const float scales[] = {1.f, 0.5f, 2.f, 0.25f};
  const int32_t bias[] = {10, -10, 100, 7};
  const std::vector<int32_t> acc = {5, 5, 5, 5};
  // (acc + bias)·scale: 15 → 15, −5·0.5 = −2.5 → −2, 105·2 = 210, 12·0.25 = 3; zp 1.
  EXPECT_EQ(RunRow(QuantEpilogue::Quantized(QType::kUint8, scales, true, 1, bias), acc),
            (std::vector<int32_t>{16, 0, 211, 4}));
  EXPECT_EQ(RunRow(QuantEpilogue::Quantized(QType::kInt8, scales, true, 1, bias), acc),
            (std::vector<int32_t>{16, -1, 127, 4}));
  // int32: acc + bias, wrapping.
  const int32_t wrap_bias[] = {std::numeric_limits<int32_t>::max(), 0, -3, 0};
  EXPECT_EQ(RunRow(QuantEpilogue::Int32(wrap_bias), {1, -7, 3, 0}),
            (std::vector<int32_t>{std::numeric_limits<int32_t>::min(), -7, 0, 0}));
  // float: (acc + bias)·scale, then ReLU.
  const QuantEpilogue f =
      QuantEpilogue::Dequantized(scales, true, bias, {ActivationKind::kRelu, 0, 0});
  const std::vector<int32_t> bits = RunRow(f, acc);
  const float want[] = {15.f, 0.f, 210.f, 3.f};
  for (int i = 0; i < 4; ++i) {
    float got;
    std::memcpy(&got, &bits[i], 4);
    EXPECT_EQ(got, want[i]) << i;
  }
}

bool SameBitsOrClose(QOutType t, const Activation& act, const uint8_t* want, const uint8_t* got) {
  if (std::memcmp(want, got, QOutBytes(t)) == 0) return true;
  if (t != QOutType::kFloat32) return false;
  float w, g;
  std::memcpy(&w, want, 4);
  std::memcpy(&g, got, 4);
  // A NaN scale makes a NaN; its sign bit depends on the operand order the compiler picks in the
  // scalar activation (SiLU: NaN · sigmoid(NaN)), so NaNs match any NaN.
  if (std::isnan(w) && std::isnan(g)) return true;
  if (act.kind != ActivationKind::kSigmoid && act.kind != ActivationKind::kSiLU) return false;
  // The vector sigmoid's bound (kernels/common/avx2/activation_avx2.h).
  return std::fabs(w - g) <= 1e-6f * std::max(1.f, std::fabs(w));
}

std::string Hex(const uint8_t* p, int64_t n) {
  std::ostringstream s;
  s << std::hex;
  for (int64_t i = n - 1; i >= 0; --i) s << (p[i] < 16 ? "0" : "") << static_cast<int>(p[i]);
  return s.str();
}

TEST(Requantize, Avx2MatchesReferenceSweep) {
  if (!HaveAvx2Fma()) GTEST_SKIP() << "CPU lacks avx2/fma: " << GetCpuFeatures().Summary();
  const float kOddScales[] = {0.f, -0.f, 1e-45f, INFINITY, -INFINITY, NAN, 3e9f, -0.01f};
  const Activation kActs[] = {{ActivationKind::kNone, 0, 0},
                              {ActivationKind::kClip, 0, 6},
                              {ActivationKind::kSiLU, 0, 0},
                              {ActivationKind::kHardSwish, 0, 0}};
  std::mt19937 rng(11);
  int ran = 0;
  uint32_t seed = 0;
  for (QOutType t : {QOutType::kUint8, QOutType::kInt8, QOutType::kInt32, QOutType::kFloat32}) {
    for (int64_t rows : {1, 2, 3}) {
      for (int64_t cols : {1, 2, 7, 8, 9, 15, 16, 17, 23, 31, 32, 33, 64, 65}) {
        ++seed;
        const bool per_channel = seed % 2 == 0, with_bias = seed % 3 != 0;
        const int64_t ld_acc = cols + seed % 4, ldy = cols + seed % 3;
        Guarded<int32_t> acc(rows * ld_acc), bias(cols);
        Guarded<float> scale(per_channel ? cols : 1);
        std::uniform_int_distribution<int32_t> small(-70000, 70000);
        std::uniform_int_distribution<int32_t> any(std::numeric_limits<int32_t>::min(),
                                                   std::numeric_limits<int32_t>::max());
        std::uniform_real_distribution<float> mult(1e-5f, 0.02f);
        for (int64_t i = 0; i < acc.size(); ++i) acc[i] = i % 5 == 4 ? any(rng) : small(rng);
        for (int64_t i = 0; i < bias.size(); ++i) bias[i] = small(rng);
        for (int64_t i = 0; i < scale.size(); ++i) {
          scale[i] = i % 7 == 6 ? kOddScales[(i / 7 + seed) % 8] : mult(rng);
        }
        QuantEpilogue e;
        e.type = t;
        e.bias = with_bias ? bias.data() : nullptr;
        e.scale = scale.data();
        e.per_channel = per_channel;
        if (t == QOutType::kUint8 || t == QOutType::kInt8) {
          const QType q = t == QOutType::kUint8 ? QType::kUint8 : QType::kInt8;
          std::uniform_int_distribution<int32_t> zp(QTypeMin(q), QTypeMax(q));
          e.zero_point = zp(rng);
          e.qmin = seed % 4 == 0 ? e.zero_point : QTypeMin(q);  // a ReLU now and then
          e.qmax = seed % 5 == 0 ? std::min(QTypeMax(q), e.zero_point + 60) : QTypeMax(q);
        }
        e.act = kActs[seed % 4];
        const int64_t bytes = QOutBytes(t);
        Guarded<uint8_t> want(rows * ldy * bytes), got(rows * ldy * bytes);
        want.FillBytes(0x5A);
        got.FillBytes(0x5A);
        requantize_ref(e, rows, cols, acc.data(), ld_acc, want.data(), ldy);
        requantize_avx2(e, rows, cols, acc.data(), ld_acc, got.data(), ldy);
        for (int64_t r = 0; r < rows; ++r) {
          for (int64_t j = 0; j < ldy; ++j) {
            const int64_t o = (r * ldy + j) * bytes;
            ASSERT_TRUE(SameBitsOrClose(t, e.act, want.data() + o, got.data() + o))
                << "type=" << static_cast<int>(t) << " rows=" << rows << " cols=" << cols
                << " ld_acc=" << ld_acc << " ldy=" << ldy << " per_channel=" << per_channel
                << " bias=" << with_bias << " zp=" << e.zero_point << " q=[" << e.qmin << ","
                << e.qmax << "] at r=" << r << " j=" << j << " acc=" << acc[r * ld_acc + j]
                << " scale=" << e.Scale(j < cols ? j : 0) << " act=" << static_cast<int>(e.act.kind)
                << " bytes want/got " << Hex(want.data() + o, bytes) << " / "
                << Hex(got.data() + o, bytes);
          }
        }
        ++ran;
      }
    }
  }
  EXPECT_EQ(ran, 4 * 3 * 14);
}

}  // namespace
}  // namespace finch::kernels
