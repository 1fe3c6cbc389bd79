// fold-batchnorm: structure and numerics on tiny graphs, one negative test per guard, and the
// shared models through the default pipeline.
//
// Numerics: the folded graph computes (W·s)·x + (b·s + t) where the original computes
// ((W·x + b) − μ)/√(σ²+ε)·γ + β; both in float32, with s and t rounded once from double. The
// results differ by a few float32 roundings of each term (≈ K·2⁻²⁴ relative for K-term sums of
// O(1) values), so outputs are compared with rtol = atol = 1e-5.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "graph/onnx/importer.h"
#include "graph/onnx/tensor_proto.h"
#include "graph/ops/fused.h"
#include "graph/passes/passes.h"
#include "graph/passes/pipeline.h"
#include "runtime/session.h"
#include "tests/util/pass_test_util.h"
#include "tests/util/test_util.h"

namespace finch {
namespace {

using testing::FindNode;
using testing::FloatAttr;
using testing::FusedFromOf;
using testing::IntAttr;
using testing::IntsAttr;
using testing::StringAttr;
using testing::StringsAttr;

// Graphs with static input shapes whose node outputs are named after the node.
class Builder : public testing::GraphBuilder {
 public:
  explicit Builder(int64_t opset = 13) : GraphBuilder(opset, OutputNaming::kNodeName) {}
};

// Runs both graphs unoptimized on the same seeded inputs and compares every output.
void ExpectSameOutputs(const Graph& original, const Graph& rewritten) {
  testing::ExpectSameOutputs(original, rewritten, testing::RandomInputs(original, 99), 1e-5, 1e-5);
}

void ExpectNoRewrite(const Graph& g) {
  testing::ExpectUnchanged(FoldBatchNorm(g, PassContext{}), g);
}

PassResult Fold(const Graph& g) { return testing::ApplyPass(FoldBatchNorm, g); }

TEST(FoldBatchNormPass, ConvWithBias) {
  Builder b;
  const ValueId x = b.StaticInput("x", {2, 3, 7, 6});
  const ValueId c = b.Op("Conv", "conv", {x, b.Weight("w", {5, 3, 3, 3}), b.Weight("b", {5})},
                         {{"pads", IntsAttr({1, 1, 1, 1})}, {"strides", IntsAttr({2, 1})}});
  b.Output(b.BatchNorm("bn", c, 5, {{"epsilon", FloatAttr(1e-3f)}}));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"Conv", 1}}));
  const Node* conv = FindNode(r.graph, "conv");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(FusedFromOf(*conv), (std::vector<std::string>{"conv", "bn"}));
  EXPECT_EQ(r.graph.values[conv->outputs[0]].name, "bn");
  EXPECT_EQ(conv->outputs[0], r.graph.outputs[0]);
  EXPECT_EQ(conv->attributes.at("pads").ints, (std::vector<int64_t>{1, 1, 1, 1}));
  ExpectSameOutputs(b.g, r.graph);
}

TEST(FoldBatchNormPass, DepthwiseConvWithoutBiasGetsOne) {
  Builder b;
  const ValueId x = b.StaticInput("x", {1, 7, 5, 5});
  const ValueId c = b.Op("Conv", "dw", {x, b.Weight("w", {7, 1, 3, 3})},
                         {{"group", IntAttr(7)}, {"pads", IntsAttr({1, 1, 1, 1})}});
  b.Output(b.BatchNorm("bn", c, 7));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  ASSERT_EQ(r.graph.nodes.size(), 1u);
  const Node& conv = r.graph.nodes[0];
  ASSERT_TRUE(conv.has_input(2));
  EXPECT_EQ(r.graph.values[conv.inputs[2]].constant->shape(), Shape{7});
  ExpectSameOutputs(b.g, r.graph);
}

TEST(FoldBatchNormPass, GroupedConv1d) {
  Builder b;
  const ValueId x = b.StaticInput("x", {2, 6, 9});
  const ValueId c = b.Op("Conv", "conv", {x, b.Weight("w", {9, 2, 3}), b.Weight("b", {9})},
                         {{"group", IntAttr(3)}});
  b.Output(b.BatchNorm("bn", c, 9));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"Conv", 1}}));
  ExpectSameOutputs(b.g, r.graph);
}

TEST(FoldBatchNormPass, FusedConvWithoutActivationExtendsFusedFrom) {
  Builder b;
  b.g.opset_imports[kFinchDomain] = 1;
  const ValueId x = b.StaticInput("x", {1, 3, 6, 6});
  const ValueId c = b.Op("FusedConv", "fc", {x, b.Weight("w", {5, 3, 3, 3}), b.Weight("b", {5})},
                         {{"fused_from", StringsAttr({"a", "b"})}}, kFinchDomain);
  b.Output(b.BatchNorm("bn", c, 5));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"finch::FusedConv", 1}}));
  EXPECT_EQ(FusedFromOf(r.graph.nodes[0]), (std::vector<std::string>{"a", "b", "bn"}));
  ExpectSameOutputs(b.g, r.graph);
}

