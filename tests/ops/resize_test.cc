// Resize and Upsample: hand-checked nearest / linear values per coordinate mode, the opset
// forms of the scales input, and bad input.
#include <gtest/gtest.h>

#include "tests/ops/shape_test_util.h"

namespace finch {
namespace {

using shape_testing::Const;
using shape_testing::F;
using shape_testing::Fed;
using shape_testing::I64s;
using shape_testing::None;
using shape_testing::OneNode;
using shape_testing::TryRun;
using testing::FloatsAttr;
using testing::StringAttr;
using testing::ToFloats;

TEST(ResizeOps, NearestOpset10AndUpsample) {
  Tensor x = F({1, 1, 1, 2}, {1, 2});
  Tensor scales = F({4}, {1, 1, 1, 2});
  auto r10 = TryRun(OneNode("Resize", {Fed(x), Const(scales)}, 1, {}, 10), {Fed(x)});
  ASSERT_TRUE(r10.ok()) << r10.status().ToString();
  EXPECT_EQ(ToFloats((*r10)[0]), std::vector<float>({1, 1, 2, 2}));
  auto u9 = TryRun(OneNode("Upsample", {Fed(x), Fed(scales)}, 1, {}, 9), {Fed(x), Fed(scales)});
  ASSERT_TRUE(u9.ok()) << u9.status().ToString();
  EXPECT_EQ(ToFloats((*u9)[0]), std::vector<float>({1, 1, 2, 2}));
  auto u7 =
      TryRun(OneNode("Upsample", {Fed(x)}, 1, {{"scales", FloatsAttr({1, 1, 1, 2})}}, 7), {Fed(x)});
  ASSERT_TRUE(u7.ok()) << u7.status().ToString();
  EXPECT_EQ(ToFloats((*u7)[0]), std::vector<float>({1, 1, 2, 2}));
}

TEST(ResizeOps, LinearHalfPixelAndAlignCornersFromSizes) {
  Tensor x = F({1, 1, 1, 2}, {0, 4});
  // half_pixel, scale 2: x' = (x + 0.5)/2 − 0.5 = −0.25, 0.25, 0.75, 1.25 (clamped at the edges).
  auto half = TryRun(OneNode("Resize", {Fed(x), None(), None(), Const(I64s({1, 1, 1, 4}))}, 1,
                             {{"mode", StringAttr("linear")}}),
                     {Fed(x)});
  ASSERT_TRUE(half.ok()) << half.status().ToString();
  EXPECT_EQ(ToFloats((*half)[0]), std::vector<float>({0, 1, 3, 4}));
  auto corners = TryRun(OneNode("Resize", {Fed(x), None(), None(), Const(I64s({1, 1, 1, 3}))}, 1,
                                {{"mode", StringAttr("linear")},
                                 {"coordinate_transformation_mode", StringAttr("align_corners")}}),
                        {Fed(x)});
  ASSERT_TRUE(corners.ok()) << corners.status().ToString();
  EXPECT_EQ(ToFloats((*corners)[0]), std::vector<float>({0, 2, 4}));
}

TEST(ResizeOps, NearestModesAsymmetric) {
  // Downscale 4 -> 2 asymmetric: x' = 0, 2 for floor; with scale 0.75 of 4 -> 3:
  // x' = 0, 1.333, 2.667 -> floor 0,1,2; ceil 0,2,3.
  Tensor x = F({1, 4}, {10, 11, 12, 13});
  for (auto [mode, want] : {std::pair<const char*, std::vector<float>>{"floor", {10, 11, 12}},
                            {"ceil", {10, 12, 13}}}) {
    auto r = TryRun(OneNode("Resize", {Fed(x), None(), Const(F({2}, {1, 0.75f}))}, 1,
                            {{"coordinate_transformation_mode", StringAttr("asymmetric")},
                             {"nearest_mode", StringAttr(mode)}}),
                    {Fed(x)});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(ToFloats((*r)[0]), want) << mode;
  }
}

TEST(ResizeOps, BadInput) {
  Tensor x = F({1, 2}, {0, 1});
  auto both = TryRun(
      OneNode("Resize", {Fed(x), None(), Const(F({2}, {1, 2})), Const(I64s({1, 4}))}), {Fed(x)});
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(both.status().message().find("Resize \"n\": both scales and sizes"), std::string::npos)
      << both.status().message();
  auto rank = TryRun(OneNode("Resize", {Fed(x), None(), Const(F({3}, {1, 2, 2}))}), {Fed(x)});
  ASSERT_FALSE(rank.ok());
  EXPECT_NE(rank.status().message().find("scales has 3 elements"), std::string::npos);
  auto mode = TryRun(OneNode("Resize", {Fed(x), None(), Const(F({2}, {1, 2}))}, 1,
                             {{"mode", StringAttr("bicubic")}}),
                     {Fed(x)});
  ASSERT_FALSE(mode.ok());
  EXPECT_EQ(mode.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(mode.status().message().find("mode is \"bicubic\""), std::string::npos);
  auto zero = TryRun(OneNode("Resize", {Fed(x), None(), Const(F({2}, {1, 0}))}), {Fed(x)});
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.status().message().find("scales[1] is 0"), std::string::npos);
}

}  // namespace
}  // namespace finch
