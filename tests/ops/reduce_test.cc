// Reductions and ArgMax/ArgMin: hand-checked values for every kind, axes from the attribute and
// (ReduceSum, opset 13) from an input, keepdims, noop_with_empty_axes, non-contiguous axes,
// empty reductions, integer types, select_last_index, and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/ops/shape_test_util.h"

namespace finch {
namespace {

using namespace shape_testing;  // NOLINT: test helpers
using testing::IntAttr;
using testing::IntsAttr;
using testing::ToFloats;

// x = [[1,2],[3,4]]
Tensor X22() { return F({2, 2}, {1, 2, 3, 4}); }

TEST(ReduceOps, SumAxesAttributeAndKeepdims) {
  auto out = RunOp("ReduceSum", {Fed(X22())}, {{"axes", IntsAttr({1})}}, 11);
  EXPECT_EQ(out[0].shape(), Shape({2, 1}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({3, 7}));
  out = RunOp("ReduceSum", {Fed(X22())}, {{"axes", IntsAttr({1})}, {"keepdims", IntAttr(0)}}, 11);
  EXPECT_EQ(out[0].shape(), Shape({2}));
  out = RunOp("ReduceSum", {Fed(X22())}, {{"axes", IntsAttr({-2})}}, 11);
  EXPECT_EQ(out[0].shape(), Shape({1, 2}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({4, 6}));
  out = RunOp("ReduceSum", {Fed(X22())}, {}, 11);  // no axes: every axis
  EXPECT_EQ(out[0].shape(), Shape({1, 1}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({10}));
  // Opset 1's spec does not restrict the sign of axes; negative ones count from the back.
  EXPECT_EQ(ToFloats(RunOp("ReduceSum", {Fed(X22())}, {{"axes", IntsAttr({-1})}}, 10)[0]),
            std::vector<float>({3, 7}));
}

TEST(ReduceOps, SumAxesInputFromOpset13) {
  auto out = RunOp("ReduceSum", {Fed(X22()), Const(I64s({0}))}, {}, 13);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({4, 6}));
  // Fed axes: the shape resolves when the node runs.
  out = RunOp("ReduceSum", {Fed(X22()), Fed(I64s({1}))}, {{"keepdims", IntAttr(0)}}, 13);
  EXPECT_EQ(out[0].shape(), Shape({2}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({3, 7}));
  // No axes input, or an empty one: every axis, unless noop_with_empty_axes.
  EXPECT_EQ(ToFloats(RunOp("ReduceSum", {Fed(X22())}, {}, 13)[0]), std::vector<float>({10}));
  EXPECT_EQ(ToFloats(RunOp("ReduceSum", {Fed(X22()), Fed(I64s({}))}, {}, 13)[0]),
            std::vector<float>({10}));
  out = RunOp("ReduceSum", {Fed(X22()), Fed(I64s({}))}, {{"noop_with_empty_axes", IntAttr(1)}}, 13);
  EXPECT_EQ(out[0].shape(), Shape({2, 2}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({1, 2, 3, 4}));
  // Other reductions keep the attribute until opset 18.
  ExpectError("ReduceMean", {Fed(X22()), Const(I64s({0}))}, {}, 13, StatusCode::kInvalidArgument,
              "has an axes input, which ReduceMean takes only from opset 18");
}

TEST(ReduceOps, EveryKind) {
  struct Case {
    const char* op;
    std::vector<float> x;
    float want;
  };
  const Case cases[] = {
      {"ReduceMean", {1, 2, 3, 4}, 2.5f},
      {"ReduceMax", {1, 4, 3, 2}, 4.f},
      {"ReduceMin", {3, 1, 4, 2}, 1.f},
      {"ReduceProd", {1, 2, 3, 4}, 24.f},
      {"ReduceL1", {-1, 2, -3, 4}, 10.f},
      {"ReduceL2", {3, 0, 0, -4}, 5.f},
      {"ReduceSumSquare", {1, 2, 3, 4}, 30.f},
      {"ReduceLogSum", {1, 2, 3, 4}, std::log(10.f)},
      // log(e + e² + e³ + e⁴) = 4 + log(1 + e⁻¹ + e⁻² + e⁻³)
      {"ReduceLogSumExp", {1, 2, 3, 4}, 4.4401897f},
  };
  for (const Case& c : cases) {
    auto out = RunOp(c.op, {Fed(F({2, 2}, c.x))}, {{"keepdims", IntAttr(0)}}, 13);
    EXPECT_EQ(out[0].shape(), Shape({})) << c.op;
    EXPECT_NEAR(ToFloats(out[0])[0], c.want, 1e-5) << c.op;
  }
}

TEST(ReduceOps, LogSumExpDoesNotOverflow) {
  // exp(1000) overflows float; the max-shifted form gives 1000 + log 2.
  auto out = RunOp("ReduceLogSumExp", {Fed(F({2}, {1000, 1000}))}, {}, 13);
  EXPECT_NEAR(ToFloats(out[0])[0], 1000.f + std::log(2.f), 1e-3);
}

TEST(ReduceOps, NonContiguousAxes) {
  // x[i,j,k] = 6i + 2j + k; summing over i and k gives 8j + 14.
  auto out = RunOp("ReduceSum", {Fed(F({2, 3, 2}, Iota(12)))},
                   {{"axes", IntsAttr({0, 2})}, {"keepdims", IntAttr(0)}}, 11);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({14, 22, 30}));
  out = RunOp("ReduceMax", {Fed(F({2, 3, 2}, Iota(12)))}, {{"axes", IntsAttr({2, 0})}}, 13);
  EXPECT_EQ(out[0].shape(), Shape({1, 3, 1}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({7, 9, 11}));
}

TEST(ReduceOps, EmptyReductionsGiveTheIdentity) {
  const Tensor empty = F({2, 0}, {});
  const std::map<std::string, Attribute> axis1 = {{"axes", IntsAttr({1})}};
  EXPECT_EQ(ToFloats(RunOp("ReduceSum", {Fed(empty), Const(I64s({1}))}, {}, 13)[0]),
            std::vector<float>({0, 0}));
  EXPECT_EQ(ToFloats(RunOp("ReduceProd", {Fed(empty)}, axis1, 13)[0]), std::vector<float>({1, 1}));
  const float max = ToFloats(RunOp("ReduceMax", {Fed(empty)}, axis1, 13)[0])[0];
  EXPECT_TRUE(std::isinf(max) && max < 0);
}

TEST(ReduceOps, IntegerTypes) {
  auto out = RunOp("ReduceSum", {Fed(I64({2, 2}, {1, 2, 3, 4})), Const(I64s({0}))}, {}, 13);
  EXPECT_EQ(out[0].dtype(), DataType::kInt64);
  EXPECT_EQ(Ints(out[0]), std::vector<int64_t>({4, 6}));
  // Integer mean truncates: 1.5 -> 1, 3.5 -> 3.
  out = RunOp("ReduceMean", {Fed(I32({2, 2}, {1, 2, 3, 4}))}, {{"axes", IntsAttr({1})}}, 13);
  EXPECT_EQ(out[0].dtype(), DataType::kInt32);
  EXPECT_EQ(Ints(out[0]), std::vector<int64_t>({1, 3}));
  out = RunOp("ReduceMin", {Fed(I64({3}, {5, -7, 2}))}, {}, 13);
  EXPECT_EQ(Ints(out[0]), std::vector<int64_t>({-7}));
  auto d = RunOp("ReduceMean", {Fed(Tensor::FromVector<double>({2}, {1, 2}))}, {}, 13);
  EXPECT_EQ(d[0].dtype(), DataType::kFloat64);
  EXPECT_EQ(ToFloats(d[0]), std::vector<float>({1.5f}));
}

TEST(ReduceOps, RejectsBadAxesAndTypes) {
  ExpectError("ReduceMean", {Fed(X22())}, {{"axes", IntsAttr({2})}}, 13,
              StatusCode::kInvalidArgument, "attribute 'axes' has value 2, out of range [-2, 1]");
  ExpectError("ReduceMean", {Fed(X22())}, {{"axes", IntsAttr({0, -2})}}, 13,
              StatusCode::kInvalidArgument, "names axis 0 more than once");
  ExpectError("ReduceSum", {Fed(X22()), Fed(I64s({5}))}, {}, 13, StatusCode::kInvalidArgument,
              "input 1 (axes) has value 5, out of range [-2, 1] for rank 2");
  ExpectError("ReduceSum", {Fed(Tensor::FromVector<uint8_t>({2}, {1, 2}))}, {}, 13,
              StatusCode::kUnimplemented, "input 0 (data) has type uint8");
}

TEST(ReduceOps, ArgMaxArgMin) {
  // x = [[1,5,3],[4,4,2]]
  const Tensor x = F({2, 3}, {1, 5, 3, 4, 4, 2});
  auto out = RunOp("ArgMax", {Fed(x)}, {{"axis", IntAttr(1)}}, 13);
  EXPECT_EQ(out[0].dtype(), DataType::kInt64);
  EXPECT_EQ(out[0].shape(), Shape({2, 1}));
  EXPECT_EQ(Ints(out[0]), std::vector<int64_t>({1, 0}));  // first of the tied 4s
  out = RunOp("ArgMax", {Fed(x)}, {{"axis", IntAttr(-1)}, {"select_last_index", IntAttr(1)}}, 12);
  EXPECT_EQ(Ints(out[0]), std::vector<int64_t>({1, 1}));  // last of the tied 4s
  // select_last_index arrived in opset 12.
  out = RunOp("ArgMax", {Fed(x)}, {{"axis", IntAttr(1)}, {"select_last_index", IntAttr(1)}}, 11);
  EXPECT_EQ(Ints(out[0]), std::vector<int64_t>({1, 0}));
  out = RunOp("ArgMin", {Fed(x)}, {{"keepdims", IntAttr(0)}}, 13);
  EXPECT_EQ(out[0].shape(), Shape({3}));
  EXPECT_EQ(Ints(out[0]), std::vector<int64_t>({0, 1, 1}));
  out = RunOp("ArgMin", {Fed(I64({2, 1}, {7, 7}))}, {{"select_last_index", IntAttr(1)}}, 13);
  EXPECT_EQ(Ints(out[0]), std::vector<int64_t>({1}));
}

TEST(ReduceOps, ArgMaxRejectsBadInput) {
  ExpectError("ArgMax", {Fed(X22())}, {{"axis", IntAttr(2)}}, 10, StatusCode::kInvalidArgument,
              "attribute 'axis' has value 2, out of range [-2, 1] for rank 2");
  ExpectError("ArgMin", {Fed(F({2, 0}, {}))}, {{"axis", IntAttr(1)}}, 13,
              StatusCode::kInvalidArgument, "cannot take ArgMin over axis 1 of size 0");
}

}  // namespace
}  // namespace finch
