// fuse-residual: Add(Conv(x), z) with z of the conv output's shape becomes one finch::FusedConv
// with Z = z. Each pattern is checked for structure and run against the unfused graph; each
// guard has a negative test (0 rewrites, identical graph); the shared models run through the
// default pipeline against ONNX Runtime's outputs.
//
// Tolerance: the reference FusedConv computes conv + B, then + Z, in float, as Conv and Add do
// one after the other, so the outputs agree to the last bit in practice; rtol 1e-5 only leaves
// room for a compiler contracting a multiply-add differently in the two translation units.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
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

StatusOr<PassResult> RunPass(const Graph& g) { return FuseResidual(g, RuntimePassContext()); }

// Runs `original` and `rewritten` unoptimized on the same inputs; outputs must agree.
void ExpectSameOutputs(const Graph& original, const Graph& rewritten,
                       const std::vector<Tensor>& inputs) {
  testing::ExpectSameOutputs(original, rewritten, inputs, 1e-5, 1e-6);
}

void ExpectUnchanged(const Graph& g) { testing::ExpectUnchanged(RunPass(g), g); }

// ---- positives --------------------------------------------------------------------------

// x [N, 5, 7, 7] -> Conv 5->5 3x3 pad 1 -> a;  y = Add(a, x) or Add(x, a).
void CheckConvPlusInput(bool conv_first, bool bias) {
  Builder b;
  const ValueId x = b.Input("x", {0, 5, 7, 7});
  const ValueId a = b.Conv3x3(x, "conv", 5, 5, 11, bias);
  b.Output(
      b.Op("Add", "add", conv_first ? std::vector<ValueId>{a, x} : std::vector<ValueId>{x, a}));
  auto r = RunPass(b.g);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rewrites, 1);
  const Graph& g = r->graph;
  EXPECT_EQ(CountOps(g), (std::map<std::string, int>{{"finch::FusedConv", 1}}));
  const Node& fused = g.nodes[0];
  EXPECT_EQ(fused.name, "conv");
  EXPECT_EQ(fused.domain, kFinchDomain);
  ASSERT_EQ(fused.inputs.size(), 4u);
  EXPECT_EQ(g.values[fused.inputs[0]].name, "x");
  EXPECT_EQ(fused.has_input(2), bias);
  EXPECT_EQ(g.values[fused.inputs[3]].name, "x");
  EXPECT_EQ(g.values[fused.outputs[0]].name, "add_out");
  EXPECT_EQ(g.values[g.outputs[0]].name, "add_out");
  EXPECT_EQ(FusedFromOf(fused), std::vector<std::string>({"conv", "add"}));
  EXPECT_EQ(fused.FindAttribute("activation"), nullptr);
  ASSERT_NE(fused.FindAttribute("pads"), nullptr);
  EXPECT_EQ(fused.FindAttribute("pads")->ints, std::vector<int64_t>({1, 1, 1, 1}));
  EXPECT_EQ(g.opset(kFinchDomain), 1);
  ExpectSameOutputs(b.g, g, {RandomTensor({2, 5, 7, 7}, 5)});
}

TEST(FuseResidualPass, AddOfConvAndInput) { CheckConvPlusInput(true, true); }
TEST(FuseResidualPass, AddOfInputAndConvWithoutBias) { CheckConvPlusInput(false, false); }

TEST(FuseResidualPass, BothOperandsConvsPicksTheLaterConv) {
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  const ValueId shortcut = b.Conv3x3(x, "shortcut", 3, 5, 21);
  const ValueId main = b.Conv3x3(b.Op("Relu", "relu", {x}), "main", 3, 5, 23);
  b.Output(b.Op("Add", "add", {shortcut, main}));
  auto r = RunPass(b.g);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rewrites, 1);
  const Graph& g = r->graph;
  EXPECT_EQ(CountOps(g),
            (std::map<std::string, int>{{"Conv", 1}, {"Relu", 1}, {"finch::FusedConv", 1}}));
  const Node* fused = FindNode(g, "main");
  ASSERT_NE(fused, nullptr);
  EXPECT_EQ(fused->op_type, "FusedConv");
  ASSERT_EQ(fused->inputs.size(), 4u);
  EXPECT_EQ(g.values[fused->inputs[3]].name, "shortcut_out");
  EXPECT_EQ(FusedFromOf(*fused), std::vector<std::string>({"main", "add"}));
  ExpectSameOutputs(b.g, g, {RandomTensor({2, 3, 7, 7}, 6)});
}

TEST(FuseResidualPass, FusedConvWithoutActivationConcatenatesFusedFrom) {
  Builder b;
  const ValueId x = b.Input("x", {0, 5, 7, 7});
  const ValueId a =
      b.Op("FusedConv", "conv", {x, b.Random("w", {5, 5, 3, 3}, 31), b.Random("bias", {5}, 32)},
           {{"pads", IntsAttr({1, 1, 1, 1})}, {"fused_from", StringsAttr({"conv", "bn"})}},
           kFinchDomain);
  b.g.opset_imports[kFinchDomain] = 1;
  const ValueId z = b.Op("Sigmoid", "gate", {x});
  b.Output(b.Op("Add", "add", {z, a}));
  auto r = RunPass(b.g);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rewrites, 1);
  const Node* fused = FindNode(r->graph, "conv");
  ASSERT_NE(fused, nullptr);
  EXPECT_EQ(FusedFromOf(*fused), std::vector<std::string>({"conv", "bn", "add"}));
  EXPECT_EQ(r->graph.values[fused->inputs[3]].name, "gate_out");
  ExpectSameOutputs(b.g, r->graph, {RandomTensor({2, 5, 7, 7}, 7)});
}

