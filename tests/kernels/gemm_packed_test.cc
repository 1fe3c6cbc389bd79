// The packed-B GEMM: the packing layout (hand-checked), the reference against a plain triple loop
// and a hand-checked epilogue, and the AVX2 kernel against the reference BIT FOR BIT on random
// floats over a sweep of M (tiles 6 and 12 ± 1, primes, big), N (panel 16 ± 1, 8-column half
// panels), K, strides, epilogues, activations and splits of the column and row ranges.
//
// Exactness: both sides compute acc = fma(a, b, acc) for k = 0..K−1 from 0, then + bias, + R,
// then the activation, so they must agree bit for bit. Exceptions, derived:
//   - Sigmoid/SiLU: the AVX2 epilogue may use a vector exp a few ulp from std::exp:
//     |Δ| ≤ 1e-6·max(1, |ref|).
//   - HardSigmoid: alpha·x + beta may be contracted into one FMA in the AVX2 file only; the
//     result is clamped to [0, 1], so |Δ| ≤ ulp(|alpha·x|)/2 + ulp(1)/2 ≤ 2^-23 while
//     |alpha·x| ≤ 1.5 (beyond that both clamp).
// Every buffer a kernel reads or writes ends against a PROT_NONE page; C is pre-filled with a
// sentinel and every element outside the written range must keep it.
#include "kernels/gemm/gemm_packed.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/cpu_features.h"
#include "tests/util/guarded_buffer.h"

namespace finch::kernels {
namespace {

const Activation kActivations[] = {
    {ActivationKind::kNone, 0, 0},      {ActivationKind::kRelu, 0, 0},
    {ActivationKind::kClip, 0, 6},      {ActivationKind::kSigmoid, 0, 0},
    {ActivationKind::kSiLU, 0, 0},      {ActivationKind::kHardSigmoid, 0.2f, 0.5f},
    {ActivationKind::kHardSwish, 0, 0}, {ActivationKind::kLeakyRelu, 0.1f, 0},
};

bool HaveAvx2() {
  const CpuFeatures& f = GetCpuFeatures();
  return f.avx2 && f.fma;
}

bool SameBits(float a, float b) { return std::memcmp(&a, &b, sizeof(float)) == 0; }

bool Close(const Activation& act, float want, float got) {
  if (SameBits(want, got)) return true;
  switch (act.kind) {
    case ActivationKind::kSigmoid:
    case ActivationKind::kSiLU:
      return std::fabs(want - got) <= 1e-6f * std::max(1.f, std::fabs(want));
    case ActivationKind::kHardSigmoid:
      return std::fabs(want - got) <= std::ldexp(1.f, -23);
    default:
      return false;
  }
}

// B[k, n] at b[k * N + n], plain triple loop with std::fma: the definition.
std::vector<float> TripleLoop(int64_t M, int64_t N, int64_t K, const float* a, int64_t lda,
                              const float* b) {
  std::vector<float> c(M * N);
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < N; ++n) {
      float acc = 0.f;
      for (int64_t k = 0; k < K; ++k) acc = std::fma(a[m * lda + k], b[k * N + n], acc);
      c[m * N + n] = acc;
    }
  }
  return c;
}

TEST(GemmPacked, PackLayoutHandChecked) {
  // K = 2, N = 17: two panels; the second holds column 16 and 15 zero columns.
  constexpr int64_t K = 2, N = 17;
  ASSERT_EQ(gemm_packed_b_size(K, N), 2 * K * 16);
  ASSERT_EQ(gemm_packed_b_size(K, 16), K * 16);
  ASSERT_EQ(gemm_packed_b_size(5, 0), 0);
  std::vector<float> b_kn(K * N), w_nk(N * K);  // B[k, n] = 100k + n, and W = Bᵀ
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t n = 0; n < N; ++n) {
      b_kn[k * N + n] = static_cast<float>(100 * k + n);
      w_nk[n * K + k] = static_cast<float>(100 * k + n);
    }
  }
  std::vector<float> want(2 * K * 16, 0.f);
  for (int64_t j = 0; j < 16; ++j) {
    want[j] = static_cast<float>(j);             // panel 0, k = 0: columns 0..15
    want[16 + j] = static_cast<float>(100 + j);  // panel 0, k = 1
  }
  want[32] = 16.f;   // panel 1, k = 0: column 16, then zeros
  want[48] = 116.f;  // panel 1, k = 1
  GuardedBuffer p1(gemm_packed_b_size(K, N)), p2(gemm_packed_b_size(K, N));
  p1.Fill(std::nanf(""));
  p2.Fill(std::nanf(""));
  gemm_pack_b(K, N, b_kn.data(), /*stride_k=*/N, /*stride_n=*/1, p1.data());
  gemm_pack_b(K, N, w_nk.data(), /*stride_k=*/1, /*stride_n=*/K, p2.data());
  for (int64_t i = 0; i < p1.size(); ++i) {
    EXPECT_EQ(p1.data()[i], want[i]) << "row-major B, packed index " << i;
    EXPECT_EQ(p2.data()[i], want[i]) << "W[N, K] as Bᵀ, packed index " << i;
  }
}

