// fuse-activation: Conv/Gemm (+ finch's fused forms) followed by an activation become one
// finch::FusedConv / finch::FusedGemm. Each pattern is checked for structure and run against
// the unfused graph; each guard has a negative test (0 rewrites, identical graph); the shared
// models run through the default pipeline against ONNX Runtime's outputs.
//
// Tolerance: the reference fused kernels compose the same float operations in the same order as
// the separate ops (conv, + Z, activation), so the outputs agree to the last bit in practice;
// rtol 1e-5 only leaves room for a compiler contracting a multiply-add differently in the two
// translation units.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <set>

#include "graph/onnx/tensor_proto.h"
#include "graph/ops/fused.h"
#include "graph/passes/passes.h"
#include "graph/passes/pipeline.h"
#include "runtime/node_evaluator.h"
#include "tests/util/pass_test_util.h"
#include "tests/util/test_util.h"

namespace finch {
namespace {

using testing::FindNode;
using testing::FloatAttr;
using testing::FusedFromOf;
using testing::IntAttr;
using testing::IntsAttr;
using testing::RandomTensor;
using testing::StringsAttr;
// Small graphs with a symbolic batch; node outputs are named "<node>_out".
using Builder = testing::GraphBuilder;

StatusOr<PassResult> RunPass(const Graph& g) { return FuseActivation(g, RuntimePassContext()); }

// Runs `original` and `rewritten` unoptimized on the same inputs; outputs must agree.
void ExpectSameOutputs(const Graph& original, const Graph& rewritten,
                       const std::vector<Tensor>& inputs) {
  testing::ExpectSameOutputs(original, rewritten, inputs, 1e-5, 1e-6);
}

void ExpectUnchanged(const Graph& g) { testing::ExpectUnchanged(RunPass(g), g); }

// ---- Conv + each activation -------------------------------------------------------------

struct ActCase {
  std::string label;
  int64_t opset;
  std::string op;
  std::map<std::string, Attribute> attributes;
  std::vector<float> clip_inputs;  // opset >= 11 Clip: {min} or {min, max}; NaN = absent
  std::string want_name;
  std::vector<float> want_params;
};

class ConvActivation : public ::testing::TestWithParam<ActCase> {};

TEST_P(ConvActivation, FusesAndMatches) {
  const ActCase& c = GetParam();
  Builder b(c.opset);
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  const ValueId a = b.Conv3x3(x, "conv", 3, 5, 11);
  std::vector<ValueId> in = {a};
  for (size_t i = 0; i < c.clip_inputs.size(); ++i) {
    in.push_back(std::isnan(c.clip_inputs[i])
                     ? kNoValue
                     : b.Const(StrCat("bound", i), Tensor::Scalar<float>(c.clip_inputs[i])));
  }
  b.Output(b.Op(c.op, "act", in, c.attributes));

  auto r = RunPass(b.g);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rewrites, 1);
  const Graph& g = r->graph;
  auto counts = CountOps(g);
  EXPECT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts["finch::FusedConv"], 1);
  const Node* fused = FindNode(g, "conv");
  ASSERT_NE(fused, nullptr);
  EXPECT_EQ(fused->domain, kFinchDomain);
  EXPECT_EQ(FusedFromOf(*fused), std::vector<std::string>({"conv", "act"}));
  EXPECT_EQ(g.values[fused->outputs[0]].name, "act_out");
  EXPECT_EQ(g.values[g.outputs[0]].name, "act_out");
  EXPECT_EQ(fused->inputs.size(), 3u);
  ASSERT_NE(fused->FindAttribute("pads"), nullptr);
  EXPECT_EQ(fused->FindAttribute("pads")->ints, std::vector<int64_t>({1, 1, 1, 1}));
  EXPECT_EQ(fused->GetString("activation", "").value(), c.want_name);
  EXPECT_EQ(fused->GetFloats("activation_params", {}).value(), c.want_params);
  EXPECT_EQ(g.opset(kFinchDomain), 1);
  // Inputs centred so every activation sees both signs and Clip's bounds bite.
  Tensor input = RandomTensor({2, 3, 7, 7}, 5);
  ExpectSameOutputs(b.g, g, {input});
}

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kLowest = std::numeric_limits<float>::lowest();
const float kMax = std::numeric_limits<float>::max();

