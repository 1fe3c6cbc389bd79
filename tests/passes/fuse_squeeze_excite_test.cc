// fuse-squeeze-excite on tiny graphs built in code: GlobalAveragePool -> FusedConv 1x1 + act ->
// FusedConv 1x1 + gate -> Mul, as fold-batchnorm and fuse-activation leave it.
//
// Outputs are compared with rtol 1e-5: the SqueezeExcite reference kernel composes the same
// reference kernels (global average pool, 1x1 conv, activation, broadcast Mul) in the same
// float order, so today the results agree to the bit; the tolerance leaves room for a fast
// kernel that reorders the 1x1 convs' sums (a few ulps on values of order 1).
#include <gtest/gtest.h>

#include "graph/ops/fused.h"
#include "graph/passes/passes.h"
#include "graph/passes/pipeline.h"
#include "tests/util/pass_test_util.h"
#include "tests/util/test_util.h"

namespace finch::testing {
namespace {

// A FusedConv's attributes as fuse-activation leaves them.
std::map<std::string, Attribute> ConvAttrs(int64_t k, int64_t stride, int64_t pad, int64_t group,
                                           const std::string& act, std::vector<float> params,
                                           std::vector<std::string> fused_from) {
  return FusedConvAttrs(k, k, stride, {pad, pad, pad, pad}, group, act, std::move(params),
                        std::move(fused_from));
}

// The shape of one squeeze-excite test graph; the defaults make a fusable one.
struct SeSpec {
  int64_t channels = 5, reduced = 3, h = 4, w = 3, batch = 2;
  bool gate_first = false;  // Mul(g, x) instead of Mul(x, g)
  bool biases = true;
  bool w1_constant = true;
  int64_t k1 = 1, pad1 = 0, group1 = 1, stride2 = 1;
  std::string act = "SiLU", gate = "Sigmoid";
  std::vector<float> gate_params;
  bool mul_other_tensor = false;   // Mul(x2, g): x2 is another input
  bool pooled_is_output = false;   // s is also a graph output
  bool mid_second_reader = false;  // m also read by a Relu that is a graph output
  bool x_second_reader = false;    // x also read by a Relu (allowed)
  bool fc1_plain_conv = false;     // the first conv as a plain Conv (no activation fused)
};

Graph BuildSe(const SeSpec& s) {
  GraphBuilder b = FusedGraphBuilder(1234);
  const Shape xs = {s.batch, s.channels, s.h, s.w};
  const ValueId x = b.StaticInput("x", xs);
  const ValueId x2 = s.mul_other_tensor ? b.StaticInput("x2", xs) : kNoValue;
  const ValueId w1 = s.w1_constant
                         ? b.Weight("w1", {s.reduced, s.channels / s.group1, s.k1, s.k1})
                         : b.StaticInput("w1", {s.reduced, s.channels / s.group1, s.k1, s.k1});
  const ValueId b1 = s.biases ? b.Weight("b1", {s.reduced}) : kNoValue;
  const ValueId w2 = b.Weight("w2", {s.channels, s.reduced, 1, 1});
  const ValueId b2 = s.biases ? b.Weight("b2", {s.channels}) : kNoValue;
  const ValueId pooled = b.Op("GlobalAveragePool", "se.pool", {x});
  std::vector<ValueId> in1 = {pooled, w1}, in2;
  if (s.biases) in1.push_back(b1);
  std::map<std::string, Attribute> attrs1 =
      ConvAttrs(s.k1, 1, s.pad1, s.group1, s.act, {}, {"se.fc1", "se.act"});
  if (s.fc1_plain_conv) {
    attrs1.erase("fused_from");
    attrs1.erase("activation");
  }
  const ValueId mid = b.Op(s.fc1_plain_conv ? "Conv" : "FusedConv", "se.fc1", in1, attrs1,
                           s.fc1_plain_conv ? "" : kFinchDomain);
  in2 = {mid, w2};
  if (s.biases) in2.push_back(b2);
  const ValueId g = b.Op(
      "FusedConv", "se.fc2", in2,
      ConvAttrs(1, s.stride2, 0, 1, s.gate, s.gate_params, {"se.fc2", "se.gate"}), kFinchDomain);
  const ValueId other = s.mul_other_tensor ? x2 : x;
  const ValueId y =
      b.Op("Mul", "se.mul",
           s.gate_first ? std::vector<ValueId>{g, other} : std::vector<ValueId>{other, g}, {}, "",
           1, "y");
  b.Output(y);
  if (s.pooled_is_output) b.Output(pooled);
  if (s.mid_second_reader) b.Output(b.Op("Relu", "mid_relu", {mid}));
  if (s.x_second_reader) b.Output(b.Op("Relu", "x_relu", {x}));
  return b.g;
}

void ExpectSameOutputs(const Graph& before, const Graph& after) {
  testing::ExpectSameOutputs(before, after, RandomInputs(before, 99), 1e-5, 1e-6);
}

PassResult RunPass(const Graph& g) { return ApplyPass(FuseSqueezeExcite, g); }

void ExpectNoMatch(const SeSpec& spec) {
  const Graph g = BuildSe(spec);
  ExpectUnchanged(FuseSqueezeExcite(g, PassContext{}), g);
}

TEST(FuseSqueezeExcitePass, FusesGapConvConvMul) {
  const Graph g = BuildSe({});
  const PassResult r = RunPass(g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"finch::SqueezeExcite", 1}}));
  const Node* se = FindOp(r.graph, "SqueezeExcite");
  ASSERT_NE(se, nullptr);
  EXPECT_EQ(se->name, "se.pool");
  EXPECT_EQ(se->GetString("activation", "").value(), "SiLU");
  EXPECT_EQ(se->GetString("gate_activation", "").value(), "Sigmoid");
  EXPECT_EQ(
      se->FindAttribute("fused_from")->strings,
      (std::vector<std::string>{"se.pool", "se.fc1", "se.act", "se.fc2", "se.gate", "se.mul"}));
  ASSERT_EQ(se->inputs.size(), 5u);
  EXPECT_EQ(r.graph.values[se->inputs[0]].name, "x");
  EXPECT_EQ(r.graph.values[se->inputs[1]].name, "w1");
  EXPECT_EQ(r.graph.values[se->inputs[2]].name, "b1");
  EXPECT_EQ(r.graph.values[se->inputs[3]].name, "w2");
  EXPECT_EQ(r.graph.values[se->inputs[4]].name, "b2");
  EXPECT_EQ(r.graph.values[se->outputs[0]].name, "y");  // the Mul's value
  EXPECT_EQ(r.graph.values[r.graph.outputs[0]].name, "y");
  ExpectSameOutputs(g, r.graph);
}

