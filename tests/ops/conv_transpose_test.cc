// ConvTranspose: hand-checked values for strides, groups, bias, pads, output_shape and bad input.
#include <gtest/gtest.h>

#include "tests/ops/shape_test_util.h"

namespace finch {
namespace {

using shape_testing::F;
using shape_testing::Fed;
using shape_testing::OneNode;
using shape_testing::TryRun;
using testing::IntAttr;
using testing::IntsAttr;
using testing::ToFloats;

TEST(ConvTransposeOps, Stride1And2) {
  Tensor x = F({1, 1, 2}, {1, 2});
  Tensor w = F({1, 1, 2}, {1, 10});
  // Each x[i] scatters x[i]·w into y[i·s .. i·s + 1].
  auto s1 = TryRun(OneNode("ConvTranspose", {Fed(x), Fed(w)}), {Fed(x), Fed(w)});
  ASSERT_TRUE(s1.ok()) << s1.status().ToString();
  EXPECT_EQ(ToFloats((*s1)[0]), std::vector<float>({1, 12, 20}));
  auto s2 = TryRun(OneNode("ConvTranspose", {Fed(x), Fed(w)}, 1, {{"strides", IntsAttr({2})}}),
                   {Fed(x), Fed(w)});
  ASSERT_TRUE(s2.ok()) << s2.status().ToString();
  EXPECT_EQ(ToFloats((*s2)[0]), std::vector<float>({1, 10, 2, 20}));
  // pads [1, 0] drop the first output; output_padding 1 adds a (zero) last one.
  auto padded = TryRun(OneNode("ConvTranspose", {Fed(x), Fed(w)}, 1,
                               {{"strides", IntsAttr({2})},
                                {"pads", IntsAttr({1, 0})},
                                {"output_padding", IntsAttr({1})}}),
                       {Fed(x), Fed(w)});
  ASSERT_TRUE(padded.ok()) << padded.status().ToString();
  EXPECT_EQ(ToFloats((*padded)[0]), std::vector<float>({10, 2, 20, 0}));
  // output_shape 5 > natural 4: no padding, a zero tail.
  auto shaped = TryRun(OneNode("ConvTranspose", {Fed(x), Fed(w)}, 1,
                               {{"strides", IntsAttr({2})}, {"output_shape", IntsAttr({5})}}),
                       {Fed(x), Fed(w)});
  ASSERT_TRUE(shaped.ok()) << shaped.status().ToString();
  EXPECT_EQ(ToFloats((*shaped)[0]), std::vector<float>({1, 10, 2, 20, 0}));
}

TEST(ConvTransposeOps, GroupsAndBias2d) {
  Tensor x = F({1, 2, 1, 1}, {1, 2});
  Tensor w = F({2, 1, 1, 1}, {3, 4});
  Tensor b = F({2}, {1, -1});
  auto r = TryRun(OneNode("ConvTranspose", {Fed(x), Fed(w), Fed(b)}, 1, {{"group", IntAttr(2)}}),
                  {Fed(x), Fed(w), Fed(b)});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)[0].shape(), Shape({1, 2, 1, 1}));
  EXPECT_EQ(ToFloats((*r)[0]), std::vector<float>({4, 7}));
}

TEST(ConvTransposeOps, BadInput) {
  Tensor x = F({1, 2, 2}, {1, 2, 3, 4});
  Tensor w = F({3, 1, 2}, {1, 1, 1, 1, 1, 1});
  auto r = TryRun(OneNode("ConvTranspose", {Fed(x), Fed(w)}), {Fed(x), Fed(w)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("ConvTranspose \"n\": weight [3,1,2] has 3 input channels"),
            std::string::npos)
      << r.status().message();
  Tensor w2 = F({2, 1, 2}, {1, 1, 1, 1});
  auto s = TryRun(OneNode("ConvTranspose", {Fed(x), Fed(w2)}, 1, {{"strides", IntsAttr({0})}}),
                  {Fed(x), Fed(w2)});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("stride 0"), std::string::npos) << s.status().message();
}

}  // namespace
}  // namespace finch