TEST(GemmPacked, ReferenceMatchesTripleLoop) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  for (int64_t M : {1, 2, 5}) {
    for (int64_t N : {1, 3, 16, 17, 40}) {
      for (int64_t K : {0, 1, 4, 19}) {
        const int64_t lda = K + 2;
        std::vector<float> a(M * lda), b(K * N);
        for (float& v : a) v = d(rng);
        for (float& v : b) v = d(rng);
        std::vector<float> packed(gemm_packed_b_size(K, N));
        gemm_pack_b(K, N, b.data(), N, 1, packed.data());
        const std::vector<float> want = TripleLoop(M, N, K, a.data(), lda, b.data());
        std::vector<float> got(M * N, std::nanf(""));
        gemm_f32_packed_ref(M, N, K, a.data(), lda, packed.data(), got.data(), N, {}, 0, N);
        for (int64_t i = 0; i < M * N; ++i) {
          ASSERT_TRUE(SameBits(want[i], got[i]))
              << "M=" << M << " N=" << N << " K=" << K << " i=" << i << ": want " << want[i]
              << " got " << got[i];
        }
      }
    }
  }
}

TEST(GemmPacked, ReferenceEpilogueHandChecked) {
  // A = [[1, 2], [3, -4]], B = [[1, 0, -1], [0.5, 2, 1]]:
  // A·B = [[2, 4, 1], [1, -8, -7]]; + bias [1, -2, 0.5] = [[3, 2, 1.5], [2, -10, -6.5]];
  // + R [[0, 1, 2], [-1, 3, 10]] = [[3, 3, 3.5], [1, -7, 3.5]].
  const float a[] = {1, 2, 3, -4};
  const float b[] = {1, 0, -1, 0.5f, 2, 1};
  const float bias[] = {1, -2, 0.5f};
  const float r[] = {0, 1, 2, -1, 3, 10};
  std::vector<float> packed(gemm_packed_b_size(2, 3));
  gemm_pack_b(2, 3, b, 3, 1, packed.data());
  auto run = [&](const GemmEpilogue& e) {
    std::vector<float> c(6, std::nanf(""));
    gemm_f32_packed_ref(2, 3, 2, a, 2, packed.data(), c.data(), 3, e, 0, 3);
    return c;
  };
  using V = std::vector<float>;
  EXPECT_EQ(run({}), (V{2, 4, 1, 1, -8, -7}));
  EXPECT_EQ(run({bias, nullptr, 0, {}}), (V{3, 2, 1.5f, 2, -10, -6.5f}));
  EXPECT_EQ(run({nullptr, r, 3, {}}), (V{2, 5, 3, 0, -5, 3}));
  EXPECT_EQ(run({bias, r, 3, {}}), (V{3, 3, 3.5f, 1, -7, 3.5f}));
  // Activations on act(A·B + bias) = act([[3, 2, 1.5], [2, -10, -6.5]]).
  EXPECT_EQ(run({bias, nullptr, 0, {ActivationKind::kRelu, 0, 0}}), (V{3, 2, 1.5f, 2, 0, 0}));
  EXPECT_EQ(run({bias, nullptr, 0, {ActivationKind::kClip, -1, 2}}), (V{2, 2, 1.5f, 2, -1, -1}));
  EXPECT_EQ(run({bias, nullptr, 0, {ActivationKind::kLeakyRelu, 0.5f, 0}}),
            (V{3, 2, 1.5f, 2, -5, -3.25f}));
  EXPECT_EQ(run({bias, nullptr, 0, {ActivationKind::kHardSigmoid, 0.25f, 0.5f}}),
            (V{1, 1, 0.875f, 1, 0, 0}));
  // HardSwish: x · clamp(x/6 + 1/2, 0, 1): 3 → 3, 2 → 2·(5/6), 1.5 → 1.5·0.75, −10, −6.5 → 0.
  const V hs = run({bias, nullptr, 0, {ActivationKind::kHardSwish, 0, 0}});
  EXPECT_EQ(hs[0], 3.f);
  EXPECT_FLOAT_EQ(hs[1], 2.f * (2.f / 6.f + 0.5f));
  EXPECT_EQ(hs[2], 1.125f);
  EXPECT_EQ(hs[4], 0.f);
  EXPECT_EQ(hs[5], 0.f);
  const V sg = run({bias, nullptr, 0, {ActivationKind::kSigmoid, 0, 0}});
  const V si = run({bias, nullptr, 0, {ActivationKind::kSiLU, 0, 0}});
  const float pre[] = {3, 2, 1.5f, 2, -10, -6.5f};
  for (int i = 0; i < 6; ++i) {
    EXPECT_FLOAT_EQ(sg[i], 1.f / (1.f + std::exp(-pre[i])));
    EXPECT_FLOAT_EQ(si[i], pre[i] / (1.f + std::exp(-pre[i])));
  }
  // In place: C is R (ldc == ldr), the inverted-residual add.
  V c(r, r + 6);
  gemm_f32_packed_ref(2, 3, 2, a, 2, packed.data(), c.data(), 3, {bias, c.data(), 3, {}}, 0, 3);
  EXPECT_EQ(c, (V{3, 3, 3.5f, 1, -7, 3.5f}));
  // A column range [1, 3) ... only those columns are written (n_begin 0 is the only panel start
  // here, so take [0, 2)).
  V part(6, -99.f);
  gemm_f32_packed_ref(2, 3, 2, a, 2, packed.data(), part.data(), 3, {}, 0, 2);
  EXPECT_EQ(part, (V{2, 4, -99, 1, -8, -99}));
}

