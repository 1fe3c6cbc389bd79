// Shape and tensor-manipulation ops: hand-checked values for each op, the opset differences
// (attributes that became inputs, negative axes from opset 11, allowzero, Shape's start/end),
// value-dependent shapes resolved at plan time (constants) and at run time (fed inputs), every
// element size, and bad input.
#include <gtest/gtest.h>

#include <cmath>

#include "runtime/plan.h"
#include "tests/ops/shape_test_util.h"

namespace finch {
namespace {

using namespace shape_testing;  // NOLINT: test helpers
using testing::FloatAttr;
using testing::IntAttr;
using testing::IntsAttr;
using testing::StringAttr;
using testing::ToFloats;

// ---------------------------------------------------------------- Reshape, Flatten, (Un)Squeeze

TEST(ShapeOps, ReshapeCopiesZeroAndInfersMinusOne) {
  for (bool constant : {true, false}) {
    Tensor shape = I64s({0, -1});
    auto out =
        RunOp("Reshape", {Fed(F({2, 3, 4}, Iota(24))), constant ? Const(shape) : Fed(shape)});
    EXPECT_EQ(out[0].shape(), Shape({2, 12})) << "constant shape: " << constant;
    EXPECT_EQ(ToFloats(out[0]), Iota(24));
  }
}

TEST(ShapeOps, ReshapeAllowZeroKeepsZeros) {
  // allowzero=1 (opset 14): a 0 is a real zero-size dim, not a copy.
  auto out = RunOp("Reshape", {Fed(F({0, 3, 4}, {})), Const(I64s({3, 4, 0}))},
                   {{"allowzero", IntAttr(1)}}, 14);
  EXPECT_EQ(out[0].shape(), Shape({3, 4, 0}));
  // Without it the 0 copies input dim 2 (4), giving 48 elements for an empty input.
  ExpectError("Reshape", {Fed(F({0, 3, 4}, {})), Const(I64s({3, 4, 0}))}, {}, 14,
              StatusCode::kInvalidArgument, "has 48 elements, the input has 0");
  // Before opset 14 the attribute does not exist and is ignored.
  ExpectError("Reshape", {Fed(F({0, 3, 4}, {})), Const(I64s({3, 4, 0}))},
              {{"allowzero", IntAttr(1)}}, 13, StatusCode::kInvalidArgument, "has 48 elements");
}

TEST(ShapeOps, ReshapeOpset4TakesAnAttribute) {
  auto out = RunOp("Reshape", {Fed(F({2, 3, 4}, Iota(24)))}, {{"shape", IntsAttr({4, -1})}}, 4);
  EXPECT_EQ(out[0].shape(), Shape({4, 6}));
  ExpectError("Reshape", {Fed(F({2, 3}, Iota(6)))}, {}, 4, StatusCode::kInvalidArgument,
              "attribute 'shape' is missing");
}

TEST(ShapeOps, ReshapeRejectsBadTargets) {
  const Tensor x = F({2, 3, 4}, Iota(24));
  ExpectError("Reshape", {Fed(x), Const(I64s({-1, -1}))}, {}, 17, StatusCode::kInvalidArgument,
              "more than one -1");
  ExpectError("Reshape", {Fed(x), Const(I64s({5, -1}))}, {}, 17, StatusCode::kInvalidArgument,
              "cannot hold the input's 24 elements");
  ExpectError("Reshape", {Fed(x), Const(I64s({-2, 12}))}, {}, 17, StatusCode::kInvalidArgument,
              "has value -2 at index 0");
  ExpectError("Reshape", {Fed(x), Const(I64s({0, -1}))}, {{"allowzero", IntAttr(1)}}, 14,
              StatusCode::kInvalidArgument, "both 0 and -1");
  ExpectError("Reshape", {Fed(x), Const(I64s({2, 3, 4, 0}))}, {}, 17, StatusCode::kInvalidArgument,
              "has 0 at index 3 (copy the input dim)");
  // A shape fed at run time fails when the node runs, with the same message.
  ExpectError("Reshape", {Fed(x), Fed(I64s({7}))}, {}, 17, StatusCode::kInvalidArgument,
              "shape [7] has 7 elements, the input has 24");
  ExpectError("Reshape", {Fed(x), Fed(F({1}, {24}))}, {}, 17, StatusCode::kInvalidArgument,
              "input 1 (shape) has type float32, expected int64");
}

TEST(ShapeOps, FlattenAxes) {
  const Tensor x = F({2, 3, 4}, Iota(24));
  EXPECT_EQ(RunOp("Flatten", {Fed(x)})[0].shape(), Shape({2, 12}));
  EXPECT_EQ(RunOp("Flatten", {Fed(x)}, {{"axis", IntAttr(0)}})[0].shape(), Shape({1, 24}));
  EXPECT_EQ(RunOp("Flatten", {Fed(x)}, {{"axis", IntAttr(3)}})[0].shape(), Shape({24, 1}));
  auto out = RunOp("Flatten", {Fed(x)}, {{"axis", IntAttr(-1)}}, 11);
  EXPECT_EQ(out[0].shape(), Shape({6, 4}));
  EXPECT_EQ(ToFloats(out[0]), Iota(24));
  // Negative axes arrived in opset 11.
  ExpectError("Flatten", {Fed(x)}, {{"axis", IntAttr(-1)}}, 9, StatusCode::kInvalidArgument,
              "attribute 'axis' has value -1, out of range [0, 3] for rank 3");
  ExpectError("Flatten", {Fed(x)}, {{"axis", IntAttr(4)}}, 13, StatusCode::kInvalidArgument,
              "attribute 'axis' has value 4, out of range [-3, 3]");
}

TEST(ShapeOps, SqueezeAxesFromAttributeAndInput) {
  const Tensor x = F({1, 3, 1, 2}, Iota(6));
  // Opset 13: axes is an input (here fed, so the shape resolves at run time).
  auto out = RunOp("Squeeze", {Fed(x), Fed(I64s({0, -2}))});
  EXPECT_EQ(out[0].shape(), Shape({3, 2}));
  EXPECT_EQ(ToFloats(out[0]), Iota(6));
  // No axes: every dim of size 1 goes.
  EXPECT_EQ(RunOp("Squeeze", {Fed(x)})[0].shape(), Shape({3, 2}));
  EXPECT_EQ(RunOp("Squeeze", {Fed(x)}, {}, 11)[0].shape(), Shape({3, 2}));
  // Before 13: an attribute; negative values from 11.
  EXPECT_EQ(RunOp("Squeeze", {Fed(x)}, {{"axes", IntsAttr({2})}}, 11)[0].shape(), Shape({1, 3, 2}));
  EXPECT_EQ(RunOp("Squeeze", {Fed(x)}, {{"axes", IntsAttr({-2})}}, 11)[0].shape(),
            Shape({1, 3, 2}));
  ExpectError("Squeeze", {Fed(x)}, {{"axes", IntsAttr({-2})}}, 9, StatusCode::kInvalidArgument,
              "attribute 'axes' has value -2, out of range [0, 3]");
  ExpectError("Squeeze", {Fed(x), Const(I64s({1}))}, {}, 13, StatusCode::kInvalidArgument,
              "input 1 (axes) names axis 1 of size 3; only dims of size 1 can be squeezed");
}

TEST(ShapeOps, UnsqueezeAxesIndexTheOutput) {
  const Tensor x = F({2, 3}, Iota(6));
  auto out = RunOp("Unsqueeze", {Fed(x), Const(I64s({3, 0}))});
  EXPECT_EQ(out[0].shape(), Shape({1, 2, 3, 1}));
  EXPECT_EQ(ToFloats(out[0]), Iota(6));
  EXPECT_EQ(RunOp("Unsqueeze", {Fed(x), Fed(I64s({-1}))})[0].shape(), Shape({2, 3, 1}));
  EXPECT_EQ(RunOp("Unsqueeze", {Fed(x)}, {{"axes", IntsAttr({-1})}}, 11)[0].shape(),
            Shape({2, 3, 1}));
  EXPECT_EQ(RunOp("Unsqueeze", {Fed(x)}, {{"axes", IntsAttr({1})}}, 9)[0].shape(),
            Shape({2, 1, 3}));
  ExpectError("Unsqueeze", {Fed(x), Const(I64s({1, 1}))}, {}, 13, StatusCode::kInvalidArgument,
              "input 1 (axes) names axis 1 more than once");
  ExpectError("Unsqueeze", {Fed(x), Const(I64s({4}))}, {}, 13, StatusCode::kInvalidArgument,
              "input 1 (axes) has value 4, out of range [-3, 2] for rank 3");
  ExpectError("Unsqueeze", {Fed(x)}, {}, 11, StatusCode::kInvalidArgument,
              "attribute 'axes' is missing");
}

// ---------------------------------------------------------------- Shape, Size

TEST(ShapeOps, ShapeStartAndEnd) {
  const Tensor x = F({2, 3, 4, 5}, Iota(120));
  EXPECT_EQ(Ints(RunOp("Shape", {Fed(x)})[0]), std::vector<int64_t>({2, 3, 4, 5}));
  // start/end arrived in opset 15; before that they are ignored.
  const std::map<std::string, Attribute> mid = {{"start", IntAttr(1)}, {"end", IntAttr(-1)}};
  EXPECT_EQ(Ints(RunOp("Shape", {Fed(x)}, mid, 15)[0]), std::vector<int64_t>({3, 4}));
  EXPECT_EQ(Ints(RunOp("Shape", {Fed(x)}, mid, 13)[0]), std::vector<int64_t>({2, 3, 4, 5}));
  // Out-of-range values clamp to [0, rank]; start past end gives an empty shape.
  EXPECT_EQ(Ints(RunOp("Shape", {Fed(x)}, {{"start", IntAttr(-10)}}, 15)[0]),
            std::vector<int64_t>({2, 3, 4, 5}));
  EXPECT_EQ(Ints(RunOp("Shape", {Fed(x)}, {{"end", IntAttr(10)}}, 15)[0]),
            std::vector<int64_t>({2, 3, 4, 5}));
  auto empty = RunOp("Shape", {Fed(x)}, {{"start", IntAttr(3)}, {"end", IntAttr(1)}}, 15);
  EXPECT_EQ(empty[0].shape(), Shape({0}));
}

TEST(ShapeOps, SizeCountsElements) {
  auto out = RunOp("Size", {Fed(F({2, 3, 4}, Iota(24)))});
  EXPECT_EQ(out[0].dtype(), DataType::kInt64);
  EXPECT_EQ(out[0].shape(), Shape({}));
  EXPECT_EQ(Ints(out[0]), std::vector<int64_t>({24}));
}

// A graph x -> Reshape(x, s) -> Shape, Size, with s fed at run time: the Reshape is dynamic,
// so Shape and Size run as kernels on its output rather than being computed at plan time.
TEST(ShapeOps, ShapeAndSizeOfADynamicValue) {
  Graph g;
  g.opset_imports[""] = 17;
  const ValueId x = g.AddValue("x", TensorType::Static(DataType::kFloat32, {2, 3, 4}));
  const ValueId s = g.AddValue("s", TensorType::Static(DataType::kInt64, {2}));
  const ValueId r = g.AddValue("r"), shape = g.AddValue("shape"), size = g.AddValue("size");
  g.inputs = {x, s};
  g.outputs = {shape, size};
  g.nodes.push_back(Node{"reshape", "Reshape", "", {x, s}, {r}, {}});
  g.nodes.push_back(Node{"shape", "Shape", "", {r}, {shape}, {}});
  g.nodes.push_back(Node{"size", "Size", "", {r}, {size}, {}});
  auto session = Session::Create(g, SessionOptions{1});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto out = (*session)->Run({F({2, 3, 4}, Iota(24)), I64s({4, -1})});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Ints((*out)[0]), std::vector<int64_t>({4, 6}));
  EXPECT_EQ(Ints((*out)[1]), std::vector<int64_t>({24}));
}

// The ViT export's shape subgraph: Shape -> Gather -> Unsqueeze -> Concat -> Reshape. With a
// static input every step folds at plan time and the Reshape gets a static shape.
TEST(ShapeOps, TorchShapeSubgraphFolds) {
  Graph g;
  g.opset_imports[""] = 13;
  const ValueId x = g.AddValue("x", TensorType::Static(DataType::kFloat32, {2, 5, 6}));
  const ValueId zero =
      g.AddConstant("zero", std::make_shared<const Tensor>(Tensor::Scalar<int64_t>(0)));
  const ValueId axes0 = g.AddConstant("axes0", std::make_shared<const Tensor>(I64s({0})));
  const ValueId minus1 = g.AddConstant("minus1", std::make_shared<const Tensor>(I64s({-1})));
  const ValueId s = g.AddValue("s"), b = g.AddValue("b"), b1 = g.AddValue("b1"),
                target = g.AddValue("target"), y = g.AddValue("y");
  g.inputs = {x};
  g.outputs = {y};
  g.nodes.push_back(Node{"shape", "Shape", "", {x}, {s}, {}});
  g.nodes.push_back(Node{"gather", "Gather", "", {s, zero}, {b}, {{"axis", IntAttr(0)}}});
  g.nodes.push_back(Node{"unsqueeze", "Unsqueeze", "", {b, axes0}, {b1}, {}});
  g.nodes.push_back(Node{"concat", "Concat", "", {b1, minus1}, {target}, {{"axis", IntAttr(0)}}});
  g.nodes.push_back(Node{"reshape", "Reshape", "", {x, target}, {y}, {}});
  auto plan = BuildPlan(g, {{2, 5, 6}});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ((*plan)->folded_nodes, 4);
  ASSERT_EQ((*plan)->steps.size(), 1u);
  EXPECT_FALSE((*plan)->steps[0].dynamic);
  EXPECT_EQ((*plan)->types[y].static_shape(), Shape({2, 30}));
  auto out = testing::RunGraph(g, {F({2, 5, 6}, Iota(60))});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), Shape({2, 30}));
}

