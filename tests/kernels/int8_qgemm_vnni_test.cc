// The VNNI QGEMM against the int16 reference, bit for bit: M, N, K around the tiles (6 rows, 16
// columns, quads of k), uint8 and int8 A with any zero point, int8 weights (zero point 0) up to
// the extremes, per-channel and per-tensor requantization, bias, column ranges, guard pages. And
// the packing's refusal of weights whose w − zp leaves int8.
#include "kernels/int8/qgemm_vnni.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "runtime/cpu_features.h"
#include "tests/kernels/int8_test_util.h"

namespace finch::kernels {
namespace {

bool HasVnni() {
  const CpuFeatures& f = GetCpuFeatures();
  return f.avx512vl && f.avx512bw && f.avx512_vnni && f.avx2 && f.fma;
}

struct Case {
  int64_t m, n, k;
  QType a_type;
  bool per_channel;
  int64_t n_begin = 0, n_end = -1;
};

void Check(const Case& c, uint32_t seed) {
  std::mt19937 rng(seed);
  const int64_t n_end = c.n_end < 0 ? c.n : c.n_end;
  Guarded<uint8_t> a(c.m * c.k);
  std::uniform_int_distribution<int> byte(0, 255), weight(-128, 127);
  for (int64_t i = 0; i < c.m * c.k; ++i) a.data()[i] = static_cast<uint8_t>(byte(rng));
  std::vector<int8_t> w(c.k * c.n);  // ONNX conv layout W[N][K]: B = Wᵀ, strides (1, K)
  for (int8_t& x : w) x = static_cast<int8_t>(weight(rng));
  if (!w.empty()) w[0] = -128;
  QWeights b;
  b.data = w.data();
  b.type = QType::kInt8;
  std::vector<int32_t> bias(c.n);
  for (int32_t& x : bias) x = std::uniform_int_distribution<int32_t>(-100000, 100000)(rng);
  std::vector<float> scale(c.per_channel ? c.n : 1);
  for (float& s : scale) s = std::uniform_real_distribution<float>(1e-4f, 2e-3f)(rng);
  QGemmA qa;
  qa.data = a.data();
  qa.ld = c.k;
  qa.type = c.a_type;
  qa.zero_point = c.a_type == QType::kUint8 ? 129 : -3;
  const QuantEpilogue e =
      QuantEpilogue::Quantized(QType::kUint8, scale.data(), c.per_channel, 121, bias.data());

  std::vector<int16_t> p16(static_cast<size_t>(qgemm_packed_b_size(c.k, c.n)));
  qgemm_pack_b(c.k, c.n, b, 1, c.k, p16.data());
  std::vector<uint8_t> p8(static_cast<size_t>(qgemm_vnni_packed_b_bytes(c.k, c.n)));
  ASSERT_TRUE(qgemm_vnni_pack_b(c.k, c.n, b, 1, c.k, p8.data()));
  Guarded<uint8_t> ref(c.m * c.n), got(c.m * c.n);
  std::fill(ref.data(), ref.data() + c.m * c.n, 7);
  std::fill(got.data(), got.data() + c.m * c.n, 7);
  qgemm_packed_ref(c.m, c.n, c.k, qa, p16.data(), ref.data(), c.n, e, c.n_begin, n_end, nullptr);
  qgemm_packed_vnni(c.m, c.n, c.k, qa, p8.data(), got.data(), c.n, e, c.n_begin, n_end);
  for (int64_t i = 0; i < c.m * c.n; ++i) {
    ASSERT_EQ(got.data()[i], ref.data()[i]) << "m " << c.m << " n " << c.n << " k " << c.k
                                            << " at " << i / c.n << "," << i % c.n;
  }
}

TEST(QGemmVnni, MatchesTheReference) {
  if (!HasVnni()) GTEST_SKIP() << "no AVX-512 VL + VNNI";
  uint32_t seed = 1;
  for (int64_t m : {1, 5, 6, 7, 13}) {
    for (int64_t n : {1, 15, 16, 17, 33}) {
      for (int64_t k : {1, 3, 4, 5, 27, 64, 131}) {
        for (QType t : {QType::kUint8, QType::kInt8}) {
          Check({m, n, k, t, (seed % 2) == 0}, seed);
          ++seed;
        }
      }
    }
  }
  Check({11, 48, 40, QType::kUint8, true, 16, 40}, 99);  // a column range
  Check({3, 20, 4096, QType::kUint8, true}, 100);        // long K
}

TEST(QGemmVnni, RefusesWeightsOutsideInt8AfterTheZeroPoint) {
  const uint8_t w[4] = {0, 255, 3, 200};  // uint8 weights, zero point 0: 255 − 0 leaves int8
  QWeights b;
  b.data = w;
  b.type = QType::kUint8;
  std::vector<uint8_t> packed(static_cast<size_t>(qgemm_vnni_packed_b_bytes(4, 1)));
  EXPECT_FALSE(qgemm_vnni_pack_b(4, 1, b, 1, 4, packed.data()));
  const int32_t zp = 128;  // 0..255 − 128 fits
  b.zero_point = &zp;
  EXPECT_TRUE(qgemm_vnni_pack_b(4, 1, b, 1, 4, packed.data()));
}

}  // namespace
}  // namespace finch::kernels
