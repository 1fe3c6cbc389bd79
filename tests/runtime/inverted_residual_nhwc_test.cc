// The fused channels-last inverted-residual kernel (runtime/ops/inverted_residual_nhwc.cc)
// against the NCHW reference kernel of finch::InvertedResidual: a graph of ONE such node run
// through Session with the lowering on (Transpose, the fused row-banded NHWC kernel, Transpose)
// and off (inverted_residual_f32_ref), over expand or not, stride 1/2, 3x3/5x5, squeeze-excite or
// not, residual or not, odd and MobileNet-like channel counts, H/W from 1 to 56, batch 1/2.
//
// Data: X small integers (-3..3), weights and biases small integers / 4 (exact binary
// fractions): without squeeze-excite and with exact activations (MobileNet's ReLU6 = Clip(0, 6))
// every sum is exact in float in any order, so the fused kernel must give the reference's
// values EXACTLY. EfficientNet-style blocks (SiLU, squeeze-excite with a sigmoid gate) use the
// vector exp and sum the squeeze mean in another order: rtol 1e-5, atol 1e-5 × max |output|.
//
// The fused kernel splits work by output rows between threads and bands: threads 1, 2 and 3
// must give BIT-IDENTICAL outputs (memcmp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "graph/ops/fused.h"
#include "runtime/cpu_features.h"
#include "runtime/session.h"
#include "tests/util/graph_builder.h"
#include "tests/util/test_util.h"

namespace finch::testing {
namespace {

struct IrCase {
  int64_t batch = 1, cin = 7, hidden = 0, cout = 7, h = 7, w = 7;  // hidden 0: no expand
  int64_t k = 3, stride = 1, dilation = 1;
  bool se = false;
  int64_t se_reduced = 3;
  bool residual = false;
  bool efficientnet = false;  // SiLU activations (+ SE gate Sigmoid); else ReLU6 (Clip 0..6)