struct Case {
  int64_t M, N, K;
  int64_t lda_pad, ldc_pad;
  Activation act;
  bool bias, residual, in_place;
  uint32_t seed;

  std::string Describe() const {
    std::ostringstream s;
    s << "seed=" << seed << " M=" << M << " N=" << N << " K=" << K << " lda=K+" << lda_pad
      << " ldc=N+" << ldc_pad << " act=" << static_cast<int>(act.kind) << "(" << act.alpha << ","
      << act.beta << ") bias=" << bias << " residual=" << residual << " in_place=" << in_place;
    return s.str();
  }
};

// Runs the reference and the AVX2 kernel (one call, a column split at 16 and a row split) on
// the case and compares bits. Returns false on the first mismatch (already reported).
bool RunCase(const Case& c) {
  std::mt19937 rng(c.seed);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  const int64_t lda = c.K + c.lda_pad, ldc = c.N + c.ldc_pad;
  GuardedBuffer a(c.M * lda), b(c.K * c.N), packed(gemm_packed_b_size(c.K, c.N)), bias(c.N),
      r(c.M * ldc);
  for (int64_t i = 0; i < a.size(); ++i) a.data()[i] = d(rng);
  for (int64_t i = 0; i < b.size(); ++i) b.data()[i] = d(rng);
  for (int64_t i = 0; i < bias.size(); ++i) bias.data()[i] = d(rng);
  // Scale R up so activations see both signs and their clamps.
  for (int64_t i = 0; i < r.size(); ++i) r.data()[i] = 4 * d(rng);
  gemm_pack_b(c.K, c.N, b.data(), c.N, 1, packed.data());

  // R shares C's stride (ldr == ldc) so the in-place case is the same call with c == r.
  auto run = [&](bool avx2, float* out, const float* res, int64_t m_lo, int64_t m_hi, int64_t n_lo,
                 int64_t n_hi) {
    GemmEpilogue e;
    e.bias = c.bias ? bias.data() : nullptr;
    e.residual = res == nullptr ? nullptr : res + m_lo * ldc;
    e.ldr = ldc;
    e.act = c.act;
    auto* fn = avx2 ? gemm_f32_packed_avx2 : gemm_f32_packed_ref;
    fn(m_hi - m_lo, c.N, c.K, a.data() + m_lo * lda, lda, packed.data(), out + m_lo * ldc, ldc, e,
       n_lo, n_hi);
  };
  const float sentinel = -12345.f;
  // The reference, into a C that is R's copy when in place.
  GuardedBuffer want(c.M * ldc);
  const float* res = c.residual ? r.data() : nullptr;
  if (c.in_place) {
    std::copy(r.data(), r.data() + r.size(), want.data());
    res = want.data();
  } else {
    want.Fill(sentinel);
  }
  run(false, want.data(), res, 0, c.M, 0, c.N);

  struct Split {
    const char* name;
    int64_t m_split, n_split;  // 0: none
  };
  const Split splits[] = {{"one call", 0, 0},
                          {"columns [0,16)+[16,N)", 0, c.N > 16 ? 16 : 0},
                          {"rows [0,M/2)+[M/2,M)", c.M / 2, 0}};
  for (const Split& s : splits) {
    if (s.name != splits[0].name && s.m_split == 0 && s.n_split == 0) continue;
    GuardedBuffer got(c.M * ldc);
    if (c.in_place) {
      std::copy(r.data(), r.data() + r.size(), got.data());
    } else {
      got.Fill(sentinel);
    }
    const float* gres = c.in_place ? got.data() : (c.residual ? r.data() : nullptr);
    const int64_t ms[] = {0, s.m_split, c.M};
    const int64_t ns[] = {0, s.n_split, c.N};
    for (int mi = 0; mi < 2; ++mi) {
      for (int ni = 0; ni < 2; ++ni) {
        if (ms[mi] == ms[mi + 1] || ns[ni] == ns[ni + 1]) continue;
        if (ms[mi + 1] == 0 || ns[ni + 1] == 0) continue;
        run(true, got.data(), gres, ms[mi], ms[mi + 1], ns[ni], ns[ni + 1]);
      }
    }
    for (int64_t m = 0; m < c.M; ++m) {
      for (int64_t n = 0; n < ldc; ++n) {
        const float w = want.data()[m * ldc + n], g = got.data()[m * ldc + n];
        // Past column N the reference left the sentinel (or R); the kernel must too.
        const bool ok = n < c.N ? Close(c.act, w, g) : SameBits(w, g);
        if (!ok) {
          ADD_FAILURE() << "gemm_f32_packed_avx2 (" << s.name << ") differs at m=" << m
                        << " n=" << n << ": want " << w << " got " << g << " | " << c.Describe();
          return false;
        }
      }
    }
  }
  return true;
}

