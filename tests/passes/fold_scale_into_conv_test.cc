// fold-scale-into-conv: structure and numerics on tiny graphs and one negative test per guard.
//
// Numerics: the folded Conv computes Σ (W·s)·x + (b + Σ W·t) where the original computes
// Σ W·(x·s + t) + b, both in float32 with W·s and the new bias rounded once from double. They
// differ by a few float32 roundings per term (≈ K·2⁻²⁴ relative for K-term sums of O(1)
// values), so outputs are compared with rtol = atol = 1e-5.
#include <gtest/gtest.h>

#include "graph/ops/fused.h"
#include "graph/passes/passes.h"
#include "graph/passes/pipeline.h"
#include "runtime/session.h"
#include "tests/util/pass_test_util.h"
#include "tests/util/test_util.h"

namespace finch {
namespace {

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
  testing::ExpectUnchanged(FoldScaleIntoConv(g, PassContext{}), g);
}

PassResult Fold(const Graph& g) { return testing::ApplyPass(FoldScaleIntoConv, g); }

TEST(FoldScaleIntoConvPass, MulAddIntoConv) {
  Builder b;
  const ValueId x = b.StaticInput("x", {2, 3, 6, 5});
  const ValueId m = b.Op("Mul", "mul", {x, b.Weight("s", {3, 1, 1})});
  const ValueId a = b.Op("Add", "add", {m, b.Weight("t", {3, 1, 1})});
  b.Output(b.Op("Conv", "conv", {a, b.Weight("w", {5, 3, 3, 3}), b.Weight("b", {5})},
                {{"strides", IntsAttr({2, 1})}}));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"Conv", 1}}));
  const Node& conv = r.graph.nodes[0];
  EXPECT_EQ(conv.name, "mul");
  EXPECT_EQ(FusedFromOf(conv), (std::vector<std::string>{"mul", "add", "conv"}));
  EXPECT_EQ(conv.inputs[0], r.graph.inputs[0]);
  EXPECT_EQ(r.graph.values[conv.outputs[0]].name, "conv");
  ExpectSameOutputs(b.g, r.graph);
}

// What fold-batchnorm leaves for a BN that follows no Conv, absorbed by the Conv after it.
TEST(FoldScaleIntoConvPass, AfterBatchNormScaleShift) {
  Builder b;
  const ValueId x = b.StaticInput("x", {1, 4, 5, 5});
  const ValueId bn = b.BatchNorm("bn", x, 4);
  b.Output(b.Op("Conv", "conv", {bn, b.Weight("w", {3, 4, 1, 1})}));
  auto step1 = FoldBatchNorm(b.g, PassContext{});
  ASSERT_TRUE(step1.ok());
  EXPECT_EQ(CountOps(step1->graph),
            (std::map<std::string, int>{{"Add", 1}, {"Conv", 1}, {"Mul", 1}}));
  const PassResult r = Fold(step1->graph);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"Conv", 1}}));
  EXPECT_EQ(FusedFromOf(r.graph.nodes[0]),
            (std::vector<std::string>{"bn.scale", "bn.shift", "conv"}));
  ExpectSameOutputs(b.g, r.graph);
}

TEST(FoldScaleIntoConvPass, GroupedConvWithBatchDimScaleAndScalarShift) {
  Builder b;
  const ValueId x = b.StaticInput("x", {1, 6, 5, 5});
  const ValueId m = b.Op("Mul", "mul", {b.Weight("s", {1, 6, 1, 1}), x});  // constant first
  const ValueId a = b.Op("Add", "add", {m, b.Const("t", Tensor::Scalar<float>(0.37f))});
  b.Output(b.Op("Conv", "conv", {a, b.Weight("w", {4, 3, 2, 2}), b.Weight("b", {4})},
                {{"group", IntAttr(2)}}));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"Conv", 1}}));
  ExpectSameOutputs(b.g, r.graph);
}

TEST(FoldScaleIntoConvPass, DepthwiseAddThenMul1d) {
  Builder b;
  const ValueId x = b.StaticInput("x", {2, 5, 8});
  const ValueId a = b.Op("Add", "add", {x, b.Weight("t", {5, 1})});
  const ValueId m = b.Op("Mul", "mul", {a, b.Weight("s", {5, 1})});
  b.Output(b.Op("Conv", "conv", {m, b.Weight("w", {5, 1, 3})}, {{"group", IntAttr(5)}}));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"Conv", 1}}));
  EXPECT_TRUE(r.graph.nodes[0].has_input(2));  // the shift became a bias
  ExpectSameOutputs(b.g, r.graph);
}

// A scale alone commutes with zero padding.
TEST(FoldScaleIntoConvPass, MulAloneIntoPaddedConv) {
  Builder b;
  const ValueId x = b.StaticInput("x", {1, 3, 5, 5});
  const ValueId m = b.Op("Mul", "mul", {x, b.Weight("s", {3, 1, 1})});
  b.Output(
      b.Op("Conv", "conv", {m, b.Weight("w", {4, 3, 3, 3})}, {{"pads", IntsAttr({1, 1, 1, 1})}}));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_FALSE(r.graph.nodes[0].has_input(2));  // no bias needed
  ExpectSameOutputs(b.g, r.graph);
}