// ---------------------------------------------------------------- Transpose, Concat, Split

TEST(ShapeOps, TransposeDefaultAndPerm) {
  // [[0,1,2],[3,4,5]] transposed.
  auto out = RunOp("Transpose", {Fed(F({2, 3}, Iota(6)))});
  EXPECT_EQ(out[0].shape(), Shape({3, 2}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({0, 3, 1, 4, 2, 5}));
  // perm [1,2,0]: y[i,j,k] = x[k,i,j]; y[1,2,1] (flat 13) = x[1,1,2] = 12 + 4 + 2.
  out = RunOp("Transpose", {Fed(F({2, 3, 4}, Iota(24)))}, {{"perm", IntsAttr({1, 2, 0})}});
  EXPECT_EQ(out[0].shape(), Shape({3, 4, 2}));
  EXPECT_EQ(ToFloats(out[0])[13], 18.f);
  ExpectError("Transpose", {Fed(F({2, 3}, Iota(6)))}, {{"perm", IntsAttr({0, 0})}}, 17,
              StatusCode::kInvalidArgument, "attribute 'perm' [0,0] is not a permutation");
  ExpectError("Transpose", {Fed(F({2, 3}, Iota(6)))}, {{"perm", IntsAttr({1, 0, 2})}}, 17,
              StatusCode::kInvalidArgument, "is not a permutation of the 2 input dims");
}

TEST(ShapeOps, TransposeMovesEveryElementSize) {
  // [[1,0],[1,1]] transposed is [[1,1],[0,1]], whatever the element type.
  const std::vector<int64_t> want = {1, 1, 0, 1};
  EXPECT_EQ(Ints(RunOp("Transpose",
                       {Fed(Tensor::FromVector<bool>({2, 2}, {true, false, true, true}))})[0]),
            want);
  EXPECT_EQ(Ints(RunOp("Transpose", {Fed(Tensor::FromVector<uint8_t>({2, 2}, {1, 0, 1, 1}))})[0]),
            want);
  EXPECT_EQ(Ints(RunOp("Transpose", {Fed(Tensor::FromVector<int16_t>({2, 2}, {1, 0, 1, 1}))})[0]),
            want);
  EXPECT_EQ(Ints(RunOp("Transpose", {Fed(I32({2, 2}, {1, 0, 1, 1}))})[0]), want);
  EXPECT_EQ(Ints(RunOp("Transpose", {Fed(I64({2, 2}, {1, 0, 1, 1}))})[0]), want);
  EXPECT_EQ(Ints(RunOp("Transpose", {Fed(Tensor::FromVector<double>({2, 2}, {1, 0, 1, 1}))})[0]),
            want);
}

TEST(ShapeOps, ConcatAxesAndEmptyInputs) {
  const Tensor a = F({2, 1}, {1, 2}), b = F({2, 2}, {3, 4, 5, 6}), empty = F({2, 0}, {});
  const std::vector<float> want = {1, 3, 4, 2, 5, 6};
  auto out = RunOp("Concat", {Fed(a), Fed(b)}, {{"axis", IntAttr(1)}});
  EXPECT_EQ(out[0].shape(), Shape({2, 3}));
  EXPECT_EQ(ToFloats(out[0]), want);
  EXPECT_EQ(ToFloats(RunOp("Concat", {Fed(a), Fed(empty), Fed(b)}, {{"axis", IntAttr(-1)}})[0]),
            want);
  EXPECT_EQ(ToFloats(RunOp("Concat", {Fed(a), Fed(b)}, {}, 3)[0]), want);  // default axis 1
  out = RunOp("Concat", {Const(I64s({1, 2})), Fed(I64s({3}))}, {{"axis", IntAttr(0)}});
  EXPECT_EQ(Ints(out[0]), std::vector<int64_t>({1, 2, 3}));
  ExpectError("Concat", {Fed(a), Fed(F({3, 1}, {0, 0, 0}))}, {{"axis", IntAttr(1)}}, 17,
              StatusCode::kInvalidArgument, "input 1 float32[3,1] has size 3 in dim 0");
  ExpectError("Concat", {Fed(a), Fed(b)}, {}, 13, StatusCode::kInvalidArgument,
              "attribute 'axis' is missing");
  // Concat-4's spec does not restrict the sign, and PyTorch exported negative axes into it.
  EXPECT_EQ(ToFloats(RunOp("Concat", {Fed(a), Fed(b)}, {{"axis", IntAttr(-1)}}, 10)[0]), want);
  ExpectError("Concat", {Fed(a), Fed(I64({2, 1}, {0, 0}))}, {{"axis", IntAttr(1)}}, 17,
              StatusCode::kInvalidArgument, "input 1 has type int64, input 0 has float32");
}

TEST(ShapeOps, SplitEqualAndExplicit) {
  const Tensor x = F({6}, Iota(6));
  auto out = RunOp("Split", {Fed(x)}, {}, 13, 3);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({0, 1}));
  EXPECT_EQ(ToFloats(out[2]), std::vector<float>({4, 5}));
  // Opset 13: split is an input; before: an attribute.
  out = RunOp("Split", {Fed(x), Fed(I64s({1, 5}))}, {}, 13, 2);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({0}));
  EXPECT_EQ(ToFloats(out[1]), std::vector<float>({1, 2, 3, 4, 5}));
  out = RunOp("Split", {Fed(x)}, {{"split", IntsAttr({4, 2})}}, 11, 2);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({0, 1, 2, 3}));
  EXPECT_EQ(ToFloats(out[1]), std::vector<float>({4, 5}));
  // 2-D, negative axis: [[0,1,2,3],[4,5,6,7]] into two column blocks.
  out = RunOp("Split", {Fed(F({2, 4}, Iota(8)))}, {{"axis", IntAttr(-1)}}, 13, 2);
  EXPECT_EQ(out[0].shape(), Shape({2, 2}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({0, 1, 4, 5}));
  EXPECT_EQ(ToFloats(out[1]), std::vector<float>({2, 3, 6, 7}));
  // A zero-size part.
  out = RunOp("Split", {Fed(x), Const(I64s({0, 6}))}, {}, 13, 2);
  EXPECT_EQ(out[0].shape(), Shape({0}));
  ExpectError("Split", {Fed(x)}, {}, 13, StatusCode::kInvalidArgument,
              "the split axis has size 6, which does not divide into 4 equal parts", 4);
  ExpectError("Split", {Fed(x), Const(I64s({2, 2}))}, {}, 13, StatusCode::kInvalidArgument,
              "split [2,2] sums to 4, but the split axis has size 6", 2);
  ExpectError("Split", {Fed(x), Fed(I64s({2, 2}))}, {}, 13, StatusCode::kInvalidArgument,
              "sums to 4", 2);
  ExpectError("Split", {Fed(x)}, {{"split", IntsAttr({6})}}, 11, StatusCode::kInvalidArgument,
              "split [6] has 1 values for 2 outputs", 2);
}