INSTANTIATE_TEST_SUITE_P(
    FuseActivationPass, ConvActivation,
    ::testing::Values(
        ActCase{"Relu", 13, "Relu", {}, {}, "Relu", {}},
        ActCase{"Relu6Inputs", 13, "Clip", {}, {0.f, 0.5f}, "Clip", {0.f, 0.5f}},
        ActCase{"ClipMaxOnly", 13, "Clip", {}, {kNaN, 0.25f}, "Clip", {kLowest, 0.25f}},
        ActCase{"ClipMinOnly", 12, "Clip", {}, {-0.25f}, "Clip", {-0.25f, kMax}},
        ActCase{"ClipNoBounds", 11, "Clip", {}, {}, "Clip", {kLowest, kMax}},
        ActCase{"ClipAttributes",
                10,
                "Clip",
                {{"min", FloatAttr(-0.5f)}, {"max", FloatAttr(0.5f)}},
                {},
                "Clip",
                {-0.5f, 0.5f}},
        ActCase{"Sigmoid", 13, "Sigmoid", {}, {}, "Sigmoid", {}},
        ActCase{"HardSwish", 14, "HardSwish", {}, {}, "HardSwish", {}},
        ActCase{"HardSigmoidDefaults", 13, "HardSigmoid", {}, {}, "HardSigmoid", {0.2f, 0.5f}},
        ActCase{"HardSigmoid",
                13,
                "HardSigmoid",
                {{"alpha", FloatAttr(0.3f)}, {"beta", FloatAttr(0.4f)}},
                {},
                "HardSigmoid",
                {0.3f, 0.4f}},
        ActCase{"LeakyReluDefault", 13, "LeakyRelu", {}, {}, "LeakyRelu", {0.01f}},
        ActCase{
            "LeakyRelu", 13, "LeakyRelu", {{"alpha", FloatAttr(0.25f)}}, {}, "LeakyRelu", {0.25f}}),
    [](const ::testing::TestParamInfo<ActCase>& info) { return info.param.label; });

// ---- SiLU: Sigmoid + Mul ----------------------------------------------------------------

void CheckSiLU(bool sigmoid_first_in_mul) {
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  const ValueId a = b.Conv3x3(x, "conv", 3, 5, 21);
  const ValueId s = b.Op("Sigmoid", "sig", {a});
  const ValueId y = b.Op(
      "Mul", "mul", sigmoid_first_in_mul ? std::vector<ValueId>{s, a} : std::vector<ValueId>{a, s});
  b.Output(y);
  auto r = RunPass(b.g);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rewrites, 1);
  const Graph& g = r->graph;
  EXPECT_EQ(CountOps(g), (std::map<std::string, int>{{"finch::FusedConv", 1}}));
  const Node& fused = g.nodes[0];
  EXPECT_EQ(fused.name, "conv");
  EXPECT_EQ(fused.GetString("activation", "").value(), "SiLU");
  EXPECT_EQ(fused.FindAttribute("activation_params"), nullptr);
  EXPECT_EQ(FusedFromOf(fused), std::vector<std::string>({"conv", "sig", "mul"}));
  EXPECT_EQ(g.values[fused.outputs[0]].name, "mul_out");
  ExpectSameOutputs(b.g, g, {RandomTensor({2, 3, 7, 7}, 6)});
}

TEST(FuseActivationPass, SiLUMulXSigmoid) { CheckSiLU(false); }
TEST(FuseActivationPass, SiLUMulSigmoidX) { CheckSiLU(true); }

// ---- fused producers, Gemm, chains ------------------------------------------------------

TEST(FuseActivationPass, FusedConvWithResidualTakesActivationAfterZ) {
  Builder b;
  const ValueId x = b.Input("x", {0, 5, 7, 7});
  const ValueId y =
      b.Op("FusedConv", "conv", {x, b.Random("w", {5, 5, 3, 3}, 31), b.Random("bias", {5}, 32), x},
           {{"pads", IntsAttr({1, 1, 1, 1})}, {"fused_from", StringsAttr({"conv", "add"})}},
           kFinchDomain);
  b.g.opset_imports[kFinchDomain] = 1;
  b.Output(b.Op("Relu", "relu", {y}));
  auto r = RunPass(b.g);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rewrites, 1);
  ASSERT_EQ(r->graph.nodes.size(), 1u);
  const Node& fused = r->graph.nodes[0];
  EXPECT_EQ(fused.inputs.size(), 4u);
  EXPECT_EQ(fused.GetString("activation", "").value(), "Relu");
  EXPECT_EQ(FusedFromOf(fused), std::vector<std::string>({"conv", "add", "relu"}));
  EXPECT_EQ(r->graph.values[fused.outputs[0]].name, "relu_out");
  ExpectSameOutputs(b.g, r->graph, {RandomTensor({2, 5, 7, 7}, 7)});
}

