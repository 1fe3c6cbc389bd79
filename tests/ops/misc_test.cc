// Misc family: Hardmax, CumSum, TopK, OneHot, EyeLike, Trilu, DepthToSpace, SpaceToDepth —
// hand-checked values, opset differences and bad input.
#include <gtest/gtest.h>

#include "tests/ops/shape_test_util.h"

namespace finch {
namespace {

using shape_testing::Const;
using shape_testing::F;
using shape_testing::Fed;
using shape_testing::I64;
using shape_testing::I64s;
using shape_testing::None;
using shape_testing::OneNode;
using shape_testing::TryRun;
using testing::IntAttr;
using testing::StringAttr;
using testing::ToFloats;

std::vector<int64_t> Ints(const Tensor& t) {
  return std::vector<int64_t>(t.data<int64_t>(), t.data<int64_t>() + t.num_elements());
}

void ExpectError(const StatusOr<std::vector<Tensor>>& r, StatusCode code, const std::string& what) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), code) << r.status().ToString();
  EXPECT_NE(r.status().message().find("\"n\""), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find(what), std::string::npos) << r.status().message();
}

TEST(MiscOps, HardmaxOpsetSemantics) {
  Tensor x = F({2, 2}, {1, 3, 3, 2});
  // Opset 13, axis -1: per row; the first maximum wins ties.
  auto r13 = TryRun(OneNode("Hardmax", {Fed(x)}, 1, {}, 13), {Fed(x)});
  ASSERT_TRUE(r13.ok()) << r13.status().ToString();
  EXPECT_EQ(ToFloats((*r13)[0]), std::vector<float>({0, 1, 1, 0}));
  // Opset 11, axis 0: X flattened to [1, 4]: one 1 at the first 3.
  auto r11 = TryRun(OneNode("Hardmax", {Fed(x)}, 1, {{"axis", IntAttr(0)}}, 11), {Fed(x)});
  ASSERT_TRUE(r11.ok()) << r11.status().ToString();
  EXPECT_EQ(ToFloats((*r11)[0]), std::vector<float>({0, 1, 0, 0}));
  ExpectError(TryRun(OneNode("Hardmax", {Fed(x)}, 1, {{"axis", IntAttr(2)}}), {Fed(x)}),
              StatusCode::kInvalidArgument, "axis 2");
}

TEST(MiscOps, CumSumExclusiveReverse) {
  Tensor x = F({2, 3}, {1, 2, 3, 4, 5, 6});
  auto plain = TryRun(OneNode("CumSum", {Fed(x), Const(I64({}, {1}))}), {Fed(x)});
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(ToFloats((*plain)[0]), std::vector<float>({1, 3, 6, 4, 9, 15}));
  auto both = TryRun(OneNode("CumSum", {Fed(x), Const(I64({}, {-1}))}, 1,
                             {{"exclusive", IntAttr(1)}, {"reverse", IntAttr(1)}}),
                     {Fed(x)});
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  EXPECT_EQ(ToFloats((*both)[0]), std::vector<float>({5, 3, 0, 11, 6, 0}));
  auto axis0 = TryRun(OneNode("CumSum", {Fed(x), Fed(I64({}, {0}))}), {Fed(x), Fed(I64({}, {0}))});
  ASSERT_TRUE(axis0.ok()) << axis0.status().ToString();
  EXPECT_EQ(ToFloats((*axis0)[0]), std::vector<float>({1, 2, 3, 5, 7, 9}));
  ExpectError(TryRun(OneNode("CumSum", {Fed(x), Fed(I64({}, {2}))}), {Fed(x), Fed(I64({}, {2}))}),
              StatusCode::kInvalidArgument, "input 1 (axis) has value 2");
}

TEST(MiscOps, TopKLargestSmallestTies) {
  Tensor x = F({1, 5}, {3, 1, 3, 5, 0});
  auto big = TryRun(OneNode("TopK", {Fed(x), Const(I64s({3}))}, 2), {Fed(x)});
  ASSERT_TRUE(big.ok()) << big.status().ToString();
  EXPECT_EQ(ToFloats((*big)[0]), std::vector<float>({5, 3, 3}));
  EXPECT_EQ(Ints((*big)[1]), std::vector<int64_t>({3, 0, 2}));  // ties: lower index first
  auto small = TryRun(OneNode("TopK", {Fed(x), Const(I64s({2}))}, 2, {{"largest", IntAttr(0)}}),
                      {Fed(x)});
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_EQ(ToFloats((*small)[0]), std::vector<float>({0, 1}));
  EXPECT_EQ(Ints((*small)[1]), std::vector<int64_t>({4, 1}));
  // Opset 1: k is an attribute.
  auto v1 = TryRun(OneNode("TopK", {Fed(x)}, 2, {{"k", IntAttr(1)}}, 1), {Fed(x)});
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ(ToFloats((*v1)[0]), std::vector<float>({5}));
  ExpectError(TryRun(OneNode("TopK", {Fed(x), Const(I64s({6}))}, 2), {Fed(x)}),
              StatusCode::kInvalidArgument, "k is 6");
}