// ---------------------------------------------------------------- Slice

TEST(ShapeOps, SliceStartsEndsAxesSteps) {
  // x = [[0..3],[4..7],[8..11]]
  const Tensor x = F({3, 4}, Iota(12));
  auto out = RunOp("Slice", {Fed(x), Const(I64s({0, 1})), Const(I64s({2, 3}))});
  EXPECT_EQ(out[0].shape(), Shape({2, 2}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({1, 2, 5, 6}));
  // Negative step from the last column; an end far below -dim clamps to "before the first".
  out = RunOp("Slice",
              {Fed(x), Fed(I64s({-1})), Fed(I64s({-1000000})), Fed(I64s({1})), Fed(I64s({-2}))});
  EXPECT_EQ(out[0].shape(), Shape({3, 2}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({3, 1, 7, 5, 11, 9}));
  // Ends past the dim clamp to it; starts past it give an empty slice.
  out = RunOp("Slice", {Fed(x), Const(I64s({1})), Const(I64s({1000})), Const(I64s({0}))});
  EXPECT_EQ(ToFloats(out[0]), Iota(8, 4));
  out = RunOp("Slice", {Fed(x), Const(I64s({10})), Const(I64s({20})), Const(I64s({1}))});
  EXPECT_EQ(out[0].shape(), Shape({3, 0}));
  // Negative axes and int32 arguments.
  out = RunOp("Slice", {Fed(x), Fed(I32({1}, {1})), Fed(I32({1}, {3})), Fed(I32({1}, {-1}))});
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({1, 2, 5, 6, 9, 10}));
}

TEST(ShapeOps, SliceOpset9Attributes) {
  const Tensor x = F({3, 4}, Iota(12));
  auto out =
      RunOp("Slice", {Fed(x)},
            {{"starts", IntsAttr({1})}, {"ends", IntsAttr({-1})}, {"axes", IntsAttr({1})}}, 9);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({1, 2, 5, 6, 9, 10}));
  ExpectError("Slice", {Fed(x)}, {{"starts", IntsAttr({1})}}, 9, StatusCode::kInvalidArgument,
              "attribute 'ends' is missing");
}