TEST(FuseResidualPass, ThenFuseActivationAppliesTheActivationAfterZ) {
  // Conv -> Add(x) -> Relu: residual first, then the activation, as the pipeline orders them.
  Builder b;
  const ValueId x = b.Input("x", {0, 5, 7, 7});
  const ValueId y = b.Op("Add", "add", {b.Conv3x3(x, "conv", 5, 5, 41), x});
  b.Output(b.Op("Relu", "relu", {y}));
  auto r = RunPass(b.g);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rewrites, 1);
  auto r2 = FuseActivation(r->graph, RuntimePassContext());
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r2->rewrites, 1);
  ASSERT_EQ(r2->graph.nodes.size(), 1u);
  const Node& fused = r2->graph.nodes[0];
  EXPECT_EQ(fused.inputs.size(), 4u);
  EXPECT_EQ(fused.GetString("activation", "").value(), "Relu");
  EXPECT_EQ(FusedFromOf(fused), std::vector<std::string>({"conv", "add", "relu"}));
  ExpectSameOutputs(b.g, r2->graph, {RandomTensor({2, 5, 7, 7}, 8)});
}

TEST(FuseResidualPass, StridedConvWithSameShapeResidual) {
  // Conv stride 2 over [N, 3, 9, 9] -> [N, 5, 5, 5]; z a second input of that shape.
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 9, 9});
  const ValueId z = b.Input("z", {0, 5, 5, 5});
  const ValueId a = b.Op("Conv", "conv", {x, b.Random("w", {5, 3, 3, 3}, 51)},
                         {{"pads", IntsAttr({1, 1, 1, 1})}, {"strides", IntsAttr({2, 2})}});
  b.Output(b.Op("Add", "add", {a, z}));
  auto r = RunPass(b.g);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rewrites, 1);
  ExpectSameOutputs(b.g, r->graph, {RandomTensor({3, 3, 9, 9}, 9), RandomTensor({3, 5, 5, 5}, 10)});
}

// ---- guards -----------------------------------------------------------------------------

TEST(FuseResidualPass, BroadcastingAddIsKept) {
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  b.Output(b.Op("Add", "add", {b.Conv3x3(x, "conv", 3, 5, 61), b.Random("bias", {5, 1, 1}, 62)}));
  ExpectUnchanged(b.g);
}

TEST(FuseResidualPass, BroadcastingBatchOfOneIsKept) {
  // z [1, 5, 7, 7] matches only when N = 1.
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  const ValueId z = b.Input("z", {1, 5, 7, 7}, DataType::kFloat32, false);
  b.Output(b.Op("Add", "add", {b.Conv3x3(x, "conv", 3, 5, 63), z}));
  ExpectUnchanged(b.g);
}

TEST(FuseResidualPass, ConvOutputWithAnotherReaderIsKept) {
  Builder b;
  const ValueId x = b.Input("x", {0, 5, 7, 7});
  const ValueId a = b.Conv3x3(x, "conv", 5, 5, 64);
  b.Output(b.Op("Add", "add", {a, x}));
  b.Output(b.Op("Relu", "relu", {a}));
  ExpectUnchanged(b.g);
}

TEST(FuseResidualPass, ConvOutputThatIsAGraphOutputIsKept) {
  Builder b;
  const ValueId x = b.Input("x", {0, 5, 7, 7});
  const ValueId a = b.Conv3x3(x, "conv", 5, 5, 65);
  b.Output(b.Op("Add", "add", {a, x}));
  b.Output(a);
  ExpectUnchanged(b.g);
}

TEST(FuseResidualPass, ConvWithActivationIsKept) {
  Builder b;
  const ValueId x = b.Input("x", {0, 5, 7, 7});
  const ValueId a =
      b.Op("FusedConv", "conv", {x, b.Random("w", {5, 5, 3, 3}, 66)},
           {{"pads", IntsAttr({1, 1, 1, 1})}, {"activation", testing::StringAttr("Relu")}},
           kFinchDomain);
  b.g.opset_imports[kFinchDomain] = 1;
  b.Output(b.Op("Add", "add", {a, x}));
  ExpectUnchanged(b.g);
}

TEST(FuseResidualPass, ConvWithResidualAlreadyIsKept) {
  Builder b;
  const ValueId x = b.Input("x", {0, 5, 7, 7});
  const ValueId a = b.Op("FusedConv", "conv", {x, b.Random("w", {5, 5, 3, 3}, 67), kNoValue, x},
                         {{"pads", IntsAttr({1, 1, 1, 1})}}, kFinchDomain);
  b.g.opset_imports[kFinchDomain] = 1;
  b.Output(b.Op("Add", "add", {a, x}));
  ExpectUnchanged(b.g);
}

TEST(FuseResidualPass, AddOfConvWithItselfIsKept) {
  Builder b;
  const ValueId x = b.Input("x", {0, 5, 7, 7});
  const ValueId a = b.Conv3x3(x, "conv", 5, 5, 68);
  b.Output(b.Op("Add", "add", {a, a}));
  ExpectUnchanged(b.g);
}

TEST(FuseResidualPass, OtherProducersAreKept) {
  Builder b;
  const ValueId x = b.Input("x", {0, 5, 7, 7});
  b.Output(b.Op("Add", "add", {b.Op("Relu", "relu", {x}), x}));
  ExpectUnchanged(b.g);
}

}  // namespace
}  // namespace finch
