// Pooling ops: hand-checked values for pads, strides, dilations, ceil_mode, count_include_pad,
// Indices (both storage orders), global pools, the opset differences, and bad input.
#include <gtest/gtest.h>

#include "tests/util/test_util.h"

namespace finch {
namespace {

using testing::ExpectNear;
using testing::ExpectRejected;
using testing::IntAttr;
using testing::IntsAttr;
using testing::Iota;
using testing::RunGraph;
using testing::SingleNodeGraph;
using testing::StringAttr;
using testing::ToFloats;
using testing::ToInts;

// Session creation fails with `code`, naming the node and containing `what`.
TEST(PoolOps, MaxPoolPadsStridesAndIndices) {
  // x = 0..15 in 4x4, 3x3 window, pad 1, stride 2: each window's max is its bottom-right
  // input pixel: (1,1)=5, (1,3)=7, (3,1)=13, (3,3)=15.
  for (int64_t order : {0, 1}) {
    Graph g = SingleNodeGraph("MaxPool", {{1, 1, 4, 4}}, 2,
                              {{"kernel_shape", IntsAttr({3, 3})},
                               {"pads", IntsAttr({1, 1, 1, 1})},
                               {"strides", IntsAttr({2, 2})},
                               {"storage_order", IntAttr(order)}});
    auto out = RunGraph(g, {Tensor::FromVector<float>({1, 1, 4, 4}, Iota(16))});
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].shape(), Shape({1, 1, 2, 2}));
    EXPECT_EQ(ToFloats(out[0]), std::vector<float>({5, 7, 13, 15}));
    ASSERT_EQ(out[1].dtype(), DataType::kInt64);
    // Row major: h·4 + w. Column major: h + w·4, so (1,3) -> 13 and (3,1) -> 7.
    EXPECT_EQ(ToInts(out[1]), order == 0 ? std::vector<int64_t>({5, 7, 13, 15})
                                         : std::vector<int64_t>({5, 13, 7, 15}));
  }
}

TEST(PoolOps, MaxPoolIndicesCountPlanes) {
  // Indices are flat over N·C·H·W: the second plane's argmax is offset by its 4 elements.
  Graph g = SingleNodeGraph("MaxPool", {{1, 2, 2, 2}}, 2, {{"kernel_shape", IntsAttr({2, 2})}});
  auto out = RunGraph(g, {Tensor::FromVector<float>({1, 2, 2, 2}, {0, 9, 1, 2, 3, 4, 8, 5})});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({9, 8}));
  EXPECT_EQ(ToInts(out[1]), std::vector<int64_t>({1, 6}));
}