TEST(ShapeOps, SliceRejectsBadArguments) {
  const Tensor x = F({3, 4}, Iota(12));
  ExpectError("Slice",
              {Fed(x), Const(I64s({0})), Const(I64s({2})), Const(I64s({0})), Const(I64s({0}))}, {},
              13, StatusCode::kInvalidArgument, "steps [0] has a 0 (for axis 0)");
  ExpectError("Slice", {Fed(x), Const(I64s({0, 0})), Const(I64s({2}))}, {}, 13,
              StatusCode::kInvalidArgument, "must have the same length");
  ExpectError("Slice", {Fed(x), Fed(I64s({0})), Fed(I64s({2})), Fed(I64s({2}))}, {}, 13,
              StatusCode::kInvalidArgument,
              "input 3 (axes) has value 2, out of range [-2, 1] for rank 2");
  ExpectError("Slice", {Fed(x), Const(I64s({0})), Const(I64s({2})), Const(I64s({0, 0}))}, {}, 13,
              StatusCode::kInvalidArgument, "must have the same length");
}

// ---------------------------------------------------------------- Gather, GatherElements

TEST(ShapeOps, GatherAxesAndIndexShapes) {
  // x = [[0,1,2],[3,4,5],[6,7,8]]
  const Tensor x = F({3, 3}, Iota(9));
  auto out = RunOp("Gather", {Fed(x), Fed(I64({1, 2}, {0, 2}))}, {{"axis", IntAttr(1)}});
  EXPECT_EQ(out[0].shape(), Shape({3, 1, 2}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({0, 2, 3, 5, 6, 8}));
  // Negative indices count from the end; int32 indices work too.
  out = RunOp("Gather", {Fed(x), Fed(I32({2}, {-1, 0}))});
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({6, 7, 8, 0, 1, 2}));
  // A scalar index removes the axis; negative axis (allowed from opset 1).
  out = RunOp("Gather", {Fed(x), Const(Tensor::Scalar<int64_t>(1))}, {{"axis", IntAttr(-1)}}, 1);
  EXPECT_EQ(out[0].shape(), Shape({3}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({1, 4, 7}));
}

TEST(ShapeOps, GatherOutOfRangeIndexIsAnError) {
  const Tensor x = F({3, 3}, Iota(9));
  // Fed: found when the kernel runs. Constant: found when the plan is built.
  ExpectError("Gather", {Fed(x), Fed(I64s({0, 3}))}, {}, 13, StatusCode::kInvalidArgument,
              "index 3 (input 1, flat position 1) is out of range for axis 0 of size 3");
  ExpectError("Gather", {Fed(x), Const(I64s({-4}))}, {}, 13, StatusCode::kInvalidArgument,
              "index -4 (input 1, flat position 0) is out of range for axis 0 of size 3");
  ExpectError("Gather", {Fed(x), Fed(F({1}, {0}))}, {}, 13, StatusCode::kInvalidArgument,
              "input 1 (indices) has type float32, expected int64 or int32");
  ExpectError("Gather", {Fed(x), Fed(I64s({0}))}, {{"axis", IntAttr(2)}}, 13,
              StatusCode::kInvalidArgument, "attribute 'axis' has value 2, out of range");
}

TEST(ShapeOps, GatherElementsAlongAxis) {
  // The spec's example: data [[1,2],[3,4]], indices [[0,0],[1,0]], axis 1 -> [[1,1],[4,3]].
  const Tensor x = F({2, 2}, {1, 2, 3, 4});
  auto out =
      RunOp("GatherElements", {Fed(x), Fed(I64({2, 2}, {0, 0, 1, 0}))}, {{"axis", IntAttr(1)}});
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({1, 1, 4, 3}));
  // Axis 0, negative indices, fewer rows than the data.
  out = RunOp("GatherElements", {Fed(x), Fed(I32({1, 2}, {-1, 0}))});
  EXPECT_EQ(out[0].shape(), Shape({1, 2}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({3, 2}));
  ExpectError("GatherElements", {Fed(x), Fed(I64({2, 2}, {0, 2, 0, 0}))}, {{"axis", IntAttr(1)}},
              13, StatusCode::kInvalidArgument,
              "index 2 (input 1, flat position 1) is out of range for axis 1 of size 2");
  ExpectError("GatherElements", {Fed(x), Fed(I64s({0}))}, {}, 13, StatusCode::kInvalidArgument,
              "has rank 1, expected the rank of data");
}

TEST(ShapeOps, GatherNDTuplesAndBatchDims) {
  // data = [[0,1],[2,3]]: full tuples pick elements, 1-tuples pick rows.
  const Tensor x = F({2, 2}, {0, 1, 2, 3});
  auto out = RunOp("GatherND", {Fed(x), Fed(I64({2, 2}, {0, 0, 1, -1}))});
  EXPECT_EQ(out[0].shape(), Shape({2}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({0, 3}));
  out = RunOp("GatherND", {Fed(x), Const(I64({2, 1}, {1, 0}))});
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({2, 3, 0, 1}));
  // batch_dims 1 (opset 12): batch b reads data[b, indices[b], :].
  out = RunOp("GatherND", {Fed(F({2, 2, 2}, Iota(8))), Fed(I64({2, 1}, {1, 0}))},
              {{"batch_dims", IntAttr(1)}}, 13);
  EXPECT_EQ(out[0].shape(), Shape({2, 2}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({2, 3, 4, 5}));
  ExpectError("GatherND", {Fed(x), Fed(I64({1, 2}, {0, 2}))}, {}, 13, StatusCode::kInvalidArgument,
              "index 2 (input 1, flat position 1) is out of range for data dim 1 of size 2");
  ExpectError("GatherND", {Fed(x), Fed(I64({1, 3}, {0, 0, 0}))}, {}, 13,
              StatusCode::kInvalidArgument, "address 3 dims, expected 1 to 2");
}

TEST(ShapeOps, ScatterNDAssignAndReduce) {
  const Tensor x = F({4}, {1, 2, 3, 4});
  auto out = RunOp("ScatterND", {Fed(x), Fed(I64({2, 1}, {1, 3})), Fed(F({2}, {9, 10}))});
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({1, 9, 3, 10}));
  // Opset 16 reductions combine repeated indices.
  const Tensor twice = I64({2, 1}, {1, 1});
  out = RunOp("ScatterND", {Fed(x), Fed(twice), Fed(F({2}, {5, 6}))},
              {{"reduction", StringAttr("add")}}, 16);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({1, 13, 3, 4}));
  out = RunOp("ScatterND", {Fed(I64({4}, {1, 2, 3, 4})), Fed(twice), Fed(I64({2}, {5, 6}))},
              {{"reduction", StringAttr("mul")}}, 16);
  EXPECT_EQ(Ints(out[0]), std::vector<int64_t>({1, 60, 3, 4}));
  // Row slices of a 2-D tensor.
  out = RunOp("ScatterND",
              {Fed(F({2, 2}, {0, 0, 0, 0})), Fed(I64({1, 1}, {1})), Fed(F({1, 2}, {7, 8}))});
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({0, 0, 7, 8}));
  ExpectError("ScatterND", {Fed(x), Fed(twice), Fed(F({2}, {5, 6}))},
              {{"reduction", StringAttr("max")}}, 16, StatusCode::kInvalidArgument,
              "attribute 'reduction' is 'max'");
  ExpectError("ScatterND", {Fed(x), Fed(twice), Fed(F({3}, {5, 6, 7}))}, {}, 13,
              StatusCode::kInvalidArgument, "input 2 (updates) float32[3] should have shape [2]");
  ExpectError("ScatterND", {Fed(x), Fed(I64({1, 1}, {4})), Fed(F({1}, {5}))}, {}, 13,
              StatusCode::kInvalidArgument, "index 4 (input 1, flat position 0) is out of range");
}