// In a padded Conv the Mul after the Add still folds; the Add stays.
TEST(FoldScaleIntoConvPass, OnlyTrailingMulIntoPaddedConv) {
  Builder b;
  const ValueId x = b.StaticInput("x", {1, 3, 5, 5});
  const ValueId a = b.Op("Add", "add", {x, b.Weight("t", {3, 1, 1})});
  const ValueId m = b.Op("Mul", "mul", {a, b.Weight("s", {3, 1, 1})});
  b.Output(b.Op("Conv", "conv", {m, b.Weight("w", {4, 3, 3, 3})},
                {{"auto_pad", StringAttr("SAME_UPPER")}}));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"Add", 1}, {"Conv", 1}}));
  ExpectSameOutputs(b.g, r.graph);
}

TEST(FoldScaleIntoConvPass, FusedConvKeepsActivationAndResidual) {
  Builder b;
  b.g.opset_imports[kFinchDomain] = 1;
  const ValueId x = b.StaticInput("x", {1, 3, 4, 4});
  const ValueId z = b.StaticInput("z", {1, 5, 4, 4});
  const ValueId m = b.Op("Mul", "mul", {x, b.Weight("s", {3, 1, 1})});
  const ValueId a = b.Op("Add", "add", {m, b.Weight("t", {3, 1, 1})});
  b.Output(b.Op("FusedConv", "fc", {a, b.Weight("w", {5, 3, 1, 1}), b.Weight("b", {5}), z},
                {{"activation", StringAttr("Relu")}, {"fused_from", StringsAttr({"c", "r"})}},
                kFinchDomain));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"finch::FusedConv", 1}}));
  const Node& fc = r.graph.nodes[0];
  EXPECT_EQ(FusedFromOf(fc), (std::vector<std::string>{"mul", "add", "c", "r"}));
  EXPECT_EQ(fc.attributes.at("activation").s, "Relu");
  EXPECT_EQ(fc.inputs[3], z);
  ExpectSameOutputs(b.g, r.graph);
}

// Guards.

TEST(FoldScaleIntoConvPass, KeepsShiftBeforePaddedConv) {
  Builder b;
  const ValueId x = b.StaticInput("x", {1, 3, 5, 5});
  const ValueId m = b.Op("Mul", "mul", {x, b.Weight("s", {3, 1, 1})});
  const ValueId a = b.Op("Add", "add", {m, b.Weight("t", {3, 1, 1})});
  b.Output(
      b.Op("Conv", "conv", {a, b.Weight("w", {4, 3, 3, 3})}, {{"pads", IntsAttr({0, 1, 0, 1})}}));
  ExpectNoRewrite(b.g);
}

TEST(FoldScaleIntoConvPass, KeepsShiftBeforeSamePaddedConv) {
  Builder b;
  const ValueId x = b.StaticInput("x", {1, 3, 5, 5});
  const ValueId a = b.Op("Add", "add", {x, b.Weight("t", {3, 1, 1})});
  b.Output(b.Op("Conv", "conv", {a, b.Weight("w", {4, 3, 3, 3})},
                {{"auto_pad", StringAttr("SAME_LOWER")}}));
  ExpectNoRewrite(b.g);
}

TEST(FoldScaleIntoConvPass, KeepsConvWithNonConstantWeight) {
  Builder b;
  const ValueId x = b.StaticInput("x", {1, 3, 5, 5});
  const ValueId w = b.StaticInput("w", {4, 3, 1, 1});
  const ValueId m = b.Op("Mul", "mul", {x, b.Weight("s", {3, 1, 1})});
  b.Output(b.Op("Conv", "conv", {m, w}));
  ExpectNoRewrite(b.g);
}

TEST(FoldScaleIntoConvPass, KeepsNonConstantScale) {
  Builder b;
  const ValueId x = b.StaticInput("x", {1, 3, 5, 5});
  const ValueId s = b.StaticInput("s", {3, 1, 1});
  const ValueId m = b.Op("Mul", "mul", {x, s});
  b.Output(b.Op("Conv", "conv", {m, b.Weight("w", {4, 3, 1, 1})}));
  ExpectNoRewrite(b.g);
}

TEST(FoldScaleIntoConvPass, KeepsScaleThatVariesAlongSpace) {
  for (const Shape& shape : {Shape{3, 5, 1}, Shape{1, 5}, Shape{1, 1, 3, 1, 1}}) {
    SCOPED_TRACE(ShapeToString(shape));
    Builder b;
    const ValueId x = b.StaticInput("x", {1, 3, 5, 5});
    const ValueId m = b.Op("Mul", "mul", {x, b.Weight("s", shape)});
    b.Output(b.Op("Conv", "conv", {m, b.Weight("w", {4, 3, 1, 1})}));
    ExpectNoRewrite(b.g);
  }
}

// A [1, C, 1, 1] scale could broadcast an input of lower rank up to the Conv's rank.
TEST(FoldScaleIntoConvPass, KeepsFullRankScaleOnUndeclaredInput) {
  Builder b;
  const ValueId x = b.StaticInput("x", {1, 3, 5, 5});
  const ValueId r = b.Op("Relu", "relu", {x});  // rank not declared
  const ValueId m = b.Op("Mul", "mul", {r, b.Weight("s", {1, 3, 1, 1})});
  b.Output(b.Op("Conv", "conv", {m, b.Weight("w", {4, 3, 1, 1})}));
  ExpectNoRewrite(b.g);
}

TEST(FoldScaleIntoConvPass, KeepsScaledValueWithAnotherReader) {
  Builder b;
  const ValueId x = b.StaticInput("x", {1, 3, 5, 5});
  const ValueId m = b.Op("Mul", "mul", {x, b.Weight("s", {3, 1, 1})});
  b.Output(b.Op("Conv", "conv", {m, b.Weight("w", {4, 3, 1, 1})}));
  b.Output(m);
  ExpectNoRewrite(b.g);
}

}  // namespace
}  // namespace finch
