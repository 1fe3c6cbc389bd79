// The channels-last convolution as the runtime binds it (runtime/ops/conv_nhwc.cc): one Conv or
// finch::FusedConv node run through Session with the lowering on (layout-nhwc: the NHWC kernels,
// between two Transposes) and off (the NCHW reference), over a sweep of shapes and attributes.
//
// Data are small integers (-3..3, weights and bias too), so every sum is an integer far below
// 2^24 and exact in float whatever the order of the additions: outputs must be EQUAL when the
// activation is exact (none, Relu, Clip), within a tolerance for SiLU and HardSwish (the AVX2
// vector exp differs from std::exp by a few ulps). (Equality as floats: +0 and -0 compare equal,
// the sign of an exact zero depends on the order of the sums.)
//
// The NHWC run is repeated with 3 threads and must give the same bits as with 1.
//
// Each case also checks which kernel the plan chose (RunProfile::steps[i].kernel), so that a
// dispatch regression (a shape falling to a slower candidate) fails here. Without AVX2/FMA (or
// with FINCH_DISABLE_ISA=avx2) the expected names are the *_ref ones.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "graph/ops/fused.h"
#include "kernels/onednn/conv_onednn.h"
#include "runtime/cpu_features.h"
#include "runtime/session.h"
#include "tests/util/graph_builder.h"
#include "tests/util/test_util.h"

namespace finch::testing {
namespace {

struct ConvCase {
  int64_t batch = 1, cin = 1, cout = 1, h = 1, w = 1, kh = 1, kw = 1, group = 1;
  int64_t stride = 1, dilation = 1;
  int64_t stride_w = 0;       // 0: the same as stride
  std::vector<int64_t> pads;  // [top, left, bottom, right]; empty: the attribute is absent
  std::string auto_pad;       // "" : absent
  bool bias = true;
  // A finch::FusedConv (when fused): activation ("" none, "Relu", "Clip" [0, 6], "SiLU",
  // "HardSwish") and a residual input Z.
  bool fused = false;
  std::string activation;
  bool residual = false;