// ---------------------------------------------------------------- Pad

TEST(ShapeOps, PadConstantWithValueInput) {
  // [[1,2],[3,4]] with one row before and one column after, filled with 9.
  auto out =
      RunOp("Pad", {Fed(F({2, 2}, {1, 2, 3, 4})), Const(I64s({1, 0, 0, 1})), Const(F({}, {9}))});
  EXPECT_EQ(out[0].shape(), Shape({3, 3}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({9, 9, 9, 1, 2, 9, 3, 4, 9}));
  // No constant_value: zeros; pads fed at run time.
  out = RunOp("Pad", {Fed(F({2, 2}, {1, 2, 3, 4})), Fed(I64s({1, 0, 0, 1}))});
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({0, 0, 0, 1, 2, 0, 3, 4, 0}));
}

TEST(ShapeOps, PadReflectEdgeAndCrop) {
  const Tensor x = F({1, 3}, {1, 2, 3});
  const Tensor pads = I64s({0, 2, 0, 2});
  // reflect: columns -2..4 read 2 1 | 0 1 2 | 1 0.
  auto out = RunOp("Pad", {Fed(x), Const(pads)}, {{"mode", StringAttr("reflect")}});
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({3, 2, 1, 2, 3, 2, 1}));
  out = RunOp("Pad", {Fed(x), Const(pads)}, {{"mode", StringAttr("edge")}});
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({1, 1, 1, 2, 3, 3, 3}));
  // Negative pads crop: drop the first column, add one zero column at the end.
  out = RunOp("Pad", {Fed(x), Const(I64s({0, -1, 0, 1}))});
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({2, 3, 0}));
  // Reflect on int32 data (the element size does not matter).
  out = RunOp("Pad", {Fed(I32({1, 3}, {1, 2, 3})), Const(I64s({0, 1, 0, 1}))},
              {{"mode", StringAttr("reflect")}});
  EXPECT_EQ(Ints(out[0]), std::vector<int64_t>({2, 1, 2, 3, 2}));
}

