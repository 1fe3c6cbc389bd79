// The quantized packed-B GEMM (kernels/int8/qgemm.h): the packing layout (hand-checked), the
// reference against an independent int64 triple loop on the raw 8-bit data, the WORST CASE
// (every activation at an end of its range, every weight at an end of its range, K up to 4096
// and up to kQMaxExactTerms: the int32 results equal the exact int64 sums — this is what a
// vpmaddubsw kernel gets wrong), and the AVX2 kernel against the reference BIT FOR BIT over a
// sweep of M (tile 6 and half-panel tiles 4, 8 ± 1, 12 ± 1, primes, 64+odd), N (panel 16 ± 1, half
// panels), K (odd and even), both A and B types, random zero points, every output type, strides and
// splits of the row and column ranges.
//
// Every buffer a kernel reads or writes (A, packed B, bias, scales, scratch, C) ends against a
// PROT_NONE page; C is pre-filled with a sentinel that must survive outside the written range.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/int8/qgemm.h"
#include "tests/kernels/int8_test_util.h"

namespace finch::kernels {
namespace {

// Raw 8-bit data of a given type, stored as bytes.
void FillQ(std::mt19937& rng, QType t, uint8_t* p, int64_t n) {
  std::uniform_int_distribution<int> d(QTypeMin(t), QTypeMax(t));
  for (int64_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(d(rng));
}

// Σ_k (A[m, k] − a_zp)(B[k, n] − b_zp[n]) + bias[n] in int64, from the raw data: the definition.
// B[k, n] = b[k·sk + n·sn].
int64_t Exact(int64_t m, int64_t n, int64_t K, const QGemmA& a, const QWeights& b, int64_t sk,
              int64_t sn, const int32_t* bias) {
  int64_t acc = bias != nullptr ? bias[n] : 0;
  for (int64_t k = 0; k < K; ++k) {
    const int64_t av = LoadQ(a.data, a.type, m * a.ld + k) - a.zero_point;
    const int64_t bv = LoadQ(b.data, b.type, k * sk + n * sn) - b.ZeroPoint(n);
    acc += av * bv;
  }
  return acc;
}

TEST(QGemm, PackLayoutHandChecked) {
  // K = 3 (odd: padded to 4), N = 17: two panels, the second holding column 16 only.
  // B[k, n] = 10k + n − 20 as int8, zero point per column zp[n] = n % 3 − 1.
  constexpr int64_t K = 3, N = 17;
  ASSERT_EQ(qgemm_packed_b_size(K, N), 2 * 4 * 16);
  ASSERT_EQ(qgemm_packed_b_size(4, 16), 4 * 16);
  ASSERT_EQ(qgemm_packed_b_size(1, 1), 2 * 16);
  ASSERT_EQ(qgemm_packed_b_size(0, 5), 0);
  std::vector<int8_t> b_kn(K * N), w_nk(N * K);
  std::vector<int32_t> zp(N);
  for (int64_t n = 0; n < N; ++n) {
    zp[n] = static_cast<int32_t>(n % 3) - 1;
    for (int64_t k = 0; k < K; ++k) {
      b_kn[k * N + n] = static_cast<int8_t>(10 * k + n - 20);
      w_nk[n * K + k] = static_cast<int8_t>(10 * k + n - 20);
    }
  }
  auto w = [&](int64_t k, int64_t n) { return static_cast<int16_t>(10 * k + n - 20 - zp[n]); };
  std::vector<int16_t> want(2 * 4 * 16, 0);
  for (int64_t n = 0; n < N; ++n) {
    int16_t* panel = want.data() + (n / 16) * 4 * 16;
    const int64_t j = n % 16;
    panel[2 * j] = w(0, n);  // pair 0: (k0, k1)
    panel[2 * j + 1] = w(1, n);
    panel[32 + 2 * j] = w(2, n);  // pair 1: (k2, pad 0)
    panel[32 + 2 * j + 1] = 0;
  }
  EXPECT_EQ(want[0], -20 - (-1));    // column 0, k 0: −20 − zp[0]
  EXPECT_EQ(want[1], -10 - (-1));    // column 0, k 1
  EXPECT_EQ(want[64], 16 - 20 - 0);  // panel 1, column 16 (zp[16] = 0), k 0
  Guarded<int16_t> p1(qgemm_packed_b_size(K, N)), p2(qgemm_packed_b_size(K, N));
  p1.Fill(12345);
  p2.Fill(12345);
  const QWeights b1{b_kn.data(), QType::kInt8, zp.data(), true};
  const QWeights b2{w_nk.data(), QType::kInt8, zp.data(), true};
  qgemm_pack_b(K, N, b1, /*stride_k=*/N, /*stride_n=*/1, p1.data());
  qgemm_pack_b(K, N, b2, /*stride_k=*/1, /*stride_n=*/K, p2.data());
  for (int64_t i = 0; i < p1.size(); ++i) {
    EXPECT_EQ(p1[i], want[i]) << "row-major B, packed index " << i;
    EXPECT_EQ(p2[i], want[i]) << "W[N, K] as Bᵀ, packed index " << i;
  }
}

TEST(QGemm, ReferenceHandChecked) {
  // A (uint8, zp 100) = [[101, 98], [100, 255]] → a' = [[1, −2], [0, 155]].
  // B (int8, per-tensor zp −1) = [[2, 0, −3], [−1, 4, 1]] → b' = [[3, 1, −2], [0, 5, 2]].
  // a'·b' = [[3, −9, −6], [0, 775, 310]]; + bias [1, 2, 3] = [[4, −7, −3], [1, 777, 313]].
  const uint8_t a[] = {101, 98, 100, 255};
  const int8_t b[] = {2, 0, -3, -1, 4, 1};
  const int32_t bzp = -1, bias[] = {1, 2, 3};
  std::vector<int16_t> packed(qgemm_packed_b_size(2, 3));
  qgemm_pack_b(2, 3, {b, QType::kInt8, &bzp, false}, 3, 1, packed.data());
  const QGemmA qa{a, 2, QType::kUint8, 100};
  std::vector<int32_t> c(6, -1);
  qgemm_packed_ref(2, 3, 2, qa, packed.data(), c.data(), 3, QuantEpilogue::Int32(bias), 0, 3,
                   nullptr);
  EXPECT_EQ(c, (std::vector<int32_t>{4, -7, -3, 1, 777, 313}));
  // Requantized to uint8 with multiplier 0.5, zp 10: 2 → 12, −3.5 → −4 → 6, −1.5 → −2 → 8,
  // 0.5 → 0 → 10, 388.5 → 255, 156.5 → 156 → 166.
  const float half = 0.5f;
  std::vector<uint8_t> q(6, 0);
  qgemm_packed_ref(2, 3, 2, qa, packed.data(), q.data(), 3,
                   QuantEpilogue::Quantized(QType::kUint8, &half, false, 10, bias), 0, 3, nullptr);
  EXPECT_EQ(q, (std::vector<uint8_t>{12, 6, 8, 10, 255, 166}));
}

TEST(QGemm, ReferenceMatchesInt64TripleLoop) {
  std::mt19937 rng(5);
  for (QType at : {QType::kUint8, QType::kInt8}) {
    for (QType bt : {QType::kUint8, QType::kInt8}) {
      for (int64_t M : {1, 3}) {
        for (int64_t N : {1, 17, 33}) {
          for (int64_t K : {0, 1, 2, 7, 40}) {
            const int64_t lda = K + 3;
            std::vector<uint8_t> a(M * lda), b(K * N);
            FillQ(rng, at, a.data(), a.size());
            FillQ(rng, bt, b.data(), b.size());
            std::vector<int32_t> zp(N), bias(N);
            std::uniform_int_distribution<int> bz(QTypeMin(bt), QTypeMax(bt));
            for (int64_t n = 0; n < N; ++n) {
              zp[n] = bz(rng);
              bias[n] = static_cast<int32_t>(rng() % 2001) - 1000;
            }
            const QWeights qb{b.data(), bt, zp.data(), true};
            const QGemmA qa{a.data(), lda, at, QTypeMin(at) + 77};
            std::vector<int16_t> packed(qgemm_packed_b_size(K, N));
            qgemm_pack_b(K, N, qb, N, 1, packed.data());
            std::vector<int32_t> c(M * N);
            qgemm_packed_ref(M, N, K, qa, packed.data(), c.data(), N,
                             QuantEpilogue::Int32(bias.data()), 0, N, nullptr);
            for (int64_t m = 0; m < M; ++m) {
              for (int64_t n = 0; n < N; ++n) {
                ASSERT_EQ(c[m * N + n], Exact(m, n, K, qa, qb, N, 1, bias.data()))
                    << "M=" << M << " N=" << N << " K=" << K << " m=" << m << " n=" << n;
              }
            }
          }
        }
      }
    }
  }
}

struct Case {
  int64_t M, N, K;
  QType a_type, b_type;
  QOutType out;
  bool bias, per_channel, conv_layout;  // conv_layout: B given as W[N][K]
  int64_t lda_pad, ldc_pad;
  uint32_t seed;

  std::string Describe() const {
    std::ostringstream s;
    s << "seed=" << seed << " M=" << M << " N=" << N << " K=" << K
      << " a=" << (a_type == QType::kUint8 ? "u8" : "s8")
      << " b=" << (b_type == QType::kUint8 ? "u8" : "s8") << " out=" << static_cast<int>(out)
      << " bias=" << bias << " per_channel=" << per_channel << " conv_layout=" << conv_layout
      << " lda=K+" << lda_pad << " ldc=N+" << ldc_pad;
    return s.str();
  }
};

bool SameOrClose(QOutType t, const Activation& act, const uint8_t* want, const uint8_t* got) {
  if (std::memcmp(want, got, QOutBytes(t)) == 0) return true;
  if (t != QOutType::kFloat32 || act.kind != ActivationKind::kSiLU) return false;
  float w, g;
  std::memcpy(&w, want, 4);
  std::memcpy(&g, got, 4);
  return std::fabs(w - g) <= 1e-6f * std::max(1.f, std::fabs(w));
}

// The reference and the AVX2 kernel (one call, a column split at 16, a row split at M/2) on the
// case; compares bytes. Returns false on the first mismatch (already reported).
bool RunCase(const Case& c) {
  std::mt19937 rng(c.seed);
  const int64_t lda = c.K + c.lda_pad, ldc = c.N + c.ldc_pad;
  Guarded<uint8_t> a(c.M * lda), b(c.K * c.N);
  Guarded<int16_t> packed(qgemm_packed_b_size(c.K, c.N));
  Guarded<int32_t> bias(c.N), zp(c.per_channel ? c.N : 1);
  Guarded<float> scale(c.per_channel ? c.N : 1);
  Guarded<int16_t> scratch(qgemm_scratch_bytes(c.K) / 2);
  FillQ(rng, c.a_type, a.data(), a.size());
  FillQ(rng, c.b_type, b.data(), b.size());
  std::uniform_int_distribution<int> az(QTypeMin(c.a_type), QTypeMax(c.a_type));
  std::uniform_int_distribution<int> bz(QTypeMin(c.b_type), QTypeMax(c.b_type));
  std::uniform_int_distribution<int32_t> bd(-100000, 100000);
  for (int64_t i = 0; i < zp.size(); ++i) zp[i] = bz(rng);
  for (int64_t i = 0; i < bias.size(); ++i) bias[i] = bd(rng);
  // Multipliers that spread the sums (|acc| up to ~K·65025) over the output range and beyond.
  std::uniform_real_distribution<float> sd(0.2f, 2.f);
  for (int64_t i = 0; i < scale.size(); ++i) {
    scale[i] = sd(rng) * 64.f / static_cast<float>(255 * 255 * std::max<int64_t>(c.K, 1)) * 40;
  }
  const QWeights qb{b.data(), c.b_type, zp.data(), c.per_channel};
  const int64_t sk = c.conv_layout ? 1 : c.N, sn = c.conv_layout ? c.K : 1;
  qgemm_pack_b(c.K, c.N, qb, sk, sn, packed.data());
  const QGemmA qa{a.data(), lda, c.a_type, az(rng)};

  QuantEpilogue e;
  e.type = c.out;
  e.bias = c.bias ? bias.data() : nullptr;
  e.scale = scale.data();
  e.per_channel = c.per_channel;
  if (c.out == QOutType::kUint8 || c.out == QOutType::kInt8) {
    const QType yt = c.out == QOutType::kUint8 ? QType::kUint8 : QType::kInt8;
    e.zero_point = std::uniform_int_distribution<int>(QTypeMin(yt), QTypeMax(yt))(rng);
    e.qmin = c.seed % 3 == 0 ? e.zero_point : QTypeMin(yt);  // a fused ReLU
    e.qmax = QTypeMax(yt);
  }
  e.act = c.seed % 2 ? Activation{ActivationKind::kClip, -50.f, 50.f}
                     : Activation{ActivationKind::kSiLU, 0, 0};

  const int64_t bytes = QOutBytes(c.out);
  Guarded<uint8_t> want(c.M * ldc * bytes);
  want.FillBytes(0xC3);
  qgemm_packed_ref(c.M, c.N, c.K, qa, packed.data(), want.data(), ldc, e, 0, c.N, nullptr);
  // The int32 output of the reference is the exact sum (mod 2^32; these sums fit).
  if (c.out == QOutType::kInt32 && c.M > 0 && c.N > 0) {
    int32_t first;
    std::memcpy(&first, want.data(), 4);
    if (first != Exact(0, 0, c.K, qa, qb, sk, sn, e.bias)) {
      ADD_FAILURE() << "qgemm_packed_ref is not exact at (0, 0) | " << c.Describe();
      return false;
    }
  }

  struct Split {
    const char* name;
    int64_t m_split, n_split;  // 0: none
  };
  const Split splits[] = {{"one call", 0, 0},
                          {"columns [0,16)+[16,N)", 0, c.N > 16 ? 16 : 0},
                          {"rows [0,M/2)+[M/2,M)", c.M / 2, 0}};
  for (const Split& s : splits) {
    if (s.name != splits[0].name && s.m_split == 0 && s.n_split == 0) continue;
    Guarded<uint8_t> got(c.M * ldc * bytes);
    got.FillBytes(0xC3);
    const int64_t ms[] = {0, s.m_split, c.M};
    const int64_t ns[] = {0, s.n_split, c.N};
    for (int mi = 0; mi < 2; ++mi) {
      for (int ni = 0; ni < 2; ++ni) {
        if (ms[mi] == ms[mi + 1] || ns[ni] == ns[ni + 1]) continue;
        QGemmA part = qa;
        part.data = a.data() + ms[mi] * lda;
        qgemm_packed_avx2(ms[mi + 1] - ms[mi], c.N, c.K, part, packed.data(),
                          got.data() + ms[mi] * ldc * bytes, ldc, e, ns[ni], ns[ni + 1],
                          scratch.data());
      }
    }
    for (int64_t m = 0; m < c.M; ++m) {
      for (int64_t n = 0; n < ldc; ++n) {
        const int64_t o = (m * ldc + n) * bytes;
        if (!SameOrClose(c.out, e.act, want.data() + o, got.data() + o)) {
          int32_t w = 0, g = 0;
          std::memcpy(&w, want.data() + o, bytes);
          std::memcpy(&g, got.data() + o, bytes);
          ADD_FAILURE() << "qgemm_packed_avx2 (" << s.name << ") differs at m=" << m << " n=" << n
                        << ": want bits " << w << " got " << g << " | " << c.Describe();
          return false;
        }
      }
    }
  }
  return true;
}

constexpr QOutType kOutTypes[] = {QOutType::kUint8, QOutType::kInt8, QOutType::kInt32,
                                  QOutType::kFloat32};

TEST(QGemm, Avx2MatchesReferenceSweep) {
  if (!HaveAvx2Fma()) GTEST_SKIP() << "CPU lacks avx2/fma: " << GetCpuFeatures().Summary();
  uint32_t seed = 1;
  int ran = 0;
  for (int64_t M : {1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 17, 31, 67}) {
    for (int64_t N : {1, 2, 3, 7, 8, 9, 15, 16, 17, 24, 31, 33, 48}) {
      for (int64_t K : {1, 2, 3, 15, 16, 17, 31, 65, 255}) {
        const Case c{M,
                     N,
                     K,
                     seed % 2 ? QType::kUint8 : QType::kInt8,
                     seed % 5 < 3 ? QType::kInt8 : QType::kUint8,
                     kOutTypes[seed % 4],
                     seed % 3 != 1,
                     seed % 7 < 4,
                     seed % 2 == 0,
                     seed % 3 == 0 ? 5 : 0,
                     seed % 4 == 0 ? 3 : 0,
                     seed};
        ++seed;
        ++ran;
        if (!RunCase(c)) return;
      }
    }
  }
  EXPECT_EQ(ran, 15 * 13 * 9);
}

TEST(QGemm, Avx2EveryOutputTypeAndOperandType) {
  if (!HaveAvx2Fma()) GTEST_SKIP() << "CPU lacks avx2/fma: " << GetCpuFeatures().Summary();
  uint32_t seed = 50000;
  for (QOutType out : kOutTypes) {
    for (QType at : {QType::kUint8, QType::kInt8}) {
      for (QType bt : {QType::kUint8, QType::kInt8}) {
        for (int64_t N : {8, 24, 100}) {
          const Case c{13, N, 37, at, bt, out, true, seed % 2 == 0, seed % 3 == 0, 1, 2, seed};
          ++seed;
          if (!RunCase(c)) return;
        }
      }
    }
  }
}

TEST(QGemm, Avx2KZeroAndEmptyRanges) {
  if (!HaveAvx2Fma()) GTEST_SKIP() << "CPU lacks avx2/fma: " << GetCpuFeatures().Summary();
  // K = 0: epilogue(bias); no B to read (the packed buffer is empty).
  for (QOutType out : kOutTypes) {
    RunCase({7, 19, 0, QType::kUint8, QType::kInt8, out, true, true, false, 0, 0, 7});
  }
  // Empty ranges touch nothing.
  Guarded<uint8_t> c(4);
  c.Fill(1);
  const QuantEpilogue e = QuantEpilogue::Int32(nullptr);
  qgemm_packed_avx2(0, 4, 3, {}, nullptr, c.data(), 4, e, 0, 4, nullptr);
  qgemm_packed_avx2(1, 4, 3, {}, nullptr, c.data(), 4, e, 0, 0, nullptr);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(c[i], 1);
}

// Every activation at an end of its range, every weight at an end of its range: products of
// ±255·±255 and ±255·±128 summed over K up to 4096 (and up to kQMaxExactTerms, where the sum
// just fits int32). A u8×s8 kernel built on vpmaddubsw saturates every pair sum here
// (255·127·2 = 64770 > 32767); finch must equal the exact int64 sum.
TEST(QGemm, WorstCaseExtremesAreExact) {
  struct Operand {
    QType type;
    int value, zero_point;
  };
  const Operand kA[] = {{QType::kUint8, 255, 0},
                        {QType::kUint8, 0, 255},
                        {QType::kInt8, 127, -128},
                        {QType::kInt8, -128, 127}};
  const Operand kB[] = {{QType::kInt8, -128, 0},
                        {QType::kInt8, 127, 0},
                        {QType::kInt8, -128, 127},
                        {QType::kUint8, 255, 0},
                        {QType::kUint8, 0, 255}};
  const bool avx2 = HaveAvx2Fma();
  for (int64_t K : {1, 2, 3, 255, 256, 1023, 4095, 4096}) {
    for (const Operand& ao : kA) {
      for (const Operand& bo : kB) {
        constexpr int64_t M = 5, N = 19;
        Guarded<uint8_t> a(M * K), b(N * K);
        a.FillBytes(static_cast<uint8_t>(ao.value));
        b.FillBytes(static_cast<uint8_t>(bo.value));
        const int32_t bzp = bo.zero_point;
        Guarded<int16_t> packed(qgemm_packed_b_size(K, N));
        qgemm_pack_b(K, N, {b.data(), bo.type, &bzp, false}, 1, K, packed.data());
        const QGemmA qa{a.data(), K, ao.type, ao.zero_point};
        const int64_t want = K * int64_t{ao.value - ao.zero_point} * (bo.value - bo.zero_point);
        Guarded<int32_t> c_ref(M * N), c_avx(M * N);
        Guarded<int16_t> scratch(qgemm_scratch_bytes(K) / 2);
        qgemm_packed_ref(M, N, K, qa, packed.data(), c_ref.data(), N, QuantEpilogue::Int32(nullptr),
                         0, N, nullptr);
        if (avx2) {
          qgemm_packed_avx2(M, N, K, qa, packed.data(), c_avx.data(), N,
                            QuantEpilogue::Int32(nullptr), 0, N, scratch.data());
        }
        for (int64_t i = 0; i < M * N; ++i) {
          ASSERT_EQ(c_ref[i], want) << "ref K=" << K << " a=" << ao.value << "-" << ao.zero_point
                                    << " b=" << bo.value << "-" << bo.zero_point;
          if (avx2) {
            ASSERT_EQ(c_avx[i], want) << "avx2 K=" << K << " a=" << ao.value << "-" << ao.zero_point
                                      << " b=" << bo.value << "-" << bo.zero_point;
          }
        }
      }
    }
  }
}

// Random ends of the ranges (each element at its type's min or max, zero points at the
// opposite ends or 0), K up to 4096, against the int64 loop; and K = kQMaxExactTerms with
// every product +255² (the sum 2,147,450,625 is within 2^31 − 1).
TEST(QGemm, WorstCaseMixedSignsAndLargestExactK) {
  std::mt19937 rng(77);
  const bool avx2 = HaveAvx2Fma();
  for (int64_t K : {17, 1000, 4096}) {
    for (int trial = 0; trial < 4; ++trial) {
      const QType at = trial % 2 ? QType::kInt8 : QType::kUint8;
      const QType bt = trial / 2 ? QType::kUint8 : QType::kInt8;
      constexpr int64_t M = 9, N = 24;
      Guarded<uint8_t> a(M * K), b(K * N);
      for (int64_t i = 0; i < a.size(); ++i) {
        a[i] = static_cast<uint8_t>(rng() % 2 ? QTypeMin(at) : QTypeMax(at));
      }
      for (int64_t i = 0; i < b.size(); ++i) {
        b[i] = static_cast<uint8_t>(rng() % 2 ? QTypeMin(bt) : QTypeMax(bt));
      }
      Guarded<int32_t> zp(N);
      for (int64_t n = 0; n < N; ++n)
        zp[n] = n % 3 == 0 ? 0 : n % 3 == 1 ? QTypeMin(bt) : QTypeMax(bt);
      const QWeights qb{b.data(), bt, zp.data(), true};
      Guarded<int16_t> packed(qgemm_packed_b_size(K, N));
      qgemm_pack_b(K, N, qb, N, 1, packed.data());
      const QGemmA qa{a.data(), K, at, trial == 0 ? 0 : QTypeMax(at)};
      Guarded<int32_t> c_ref(M * N), c_avx(M * N);
      Guarded<int16_t> scratch(qgemm_scratch_bytes(K) / 2);
      qgemm_packed_ref(M, N, K, qa, packed.data(), c_ref.data(), N, QuantEpilogue::Int32(nullptr),
                       0, N, nullptr);
      if (avx2) {
        qgemm_packed_avx2(M, N, K, qa, packed.data(), c_avx.data(), N,
                          QuantEpilogue::Int32(nullptr), 0, N, scratch.data());
      }
      for (int64_t m = 0; m < M; ++m) {
        for (int64_t n = 0; n < N; ++n) {
          const int64_t want = Exact(m, n, K, qa, qb, N, 1, nullptr);
          ASSERT_EQ(c_ref[m * N + n], want) << "ref K=" << K << " trial " << trial;
          if (avx2) {
            ASSERT_EQ(c_avx[m * N + n], want) << "avx2 K=" << K << " trial " << trial;
          }
        }
      }
    }
  }
  // The largest K that is exact for any data, every product +255·255: the sum is
  // 33025·65025 = 2,147,450,625, 33,022 below INT32_MAX.
  const int64_t K = kQMaxExactTerms;
  EXPECT_TRUE(QSumFitsInt32(K, 0));
  EXPECT_FALSE(QSumFitsInt32(K + 1, 0));
  EXPECT_FALSE(QSumFitsInt32(K, 40000));
  // a = 0 with zp 255 and b = 0 with zp 255: every product (−255)·(−255) = +65025.
  Guarded<uint8_t> a(K), b(K);
  a.FillBytes(0);
  b.FillBytes(0);
  const int32_t bzp = 255;
  Guarded<int16_t> packed(qgemm_packed_b_size(K, 1));
  qgemm_pack_b(K, 1, {b.data(), QType::kUint8, &bzp, false}, 1, K, packed.data());
  const QGemmA qa{a.data(), K, QType::kUint8, 255};
  Guarded<int32_t> c(1);
  qgemm_packed_ref(1, 1, K, qa, packed.data(), c.data(), 1, QuantEpilogue::Int32(nullptr), 0, 1,
                   nullptr);
  EXPECT_EQ(c[0], 2147450625);
  if (avx2) {
    Guarded<int16_t> scratch(qgemm_scratch_bytes(K) / 2);
    c[0] = 0;
    qgemm_packed_avx2(1, 1, K, qa, packed.data(), c.data(), 1, QuantEpilogue::Int32(nullptr), 0, 1,
                      scratch.data());
    EXPECT_EQ(c[0], 2147450625);
  }
}

}  // namespace
}  // namespace finch::kernels
