// Attention kernels (kernels/attention/): the double-accumulating reference against numbers
// worked out by hand, then the flash kernel and the materialised float32 baseline against the
// reference over sweeps of Nq, Nk (1, 15/16/17 around the 16-key panel, the blocks ±1, primes),
// head dims (32, 64, 80, 128, odd 3 and 17, dv ≠ d), causal with Nq ≠ Nk, masks (dense,
// broadcast with stride 0, −inf entries, fully masked rows, transposed), problems > 1 and strided
// layouts (the exported head split [N, B·H, d], Kᵀ with col ≠ 1, padded rows).
//
// Tolerance: FlashAttention's rule. exp and the reassociated sums make bit-exactness impossible,
// so each case also runs a plain float32 materialised attention (test-local, scalar: float dot
// products, expf, sums in key order, p = e/Σe, O = Σ p·v) and measures its max error against
// the reference; the flash kernel's max error must be at most twice that, plus an absolute
// floor of 2^-24·max(1, |O|max) for the cases where the float32 error is exactly 0 (Nk = 1,
// every key but one masked: both sides then return a row of V exactly, or to half an ulp). A
// sanity bound holds on top: |error| ≤ 2e-5·max(1, |O|max) (inputs in [−1, 1]; the largest
// float32 error of the sweep, 7.6e-6, is at scale 1, d = 128, with K rows scaled up to 5×, where
// the scores spread over tens). The materialised float32 kernel (attention_naive.h) is held to
// the same bounds.
//
// Every tensor lies in its own buffer ending against a PROT_NONE page, sized to its last
// element, so reading or writing past any tensor faults; the output is pre-filled with a NaN
// sentinel and every element the call must not write (row padding, rows and problems outside
// the range) must keep it.
#include "kernels/attention/attention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/attention/attention_naive.h"
#include "runtime/cpu_features.h"
#include "tests/util/guarded_buffer.h"