TEST(GemmPacked, Avx2MatchesReferenceSweep) {
  if (!HaveAvx2()) GTEST_SKIP() << "CPU lacks avx2/fma: " << GetCpuFeatures().Summary();
  uint32_t seed = 1;
  int ran = 0;
  for (int64_t M : {1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 17, 23, 64, 97}) {
    for (int64_t N : {1, 7, 8, 15, 16, 17, 31, 33, 48, 100}) {
      for (int64_t K : {1, 2, 3, 8, 15, 16, 17, 64, 255, 257}) {
        const Case c{M,
                     N,
                     K,
                     seed % 3 == 0 ? 3 : 0,
                     seed % 5 == 0 ? 5 : 0,
                     kActivations[seed % std::size(kActivations)],
                     seed % 2 == 0,
                     seed % 7 < 3,
                     seed % 7 == 0,
                     seed};
        ++seed;
        ++ran;
        if (!RunCase(c)) return;
      }
    }
  }
  EXPECT_GT(ran, 1000);
}

TEST(GemmPacked, Avx2EveryActivationAndEpilogue) {
  if (!HaveAvx2()) GTEST_SKIP() << "CPU lacks avx2/fma: " << GetCpuFeatures().Summary();
  uint32_t seed = 100000;
  for (const Activation& act : kActivations) {
    for (int epi = 0; epi < 5; ++epi) {  // none, bias, R, bias+R, bias+R in place
      for (int64_t M : {5, 13}) {
        for (int64_t N : {8, 23, 48}) {
          const Case c{M, N, 37, 1, 2, act, epi == 1 || epi >= 3, epi >= 2, epi == 4, seed++};
          if (!RunCase(c)) return;
        }
      }
    }
  }
}

TEST(GemmPacked, Avx2KZeroAndEmptyRanges) {
  if (!HaveAvx2()) GTEST_SKIP() << "CPU lacks avx2/fma: " << GetCpuFeatures().Summary();
  // K = 0: act(bias + R); no B to read (the packed buffer is empty).
  RunCase({7, 19, 0, 0, 0, kActivations[2], true, true, false, 7});
  // Empty ranges touch nothing.
  GuardedBuffer c(4);
  c.Fill(1.f);
  gemm_f32_packed_avx2(0, 4, 3, nullptr, 3, nullptr, c.data(), 4, {}, 0, 4);
  gemm_f32_packed_avx2(1, 4, 3, nullptr, 3, nullptr, c.data(), 4, {}, 0, 0);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(c.data()[i], 1.f);
}

TEST(GemmPacked, Avx2MobileNetShapes) {
  if (!HaveAvx2()) GTEST_SKIP() << "CPU lacks avx2/fma: " << GetCpuFeatures().Summary();
  // A few real pointwise shapes (rows cut to keep the reference quick), and the classifier.
  const Case cases[] = {
      {301, 24, 144, 0, 0, kActivations[0], true, true, true, 200001},
      {200, 144, 24, 0, 0, kActivations[2], true, false, false, 200002},
      {49, 320, 960, 0, 0, kActivations[0], true, false, false, 200003},
      {1, 1000, 1280, 0, 0, kActivations[0], true, false, false, 200004},
      {2, 1000, 1280, 0, 0, kActivations[0], true, false, false, 200005},
      // K = 1024: row blocks of 30 (128 KiB of A), so 30 + 30 + 30 + 7 rows, a 1-row tail.
      {97, 33, 1024, 0, 0, kActivations[7], true, true, false, 200006},
  };
  for (const Case& c : cases) {
    if (!RunCase(c)) return;
  }
}

}  // namespace
}  // namespace finch::kernels