  std::string Label() const {
    std::string s = StrCat(fused ? "FusedConv" : "Conv", " N", batch, " ", cin, "->", cout, " ",
                           h, "x", w, " k", kh, "x", kw, " g", group, " s", stride, "x",
                           StrideW(), " d",
                           dilation, bias ? " bias" : " nobias");
    if (!pads.empty()) {
      s += StrCat(" pads[", pads[0], ",", pads[1], ",", pads[2], ",", pads[3], "]");
    }
    if (!auto_pad.empty()) s += " " + auto_pad;
    if (!activation.empty()) s += " act " + activation;
    if (residual) s += " +Z";
    return s;
  }
  int64_t Pad(int i) const { return pads.empty() ? 0 : pads[i]; }
  int64_t StrideW() const { return stride_w ? stride_w : stride; }
  int64_t OutDim(int64_t in, int64_t k, int i) const {
    const int64_t s = i == 0 ? stride : StrideW();
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") return (in + s - 1) / s;
    return (in + Pad(i) + Pad(i + 2) - dilation * (k - 1) - 1) / s + 1;
  }
  Shape OutShape() const { return {batch, cout, OutDim(h, kh, 0), OutDim(w, kw, 1)}; }
  bool Pointwise() const {
    return kh == 1 && kw == 1 && stride == 1 && StrideW() == 1 && group == 1 && Pad(0) == 0 &&
           Pad(1) == 0 && Pad(2) == 0 && Pad(3) == 0;
  }
  bool Depthwise() const { return group == cin && cout == cin; }
  bool ExactActivation() const { return activation != "SiLU" && activation != "HardSwish"; }
};

// uniform integers in [-3, 3], as floats.
Tensor SmallInts(const Shape& shape, std::mt19937& rng) {
  std::uniform_int_distribution<int> dist(-3, 3);
  std::vector<float> v(NumElements(shape));
  for (float& f : v) f = static_cast<float>(dist(rng));
  return Tensor::FromVector<float>(shape, v);
}

bool HaveAvx2() {
  const CpuFeatures& f = GetCpuFeatures();
  return f.avx2 && f.fma;
}

// The kernel runtime/ops/conv_nhwc.cc should choose for `c` on this CPU.
std::string ExpectedKernel(const ConvCase& c) {
  const std::string gemm = HaveAvx2() ? "gemm_f32_packed_avx2" : "gemm_f32_packed_ref";
  if (c.Pointwise()) return "conv1x1_nhwc_" + gemm;
  if (HaveAvx2() && c.Depthwise() && c.dilation == 1 && c.kh == c.kw &&
      (c.kh == 3 || c.kh == 5) && (c.stride == 1 || c.stride == 2) &&
      c.StrideW() == c.stride) {
    return "dwconv_nhwc_avx2";
  }
  // Grouped (depthwise included) and dilated convolutions go to oneDNN when it is on.
  const char* no_onednn = std::getenv("FINCH_DISABLE_ONEDNN");
  const bool onednn = HaveAvx2() && kernels::OneDnnConv::Available() &&
                      !(no_onednn && std::string(no_onednn) == "1");
  if (onednn && (c.group > 1 || c.dilation > 1)) return "conv_onednn_nhwc";
  return "conv_nhwc_im2col_" + gemm;
}

struct Built {
  Graph graph;
  std::vector<Tensor> inputs;
};

Built Build(const ConvCase& c, uint32_t seed) {
  std::mt19937 rng(seed);
  GraphBuilder b;
  b.g.opset_imports[kFinchDomain] = 1;
  Built out;
  const Shape xs = {c.batch, c.cin, c.h, c.w};
  const ValueId x = b.StaticInput("x", xs);
  out.inputs.push_back(SmallInts(xs, rng));
  std::vector<ValueId> in = {
      x, b.Const("w", SmallInts({c.cout, c.cin / c.group, c.kh, c.kw}, rng))};
  if (c.bias) {
    in.push_back(b.Const("b", SmallInts({c.cout}, rng)));
  } else if (c.residual) {
    in.push_back(kNoValue);
  }
  if (c.residual) {
    in.push_back(b.StaticInput("z", c.OutShape()));
    out.inputs.push_back(SmallInts(c.OutShape(), rng));
  }
  std::map<std::string, Attribute> a = {{"kernel_shape", IntsAttr({c.kh, c.kw})},
                                        {"strides", IntsAttr({c.stride, c.StrideW()})},
                                        {"dilations", IntsAttr({c.dilation, c.dilation})},
                                        {"group", IntAttr(c.group)}};
  if (!c.pads.empty()) a["pads"] = IntsAttr(c.pads);
  if (!c.auto_pad.empty()) a["auto_pad"] = StringAttr(c.auto_pad);
  if (!c.activation.empty()) a["activation"] = StringAttr(c.activation);
  if (c.activation == "Clip") a["activation_params"] = FloatsAttr({0.f, 6.f});
  b.Output(b.Op(c.fused ? "FusedConv" : "Conv", "conv", in, a, c.fused ? kFinchDomain : "", 1,
                "y"));
  out.graph = b.g;
  return out;
}

StatusOr<std::vector<Tensor>> RunCase(const Built& built, bool lower, RunProfile* profile,
                                      int threads = 1) {
  SessionOptions options;
  options.threads = threads;
  options.optimize = false;
  options.lower = lower;
  FINCH_ASSIGN_OR_RETURN(std::unique_ptr<Session> s, Session::Create(built.graph, options));
  return s->Run(built.inputs, RunOptions{}, profile);
}

void Check(const ConvCase& c, uint32_t seed = 1) {
  SCOPED_TRACE(c.Label());
  const Built built = Build(c, seed);
  auto want = RunCase(built, false, nullptr);
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  RunProfile profile;
  auto got = RunCase(built, true, &profile);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 1u);
  // Split across 3 threads: the same bits (work is split by output pixels and rows only).
  auto threaded = RunCase(built, true, nullptr, 3);
  ASSERT_TRUE(threaded.ok()) << threaded.status().ToString();
  EXPECT_EQ(std::memcmp((*threaded)[0].raw_data(), (*got)[0].raw_data(), (*got)[0].byte_size()),
            0)
      << "threads 3 vs 1 differ, max |diff| " << MaxAbsDiff((*threaded)[0], (*got)[0]);
  ASSERT_EQ((*want)[0].shape(), c.OutShape());
  if (c.ExactActivation()) {
    ExpectEqualFloats((*got)[0], (*want)[0]);
  } else {
    std::string why;
    EXPECT_TRUE(AllClose((*got)[0], (*want)[0], 1e-5, 1e-5, &why)) << why;
  }
  // Transpose in, the conv, Transpose out.
  int convs = 0;
  for (const RunProfile::Step& step : profile.steps) {
    if (step.op_type != "finch::FusedConv") continue;
    ++convs;
    EXPECT_EQ(step.kernel, ExpectedKernel(c));
  }
  EXPECT_EQ(convs, 1);
  EXPECT_EQ(profile.steps.size(), c.residual ? 4u : 3u);  // + Z's Transpose
}

const int64_t kSizes[] = {1, 2, 7, 13, 28};

TEST(NhwcConv, Pointwise) {
  const std::vector<std::pair<int64_t, int64_t>> channels = {
      {1, 1}, {1, 7}, {7, 8}, {8, 16}, {16, 17}, {17, 33}, {33, 1}, {8, 8}, {33, 33}, {16, 7}};
  int i = 0;
  for (const auto& [cin, cout] : channels) {
    ConvCase c;
    c.cin = cin;
    c.cout = cout;
    c.h = kSizes[i % 5];
    c.w = kSizes[(i + 2) % 5];
    c.batch = 1 + i % 2;
    c.bias = i % 3 != 0;
    Check(c, 100 + i);
    ++i;
  }
  // A MobileNet-size expand: 28x28, 32 -> 96 (many row blocks and panels, split across threads).
  ConvCase big;
  big.cin = 32;
  big.cout = 96;
  big.h = big.w = 28;
  big.batch = 2;
  Check(big, 120);
}

// 1x1 that the GEMM path does not take: stride 2, padded.
TEST(NhwcConv, PointwiseStridedOrPadded) {
  ConvCase c;
  c.cin = 9;
  c.cout = 17;
  c.h = 13;
  c.w = 7;
  c.stride = 2;
  Check(c, 130);
  c.stride = 1;
  c.pads = {1, 0, 0, 1};
  Check(c, 131);
}

TEST(NhwcConv, Depthwise) {
  int i = 0;
  for (int64_t k : {3, 5}) {
    for (int64_t stride : {1, 2}) {
      for (int64_t ch : {1, 7, 8, 9, 24, 37}) {
        for (int64_t h : kSizes) {
          ConvCase c;
          c.cin = c.cout = c.group = ch;
          c.kh = c.kw = k;
          c.stride = stride;
          c.pads = {k / 2, k / 2, k / 2, k / 2};
          c.h = h;
          c.w = kSizes[(i * 3 + 1) % 5];
          c.batch = 1 + (i / 7) % 2;
          c.bias = i % 4 != 1;
          Check(c, 200 + i);
          ++i;
        }
      }
    }
  }
}

// Unpadded depthwise, and one whose first and last output rows see only padding (act(bias)).
TEST(NhwcConv, DepthwisePaddingExtremes) {
  ConvCase c;
  c.cin = c.cout = c.group = 9;
  c.kh = c.kw = 3;
  c.h = 7;
  c.w = 13;
  Check(c, 240);  // no pads
  c.pads = {3, 3, 3, 3};
  Check(c, 241);
  c.stride = 2;
  c.kh = c.kw = 5;
  c.pads = {5, 4, 5, 4};
  c.batch = 2;
  Check(c, 242);
}

// Depthwise shapes the AVX2 kernel does not take: non-square, a channel multiplier, stride 3.
TEST(NhwcConv, DepthwiseOtherShapes) {
  ConvCase c;
  c.cin = c.cout = c.group = 8;
  c.kh = 1;
  c.kw = 3;
  c.h = c.w = 7;
  c.pads = {0, 1, 0, 1};
  Check(c, 250);
  c.kh = c.kw = 3;
  c.pads = {1, 1, 1, 1};
  c.cout = 16;  // multiplier 2
  Check(c, 251);
  c.cout = 8;
  c.stride = 3;
  c.h = c.w = 13;
  Check(c, 252);
}

TEST(NhwcConv, DenseStem) {
  int i = 0;
  for (int64_t cout : {16, 32}) {
    for (int64_t size : {7, 13, 28}) {
      ConvCase c;
      c.cin = 3;
      c.cout = cout;
      c.kh = c.kw = 3;
      c.stride = 2;
      c.pads = {1, 1, 1, 1};
      c.h = c.w = size;
      c.batch = 1 + i % 2;
      c.bias = i != 2;
      Check(c, 300 + i++);
    }
  }
}

TEST(NhwcConv, Grouped) {
  ConvCase c;
  c.kh = c.kw = 3;
  c.pads = {1, 1, 1, 1};
  c.h = 7;
  c.w = 13;
  c.cin = 8;
  c.cout = 12;
  c.group = 2;
  Check(c, 400);
  c.cin = 16;
  c.cout = 8;
  c.group = 4;
  c.stride = 2;
  c.batch = 2;
  Check(c, 401);
  c.kh = c.kw = 1;
  c.pads.clear();
  c.stride = 1;
  Check(c, 402);  // grouped 1x1: not the single-group GEMM path
}

TEST(NhwcConv, Dilated) {
  ConvCase c;
  c.kh = c.kw = 3;
  c.dilation = 2;
  c.pads = {2, 2, 2, 2};
  c.h = c.w = 13;
  c.cin = c.cout = c.group = 9;  // depthwise
  Check(c, 500);
  c.cout = 5;
  c.group = 1;  // dense
  c.stride = 2;
  c.batch = 2;
  Check(c, 501);
}

TEST(NhwcConv, AsymmetricPadsAndAutoPad) {
  ConvCase c;
  c.kh = c.kw = 3;
  c.h = 7;
  c.w = 13;
  c.pads = {0, 1, 1, 0};
  c.cin = 4;
  c.cout = 6;
  Check(c, 600);  // dense
  c.cin = c.cout = c.group = 8;
  Check(c, 601);  // depthwise
  c.pads.clear();
  c.auto_pad = "SAME_UPPER";
  c.stride = 2;
  Check(c, 602);  // depthwise, pad (0, 1) where the total is odd
  c.cin = 3;
  c.cout = 16;
  c.group = 1;
  c.h = c.w = 28;
  Check(c, 603);  // dense stem
  c.auto_pad = "SAME_LOWER";
  c.h = 13;
  Check(c, 604);
}

// finch::FusedConv built directly: each activation, with and without a residual Z, on the three
// fast paths (1x1 GEMM, depthwise, im2col) and the depthwise at stride 2.
TEST(NhwcConv, FusedActivationsAndResidual) {
  const std::vector<std::string> acts = {"", "Relu", "Clip", "SiLU", "HardSwish"};
  int i = 0;
  for (int kind = 0; kind < 4; ++kind) {
    for (const std::string& act : acts) {
      for (bool residual : {false, true}) {
        ConvCase c;
        c.fused = true;
        c.activation = act;
        c.residual = residual;
        c.h = kSizes[1 + i % 4];
        c.w = kSizes[1 + (i + 1) % 4];
        c.batch = 1 + i % 2;
        c.bias = i % 3 != 2;
        switch (kind) {
          case 0:  // 1x1
            c.cin = 17;
            c.cout = 9;
            break;
          case 1:  // depthwise 3x3
          case 3:  // depthwise 3x3 stride 2
            c.cin = c.cout = c.group = 9;
            c.kh = c.kw = 3;
            c.pads = {1, 1, 1, 1};
            c.stride = kind == 3 ? 2 : 1;
            break;
          case 2:  // dense 3x3
            c.cin = 5;
            c.cout = 7;
            c.kh = c.kw = 3;
            c.pads = {1, 1, 1, 1};
            break;
        }
        Check(c, 700 + i++);
      }
    }
  }
}

// A residual 1x1 over two 28x28 images (many GEMM row blocks, several column panels, split
// across the threads) with the activations whose epilogue is not a plain max/min.
TEST(NhwcConv, FusedPointwiseBatchAcrossRowBlocks) {
  for (const char* act : {"Clip", "HardSwish", "SiLU"}) {
    ConvCase c;
    c.fused = true;
    c.activation = act;
    c.residual = true;
    c.cin = 24;
    c.cout = 40;
    c.h = c.w = 28;
    c.batch = 2;
    Check(c, 800);
  }
}

// Strides that differ per axis (no AVX2 depthwise), and a wide dense conv (K = 64·9 = 576 per
// output, 40 output channels: two and a half GEMM panels).
TEST(NhwcConv, NonSquareStridesAndWideDense) {
  ConvCase c;
  c.kh = c.kw = 3;
  c.pads = {1, 1, 1, 1};
  c.h = 13;
  c.w = 28;
  c.stride = 2;
  c.stride_w = 1;
  c.cin = c.cout = c.group = 8;
  Check(c, 1000);  // depthwise
  c.stride = 1;
  c.stride_w = 2;
  c.cin = 5;
  c.cout = 7;
  c.group = 1;
  Check(c, 1001);  // dense
  ConvCase wide;
  wide.cin = 64;
  wide.cout = 40;
  wide.kh = wide.kw = 3;
  wide.pads = {1, 1, 1, 1};
  wide.h = wide.w = 28;
  Check(wide, 1002);
  wide.fused = true;
  wide.residual = true;
  wide.activation = "Relu";
  wide.batch = 2;
  wide.h = 13;
  Check(wide, 1003);
}

TEST(NhwcConv, BatchTwoEveryPath) {
  ConvCase c;
  c.batch = 2;
  c.h = 13;
  c.w = 7;
  c.cin = c.cout = 16;
  Check(c, 900);  // 1x1
  c.group = 16;
  c.kh = c.kw = 5;
  c.pads = {2, 2, 2, 2};
  c.stride = 2;
  Check(c, 901);  // depthwise
  c.group = 1;
  c.kh = c.kw = 3;
  c.pads = {1, 1, 1, 1};
  Check(c, 902);  // im2col
}

}  // namespace
}  // namespace finch::testing