TEST(MiscOps, OneHotAxisAndNegativeIndices) {
  Tensor ind = I64({2}, {1, -1});
  Tensor values = F({2}, {0, 5});
  auto r = TryRun(OneNode("OneHot", {Fed(ind), Const(I64({}, {3})), Const(values)}), {Fed(ind)});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)[0].shape(), Shape({2, 3}));
  EXPECT_EQ(ToFloats((*r)[0]), std::vector<float>({0, 5, 0, 0, 0, 5}));  // -1 -> depth - 1
  auto a0 = TryRun(OneNode("OneHot", {Fed(ind), Const(I64({}, {3})), Const(values)}, 1,
                           {{"axis", IntAttr(0)}}),
                   {Fed(ind)});
  ASSERT_TRUE(a0.ok()) << a0.status().ToString();
  EXPECT_EQ((*a0)[0].shape(), Shape({3, 2}));
  EXPECT_EQ(ToFloats((*a0)[0]), std::vector<float>({0, 0, 5, 0, 0, 5}));
  ExpectError(TryRun(OneNode("OneHot", {Fed(ind), Const(I64({}, {3})), Const(F({3}, {0, 1, 2}))}),
                     {Fed(ind)}),
              StatusCode::kInvalidArgument, "input 2 (values)");
}

TEST(MiscOps, EyeLikeOffDiagonalAndDtype) {
  Tensor x = F({2, 3}, {9, 9, 9, 9, 9, 9});
  auto r = TryRun(OneNode("EyeLike", {Fed(x)}, 1,
                          {{"k", IntAttr(1)}, {"dtype", IntAttr(int64_t(DataType::kInt64))}}),
                  {Fed(x)});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Ints((*r)[0]), std::vector<int64_t>({0, 1, 0, 0, 0, 1}));
  Tensor x3 = F({1, 1, 1}, {0});
  ExpectError(TryRun(OneNode("EyeLike", {Fed(x3)}), {Fed(x3)}), StatusCode::kInvalidArgument,
              "expected rank 2");
}

TEST(MiscOps, TriluUpperLowerWithK) {
  Tensor x = F({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  auto up = TryRun(OneNode("Trilu", {Fed(x), Const(I64({}, {1}))}), {Fed(x)});
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  EXPECT_EQ(ToFloats((*up)[0]), std::vector<float>({0, 2, 3, 0, 0, 6, 0, 0, 0}));
  auto low = TryRun(OneNode("Trilu", {Fed(x), None()}, 1, {{"upper", IntAttr(0)}}), {Fed(x)});
  ASSERT_TRUE(low.ok()) << low.status().ToString();
  EXPECT_EQ(ToFloats((*low)[0]), std::vector<float>({1, 0, 0, 4, 5, 0, 7, 8, 9}));
  ExpectError(TryRun(OneNode("Trilu", {Fed(x)}, 1, {{"upper", IntAttr(2)}}), {Fed(x)}),
              StatusCode::kInvalidArgument, "upper is 2");
}

TEST(MiscOps, DepthToSpaceModesAndSpaceToDepthInverse) {
  // 4 channels of 1x1 into one 2x2 channel. DCR: channel (i·2 + j); CRD with C' = 1 the same.
  Tensor x = F({1, 8, 1, 1}, {0, 1, 2, 3, 4, 5, 6, 7});
  auto dcr = TryRun(OneNode("DepthToSpace", {Fed(x)}, 1, {{"blocksize", IntAttr(2)}}), {Fed(x)});
  ASSERT_TRUE(dcr.ok()) << dcr.status().ToString();
  EXPECT_EQ((*dcr)[0].shape(), Shape({1, 2, 2, 2}));
  // DCR: y[c', i, j] = x[(i·2 + j)·2 + c'].
  EXPECT_EQ(ToFloats((*dcr)[0]), std::vector<float>({0, 2, 4, 6, 1, 3, 5, 7}));
  auto crd = TryRun(OneNode("DepthToSpace", {Fed(x)}, 1,
                            {{"blocksize", IntAttr(2)}, {"mode", StringAttr("CRD")}}),
                    {Fed(x)});
  ASSERT_TRUE(crd.ok()) << crd.status().ToString();
  EXPECT_EQ(ToFloats((*crd)[0]), std::vector<float>({0, 1, 2, 3, 4, 5, 6, 7}));
  Tensor y = (*dcr)[0];
  auto back = TryRun(OneNode("SpaceToDepth", {Fed(y)}, 1, {{"blocksize", IntAttr(2)}}), {Fed(y)});
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(ToFloats((*back)[0]), ToFloats(x));
  Tensor odd = F({1, 3, 1, 1}, {0, 1, 2});
  ExpectError(TryRun(OneNode("DepthToSpace", {Fed(odd)}, 1, {{"blocksize", IntAttr(2)}}),
                     {Fed(odd)}),
              StatusCode::kInvalidArgument, "not divisible");
  ExpectError(TryRun(OneNode("SpaceToDepth", {Fed(x)}, 1), {Fed(x)}),
              StatusCode::kInvalidArgument, "blocksize");
}

}  // namespace
}  // namespace finch