TEST(FoldBatchNormPass, GemmWithAlphaBetaAndBroadcastC) {
  for (int trans_b = 0; trans_b < 2; ++trans_b) {
    for (const Shape& c_shape : {Shape{5}, Shape{4, 1}, Shape{}, Shape{4, 5}}) {
      SCOPED_TRACE(StrCat("transB ", trans_b, " C ", ShapeToString(c_shape)));
      Builder b;
      const ValueId a = b.StaticInput("a", {4, 7});
      const ValueId w = b.Weight("w", trans_b ? Shape{5, 7} : Shape{7, 5});
      const ValueId gm = b.Op(
          "Gemm", "gemm", {a, w, b.Weight("c", c_shape)},
          {{"alpha", FloatAttr(0.7f)}, {"beta", FloatAttr(1.3f)}, {"transB", IntAttr(trans_b)}});
      b.Output(b.BatchNorm("bn", gm, 5));
      const PassResult r = Fold(b.g);
      EXPECT_EQ(r.rewrites, 1);
      EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"Gemm", 1}}));
      EXPECT_EQ(FusedFromOf(r.graph.nodes[0]), (std::vector<std::string>{"gemm", "bn"}));
      EXPECT_EQ(r.graph.nodes[0].attributes.at("beta").f, 1.f);
      ExpectSameOutputs(b.g, r.graph);
    }
  }
}

TEST(FoldBatchNormPass, GemmWithoutC) {
  Builder b;
  const ValueId a = b.StaticInput("a", {3, 7});
  b.Output(b.BatchNorm("bn", b.Op("Gemm", "gemm", {a, b.Weight("w", {7, 5})}), 5));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  ASSERT_EQ(r.graph.nodes.size(), 1u);
  EXPECT_TRUE(r.graph.nodes[0].has_input(2));
  ExpectSameOutputs(b.g, r.graph);
}

TEST(FoldBatchNormPass, MatMul2dBecomesGemm) {
  Builder b;
  const ValueId a = b.StaticInput("a", {4, 7});
  b.Output(b.BatchNorm("bn", b.Op("MatMul", "mm", {a, b.Weight("w", {7, 5})}), 5));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"Gemm", 1}}));
  EXPECT_EQ(r.graph.nodes[0].name, "mm");
  EXPECT_EQ(FusedFromOf(r.graph.nodes[0]), (std::vector<std::string>{"mm", "bn"}));
  EXPECT_EQ(r.graph.values[r.graph.nodes[0].outputs[0]].name, "bn");
  ExpectSameOutputs(b.g, r.graph);
}

TEST(FoldBatchNormPass, StandaloneBecomesScaleAndShift) {
  for (const Shape& shape : {Shape{2, 5, 4, 3}, Shape{3, 5}, Shape{2, 5, 3, 2, 2}}) {
    SCOPED_TRACE(ShapeToString(shape));
    Builder b;
    const ValueId x = b.StaticInput("x", shape);
    b.Output(b.BatchNorm("bn", x, 5));
    const PassResult r = Fold(b.g);
    EXPECT_EQ(r.rewrites, 1);
    EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"Add", 1}, {"Mul", 1}}));
    const Node* mul = FindNode(r.graph, "bn.scale");
    const Node* add = FindNode(r.graph, "bn.shift");
    ASSERT_NE(mul, nullptr);
    ASSERT_NE(add, nullptr);
    Shape want = {5};
    want.resize(shape.size() - 1, 1);
    EXPECT_EQ(r.graph.values[mul->inputs[1]].constant->shape(), want);
    EXPECT_EQ(r.graph.values[add->inputs[1]].constant->shape(), want);
    EXPECT_EQ(add->inputs[0], mul->outputs[0]);
    EXPECT_EQ(add->outputs[0], r.graph.outputs[0]);
    EXPECT_EQ(r.graph.values[add->outputs[0]].name, "bn");
    ExpectSameOutputs(b.g, r.graph);
  }
}

// A BN after a Conv it may not fold into still becomes a scale + shift when x's rank is known.
TEST(FoldBatchNormPass, AfterSharedConvBecomesScaleAndShift) {
  Builder b;
  const ValueId x = b.StaticInput("x", {1, 3, 5, 5});
  const ValueId c = b.Op("Conv", "conv", {x, b.Weight("w", {5, 3, 1, 1})});
  b.SetStaticType(c, {1, 5, 5, 5});
  b.Output(b.BatchNorm("bn", c, 5));
  b.Output(b.Op("Relu", "relu", {c}));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph),
            (std::map<std::string, int>{{"Add", 1}, {"Conv", 1}, {"Mul", 1}, {"Relu", 1}}));
  ExpectSameOutputs(b.g, r.graph);
}