TEST(FuseActivationPass, GemmBecomesFusedGemm) {
  Builder b(13);
  const ValueId x = b.Input("x", {0, 7});
  const ValueId y =
      b.Op("Gemm", "fc", {x, b.Random("w", {5, 7}, 41), b.Random("c", {5}, 42)},
           {{"transB", IntAttr(1)}, {"alpha", FloatAttr(0.75f)}, {"beta", FloatAttr(1.5f)}});
  b.Output(b.Op("LeakyRelu", "lrelu", {y}, {{"alpha", FloatAttr(0.1f)}}));
  auto r = RunPass(b.g);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rewrites, 1);
  EXPECT_EQ(CountOps(r->graph), (std::map<std::string, int>{{"finch::FusedGemm", 1}}));
  const Node& fused = r->graph.nodes[0];
  EXPECT_EQ(fused.name, "fc");
  EXPECT_EQ(fused.GetInt("transB", 0).value(), 1);
  EXPECT_EQ(fused.GetFloat("alpha", 1).value(), 0.75f);
  EXPECT_EQ(fused.GetFloat("beta", 1).value(), 1.5f);
  EXPECT_EQ(fused.GetString("activation", "").value(), "LeakyRelu");
  EXPECT_EQ(FusedFromOf(fused), std::vector<std::string>({"fc", "lrelu"}));
  ExpectSameOutputs(b.g, r->graph, {RandomTensor({3, 7}, 8)});
}

TEST(FuseActivationPass, GemmWithoutCAtOpset11) {
  Builder b(11);
  const ValueId x = b.Input("x", {0, 7});
  const ValueId y = b.Op("Gemm", "fc", {x, b.Random("w", {7, 3}, 43)});
  b.Output(b.Op("Sigmoid", "sig", {y}));
  auto r = RunPass(b.g);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rewrites, 1);
  EXPECT_EQ(CountOps(r->graph), (std::map<std::string, int>{{"finch::FusedGemm", 1}}));
  ExpectSameOutputs(b.g, r->graph, {RandomTensor({3, 7}, 9)});
}

TEST(FuseActivationPass, ChainOfConvsEachTakesItsActivation) {
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  const ValueId r1 = b.Op("Relu", "relu1", {b.Conv3x3(x, "conv1", 3, 5, 51)});
  const ValueId c2 = b.Conv3x3(r1, "conv2", 5, 7, 53, /*bias=*/false);
  b.Output(b.Op(
      "Clip", "clip2",
      {c2, b.Const("lo", Tensor::Scalar<float>(0.f)), b.Const("hi", Tensor::Scalar<float>(6.f))}));
  auto r = RunPass(b.g);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rewrites, 2);
  EXPECT_EQ(CountOps(r->graph), (std::map<std::string, int>{{"finch::FusedConv", 2}}));
  const Node* conv2 = FindNode(r->graph, "conv2");
  ASSERT_NE(conv2, nullptr);
  EXPECT_EQ(conv2->inputs.size(), 2u);
  EXPECT_EQ(r->graph.values[conv2->inputs[0]].name, "relu1_out");
  ExpectSameOutputs(b.g, r->graph, {RandomTensor({2, 3, 7, 7}, 10)});
}

// ---- guards -----------------------------------------------------------------------------

TEST(FuseActivationPass, ProducerWithAnotherReaderIsKept) {
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  const ValueId a = b.Conv3x3(x, "conv", 3, 5, 61);
  b.Output(b.Op("Relu", "relu", {a}));
  b.Output(b.Op("Sigmoid", "sig", {a}));
  ExpectUnchanged(b.g);
}

TEST(FuseActivationPass, ProducerOutputThatIsAGraphOutputIsKept) {
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  const ValueId a = b.Conv3x3(x, "conv", 3, 5, 62);
  b.Output(b.Op("Relu", "relu", {a}));
  b.Output(a);
  ExpectUnchanged(b.g);
}