namespace finch::kernels {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

bool HaveAvx2() {
  const CpuFeatures& f = GetCpuFeatures();
  return f.avx2 && f.fma;
}

bool SameBits(float a, float b) { return std::memcmp(&a, &b, sizeof(float)) == 0; }

float Sentinel() {
  const uint32_t bits = 0x7fc0beefu;  // a quiet NaN no kernel produces
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

// ---------------------------------------------------------------------------------------------
// Hand-checked cases, through the reference (and the flash kernel when the CPU has AVX2).

// One row of V per key; q = [2], k = [[0], [1]], scale 0.5: scores 0 and 1, softmax
// [1/(1+e), e/(1+e)] = [0.268941421, 0.731058579]; V = [[1, −2], [3, 4]]:
// O = [0.268941421 + 3·0.731058579, −2·0.268941421 + 4·0.731058579] = [2.462117157, 2.386351472].
struct Tiny {
  float q[2] = {2.f, 2.f};  // two query rows, both 2 (row 1 used by the causal case)
  float k[2] = {0.f, 1.f};
  float v[4] = {1.f, -2.f, 3.f, 4.f};
  float mask[2] = {0.f, 0.f};
  float out[4] = {};
  AttentionProblem Problem(int64_t nq) {
    AttentionProblem p;
    p.problems = 1;
    p.q_len = nq;
    p.kv_len = 2;
    p.head_dim = 1;
    p.v_dim = 2;
    p.scale = 0.5f;
    p.q = {q, 2, 1, 1};
    p.k = {k, 2, 1, 1};
    p.v = {v, 4, 2, 1};
    p.out = out;
    p.out_head = 4;
    p.out_row = 2;
    return p;
  }
};

using RunFn = void (*)(const AttentionProblem&);

void RunRef(const AttentionProblem& p) { attention_f32_ref(p, 0, p.problems, 0, p.q_len); }

void RunFlash(const AttentionProblem& p) {
  const AttentionBlocks b = attention_blocks(p.head_dim, p.v_dim, 0, 0);
  std::vector<float> scratch(attention_flash_scratch_floats(p, b));
  attention_f32_flash_avx2(p, b, 0, p.problems, 0, (p.q_len + b.q_block - 1) / b.q_block,
                           scratch.data());
}

void RunNaive(const AttentionProblem& p) {
  std::vector<float> scratch(attention_naive_scratch_floats(p));
  attention_f32_naive_avx2(p, 0, p.problems, scratch.data());
}

std::vector<std::pair<const char*, RunFn>> Kernels() {
  std::vector<std::pair<const char*, RunFn>> k = {{"ref", RunRef}};
  if (HaveAvx2()) {
    k.push_back({"flash", RunFlash});
    k.push_back({"naive", RunNaive});
  }
  return k;
}

TEST(Attention, HandCheckedTwoKeys) {
  for (const auto& [name, run] : Kernels()) {
    SCOPED_TRACE(name);
    Tiny t;
    run(t.Problem(1));
    EXPECT_NEAR(t.out[0], 2.462117157f, 2e-7f);
    EXPECT_NEAR(t.out[1], 2.386351472f, 2e-7f);
  }
}

TEST(Attention, HandCheckedMasks) {
  for (const auto& [name, run] : Kernels()) {
    SCOPED_TRACE(name);
    {  // additive mask [0, −inf]: only key 0, O = V[0] exactly
      Tiny t;
      t.mask[1] = -kInf;
      AttentionProblem p = t.Problem(1);
      p.mask = {t.mask, 0, 0, 1};
      run(p);
      EXPECT_EQ(t.out[0], 1.f);
      EXPECT_EQ(t.out[1], -2.f);
    }
    {  // mask [1, 0] makes both scores 1: O = the mean of the V rows, [2, 1]
      Tiny t;
      t.mask[0] = 1.f;
      AttentionProblem p = t.Problem(1);
      p.mask = {t.mask, 0, 0, 1};
      run(p);
      EXPECT_NEAR(t.out[0], 2.f, 2e-7f);
      EXPECT_NEAR(t.out[1], 1.f, 2e-7f);
    }
    {  // every key masked: zeros, not NaN
      Tiny t;
      t.mask[0] = t.mask[1] = -kInf;
      std::fill(t.out, t.out + 4, Sentinel());
      AttentionProblem p = t.Problem(1);
      p.mask = {t.mask, 0, 0, 1};
      run(p);
      EXPECT_TRUE(SameBits(t.out[0], 0.f));
      EXPECT_TRUE(SameBits(t.out[1], 0.f));
      EXPECT_TRUE(SameBits(t.out[2], Sentinel()));  // row 1 is not part of the problem
    }
    {  // causal, Nq = Nk = 2: row 0 sees key 0 only (O = V[0]), row 1 both (the case above)
      Tiny t;
      AttentionProblem p = t.Problem(2);
      p.causal = true;
      run(p);
      EXPECT_EQ(t.out[0], 1.f);
      EXPECT_EQ(t.out[1], -2.f);
      EXPECT_NEAR(t.out[2], 2.462117157f, 2e-7f);
      EXPECT_NEAR(t.out[3], 2.386351472f, 2e-7f);
    }
    {  // causal, Nq = 1 < Nk = 2, bottom-right aligned: the one row sees both keys
      Tiny t;
      AttentionProblem p = t.Problem(1);
      p.causal = true;
      run(p);
      EXPECT_NEAR(t.out[0], 2.462117157f, 2e-7f);
      EXPECT_NEAR(t.out[1], 2.386351472f, 2e-7f);
    }
  }
}

TEST(Attention, DegenerateSizes) {
  for (const auto& [name, run] : Kernels()) {
    SCOPED_TRACE(name);
    {  // Nk = 0: every row sees no key, zeros
      Tiny t;
      std::fill(t.out, t.out + 4, Sentinel());
      AttentionProblem p = t.Problem(2);
      p.kv_len = 0;
      run(p);
      for (int c = 0; c < 4; ++c) EXPECT_TRUE(SameBits(t.out[c], 0.f)) << c;
    }
    {  // Nq = 0: nothing written
      Tiny t;
      std::fill(t.out, t.out + 4, Sentinel());
      AttentionProblem p = t.Problem(0);
      run(p);
      for (int c = 0; c < 4; ++c) EXPECT_TRUE(SameBits(t.out[c], Sentinel())) << c;
    }
    {  // d = 0: every score is 0, O = the mean of the V rows
      Tiny t;
      AttentionProblem p = t.Problem(1);
      p.head_dim = 0;
      run(p);
      EXPECT_EQ(t.out[0], 2.f);
      EXPECT_EQ(t.out[1], 1.f);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Randomised sweeps.

enum class Layout {
  kContiguous,  // [P, N, D]
  kHeadSplit,   // [N, P, D]: the exported Reshape [N, B·H, D] read per head in place
  kTransposed,  // [P, D, N]: col stride N (Kᵀ as exported)
  kPadded,      // [P, N, D + 3] with 5 floats between problems
  kStrided,     // [P, N, D] using every other float: no unit stride at all
};

enum class MaskKind {
  kNone,
  kDense,       // [P, Nq, Nk]
  kPerRow,      // [Nq, Nk] broadcast over problems (head stride 0)
  kKeyPadding,  // [P, 1, Nk] broadcast over rows (row stride 0)
  kTransposed,  // [P, Nk, Nq]: col stride Nq
};

struct Strides {
  int64_t head, row, col, size;
};

Strides MakeStrides(Layout l, int64_t P, int64_t N, int64_t D) {
  Strides s{};
  switch (l) {
    case Layout::kContiguous:
      s = {N * D, D, 1, 0};
      break;
    case Layout::kHeadSplit:
      s = {D, P * D, 1, 0};
      break;
    case Layout::kTransposed:
      s = {D * N, 1, N, 0};
      break;
    case Layout::kPadded:
      s = {N * (D + 3) + 5, D + 3, 1, 0};
      break;
    case Layout::kStrided:
      s = {2 * N * D, 2 * D, 2, 0};
      break;
  }
  // The last element + 1, so the guard page follows it directly.
  s.size =
      (P == 0 || N == 0 || D == 0) ? 0 : (P - 1) * s.head + (N - 1) * s.row + (D - 1) * s.col + 1;
  return s;
}

struct Case {
  int64_t problems = 1, nq = 1, nk = 1, d = 64, dv = 64;
  bool causal = false;
  float scale = 0;  // 0: 1/√d
  Layout q_layout = Layout::kContiguous, k_layout = Layout::kContiguous,
         v_layout = Layout::kContiguous, out_layout = Layout::kContiguous;
  MaskKind mask = MaskKind::kNone;
  float neg_inf_fraction = 0;  // share of mask entries set to −inf
  bool masked_rows = false;    // rows i ≡ 2 (mod 5) fully masked (dense / per-row masks)
  bool ramp = false;           // K rows scaled by 1 + 4j/Nk: the max grows block after block
  AttentionBlocks blocks;      // zeros: attention_blocks(d, dv, 0, 0)
  uint32_t seed = 1;

  std::string Describe() const {
    std::ostringstream os;
    os << "P=" << problems << " Nq=" << nq << " Nk=" << nk << " d=" << d << " dv=" << dv
       << " causal=" << causal << " scale=" << scale
       << " layouts(q,k,v,o)=" << static_cast<int>(q_layout) << static_cast<int>(k_layout)
       << static_cast<int>(v_layout) << static_cast<int>(out_layout)
       << " mask=" << static_cast<int>(mask) << " neg_inf=" << neg_inf_fraction
       << " masked_rows=" << masked_rows << " ramp=" << ramp << " blocks=" << blocks.q_block << "x"
       << blocks.kv_block << " seed=" << seed;
    return os.str();
  }
};

// The inputs of one case, each tensor in a guarded buffer.
struct Inputs {
  Case c;
  AttentionProblem p;
  AttentionBlocks blocks;
  std::unique_ptr<GuardedBuffer> q, k, v, mask;
  Strides out_strides{};

  explicit Inputs(const Case& cs) : c(cs) {
    std::mt19937 rng(c.seed);
    std::uniform_real_distribution<float> uni(-1.f, 1.f);
    const Strides sq = MakeStrides(c.q_layout, c.problems, c.nq, c.d);
    const Strides sk = MakeStrides(c.k_layout, c.problems, c.nk, c.d);
    const Strides sv = MakeStrides(c.v_layout, c.problems, c.nk, c.dv);
    out_strides = MakeStrides(c.out_layout, c.problems, c.nq, c.dv);
    q = std::make_unique<GuardedBuffer>(sq.size);
    k = std::make_unique<GuardedBuffer>(sk.size);
    v = std::make_unique<GuardedBuffer>(sv.size);
    // Unused positions (padding) get NaN: a kernel that reads them poisons its output.
    q->Fill(NAN);
    k->Fill(NAN);
    v->Fill(NAN);
    for (int64_t pb = 0; pb < c.problems; ++pb) {
      for (int64_t i = 0; i < c.nq; ++i) {
        for (int64_t x = 0; x < c.d; ++x)
          q->data()[pb * sq.head + i * sq.row + x * sq.col] = uni(rng);
      }
      for (int64_t j = 0; j < c.nk; ++j) {
        const float gain = c.ramp ? 1.f + 4.f * static_cast<float>(j) / c.nk : 1.f;
        for (int64_t x = 0; x < c.d; ++x) {
          k->data()[pb * sk.head + j * sk.row + x * sk.col] = gain * uni(rng);
        }
        for (int64_t x = 0; x < c.dv; ++x)
          v->data()[pb * sv.head + j * sv.row + x * sv.col] = uni(rng);
      }
    }
    p.problems = c.problems;
    p.q_len = c.nq;
    p.kv_len = c.nk;
    p.head_dim = c.d;
    p.v_dim = c.dv;
    p.scale = c.scale != 0 ? c.scale : 1.f / std::sqrt(static_cast<float>(c.d));
    p.causal = c.causal;
    p.q = {q->data(), sq.head, sq.row, sq.col};
    p.k = {k->data(), sk.head, sk.row, sk.col};
    p.v = {v->data(), sv.head, sv.row, sv.col};
    p.out_head = out_strides.head;
    p.out_row = out_strides.row;
    if (c.mask != MaskKind::kNone) BuildMask(rng);
    blocks = c.blocks.q_block > 0 ? c.blocks : attention_blocks(c.d, c.dv, 0, 0);
  }

  void BuildMask(std::mt19937& rng) {
    std::uniform_real_distribution<float> uni(-2.f, 2.f), coin(0.f, 1.f);
    int64_t head = 0, row = 0, col = 1, rows = c.nq;
    switch (c.mask) {
      case MaskKind::kDense:
        head = c.nq * c.nk, row = c.nk;
        break;
      case MaskKind::kPerRow:
        head = 0, row = c.nk;
        break;
      case MaskKind::kKeyPadding:
        head = c.nk, row = 0, rows = 1;
        break;
      case MaskKind::kTransposed:
        head = c.nq * c.nk, row = 1, col = c.nq;
        break;
      case MaskKind::kNone:
        break;
    }
    const int64_t heads = head == 0 ? 1 : c.problems;
    mask = std::make_unique<GuardedBuffer>((heads - 1) * head + (rows - 1) * row +
                                           (c.nk - 1) * col + 1);
    mask->Fill(NAN);
    for (int64_t pb = 0; pb < heads; ++pb) {
      for (int64_t i = 0; i < rows; ++i) {
        for (int64_t j = 0; j < c.nk; ++j) {
          float x = uni(rng);
          if (coin(rng) < c.neg_inf_fraction) x = -kInf;
          if (c.masked_rows && rows > 1 && i % 5 == 2) x = -kInf;
          mask->data()[pb * head + i * row + j * col] = x;
        }
      }
    }
    p.mask = {mask->data(), head, row, col};
  }

  std::unique_ptr<GuardedBuffer> NewOutput() const {
    auto o = std::make_unique<GuardedBuffer>(out_strides.size);
    o->Fill(Sentinel());
    return o;
  }
  int64_t QueryBlocks() const { return (c.nq + blocks.q_block - 1) / blocks.q_block; }
};

// Plain float32 materialised attention, the yardstick of the tolerance rule.
void NaiveF32(const AttentionProblem& p, float* out) {
  std::vector<float> s(p.kv_len);
  for (int64_t pb = 0; pb < p.problems; ++pb) {
    for (int64_t i = 0; i < p.q_len; ++i) {
      float m = -kInf;
      for (int64_t j = 0; j < p.kv_len; ++j) {
        float dot = 0.f;
        for (int64_t x = 0; x < p.head_dim; ++x) {
          dot += p.q.data[pb * p.q.head + i * p.q.row + x * p.q.col] *
                 p.k.data[pb * p.k.head + j * p.k.row + x * p.k.col];
        }
        float sj = dot * p.scale;
        if (p.mask.data) sj += p.mask.data[pb * p.mask.head + i * p.mask.row + j * p.mask.col];
        if (p.causal && j > i + p.kv_len - p.q_len) sj = -kInf;
        s[j] = sj;
        m = std::max(m, sj);
      }
      float* o = out + pb * p.out_head + i * p.out_row;
      if (m == -kInf) {
        std::fill(o, o + p.v_dim, 0.f);
        continue;
      }
      float sum = 0.f;
      for (int64_t j = 0; j < p.kv_len; ++j) sum += (s[j] = std::exp(s[j] - m));
      for (int64_t x = 0; x < p.v_dim; ++x) o[x] = 0.f;
      for (int64_t j = 0; j < p.kv_len; ++j) {
        const float pj = s[j] / sum;
        for (int64_t x = 0; x < p.v_dim; ++x) {
          o[x] += pj * p.v.data[pb * p.v.head + j * p.v.row + x * p.v.col];
        }
      }
    }
  }
}

struct Errors {
  double max_err = 0, max_ref = 0;
};

// Max |got − want| over every output element; also checks that the padding between rows kept
// the sentinel.
Errors Compare(const Inputs& in, const float* want, const float* got) {
  Errors e;
  const AttentionProblem& p = in.p;
  for (int64_t pb = 0; pb < p.problems; ++pb) {
    for (int64_t i = 0; i < p.q_len; ++i) {
      for (int64_t x = 0; x < p.v_dim; ++x) {
        const int64_t at = pb * p.out_head + i * p.out_row + x;
        e.max_ref = std::max(e.max_ref, std::fabs(static_cast<double>(want[at])));
        const double d = std::fabs(static_cast<double>(got[at]) - want[at]);
        e.max_err = std::isnan(d) ? INFINITY : std::max(e.max_err, d);
      }
    }
  }
  return e;
}

// Elements of `o` that are not outputs of problems [p0, p1) × rows [r0, r1) must hold the
// sentinel.
int64_t CountTouchedOutside(const Inputs& in, const GuardedBuffer& o, int64_t p0, int64_t p1,
                            int64_t r0, int64_t r1) {
  std::vector<bool> inside(o.size(), false);
  for (int64_t pb = p0; pb < p1; ++pb) {
    for (int64_t i = r0; i < r1; ++i) {
      for (int64_t x = 0; x < in.p.v_dim; ++x)
        inside[pb * in.p.out_head + i * in.p.out_row + x] = true;
    }
  }
  int64_t touched = 0;
  for (int64_t at = 0; at < o.size(); ++at) {
    if (!inside[at] && !SameBits(o.data()[at], Sentinel())) ++touched;
  }
  return touched;
}

void RunFlashRange(const Inputs& in, float* out, int64_t p0, int64_t p1, int64_t qb0, int64_t qb1) {
  AttentionProblem p = in.p;
  p.out = out;
  std::vector<float> scratch(attention_flash_scratch_floats(p, in.blocks));
  attention_f32_flash_avx2(p, in.blocks, p0, p1, qb0, qb1, scratch.data());
}

// The full check of one case: reference, plain float32, flash, and the naive kernel.
void CheckCase(const Case& c) {
  SCOPED_TRACE(c.Describe());
  Inputs in(c);
  auto ref = in.NewOutput(), f32 = in.NewOutput(), flash = in.NewOutput(), naive = in.NewOutput();
  AttentionProblem p = in.p;
  p.out = ref->data();
  attention_f32_ref(p, 0, p.problems, 0, p.q_len);
  NaiveF32(in.p, f32->data());
  const Errors e32 = Compare(in, ref->data(), f32->data());
  const double floor = std::ldexp(1.0, -24) * std::max(1.0, e32.max_ref);
  const double bound = 2 * e32.max_err + floor;
  const double sanity = 2e-5 * std::max(1.0, e32.max_ref);
  EXPECT_EQ(CountTouchedOutside(in, *ref, 0, p.problems, 0, p.q_len), 0);

  RunFlashRange(in, flash->data(), 0, p.problems, 0, in.QueryBlocks());
  const Errors ef = Compare(in, ref->data(), flash->data());
  EXPECT_LE(ef.max_err, bound) << "flash error vs float32 naive " << e32.max_err;
  EXPECT_LE(ef.max_err, sanity);
  EXPECT_EQ(CountTouchedOutside(in, *flash, 0, p.problems, 0, p.q_len), 0);

  p.out = naive->data();
  std::vector<float> scratch(attention_naive_scratch_floats(p));
  attention_f32_naive_avx2(p, 0, p.problems, scratch.data());
  const Errors en = Compare(in, ref->data(), naive->data());
  EXPECT_LE(en.max_err, bound) << "naive kernel error vs float32 naive " << e32.max_err;
  EXPECT_LE(en.max_err, sanity);
  EXPECT_EQ(CountTouchedOutside(in, *naive, 0, p.problems, 0, p.q_len), 0);
}

class AttentionSweep : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveAvx2()) GTEST_SKIP() << "CPU lacks avx2/fma";
  }
};

// Lengths around every tile edge of the blocks attention_blocks picks for (d, dv): the 16-key
// panel, the 6-row strip, kv_block and q_block ± 1, and primes.
std::vector<int64_t> KeyLengths(const AttentionBlocks& b) {
  return {1, 15, 16, 17, b.kv_block - 1, b.kv_block, b.kv_block + 1, 197, 257};
}
std::vector<int64_t> QueryLengths(const AttentionBlocks& b) {
  return {1, 5, 6, 7, b.q_block - 1, b.q_block, b.q_block + 1, 197};
}

TEST_F(AttentionSweep, LengthsD64CausalAndNot) {
  const AttentionBlocks b = attention_blocks(64, 64, 0, 0);
  uint32_t seed = 100;
  for (const int64_t nq : QueryLengths(b)) {
    for (const int64_t nk : KeyLengths(b)) {
      for (const bool causal : {false, true}) {
        Case c;
        c.nq = nq;
        c.nk = nk;
        c.causal = causal;
        c.problems = 2;
        c.seed = ++seed;
        CheckCase(c);
      }
    }
  }
}

TEST_F(AttentionSweep, HeadDims) {
  // d in {32, 64, 80, 128} and odd 3, 17; dv equal, and dv ≠ d (8-column tails, dv < 8).
  const std::pair<int64_t, int64_t> dims[] = {{32, 32}, {80, 80}, {128, 128}, {3, 3},   {17, 17},
                                              {64, 80}, {32, 5},  {128, 24},  {17, 40}, {1, 1}};
  uint32_t seed = 200;
  for (const auto& [d, dv] : dims) {
    const AttentionBlocks b = attention_blocks(d, dv, 0, 0);
    const int64_t lens[][2] = {
        {1, 1}, {b.q_block + 1, b.kv_block - 1}, {7, b.kv_block + 1}, {197, 197}, {b.q_block, 257}};
    for (const auto& nn : lens) {
      for (const bool causal : {false, true}) {
        Case c;
        c.d = d;
        c.dv = dv;
        c.nq = nn[0];
        c.nk = nn[1];
        c.causal = causal;
        c.problems = 3;
        c.seed = ++seed;
        CheckCase(c);
      }
    }
  }
}

TEST_F(AttentionSweep, CausalWithNqNotNk) {
  // Bottom-right aligned: with Nq > Nk the first Nq − Nk rows see no key (zeros).
  const int64_t lens[][2] = {{1, 197}, {7, 50}, {50, 7}, {197, 100}, {100, 197}, {96, 257}};
  uint32_t seed = 300;
  for (const auto& nn : lens) {
    Case c;
    c.nq = nn[0];
    c.nk = nn[1];
    c.causal = true;
    c.problems = 2;
    c.seed = ++seed;
    CheckCase(c);
    c.mask = MaskKind::kDense;
    c.neg_inf_fraction = 0.1f;
    c.seed = ++seed;
    CheckCase(c);
  }
}

TEST_F(AttentionSweep, Masks) {
  const MaskKind kinds[] = {MaskKind::kDense, MaskKind::kPerRow, MaskKind::kKeyPadding,
                            MaskKind::kTransposed};
  uint32_t seed = 400;
  for (const MaskKind kind : kinds) {
    for (const float neg_inf : {0.f, 0.3f}) {
      for (const bool masked_rows : {false, true}) {
        for (const auto& nn : {std::pair<int64_t, int64_t>{197, 197}, {13, 50}, {1, 257}}) {
          Case c;
          c.nq = nn.first;
          c.nk = nn.second;
          c.d = 32;
          c.dv = 48;
          c.problems = 3;
          c.mask = kind;
          c.neg_inf_fraction = neg_inf;
          c.masked_rows = masked_rows;
          c.causal = (seed % 3) == 0;
          c.seed = ++seed;
          CheckCase(c);
        }
      }
    }
  }
  // Almost every key masked: rows with a single visible key return a row of V.
  Case c;
  c.nq = 40;
  c.nk = 100;
  c.mask = MaskKind::kDense;
  c.neg_inf_fraction = 0.99f;
  c.seed = 499;
  CheckCase(c);
}

TEST_F(AttentionSweep, StridedLayouts) {
  uint32_t seed = 500;
  const Layout all[] = {Layout::kContiguous, Layout::kHeadSplit, Layout::kTransposed,
                        Layout::kPadded, Layout::kStrided};
  for (const Layout q : all) {
    for (const Layout k : all) {
      Case c;
      c.nq = 61;
      c.nk = 97;
      c.d = 40;
      c.dv = 24;
      c.problems = 4;
      c.q_layout = q;
      c.k_layout = k;
      c.v_layout = all[(seed + 1) % 5];
      c.out_layout = (seed % 2) ? Layout::kHeadSplit : Layout::kPadded;
      c.mask = (seed % 3) ? MaskKind::kNone : MaskKind::kTransposed;
      c.seed = ++seed;
      CheckCase(c);
    }
  }
  // ViT as exported: Q, K, V and O all [N, B·H, d], N = 197, 12 heads of 64 (and Kᵀ).
  for (const Layout k : {Layout::kHeadSplit, Layout::kTransposed}) {
    Case c;
    c.nq = c.nk = 197;
    c.problems = 12;
    c.q_layout = c.v_layout = c.out_layout = Layout::kHeadSplit;
    c.k_layout = k;
    c.seed = ++seed;
    CheckCase(c);
  }
}

TEST_F(AttentionSweep, GrowingMaxAndLargeScores) {
  // Scores that rise along the keys rescale the partial output at every key block; scale 1
  // with d = 128 gives scores of ±30 (the softmax is nearly one-hot).
  uint32_t seed = 600;
  for (const bool causal : {false, true}) {
    for (const float scale : {0.f, 1.f}) {
      for (const int64_t kv_block : {0, 16}) {  // default (128 keys at d = 128) and 25 blocks
        Case c;
        c.blocks = {kv_block == 0 ? 0 : 96, kv_block};
        c.nq = 100;
        c.nk = 400;
        c.d = 128;
        c.dv = 64;
        c.ramp = true;
        c.scale = scale;
        c.causal = causal;
        c.seed = ++seed;
        CheckCase(c);
      }
    }
  }
}

TEST_F(AttentionSweep, CustomBlocks) {
  // Small and odd blocks (kv_block not a multiple of the panel is rounded down; q_block 1).
  const AttentionBlocks blocks[] = {{1, 16}, {7, 16}, {6, 33}, {13, 64}, {200, 256}};
  uint32_t seed = 700;
  for (const AttentionBlocks& b : blocks) {
    for (const bool causal : {false, true}) {
      Case c;
      c.nq = 50;
      c.nk = 77;
      c.d = 24;
      c.dv = 16;
      c.problems = 2;
      c.causal = causal;
      c.blocks = b;
      c.mask = MaskKind::kKeyPadding;
      c.neg_inf_fraction = 0.2f;
      c.seed = ++seed;
      CheckCase(c);
    }
  }
}

// Query rows do not depend on the block they are computed in, nor on how the (problem, query
// block) grid is split between calls: every split gives the same bits as one call.
TEST_F(AttentionSweep, RangesAndSplitsBitIdentical) {
  for (const bool causal : {false, true}) {
    Case c;
    c.nq = 197;
    c.nk = 150;
    c.d = 64;
    c.dv = 64;
    c.problems = 3;
    c.causal = causal;
    c.out_layout = Layout::kPadded;
    c.mask = MaskKind::kDense;
    c.neg_inf_fraction = 0.1f;
    c.blocks = {96, 32};  // five key blocks: rescales, and causal strips on both softmax paths
    c.seed = causal ? 801 : 800;
    SCOPED_TRACE(c.Describe());
    Inputs in(c);
    auto whole = in.NewOutput();
    RunFlashRange(in, whole->data(), 0, c.problems, 0, in.QueryBlocks());

    // One call per (problem, query block).
    auto split = in.NewOutput();
    for (int64_t pb = 0; pb < c.problems; ++pb) {
      for (int64_t qb = 0; qb < in.QueryBlocks(); ++qb) {
        RunFlashRange(in, split->data(), pb, pb + 1, qb, qb + 1);
      }
    }
    for (int64_t at = 0; at < whole->size(); ++at) {
      ASSERT_TRUE(SameBits(whole->data()[at], split->data()[at])) << "at " << at;
    }

    // A sub-range writes exactly its rows, with the same bits.
    const int64_t qb0 = 1, qb1 = std::min<int64_t>(2, in.QueryBlocks());
    auto part = in.NewOutput();
    RunFlashRange(in, part->data(), 1, 2, qb0, qb1);
    const int64_t r0 = qb0 * in.blocks.q_block, r1 = std::min(c.nq, qb1 * in.blocks.q_block);
    EXPECT_EQ(CountTouchedOutside(in, *part, 1, 2, r0, r1), 0);
    for (int64_t i = r0; i < r1; ++i) {
      for (int64_t x = 0; x < c.dv; ++x) {
        const int64_t at = in.p.out_head + i * in.p.out_row + x;
        ASSERT_TRUE(SameBits(whole->data()[at], part->data()[at])) << "row " << i;
      }
    }

    // Other query blocks (6, 7, 96 rows): the same bits, row for row.
    for (const int64_t qblock : {6, 7, 96}) {
      Case c2 = c;
      c2.blocks = {qblock, in.blocks.kv_block};
      Inputs in2(c2);
      auto other = in2.NewOutput();
      RunFlashRange(in2, other->data(), 0, c.problems, 0, in2.QueryBlocks());
      for (int64_t at = 0; at < whole->size(); ++at) {
        ASSERT_TRUE(SameBits(whole->data()[at], other->data()[at]))
            << "q_block " << qblock << " at " << at;
      }
    }
  }
}

TEST(AttentionBlocks, FromCacheSizes) {
  // The arithmetic stated in attention_blocks.cc.
  AttentionBlocks b = attention_blocks(64, 64, 32 << 10, 512 << 10);
  EXPECT_EQ(b.kv_block, 256);
  EXPECT_EQ(b.q_block, 96);
  b = attention_blocks(128, 128, 32 << 10, 512 << 10);
  EXPECT_EQ(b.kv_block, 128);
  EXPECT_EQ(b.q_block, 60);                           // 65536 / (4·256) = 64 → 60
  b = attention_blocks(80, 20, 32 << 10, 512 << 10);  // dv padded to 24: 131072 / 416 = 315
  EXPECT_EQ(b.kv_block, 256);
  b = attention_blocks(64, 64, 8 << 10, 512 << 10);  // the strip's scores: 2048 / 24 = 85
  EXPECT_EQ(b.kv_block, 80);
  b = attention_blocks(64, 64, 0, 0);  // defaults: the same as 32 KiB / 512 KiB
  EXPECT_EQ(b.kv_block, 256);
  EXPECT_EQ(b.q_block, 96);
  b = attention_blocks(1, 1, 1 << 20, 1 << 30);  // clamped
  EXPECT_EQ(b.kv_block, 256);
  EXPECT_EQ(b.q_block, 96);
  b = attention_blocks(4096, 4096, 1 << 10, 1 << 10);
  EXPECT_EQ(b.kv_block, 16);
  EXPECT_EQ(b.q_block, 6);
}

TEST(AttentionBlocks, ScratchIsLinearInLength) {
  // O(N·d): packed Kᵀ and V of one problem plus the fixed per-block regions.
  AttentionProblem p;
  p.problems = 12;
  p.head_dim = p.v_dim = 64;
  const AttentionBlocks b = attention_blocks(64, 64, 0, 0);
  p.q_len = p.kv_len = 1024;
  const int64_t s1 = attention_flash_scratch_floats(p, b);
  p.q_len = p.kv_len = 2048;
  const int64_t s2 = attention_flash_scratch_floats(p, b);
  EXPECT_EQ(s2 - s1, 1024 * (64 + 64));
  EXPECT_LT(s1, 1024 * 128 + 64 * 1024);
}

}  // namespace
}  // namespace finch::kernels
