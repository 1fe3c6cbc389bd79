// eliminate-identity, fold-constants and eliminate-dead-nodes: positive cases checked for
// structure and, where something runs, against the unoptimized graph; one negative case per
// guard.
#include <gtest/gtest.h>

#include "graph/passes/passes.h"
#include "graph/passes/pipeline.h"
#include "runtime/node_evaluator.h"
#include "tests/util/graph_builder.h"
#include "tests/util/test_util.h"

namespace finch {
namespace {

using testing::GraphBuilder;
using testing::IntAttr;
using testing::IntsAttr;

Tensor I64(const Shape& shape, std::vector<int64_t> v) { return Tensor::FromVector(shape, v); }

std::vector<Tensor> RunUnoptimized(const Graph& g, const std::vector<Tensor>& inputs) {
  auto s = Session::Create(g, SessionOptions{1, false});
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return {};
  auto out = (*s)->Run(inputs);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? std::move(out).value() : std::vector<Tensor>();
}

PassResult Apply(StatusOr<PassResult> (*pass)(const Graph&, const PassContext&), const Graph& g) {
  auto r = pass(g, RuntimePassContext());
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : PassResult{g, -1};
}

// ---- eliminate-identity ---------------------------------------------------------------------

TEST(EliminateIdentityPass, RemovesIdentityAndInferenceDropout) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {0, 3});
  const ValueId i = b.Op("Identity", "id", {x});
  const ValueId d = b.Op("Dropout", "drop", {i});
  b.Output(b.Op("Relu", "relu", {d}));
  const PassResult r = Apply(EliminateIdentity, b.g);
  EXPECT_EQ(r.rewrites, 2);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"Relu", 1}}));
  EXPECT_EQ(r.graph.values[r.graph.nodes[0].inputs[0]].name, "x");
}

TEST(EliminateIdentityPass, GraphOutputNameSurvives) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {0, 3});
  const ValueId relu = b.Op("Relu", "relu", {x});
  b.Output(b.Op("Identity", "id", {relu}));  // the output is "id_out"
  const PassResult r = Apply(EliminateIdentity, b.g);
  EXPECT_EQ(r.rewrites, 1);
  ASSERT_EQ(r.graph.nodes.size(), 1u);
  EXPECT_EQ(r.graph.values[r.graph.outputs[0]].name, "id_out");
  EXPECT_EQ(r.graph.nodes[0].outputs[0], r.graph.outputs[0]);
}

TEST(EliminateIdentityPass, KeepsIdentityFromInputToOutput) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {0, 3});
  b.Output(b.Op("Identity", "id", {x}));
  EXPECT_EQ(Apply(EliminateIdentity, b.g).rewrites, 0);
}

TEST(EliminateIdentityPass, KeepsDropoutWhoseMaskIsRead) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {0, 3});
  const ValueId y = b.Op("Dropout", "drop", {x}, {}, "", 2);
  b.Output(y);
  b.Output(b.g.nodes.back().outputs[1]);
  EXPECT_EQ(Apply(EliminateIdentity, b.g).rewrites, 0);
}

TEST(EliminateIdentityPass, KeepsTrainingDropout) {
  GraphBuilder b(13);
  const ValueId x = b.Input("x", {0, 3});
  const ValueId ratio = b.Const("ratio", Tensor::Scalar<float>(0.5f));
  const ValueId training = b.Const("training", Tensor::Scalar<bool>(true));
  b.Output(b.Op("Relu", "relu", {b.Op("Dropout", "drop", {x, ratio, training})}));
  EXPECT_EQ(Apply(EliminateIdentity, b.g).rewrites, 0);
}

// ---- fold-constants -------------------------------------------------------------------------