TEST(FuseActivationPass, ProducerWithAnActivationIsKept) {
  Builder b;
  const ValueId x = b.Input("x", {0, 5, 7, 7});
  const ValueId y =
      b.Op("FusedConv", "conv", {x, b.Random("w", {5, 5, 3, 3}, 63)},
           {{"pads", IntsAttr({1, 1, 1, 1})}, {"activation", testing::StringAttr("Relu")}},
           kFinchDomain);
  b.g.opset_imports[kFinchDomain] = 1;
  b.Output(b.Op("Sigmoid", "sig", {y}));
  ExpectUnchanged(b.g);
}

TEST(FuseActivationPass, ClipWithNonConstantBoundIsKept) {
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  const ValueId lo = b.Input("lo", {}, DataType::kFloat32, false);
  b.Output(b.Op("Clip", "clip", {b.Conv3x3(x, "conv", 3, 5, 64), lo}));
  ExpectUnchanged(b.g);
}

TEST(FuseActivationPass, ClipWithEmptyRangeIsKept) {
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  b.Output(b.Op("Clip", "clip",
                {b.Conv3x3(x, "conv", 3, 5, 65), b.Const("lo", Tensor::Scalar<float>(1.f)),
                 b.Const("hi", Tensor::Scalar<float>(-1.f))}));
  ExpectUnchanged(b.g);
}

TEST(FuseActivationPass, ClipWithNonFloatBoundIsKept) {
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  b.Output(b.Op("Clip", "clip",
                {b.Conv3x3(x, "conv", 3, 5, 66), b.Const("lo", Tensor::Scalar<double>(0.0))}));
  ExpectUnchanged(b.g);
}

TEST(FuseActivationPass, MulOfAnotherValueIsNotSiLU) {
  // Sigmoid(a) * b with b another value: a's two readers are Sigmoid and a Mul of a and the
  // sigmoid of something else.
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  const ValueId a = b.Conv3x3(x, "conv", 3, 5, 67);
  const ValueId other = b.Op("Sigmoid", "sig_other", {b.Input("x2", {0, 5, 7, 7})});
  const ValueId s = b.Op("Sigmoid", "sig", {a});
  b.Output(b.Op("Mul", "mul", {a, other}));
  b.Output(s);
  ExpectUnchanged(b.g);
}

TEST(FuseActivationPass, MulOfSigmoidAndOtherReaderIsNotSiLU) {
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  const ValueId a = b.Conv3x3(x, "conv", 3, 5, 68);
  const ValueId s = b.Op("Sigmoid", "sig", {a});
  const ValueId r = b.Op("Relu", "relu", {a});
  b.Output(b.Op("Mul", "mul", {r, s}));
  ExpectUnchanged(b.g);
}

TEST(FuseActivationPass, SiLUWhoseSigmoidHasAnotherReaderIsKept) {
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  const ValueId a = b.Conv3x3(x, "conv", 3, 5, 69);
  const ValueId s = b.Op("Sigmoid", "sig", {a});
  b.Output(b.Op("Mul", "mul", {a, s}));
  b.Output(s);
  ExpectUnchanged(b.g);
}

TEST(FuseActivationPass, IntegerGemmIsKept) {
  Builder b;
  const ValueId x = b.Input("x", {0, 7}, DataType::kInt32);
  const ValueId y = b.Op("Gemm", "fc",
                         {x, b.Const("w", RandomTensor({7, 5}, 70, DataType::kInt32)),
                          b.Const("c", RandomTensor({5}, 71, DataType::kInt32))});
  b.Output(b.Op("Relu", "relu", {y}));
  ExpectUnchanged(b.g);
}

TEST(FuseActivationPass, GemmBeforeOpset7IsKept) {
  Builder b(6);
  const ValueId x = b.Input("x", {0, 7});
  const ValueId y = b.Op("Gemm", "fc", {x, b.Random("w", {7, 5}, 72), b.Random("c", {5}, 73)},
                         {{"broadcast", IntAttr(1)}});
  b.Output(b.Op("Relu", "relu", {y}));
  ExpectUnchanged(b.g);
}

TEST(FuseActivationPass, OtherOpsAreNotActivations) {
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  b.Output(b.Op("Tanh", "tanh", {b.Conv3x3(x, "conv", 3, 5, 74)}));
  ExpectUnchanged(b.g);
}

}  // namespace
}  // namespace finch