TEST(FuseSqueezeExcitePass, GateFirstHardSigmoidAndOtherReadersOfX) {
  SeSpec spec;
  spec.gate_first = true;
  spec.act = "Relu";
  spec.gate = "HardSigmoid";
  spec.gate_params = {1.f / 6, 0.5f};
  spec.x_second_reader = true;
  spec.channels = 7;
  const Graph g = BuildSe(spec);
  const PassResult r = RunPass(g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph),
            (std::map<std::string, int>{{"finch::SqueezeExcite", 1}, {"Relu", 1}}));
  const Node* se = FindOp(r.graph, "SqueezeExcite");
  ASSERT_NE(se, nullptr);
  EXPECT_EQ(se->GetString("activation", "").value(), "Relu");
  EXPECT_EQ(se->GetString("gate_activation", "").value(), "HardSigmoid");
  EXPECT_EQ(se->GetFloats("gate_activation_params", {}).value(),
            (std::vector<float>{1.f / 6, 0.5f}));
  ExpectSameOutputs(g, r.graph);
}

// A Conv without a bias adds nothing: the fused node gets zero bias constants.
TEST(FuseSqueezeExcitePass, MissingBiasesBecomeZeroConstants) {
  SeSpec spec;
  spec.biases = false;
  const Graph g = BuildSe(spec);
  const PassResult r = RunPass(g);
  EXPECT_EQ(r.rewrites, 1);
  const Node* se = FindOp(r.graph, "SqueezeExcite");
  ASSERT_NE(se, nullptr);
  ASSERT_EQ(se->inputs.size(), 5u);
  for (int i : {2, 4}) {
    const Tensor* bias = r.graph.values[se->inputs[i]].constant.get();
    ASSERT_NE(bias, nullptr);
    EXPECT_EQ(bias->shape(), (Shape{i == 2 ? spec.reduced : spec.channels}));
    for (float v : ToFloats(*bias)) EXPECT_EQ(v, 0.f);
  }
  ExpectSameOutputs(g, r.graph);
}

// A conv with no activation stays a plain Conv; it fuses all the same (activation "").
TEST(FuseSqueezeExcitePass, FusesPlainConvWithoutActivation) {
  SeSpec spec;
  spec.fc1_plain_conv = true;
  const Graph g = BuildSe(spec);
  const PassResult r = RunPass(g);
  EXPECT_EQ(r.rewrites, 1);
  const Node* se = FindOp(r.graph, "SqueezeExcite");
  ASSERT_NE(se, nullptr);
  EXPECT_EQ(se->FindAttribute("activation"), nullptr);
  EXPECT_EQ(se->FindAttribute("fused_from")->strings,
            (std::vector<std::string>{"se.pool", "se.fc1", "se.fc2", "se.gate", "se.mul"}));
  ExpectSameOutputs(g, r.graph);
}

TEST(FuseSqueezeExcitePass, GuardWeightNotConstant) {
  SeSpec spec;
  spec.w1_constant = false;
  ExpectNoMatch(spec);
}

TEST(FuseSqueezeExcitePass, GuardConvNot1x1WithPadding) {
  SeSpec spec;
  spec.k1 = 3;
  spec.pad1 = 1;  // 3x3 over the 1x1 pooled map: still [N, Cr, 1, 1], but not a pointwise conv
  ExpectNoMatch(spec);
}

TEST(FuseSqueezeExcitePass, GuardConvStride) {
  SeSpec spec;
  spec.stride2 = 2;
  ExpectNoMatch(spec);
}

TEST(FuseSqueezeExcitePass, GuardConvGroups) {
  SeSpec spec;
  spec.channels = 6;
  spec.group1 = 3;
  ExpectNoMatch(spec);
}

TEST(FuseSqueezeExcitePass, GuardPooledValueIsGraphOutput) {
  SeSpec spec;
  spec.pooled_is_output = true;
  ExpectNoMatch(spec);
}

TEST(FuseSqueezeExcitePass, GuardIntermediateWithOtherReader) {
  SeSpec spec;
  spec.mid_second_reader = true;
  ExpectNoMatch(spec);
}

TEST(FuseSqueezeExcitePass, GuardMulOfDifferentTensor) {
  SeSpec spec;
  spec.mul_other_tensor = true;
  ExpectNoMatch(spec);
}

TEST(FuseSqueezeExcitePass, GuardGateIsNotSigmoid) {
  SeSpec spec;
  spec.gate = "Relu";
  ExpectNoMatch(spec);
}

}  // namespace
}  // namespace finch::testing