TEST(ShapeOps, PadOldOpsetsUseAttributes) {
  const Tensor x = F({1, 3}, {1, 2, 3});
  auto out = RunOp("Pad", {Fed(x)}, {{"pads", IntsAttr({0, 1, 0, 0})}, {"value", FloatAttr(5)}}, 2);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({5, 1, 2, 3}));
  out = RunOp("Pad", {Fed(x)}, {{"paddings", IntsAttr({0, 0, 0, 1})}, {"value", FloatAttr(7)}}, 1);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({1, 2, 3, 7}));
  // The float value is converted to the data's type.
  out = RunOp("Pad", {Fed(I64({1, 1}, {4}))},
              {{"pads", IntsAttr({0, 1, 0, 0})}, {"value", FloatAttr(-2)}}, 2);
  EXPECT_EQ(Ints(out[0]), std::vector<int64_t>({-2, 4}));
}

TEST(ShapeOps, PadRejectsBadPads) {
  const Tensor x = F({1, 3}, {1, 2, 3});
  ExpectError("Pad", {Fed(x), Const(I64s({1, 1}))}, {}, 13, StatusCode::kInvalidArgument,
              "pads [1,1] has 2 values, expected 4");
  ExpectError("Pad", {Fed(x), Fed(I64s({0, -2, 0, -2}))}, {}, 13, StatusCode::kInvalidArgument,
              "crop dim 1 of size 3 below zero");
  ExpectError("Pad", {Fed(F({1, 0}, {})), Const(I64s({0, 1, 0, 0}))},
              {{"mode", StringAttr("edge")}}, 13, StatusCode::kInvalidArgument,
              "cannot pad dim 1 of size 0 in 'edge' mode");
  ExpectError("Pad", {Fed(x), Const(I64s({0, 0, 0, 0}))}, {{"mode", StringAttr("mirror")}}, 13,
              StatusCode::kInvalidArgument, "attribute 'mode' is 'mirror'");
  ExpectError("Pad", {Fed(x), Const(I64s({0, 0, 0, 0})), Const(I64({}, {1}))}, {}, 13,
              StatusCode::kInvalidArgument, "input 2 (constant_value) has type int64");
  ExpectError("Pad", {Fed(x)}, {}, 2, StatusCode::kInvalidArgument, "attribute 'pads' is missing");
}