TEST(PoolOps, MaxPoolPaddingNeverWins) {
  // All-negative input: a padded position would give 0 if it took part.
  Graph g = SingleNodeGraph("MaxPool", {{1, 1, 3}}, 1,
                            {{"kernel_shape", IntsAttr({2})}, {"pads", IntsAttr({1, 1})}});
  auto out = RunGraph(g, {Tensor::FromVector<float>({1, 1, 3}, {-3, -1, -2})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({-3, -1, -1, -2}));
}

TEST(PoolOps, MaxPoolDilation) {
  // kernel 2, dilation 2: max(x0, x2), max(x1, x3), max(x2, x4).
  Graph g = SingleNodeGraph("MaxPool", {{1, 1, 5}}, 1,
                            {{"kernel_shape", IntsAttr({2})}, {"dilations", IntsAttr({2})}});
  auto out = RunGraph(g, {Tensor::FromVector<float>({1, 1, 5}, {1, 5, 2, 4, 3})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({2, 5, 3}));
}

TEST(PoolOps, MaxPoolCeilModeByOpset) {
  std::map<std::string, Attribute> attrs = {
      {"kernel_shape", IntsAttr({2})}, {"strides", IntsAttr({2})}, {"ceil_mode", IntAttr(1)}};
  // ceil((5 − 2) / 2) + 1 = 3 windows; the last holds only x4.
  Graph g = SingleNodeGraph("MaxPool", {{1, 1, 5}}, 1, attrs, /*opset=*/10);
  auto out = RunGraph(g, {Tensor::FromVector<float>({1, 1, 5}, {1, 2, 3, 4, 5})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({2, 4, 5}));
  // ceil_mode is an attribute from opset 10 only.
  ExpectRejected(SingleNodeGraph("MaxPool", {{1, 1, 5}}, 1, attrs, /*opset=*/9),
                 StatusCode::kInvalidArgument, "ceil_mode");
}

TEST(PoolOps, MaxPool3dAndSameUpper) {
  Graph g3 =
      SingleNodeGraph("MaxPool", {{1, 1, 2, 2, 2}}, 1, {{"kernel_shape", IntsAttr({2, 2, 2})}});
  auto out = RunGraph(g3, {Tensor::FromVector<float>({1, 1, 2, 2, 2}, Iota(8))});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), Shape({1, 1, 1, 1, 1}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({7}));

  // SAME_UPPER, kernel 2 on 3 pixels: one pad at the end, output 3.
  Graph g =
      SingleNodeGraph("MaxPool", {{1, 1, 3}}, 1,
                      {{"kernel_shape", IntsAttr({2})}, {"auto_pad", StringAttr("SAME_UPPER")}});
  out = RunGraph(g, {Tensor::FromVector<float>({1, 1, 3}, {3, 1, 2})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({3, 2, 2}));
}

TEST(PoolOps, MaxPoolUint8FromOpset12) {
  std::map<std::string, Attribute> attrs = {{"kernel_shape", IntsAttr({2})}};
  Graph g = SingleNodeGraph("MaxPool", {{1, 1, 3}}, 1, attrs, 12, DataType::kUint8);
  auto out = RunGraph(g, {Tensor::FromVector<uint8_t>({1, 1, 3}, {200, 7, 255})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dtype(), DataType::kUint8);
  EXPECT_EQ(ToInts(out[0]), std::vector<int64_t>({200, 255}));
  ExpectRejected(SingleNodeGraph("MaxPool", {{1, 1, 3}}, 1, attrs, 11, DataType::kUint8),
                 StatusCode::kUnimplemented, "uint8");
}

TEST(PoolOps, AveragePoolCountIncludePad) {
  // x = [1, 2, 3], kernel 3, pads 1: windows [pad,1,2], [1,2,3], [2,3,pad].
  for (int64_t include : {0, 1}) {
    Graph g = SingleNodeGraph("AveragePool", {{1, 1, 3}}, 1,
                              {{"kernel_shape", IntsAttr({3})},
                               {"pads", IntsAttr({1, 1})},
                               {"count_include_pad", IntAttr(include)}});
    auto out = RunGraph(g, {Tensor::FromVector<float>({1, 1, 3}, {1, 2, 3})});
    ASSERT_EQ(out.size(), 1u);
    if (include) {
      ExpectNear(out[0], {3.f / 3, 6.f / 3, 5.f / 3});
    } else {
      ExpectNear(out[0], {3.f / 2, 6.f / 3, 5.f / 2});
    }
  }
}

TEST(PoolOps, AveragePoolCeilModeNeverCountsBeyondPads) {
  // x = 1..6, kernel 3, stride 3, pads 1: padded length 8, ceil((8 − 3) / 3) + 1 = 3 windows
  // starting at −1, 2, 5. The last covers x5 = 6, the end pad (counted only with
  // count_include_pad) and one position beyond the padded input (never counted).
  for (int64_t include : {0, 1}) {
    Graph g = SingleNodeGraph("AveragePool", {{1, 1, 6}}, 1,
                              {{"kernel_shape", IntsAttr({3})},
                               {"strides", IntsAttr({3})},
                               {"pads", IntsAttr({1, 1})},
                               {"ceil_mode", IntAttr(1)},
                               {"count_include_pad", IntAttr(include)}});
    auto out = RunGraph(g, {Tensor::FromVector<float>({1, 1, 6}, Iota(6, 1))});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].shape(), Shape({1, 1, 3}));
    if (include) {
      ExpectNear(out[0], {3.f / 3, 12.f / 3, 6.f / 2});
    } else {
      ExpectNear(out[0], {3.f / 2, 12.f / 3, 6.f / 1});
    }
  }
}

TEST(PoolOps, AveragePool2dStrides) {
  // 4x4 = 0..15, 2x2 windows, stride 2: means of the four quadrants.
  Graph g = SingleNodeGraph("AveragePool", {{1, 1, 4, 4}}, 1,
                            {{"kernel_shape", IntsAttr({2, 2})}, {"strides", IntsAttr({2, 2})}});
  auto out = RunGraph(g, {Tensor::FromVector<float>({1, 1, 4, 4}, Iota(16))});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({2.5f, 4.5f, 10.5f, 12.5f}));
}

TEST(PoolOps, GlobalPools) {
  const Tensor x = Tensor::FromVector<float>({1, 2, 2, 2}, Iota(8));
  auto avg = RunGraph(SingleNodeGraph("GlobalAveragePool", {{1, 2, 2, 2}}), {x});
  ASSERT_EQ(avg.size(), 1u);
  EXPECT_EQ(avg[0].shape(), Shape({1, 2, 1, 1}));
  EXPECT_EQ(ToFloats(avg[0]), std::vector<float>({1.5f, 5.5f}));
  auto max = RunGraph(SingleNodeGraph("GlobalMaxPool", {{1, 2, 2, 2}}), {x});
  ASSERT_EQ(max.size(), 1u);
  EXPECT_EQ(max[0].shape(), Shape({1, 2, 1, 1}));
  EXPECT_EQ(ToFloats(max[0]), std::vector<float>({3, 7}));
  // 1-D spatial.
  auto avg1 = RunGraph(SingleNodeGraph("GlobalAveragePool", {{2, 1, 3}}),
                       {Tensor::FromVector<float>({2, 1, 3}, Iota(6))});
  ASSERT_EQ(avg1.size(), 1u);
  EXPECT_EQ(avg1[0].shape(), Shape({2, 1, 1}));
  EXPECT_EQ(ToFloats(avg1[0]), std::vector<float>({1, 4}));
}

TEST(PoolOps, SymbolicBatch) {
  // The plan is rebuilt for the fed batch size.
  Graph g = SingleNodeGraph("MaxPool", {{1, 1, 4}}, 1,
                            {{"kernel_shape", IntsAttr({2})}, {"strides", IntsAttr({2})}});
  (*g.values[g.inputs[0]].type.dims)[0] = Dim{-1, "N"};
  auto out = RunGraph(g, {Tensor::FromVector<float>({2, 1, 4}, Iota(8))});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), Shape({2, 1, 2}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({1, 3, 5, 7}));
}