  bool expand() const { return hidden > 0; }
  int64_t Hidden() const { return expand() ? hidden : cin; }
  int64_t OutDim(int64_t in) const {
    const int64_t pad = dilation * (k / 2);
    return (in + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
  }
  bool Exact() const { return !se && !efficientnet; }
  std::string Label() const {
    return StrCat("N", batch, " ", cin, "->", expand() ? StrCat(hidden) : "(no expand)", "->",
                  cout, " ", h, "x", w, " k", k, " s", stride, dilation > 1 ? " dilated" : "",
                  se ? " SE" : "", residual ? " residual" : "",
                  efficientnet ? " SiLU" : " ReLU6");
  }
};

// Uniform integers in [-3, 3] divided by `div` (exact binary fractions for div 1, 4).
Tensor SmallInts(const Shape& shape, std::mt19937& rng, float div = 1.f) {
  std::uniform_int_distribution<int> dist(-3, 3);
  std::vector<float> v(NumElements(shape));
  for (float& f : v) f = static_cast<float>(dist(rng)) / div;
  return Tensor::FromVector<float>(shape, v);
}

struct Built {
  Graph graph;
  std::vector<Tensor> inputs;
};

Built Build(const IrCase& c, uint32_t seed) {
  std::mt19937 rng(seed);
  GraphBuilder b;
  b.g.opset_imports[kFinchDomain] = 1;
  const Shape xs = {c.batch, c.cin, c.h, c.w};
  Built out;
  out.inputs.push_back(SmallInts(xs, rng));
  const int64_t hid = c.Hidden();
  auto weight = [&](const std::string& name, const Shape& s) {
    return b.Const(name, SmallInts(s, rng, 4.f));
  };
  std::vector<ValueId> in(kIrNumInputs, kNoValue);
  in[kIrX] = b.StaticInput("x", xs);
  if (c.expand()) {
    in[kIrExpandW] = weight("w_expand", {hid, c.cin, 1, 1});
    in[kIrExpandB] = weight("b_expand", {hid});
  }
  in[kIrDepthwiseW] = weight("w_dw", {hid, 1, c.k, c.k});
  in[kIrDepthwiseB] = weight("b_dw", {hid});
  if (c.se) {
    in[kIrSeReduceW] = weight("w_se1", {c.se_reduced, hid, 1, 1});
    in[kIrSeReduceB] = weight("b_se1", {c.se_reduced});
    in[kIrSeExpandW] = weight("w_se2", {hid, c.se_reduced, 1, 1});
    in[kIrSeExpandB] = weight("b_se2", {hid});
  }
  in[kIrProjectW] = weight("w_project", {c.cout, hid, 1, 1});
  in[kIrProjectB] = weight("b_project", {c.cout});

  const int64_t pad = c.dilation * (c.k / 2);
  std::map<std::string, Attribute> a = {{"dw_strides", IntsAttr({c.stride, c.stride})},
                                        {"dw_pads", IntsAttr({pad, pad, pad, pad})},
                                        {"dw_dilations", IntsAttr({c.dilation, c.dilation})},
                                        {"residual", IntAttr(c.residual ? 1 : 0)}};
  const std::string act = c.efficientnet ? "SiLU" : "Clip";
  for (const std::string prefix : {"expand_", "dw_"}) {
    if (prefix == "expand_" && !c.expand()) continue;
    a[prefix + "activation"] = StringAttr(act);
    if (act == "Clip") a[prefix + "activation_params"] = FloatsAttr({0.f, 6.f});
  }
  if (c.se) {
    a["se_activation"] = StringAttr("SiLU");
    a["se_gate_activation"] = StringAttr("Sigmoid");
  }
  b.Output(b.Op("InvertedResidual", "block", in, a, kFinchDomain, 1, "y"));
  out.graph = b.g;
  return out;
}

StatusOr<std::vector<Tensor>> RunCase(const Built& built, bool lower, int threads,
                                      RunProfile* profile) {
  SessionOptions options;
  options.threads = threads;
  options.optimize = false;
  options.lower = lower;
  FINCH_ASSIGN_OR_RETURN(std::unique_ptr<Session> s, Session::Create(built.graph, options));
  return s->Run(built.inputs, RunOptions{}, profile);
}

// The kernel chosen for `c` is the fused NHWC one ("inverted_residual_nhwc_<how>_<isa>", <how>
// being the schedule: staged or banded) with the AVX2 depthwise when the CPU has AVX2/FMA; a
// dilated block runs the reference through the NCHW fallback.
void ExpectKernel(const IrCase& c, const std::string& kernel) {
  if (c.dilation != 1) {
    EXPECT_EQ(kernel, "inverted_residual_f32_ref_via_nchw");
    return;
  }
  const CpuFeatures& f = GetCpuFeatures();
  const std::string isa = f.avx2 && f.fma ? "_avx2" : "_ref";
  EXPECT_EQ(kernel.rfind("inverted_residual_nhwc_", 0), 0u) << kernel;
  EXPECT_TRUE(kernel.size() > isa.size() &&
              kernel.compare(kernel.size() - isa.size(), isa.size(), isa) == 0)
      << kernel << " does not end in " << isa;
}

bool BitIdentical(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() &&
         std::memcmp(a.raw_data(), b.raw_data(), a.byte_size()) == 0;
}

void Check(const IrCase& c, uint32_t seed = 1) {
  SCOPED_TRACE(c.Label());
  const Built built = Build(c, seed);
  auto want = RunCase(built, false, 1, nullptr);
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  ASSERT_EQ((*want)[0].shape(), (Shape{c.batch, c.cout, c.OutDim(c.h), c.OutDim(c.w)}));
  std::vector<Tensor> got;
  for (int threads : {1, 2, 3}) {
    RunProfile profile;
    auto out = RunCase(built, true, threads, &profile);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    got.push_back((*out)[0]);
    int blocks = 0;
    for (const RunProfile::Step& step : profile.steps) {
      if (step.op_type != "finch::InvertedResidual") continue;
      ++blocks;
      ExpectKernel(c, step.kernel);
    }
    EXPECT_EQ(blocks, 1);
  }
  if (c.Exact()) {
    ExpectEqualFloats(got[0], (*want)[0]);
  } else {
    std::string why;
    EXPECT_TRUE(AllClose(got[0], (*want)[0], 1e-5, 1e-5 * MaxAbs((*want)[0]), &why)) << why;
  }
  EXPECT_TRUE(BitIdentical(got[1], got[0])) << "threads 2 vs 1, max |diff| "
                                            << MaxAbsDiff(got[1], got[0]);
  EXPECT_TRUE(BitIdentical(got[2], got[0])) << "threads 3 vs 1, max |diff| "
                                            << MaxAbsDiff(got[2], got[0]);
}

// Odd channel counts over every size, kernel and stride; expand, SE and residual alternate.
TEST(NhwcInvertedResidual, OddChannelsSweep) {
  const int64_t sizes[] = {1, 3, 7, 13, 28};
  int i = 0;
  for (int64_t h : sizes) {
    for (int64_t k : {3, 5}) {
      for (int64_t stride : {1, 2}) {
        IrCase c;
        c.h = h;
        c.w = sizes[(i + 2) % 5];
        c.k = k;
        c.stride = stride;
        c.cin = i % 3 == 0 ? 9 : 7;
        c.hidden = i % 4 == 3 ? 0 : 17;
        c.cout = stride == 1 && i % 2 == 0 ? c.cin : 9;
        c.residual = stride == 1 && c.cout == c.cin;
        c.batch = 1 + (i / 3) % 2;
        Check(c, 100 + i++);
      }
    }
  }
}

// MobileNetV2's blocks at their own sizes: 16 -> 96 -> 24 stride 2 at 112 -> 56 (here 56 ->
// 28), 24 -> 144 -> 24 with residual at 56x56 (several bands per image, overlapping rows
// reused), the first block without expand (32 -> 16), a 5x5.
TEST(NhwcInvertedResidual, MobileNetBlocks) {
  IrCase c;
  c.cin = 16;
  c.hidden = 96;
  c.cout = 24;
  c.h = c.w = 56;
  c.stride = 2;
  Check(c, 200);
  c.cin = c.cout = 24;
  c.hidden = 144;
  c.stride = 1;
  c.residual = true;
  Check(c, 201);
  c.batch = 2;
  c.h = c.w = 28;
  Check(c, 202);
  IrCase first;
  first.cin = 32;
  first.hidden = 0;
  first.cout = 16;
  first.h = first.w = 28;
  Check(first, 203);
  IrCase k5;
  k5.cin = 16;
  k5.hidden = 96;
  k5.cout = 16;
  k5.k = 5;
  k5.h = 13;
  k5.w = 28;
  k5.residual = true;
  Check(k5, 204);
}

// EfficientNet's MBConv: SiLU, squeeze-excite (sigmoid gate), 3x3 and 5x5, residual or not.
TEST(NhwcInvertedResidual, EfficientNetBlocksWithSqueezeExcite) {
  const int64_t sizes[] = {1, 3, 7, 13, 28, 56};
  int i = 0;
  for (int64_t h : sizes) {
    for (int64_t k : {3, 5}) {
      IrCase c;
      c.efficientnet = true;
      c.se = true;
      c.k = k;
      c.h = c.w = h;
      c.stride = i % 3 == 2 ? 2 : 1;
      c.cin = i % 2 ? 9 : 16;
      c.hidden = i % 4 == 1 ? 0 : (h == 56 ? 48 : 17 + i);
      c.se_reduced = c.cin / 4 + 1;
      c.cout = c.stride == 1 && i % 2 == 0 ? c.cin : 7;
      c.residual = c.stride == 1 && c.cout == c.cin;
      c.batch = 1 + i % 2;
      Check(c, 300 + i++);
    }
  }
}

// SE with ReLU6 elsewhere, and SiLU without SE.
TEST(NhwcInvertedResidual, SqueezeExciteAndSiluSeparately) {
  IrCase c;
  c.cin = c.cout = 9;
  c.hidden = 17;
  c.h = c.w = 13;
  c.se = true;
  c.residual = true;
  Check(c, 400);
  c.se = false;
  c.efficientnet = true;
  c.stride = 2;
  c.residual = false;
  c.batch = 2;
  Check(c, 401);
}

// A dilated depthwise has no fused NHWC kernel: the block runs the reference through the NCHW
// fallback, and must still agree.
TEST(NhwcInvertedResidual, DilatedFallsBackToReference) {
  IrCase c;
  c.cin = c.cout = 7;
  c.hidden = 17;
  c.dilation = 2;
  c.h = c.w = 13;
  c.residual = true;
  Check(c, 500);
}

}  // namespace
}  // namespace finch::testing