// ---------------------------------------------------------------- Tile, Expand

TEST(ShapeOps, TileRepeats) {
  const Tensor x = F({2, 2}, {1, 2, 3, 4});
  auto out = RunOp("Tile", {Fed(x), Const(I64s({1, 2}))});
  EXPECT_EQ(out[0].shape(), Shape({2, 4}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({1, 2, 1, 2, 3, 4, 3, 4}));
  out = RunOp("Tile", {Fed(x), Fed(I64s({2, 1}))});
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({1, 2, 3, 4, 1, 2, 3, 4}));
  EXPECT_EQ(RunOp("Tile", {Fed(x), Const(I64s({0, 3}))})[0].shape(), Shape({0, 6}));
  ExpectError("Tile", {Fed(x), Const(I64s({2}))}, {}, 13, StatusCode::kInvalidArgument,
              "input 1 (repeats) [2] has 1 values, expected one per dim");
  ExpectError("Tile", {Fed(x), Const(I64s({1, -1}))}, {}, 13, StatusCode::kInvalidArgument,
              "has a negative value");
}

TEST(ShapeOps, ExpandBroadcastsBothWays) {
  const Tensor x = F({3, 1}, {1, 2, 3});
  auto out = RunOp("Expand", {Fed(x), Const(I64s({2, 1, 6}))});
  EXPECT_EQ(out[0].shape(), Shape({2, 3, 6}));
  const std::vector<float> y = ToFloats(out[0]);
  EXPECT_EQ(y[0], 1.f);
  EXPECT_EQ(y[6 + 5], 2.f);
  EXPECT_EQ(y[18 + 12], 3.f);
  // The target may be smaller than the input: [3,1] with [3] gives [3,3].
  out = RunOp("Expand", {Fed(x), Fed(I64s({3}))});
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({1, 1, 1, 2, 2, 2, 3, 3, 3}));
  ExpectError("Expand", {Fed(x), Const(I64s({2, 2}))}, {}, 13, StatusCode::kInvalidArgument,
              "cannot broadcast input shape [3,1] to shape [2,2] (dim 3 vs 2)");
}

