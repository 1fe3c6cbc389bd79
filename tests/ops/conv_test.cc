// Conv: hand-checked values for padding, strides, dilations, groups and bias, and bad input.
#include <gtest/gtest.h>

#include "tests/util/test_util.h"

namespace finch {
namespace {

using testing::IntAttr;
using testing::IntsAttr;
using testing::Iota;
using testing::RunGraph;
using testing::SingleNodeGraph;
using testing::StringAttr;
using testing::ToFloats;

TEST(ConvOps, PaddedStride2) {
  // x = 0..15 in 4x4, 3x3 all-ones kernel, pad 1, stride 2: sums of 3x3 windows centred at
  // (0,0), (0,2), (2,0), (2,2) clipped to the image.
  Graph g = SingleNodeGraph("Conv", {{1, 1, 4, 4}, {1, 1, 3, 3}}, 1,
                            {{"pads", IntsAttr({1, 1, 1, 1})}, {"strides", IntsAttr({2, 2})}});
  auto out = RunGraph(g, {Tensor::FromVector<float>({1, 1, 4, 4}, Iota(16)),
                          Tensor::FromVector<float>({1, 1, 3, 3}, std::vector<float>(9, 1.f))});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), Shape({1, 1, 2, 2}));
  // (0,0): 0+1+4+5 = 10; (0,2): 1+2+3+5+6+7 = 24; (2,0): 4+5+8+9+12+13 = 51;
  // (2,2): 5+6+7+9+10+11+13+14+15 = 90.
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({10, 24, 51, 90}));
}

TEST(ConvOps, DepthwiseWithBiasAndDilation) {
  // 2 channels, group 2, 2x2 kernel with dilation 2 on a 3x3 image: picks the 4 corners.
  Graph g = SingleNodeGraph("Conv", {{1, 2, 3, 3}, {2, 1, 2, 2}, {2}}, 1,
                            {{"group", IntAttr(2)}, {"dilations", IntsAttr({2, 2})}});
  auto out = RunGraph(g, {Tensor::FromVector<float>({1, 2, 3, 3}, Iota(18)),
                          Tensor::FromVector<float>({2, 1, 2, 2}, {1, 1, 1, 1, 1, 0, 0, -1}),
                          Tensor::FromVector<float>({2}, {0.5f, -1.f})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), Shape({1, 2, 1, 1}));
  // channel 0: 0+2+6+8 + 0.5; channel 1 (9..17): 9 - 17 - 1.
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({16.5f, -9.f}));
}

TEST(ConvOps, AutoPadSameUpper) {
  Graph g = SingleNodeGraph("Conv", {{1, 1, 3, 3}, {1, 1, 2, 2}}, 1,
                            {{"auto_pad", StringAttr("SAME_UPPER")}});
  auto out = RunGraph(g, {Tensor::FromVector<float>({1, 1, 3, 3}, Iota(9)),
                          Tensor::FromVector<float>({1, 1, 2, 2}, {1, 1, 1, 1})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), Shape({1, 1, 3, 3}));
  // Pad goes at the end: the last row/column sum fewer pixels.
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({8, 12, 7, 20, 24, 13, 13, 15, 8}));
}

TEST(ConvOps, Conv1dGroups) {
  // 4 input channels, 2 groups, 2 outputs, kernel 1: each output sums its group's channels.
  Graph g = SingleNodeGraph("Conv", {{1, 4, 2}, {2, 2, 1}}, 1, {{"group", IntAttr(2)}});
  auto out = RunGraph(g, {Tensor::FromVector<float>({1, 4, 2}, Iota(8)),
                          Tensor::FromVector<float>({2, 2, 1}, {1, 1, 1, 1})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({0 + 2, 1 + 3, 4 + 6, 5 + 7}));
}

TEST(ConvOps, BadShapesNamed) {
  struct Case {
    std::vector<Shape> shapes;
    std::map<std::string, Attribute> attrs;
    const char* message;
  } cases[] = {
      {{{1, 3, 4, 4}, {2, 2, 3, 3}}, {}, "expects 2 input channels"},
      {{{1, 3, 4, 4}, {2, 3, 3}}, {}, "weight has rank 3, expected 4"},
      {{{1, 4, 4, 4}, {3, 2, 1, 1}}, {{"group", IntAttr(2)}}, "group 2 must be >= 1 and divide"},
      {{{1, 1, 2, 2}, {1, 1, 3, 3}}, {}, "larger than the padded input"},
      {{{1, 1, 4, 4}, {1, 1, 3, 3}, {2}}, {}, "bias has shape [2], expected [1]"},
      {{{1, 1, 4, 4}, {1, 1, 1, 1}}, {{"auto_pad", StringAttr("BOGUS")}}, "auto_pad \"BOGUS\""},
  };
  for (const Case& c : cases) {
    Graph g = SingleNodeGraph("Conv", c.shapes, 1, c.attrs);
    auto session = Session::Create(g);
    ASSERT_FALSE(session.ok()) << c.message;
    EXPECT_EQ(session.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(session.status().message().find("Conv \"n\""), std::string::npos);
    EXPECT_NE(session.status().message().find(c.message), std::string::npos)
        << session.status().message();
  }
}

}  // namespace
}  // namespace finch