// Guards: each leaves the graph as it is (the BN input's rank is not declared, so the scale +
// shift fallback does not apply either).

TEST(FoldBatchNormPass, KeepsBnWithNonConstantParameter) {
  Builder b;
  const ValueId x = b.StaticInput("x", {1, 3, 5, 5});
  const ValueId mean = b.StaticInput("mean", {5});
  const ValueId c = b.Op("Conv", "conv", {x, b.Weight("w", {5, 3, 3, 3})});
  b.Output(b.Op("BatchNormalization", "bn",
                {c, b.Weight("g", {5}), b.Weight("b", {5}), mean, b.Weight("v", {5}, 0.2f, 2.f)}));
  ExpectNoRewrite(b.g);
}

TEST(FoldBatchNormPass, KeepsConvOutputWithAnotherReader) {
  Builder b;
  const ValueId x = b.StaticInput("x", {1, 3, 5, 5});
  const ValueId c = b.Op("Conv", "conv", {x, b.Weight("w", {5, 3, 3, 3})});
  b.Output(b.BatchNorm("bn", c, 5));
  b.Output(b.Op("Relu", "relu", {c}));
  ExpectNoRewrite(b.g);
}

TEST(FoldBatchNormPass, KeepsConvOutputThatIsAGraphOutput) {
  Builder b;
  const ValueId x = b.StaticInput("x", {1, 3, 5, 5});
  const ValueId c = b.Op("Conv", "conv", {x, b.Weight("w", {5, 3, 3, 3})});
  b.Output(b.BatchNorm("bn", c, 5));
  b.Output(c);
  ExpectNoRewrite(b.g);
}

TEST(FoldBatchNormPass, KeepsConvWithNonConstantWeight) {
  Builder b;
  const ValueId x = b.StaticInput("x", {1, 3, 5, 5});
  const ValueId w = b.StaticInput("w", {5, 3, 3, 3});
  b.Output(b.BatchNorm("bn", b.Op("Conv", "conv", {x, w}), 5));
  ExpectNoRewrite(b.g);
}

TEST(FoldBatchNormPass, KeepsTrainingModeBn) {
  Builder b(15);
  const ValueId x = b.StaticInput("x", {1, 3, 5, 5});
  const ValueId c = b.Op("Conv", "conv", {x, b.Weight("w", {5, 3, 3, 3})});
  b.Output(b.BatchNorm("bn", c, 5, {{"training_mode", IntAttr(1)}}));
  ExpectNoRewrite(b.g);
}

TEST(FoldBatchNormPass, KeepsBnWhoseStatisticOutputIsRead) {
  Builder b(9);
  const ValueId x = b.StaticInput("x", {1, 3, 5, 5});
  const ValueId c = b.Op("Conv", "conv", {x, b.Weight("w", {5, 3, 3, 3})});
  b.Output(b.BatchNorm("bn", c, 5, {}, /*outputs=*/2));
  b.Output(b.g.FindValue("bn.1"));
  ExpectNoRewrite(b.g);
}

TEST(FoldBatchNormPass, KeepsFusedConvWithActivation) {
  Builder b;
  b.g.opset_imports[kFinchDomain] = 1;
  const ValueId x = b.StaticInput("x", {1, 3, 6, 6});
  const ValueId c = b.Op("FusedConv", "fc", {x, b.Weight("w", {5, 3, 3, 3})},
                         {{"activation", StringAttr("Relu")}}, kFinchDomain);
  b.Output(b.BatchNorm("bn", c, 5));
  ExpectNoRewrite(b.g);
}

// MatMul with a 3-D A: the BN's channel axis 1 is not the MatMul's last axis (even though both
// have 5 here), so folding into B's columns would be wrong.
TEST(FoldBatchNormPass, KeepsMatMulWith3dInput) {
  Builder b;
  const ValueId a = b.StaticInput("a", {2, 5, 7});
  b.Output(b.BatchNorm("bn", b.Op("MatMul", "mm", {a, b.Weight("w", {7, 5})}), 5));
  ExpectNoRewrite(b.g);
}

TEST(FoldBatchNormPass, SpatialZeroBeforeOpset9IsKept) {
  Builder b(7);
  const ValueId x = b.StaticInput("x", {2, 5});
  b.Output(b.BatchNorm("bn", x, 5, {{"spatial", IntAttr(0)}}));
  ExpectNoRewrite(b.g);
}

// Before opset 7, Mul and Add do not broadcast without their `broadcast` attribute: a
// standalone BN stays a BN there.
TEST(FoldBatchNormPass, StandaloneBeforeOpset7IsKept) {
  Builder b(6);
  const ValueId x = b.StaticInput("x", {2, 5, 3, 3});
  b.Output(b.BatchNorm("bn", x, 5));
  ExpectNoRewrite(b.g);
}

}  // namespace
}  // namespace finch