TEST(PoolOps, BadInputNamed) {
  const auto k2 = IntsAttr({2, 2});
  ExpectRejected(SingleNodeGraph("MaxPool", {{4, 4}}, 1, {{"kernel_shape", k2}}),
                 StatusCode::kInvalidArgument, "expected rank 3 to 5");
  ExpectRejected(SingleNodeGraph("AveragePool", {{1, 1, 4, 4}}), StatusCode::kInvalidArgument,
                 "kernel_shape is missing");
  ExpectRejected(SingleNodeGraph("MaxPool", {{1, 1, 4, 4}}, 1,
                                 {{"kernel_shape", k2}, {"storage_order", IntAttr(2)}}),
                 StatusCode::kInvalidArgument, "storage_order is 2");
  ExpectRejected(SingleNodeGraph("AveragePool", {{1, 1, 4, 4}}, 1,
                                 {{"kernel_shape", k2}, {"count_include_pad", IntAttr(3)}}),
                 StatusCode::kInvalidArgument, "count_include_pad is 3");
  ExpectRejected(SingleNodeGraph("MaxPool", {{1, 1, 4, 4}}, 1,
                                 {{"kernel_shape", k2}, {"strides", IntsAttr({1})}}),
                 StatusCode::kInvalidArgument, "strides/dilations/pads");
  ExpectRejected(SingleNodeGraph("MaxPool", {{1, 1, 1, 1, 1, 4}}, 1,
                                 {{"kernel_shape", IntsAttr({1, 1, 1, 2})}}),
                 StatusCode::kUnimplemented, "4 spatial dims");
  ExpectRejected(SingleNodeGraph("AveragePool", {{1, 1, 4}}, 1, {{"kernel_shape", IntsAttr({2})}},
                                 17, DataType::kInt64),
                 StatusCode::kUnimplemented, "int64");
  ExpectRejected(SingleNodeGraph("GlobalMaxPool", {{3}}), StatusCode::kInvalidArgument,
                 "expected rank >= 2");
}

TEST(PoolOps, IndicesOutputNeedsOpset8) {
  ExpectRejected(SingleNodeGraph("MaxPool", {{1, 1, 4}}, 2, {{"kernel_shape", IntsAttr({2})}},
                                 /*opset=*/7),
                 StatusCode::kInvalidArgument, "Indices output exists from opset 8");
}

}  // namespace
}  // namespace finch
