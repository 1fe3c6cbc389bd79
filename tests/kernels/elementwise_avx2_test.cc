// The AVX2 elementwise kernels (kernels/elementwise/avx2/) against the references over every
// length class of the 8-lane loops (0..7 tails, one and two vectors ± 1, a prime, 1000), with
// each buffer ending against a PROT_NONE page. Inputs mix random values with ±0, ±inf, NaN and
// denormals. The exact ops must match bit for bit (any NaN matches any NaN); Sigmoid, Tanh,
// Erf, Exp and the Sigmoid/SiLU epilogue within 4 ulp of the reference's std:: float functions
// (vecmath's ≤ 2.5 ulp from exact, plus the reference's own ≤ 1.5).
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/common/activation.h"
#include "kernels/elementwise/avx2/binary_avx2.h"
#include "kernels/elementwise/avx2/unary_avx2.h"
#include "kernels/elementwise/binary_ref.h"
#include "kernels/elementwise/unary_ref.h"
#include "runtime/cpu_features.h"
#include "tests/util/guarded_buffer.h"

namespace finch::kernels {
namespace {

const int64_t kLengths[] = {0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 1000};

bool HaveAvx2() {
  const CpuFeatures& f = GetCpuFeatures();
  return f.avx2 && f.fma;
}

#define REQUIRE_AVX2() \
  if (!HaveAvx2()) GTEST_SKIP() << "no avx2+fma on this CPU"

// Random values in [−range, range], every 5th replaced by a special value.
void FillMixed(std::mt19937& rng, float range, float* v, int64_t n) {
  static const float kSpecial[] = {0.f,      -0.f, INFINITY, -INFINITY, NAN, FLT_TRUE_MIN,
                                   -FLT_MIN, 1.f,  -1.f,     6.f,       -3.f};
  std::uniform_real_distribution<float> d(-range, range);
  std::uniform_int_distribution<int> pick(0, sizeof(kSpecial) / sizeof(float) - 1);
  for (int64_t i = 0; i < n; ++i) v[i] = i % 5 == 3 ? kSpecial[pick(rng)] : d(rng);
}

// |got − want| ≤ ulps·ulp(want) (ulp of FLT_MIN for smaller values); infinities and NaN exact.
bool Close(float got, float want, float ulps) {
  if (std::isnan(want) || std::isnan(got)) return std::isnan(want) && std::isnan(got);
  if (std::isinf(want) || std::isinf(got)) return got == want;
  const float scale = std::max(std::fabs(want), FLT_MIN);
  return std::fabs(got - want) <= ulps * std::ldexp(scale, -23);
}

bool SameBits(float got, float want) {
  if (std::isnan(want) || std::isnan(got)) return std::isnan(want) && std::isnan(got);
  return std::memcmp(&got, &want, sizeof(float)) == 0;
}

// Compares n values, printing the first few mismatches with `what`.
void Expect(const char* what, int64_t n, const float* x, const float* got, const float* want,
            float ulps) {
  int printed = 0;
  for (int64_t i = 0; i < n && printed < 3; ++i) {
    const bool ok = ulps == 0 ? SameBits(got[i], want[i]) : Close(got[i], want[i], ulps);
    if (!ok) {
      ADD_FAILURE() << what << " n=" << n << " i=" << i << " x=" << x[i] << ": got " << got[i]
                    << " want " << want[i];
      ++printed;
    }
  }
}

struct UnaryCase {
  UnaryOp op;
  const char* name;
  UnaryParams p;
  float ulps;   // 0: bit for bit
  float range;  // of the random inputs
};

const UnaryCase kUnary[] = {
    {UnaryOp::kRelu, "Relu", {}, 0, 10},
    {UnaryOp::kNeg, "Neg", {}, 0, 10},
    {UnaryOp::kAbs, "Abs", {}, 0, 10},
    {UnaryOp::kSqrt, "Sqrt", {}, 0, 100},
    {UnaryOp::kReciprocal, "Reciprocal", {}, 0, 10},
    {UnaryOp::kFloor, "Floor", {}, 0, 10},
    {UnaryOp::kCeil, "Ceil", {}, 0, 10},
    {UnaryOp::kSoftsign, "Softsign", {}, 0, 10},
    {UnaryOp::kLeakyRelu, "LeakyRelu", {0.01f, 0, 0}, 0, 10},
    {UnaryOp::kHardSigmoid, "HardSigmoid", {0.2f, 0.5f, 0}, 0, 10},
    {UnaryOp::kHardSigmoid, "HardSigmoid(1/6)", {1.f / 6, 0.5f, 0}, 0, 10},
    {UnaryOp::kHardSwish, "HardSwish", {}, 0, 10},
    {UnaryOp::kSigmoid, "Sigmoid", {}, 4, 30},
    {UnaryOp::kTanh, "Tanh", {}, 4, 10},
    {UnaryOp::kErf, "Erf", {}, 4, 5},
    {UnaryOp::kExp, "Exp", {}, 4, 100},
};

TEST(ElementwiseAvx2, UnaryMatchesReference) {
  REQUIRE_AVX2();
  for (const UnaryCase& c : kUnary) {
    ASSERT_TRUE(unary_f32_avx2_supports(c.op)) << c.name;
    for (int64_t n : kLengths) {
      std::mt19937 rng(static_cast<uint32_t>(n * 31 + static_cast<int>(c.op)));
      GuardedBuffer x(n), y(n), want(n);
      FillMixed(rng, c.range, x.data(), n);
      y.Fill(-12345.f);
      ASSERT_TRUE(unary_ref<float>(c.op, c.p, x.data(), want.data(), n));
      ASSERT_TRUE(unary_f32_avx2(c.op, c.p, x.data(), y.data(), n));
      Expect(c.name, n, x.data(), y.data(), want.data(), c.ulps);
      // In place.
      unary_f32_avx2(c.op, c.p, x.data(), x.data(), n);
      Expect(c.name, n, want.data(), x.data(), y.data(), 0);
    }
  }
}

TEST(ElementwiseAvx2, UnsupportedOpsSayNo) {
  EXPECT_FALSE(unary_f32_avx2_supports(UnaryOp::kLog));
  EXPECT_FALSE(unary_f32_avx2_supports(UnaryOp::kSoftplus));
  EXPECT_FALSE(binary_f32_avx2_supports(BinaryOp::kMod));
  EXPECT_FALSE(binary_f32_avx2_supports(BinaryOp::kPRelu));
  if (!HaveAvx2()) return;
  float v = 1, y = 7;
  EXPECT_FALSE(unary_f32_avx2(UnaryOp::kLog, {}, &v, &y, 1));
  EXPECT_EQ(y, 7);
}

TEST(ElementwiseAvx2, Clip) {
  REQUIRE_AVX2();
  const float kBounds[][2] = {{0, 6}, {-1, 1}, {2, -2}, {-FLT_MAX, FLT_MAX}, {-0.f, 0.f}};
  for (const auto& b : kBounds) {
    for (int64_t n : kLengths) {
      std::mt19937 rng(static_cast<uint32_t>(n));
      GuardedBuffer x(n), y(n), want(n);
      FillMixed(rng, 10, x.data(), n);
      clip_ref<float>(x.data(), want.data(), n, b[0], b[1]);
      clip_f32_avx2(x.data(), y.data(), n, b[0], b[1]);
      Expect("Clip", n, x.data(), y.data(), want.data(), 0);
    }
  }
}

// The epilogue of the fused kernels: exact but for Sigmoid and SiLU.
TEST(ElementwiseAvx2, ActivationMatchesReference) {
  REQUIRE_AVX2();
  const Activation kActs[] = {
      {ActivationKind::kNone, 0, 0},      {ActivationKind::kRelu, 0, 0},
      {ActivationKind::kClip, 0, 6},      {ActivationKind::kSigmoid, 0, 0},
      {ActivationKind::kSiLU, 0, 0},      {ActivationKind::kHardSigmoid, 0.2f, 0.5f},
      {ActivationKind::kHardSwish, 0, 0}, {ActivationKind::kLeakyRelu, 0.1f, 0},
  };
  for (const Activation& a : kActs) {
    const bool approx = a.kind == ActivationKind::kSigmoid || a.kind == ActivationKind::kSiLU;
    for (int64_t n : kLengths) {
      std::mt19937 rng(static_cast<uint32_t>(n + 7));
      GuardedBuffer x(n), y(n), want(n);
      FillMixed(rng, 20, x.data(), n);
      std::copy(x.data(), x.data() + n, want.data());
      activation_f32_ref(a, want.data(), n);
      activation_f32_avx2(a, x.data(), y.data(), n);
      for (int64_t i = 0; i < n; ++i) {
        if (!approx) {
          EXPECT_TRUE(SameBits(y.data()[i], want.data()[i]))
              << "act " << int(a.kind) << " x=" << x.data()[i] << " got " << y.data()[i];
          continue;
        }
        // The bound the fused kernels' tests use: |Δ| ≤ 1e-6·max(1, |ref|).
        const float w = want.data()[i], g = y.data()[i];
        const bool ok = std::isnan(w)   ? std::isnan(g)
                        : std::isinf(w) ? g == w
                                        : std::fabs(g - w) <= 1e-6f * std::max(1.f, std::fabs(w));
        EXPECT_TRUE(ok) << "act " << int(a.kind) << " x=" << x.data()[i] << " got " << g << " want "
                        << w;
      }
    }
  }
}

TEST(ElementwiseAvx2, Gelu) {
  REQUIRE_AVX2();
  for (int64_t n : kLengths) {
    std::mt19937 rng(static_cast<uint32_t>(n + 3));
    GuardedBuffer x(n), y(n);
    FillMixed(rng, 8, x.data(), n);
    gelu_f32_avx2(x.data(), y.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      const double v = x.data()[i];
      const double want =
          std::isinf(v) ? (v > 0 ? v : 0.0) : 0.5 * v * std::erfc(-v / std::sqrt(2.0));
      EXPECT_TRUE(Close(y.data()[i], static_cast<float>(want), 6))
          << "x=" << v << " got " << y.data()[i];
    }
  }
}

// Broadcast patterns of vision nets, each at every length class along the row.
struct Pattern {
  const char* name;
  std::vector<int64_t> a, b, out;
};

std::vector<Pattern> Patterns(int64_t n) {
  return {
      {"same shape", {n}, {n}, {n}},
      {"b scalar", {2, n}, {}, {2, n}},
      {"a scalar", {}, {3, n}, {3, n}},
      {"NHWC per channel a[i,c] op b[c]", {3, n}, {n}, {3, n}},
      {"NHWC per channel b[i,c] op a[c]", {n}, {3, n}, {3, n}},
      {"NCHW per channel a[n,c,hw] op b[c]", {2, 3, n}, {1, 3, 1}, {2, 3, n}},
      {"row per row a[i,c] op b[i]", {5, n}, {5, 1}, {5, n}},
      {"outer product", {n, 1}, {1, 4}, {n, 4}},
  };
}

TEST(ElementwiseAvx2, BinaryMatchesReferenceBitForBit) {
  REQUIRE_AVX2();
  const BinaryOp kOps[] = {BinaryOp::kAdd, BinaryOp::kSub, BinaryOp::kMul,
                           BinaryOp::kDiv, BinaryOp::kMin, BinaryOp::kMax};
  for (BinaryOp op : kOps) {
    ASSERT_TRUE(binary_f32_avx2_supports(op));
    for (int64_t n : kLengths) {
      for (const Pattern& p : Patterns(n)) {
        BroadcastSpace s;
        ASSERT_TRUE(MakeBroadcastSpace({p.a, p.b}, p.out, &s)) << p.name;
        int64_t na = 1, nb = 1;
        for (int64_t d : p.a) na *= d;
        for (int64_t d : p.b) nb *= d;
        std::mt19937 rng(static_cast<uint32_t>(n * 7 + static_cast<int>(op)));
        GuardedBuffer a(na), b(nb), y(s.num_elements), want(s.num_elements);
        FillMixed(rng, 10, a.data(), na);
        FillMixed(rng, 10, b.data(), nb);
        y.Fill(-12345.f);
        binary_ref<float>(op, s, a.data(), b.data(), want.data(), 0, s.num_elements);
        // Split in two ranges, as the thread pool would.
        const int64_t split = s.num_elements / 3;
        binary_f32_avx2(op, s, a.data(), b.data(), y.data(), 0, split);
        binary_f32_avx2(op, s, a.data(), b.data(), y.data(), split, s.num_elements);
        for (int64_t i = 0; i < s.num_elements; ++i) {
          if (!SameBits(y.data()[i], want.data()[i])) {
            ADD_FAILURE() << "op " << int(op) << " " << p.name << " n=" << n << " i=" << i
                          << ": got " << y.data()[i] << " want " << want.data()[i];
            break;
          }
        }
      }
    }
  }
}

// Min/Max: NaN on either side wins, and ties (±0) keep the first operand, like binary_ref.
TEST(ElementwiseAvx2, MinMaxNanAndSignedZero) {
  REQUIRE_AVX2();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> a = {nan, 1, 0.f, -0.f, 2, -INFINITY, 3, nan, 5};
  const std::vector<float> b = {1, nan, -0.f, 0.f, 2, 4, INFINITY, nan, -5};
  BroadcastSpace s;
  ASSERT_TRUE(MakeBroadcastSpace({{9}, {9}}, {9}, &s));
  for (BinaryOp op : {BinaryOp::kMin, BinaryOp::kMax}) {
    std::vector<float> y(9), want(9);
    binary_ref<float>(op, s, a.data(), b.data(), want.data(), 0, 9);
    binary_f32_avx2(op, s, a.data(), b.data(), y.data(), 0, 9);
    for (int i = 0; i < 9; ++i) {
      EXPECT_TRUE(SameBits(y[i], want[i]) && std::signbit(y[i]) == std::signbit(want[i]))
          << "op " << int(op) << " i=" << i << ": got " << y[i] << " want " << want[i];
    }
  }
}

}  // namespace
}  // namespace finch::kernels