// x [N, 5, 7]: Shape(x)[2] = 7 is the same for every batch and folds; Shape(x)[0] is the batch
// and must not.
TEST(FoldConstantsPass, FoldsShapeArithmeticThatIgnoresTheBatch) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {0, 5, 7});
  const ValueId shape = b.Op("Shape", "shape", {x});
  const ValueId two = b.Const("two", I64({}, {2}));
  const ValueId zero = b.Const("zero", I64({}, {0}));
  const ValueId axes = b.Const("axes", I64({1}, {0}));
  const ValueId width = b.Op("Gather", "gather_w", {shape, two});
  const ValueId batch = b.Op("Gather", "gather_n", {shape, zero});
  const ValueId w1 = b.Op("Unsqueeze", "unsq_w", {width, axes});
  const ValueId n1 = b.Op("Unsqueeze", "unsq_n", {batch, axes});
  const ValueId five = b.Const("five", I64({1}, {5}));
  const ValueId target = b.Op("Concat", "concat", {n1, w1, five}, {{"axis", IntAttr(0)}});
  b.Output(b.Op("Reshape", "reshape", {x, target}));
  const PassResult r = Apply(FoldConstants, b.g);
  const auto ops = CountOps(r.graph);
  EXPECT_EQ(ops.count("Unsqueeze") ? ops.at("Unsqueeze") : 0, 1) << "only the batch's remains";
  EXPECT_EQ(ops.at("Gather"), 1);
  EXPECT_EQ(r.rewrites, 2);  // gather_w, unsq_w
  std::vector<float> v(2 * 5 * 7);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  const Tensor in = Tensor::FromVector<float>({2, 5, 7}, v);
  auto want = RunUnoptimized(b.g, {in});
  auto got = RunUnoptimized(r.graph, {in});
  ASSERT_EQ(want.size(), 1u);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].shape(), Shape({2, 7, 5}));
  EXPECT_EQ(testing::ToFloats(got[0]), testing::ToFloats(want[0]));
}

TEST(FoldConstantsPass, FoldsConstantSubgraphAndShapeOfStaticValue) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {2, 3}, DataType::kFloat32, /*symbolic_batch=*/false);
  const ValueId w = b.Const("w", Tensor::FromVector<float>({3, 2}, {1, 2, 3, 4, 5, 6}));
  const ValueId wt = b.Op("Transpose", "t", {w}, {{"perm", IntsAttr({1, 0})}});
  const ValueId s = b.Op("Shape", "shape", {x});
  b.Output(b.Op("Add", "add", {x, wt}));
  b.Output(s);
  const PassResult r = Apply(FoldConstants, b.g);
  EXPECT_EQ(r.rewrites, 2);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"Add", 1}}));
  const Tensor* shape = r.graph.values[r.graph.outputs[1]].constant.get();
  ASSERT_NE(shape, nullptr);
  EXPECT_EQ(ElementAsInt64(*shape, 0), 2);
  EXPECT_EQ(ElementAsInt64(*shape, 1), 3);
}

TEST(FoldConstantsPass, KeepsLargeExpansions) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {0, 3});
  const ValueId shape = b.Const("shape", I64({2}, {1024, 1024}));
  const ValueId big = b.Op("ConstantOfShape", "fill", {shape});  // 4 MiB from 16 bytes
  b.Output(b.Op("Add", "add", {x, big}));
  EXPECT_EQ(Apply(FoldConstants, b.g).rewrites, 0);
}

TEST(FoldConstantsPass, NothingWithoutAnEvaluator) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {0, 3});
  const ValueId c = b.Op("Neg", "neg", {b.Const("c", Tensor::FromVector<float>({3}, {1, 2, 3}))});
  b.Output(b.Op("Add", "add", {x, c}));
  auto r = FoldConstants(b.g, PassContext{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rewrites, 0);
}

// ---- eliminate-dead-nodes -------------------------------------------------------------------

TEST(EliminateDeadNodesPass, RemovesChainsNobodyReads) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {0, 3});
  const ValueId dead = b.Op("Relu", "dead1", {x});
  b.Op("Neg", "dead2", {dead});
  b.Output(b.Op("Sigmoid", "live", {x}));
  const PassResult r = Apply(EliminateDeadNodes, b.g);
  EXPECT_EQ(r.rewrites, 2);
  ASSERT_EQ(r.graph.nodes.size(), 1u);
  EXPECT_EQ(r.graph.nodes[0].name, "live");
}

TEST(EliminateDeadNodesPass, KeepsNodesWithAnyReadOutput) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {0, 3});
  const ValueId y = b.Op("Split", "split", {x}, {{"axis", IntAttr(0)}}, "", 2);
  b.Output(y);  // the second output is unread, the node stays
  EXPECT_EQ(Apply(EliminateDeadNodes, b.g).rewrites, 0);
}

}  // namespace
}  // namespace finch