// ---------------------------------------------------------------- Generators

TEST(ShapeOps, ConstantOfShapeValueAndDefault) {
  auto out = RunOp("ConstantOfShape", {Const(I64s({2, 3}))});
  EXPECT_EQ(out[0].dtype(), DataType::kFloat32);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>(6, 0.f));
  out = RunOp("ConstantOfShape", {Fed(I64s({2}))}, {{"value", TensorAttr(I64({1}, {7}))}});
  EXPECT_EQ(out[0].dtype(), DataType::kInt64);
  EXPECT_EQ(Ints(out[0]), std::vector<int64_t>({7, 7}));
  EXPECT_EQ(RunOp("ConstantOfShape", {Fed(I64s({0}))})[0].shape(), Shape({0}));
  ExpectError("ConstantOfShape", {Fed(I64s({2, -1}))}, {}, 13, StatusCode::kInvalidArgument,
              "input 0 (input) [2,-1] has a negative dim");
  ExpectError("ConstantOfShape", {Fed(I64s({2}))}, {{"value", TensorAttr(F({2}, {1, 2}))}}, 13,
              StatusCode::kInvalidArgument, "attribute 'value' has shape [2]");
}

TEST(ShapeOps, RangeFloatAndInt) {
  // ceil((2 - 1) / 0.3) = 4 elements.
  auto out = RunOp("Range", {Fed(F({}, {1})), Fed(F({}, {2})), Fed(F({}, {0.3f}))});
  ASSERT_EQ(out[0].shape(), Shape({4}));
  const std::vector<float> y = ToFloats(out[0]);
  EXPECT_NEAR(y[3], 1.9f, 1e-6);
  out = RunOp("Range", {Const(I32({}, {10})), Const(I32({}, {4})), Const(I32({}, {-3}))});
  EXPECT_EQ(out[0].dtype(), DataType::kInt32);
  EXPECT_EQ(Ints(out[0]), std::vector<int64_t>({10, 7}));
  out = RunOp("Range", {Fed(I64({}, {0})), Fed(I64({}, {5})), Fed(I64({}, {-1}))});
  EXPECT_EQ(out[0].shape(), Shape({0}));
  ExpectError("Range", {Fed(I64({}, {0})), Fed(I64({}, {5})), Fed(I64({}, {0}))}, {}, 11,
              StatusCode::kInvalidArgument, "delta is 0");
  ExpectError("Range", {Fed(I64({}, {0})), Fed(F({}, {5})), Fed(I64({}, {1}))}, {}, 11,
              StatusCode::kInvalidArgument, "input 1 has type float32, input 0 (start) has int64");
}

// ---------------------------------------------------------------- Identity, Dropout

TEST(ShapeOps, IdentityCopies) {
  auto out = RunOp("Identity", {Fed(I64({3}, {4, 5, 6}))});
  EXPECT_EQ(Ints(out[0]), std::vector<int64_t>({4, 5, 6}));
}

TEST(ShapeOps, DropoutIsTheIdentityAtInference) {
  const Tensor x = F({2, 2}, {1, 2, 3, 4});
  // Opset 13: a bool mask, all true; ratio as an input.
  auto out = RunOp("Dropout", {Fed(x), Const(F({}, {0.3f}))}, {}, 13, 2);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({1, 2, 3, 4}));
  EXPECT_EQ(out[1].dtype(), DataType::kBool);
  EXPECT_EQ(Ints(out[1]), std::vector<int64_t>({1, 1, 1, 1}));
  // Opset 7-9: the mask has the data's type.
  out = RunOp("Dropout", {Fed(x)}, {{"ratio", FloatAttr(0.2f)}}, 7, 2);
  EXPECT_EQ(out[1].dtype(), DataType::kFloat32);
  EXPECT_EQ(ToFloats(out[1]), std::vector<float>({1, 1, 1, 1}));
  // Training mode with ratio 0 drops nothing: still the identity.
  out = RunOp("Dropout", {Fed(x), Const(F({}, {0})), Const(Tensor::FromVector<bool>({}, {true}))},
              {}, 13);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({1, 2, 3, 4}));
  // Opset 6 with is_test=1 is inference.
  out = RunOp("Dropout", {Fed(x)}, {{"is_test", IntAttr(1)}}, 6);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({1, 2, 3, 4}));
}

TEST(ShapeOps, DropoutTrainingModeIsUnsupported) {
  const Tensor x = F({2}, {1, 2});
  const Tensor yes = Tensor::FromVector<bool>({}, {true});
  ExpectError("Dropout", {Fed(x), None(), Const(yes)}, {}, 13, StatusCode::kUnimplemented,
              "input 2 (training_mode) is true");
  // Fed at run time: the kernel refuses when it sees the value.
  ExpectError("Dropout", {Fed(x), None(), Fed(yes)}, {}, 13, StatusCode::kUnimplemented,
              "input 2 (training_mode) is true");
  ExpectError("Dropout", {Fed(x)}, {}, 6, StatusCode::kUnimplemented, "'is_test' is 0");
  ExpectError("Dropout", {Fed(x), Const(F({}, {1.5f}))}, {}, 13, StatusCode::kInvalidArgument,
              "ratio 1.5 is out of range [0, 1)");
}

}  // namespace
}  // namespace finch
