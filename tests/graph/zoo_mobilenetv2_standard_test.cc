// MobileNetV2's standard-conv baseline and BN folding (graph/zoo/mobilenetv2.h: `standard`,
// `fold_bn`), counted by the census of tests/graph/zoo_test_util.h (nodes and attributes only).
// The pinned counts were also derived with a separate Python re-implementation of torchvision's
// layer arithmetic (3,504,872 / 300,774,272 for the network, 44,050,952 / 5,549,139,968 for the
// baseline).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "graph/zoo/mobilenetv2.h"
#include "tests/graph/zoo_test_util.h"
#include "tests/util/test_util.h"

namespace finch::zoo {
namespace {

TEST(ZooMobileNetV2Standard, EveryDepthwiseConvBecomesAFullConv) {
  MobileNetV2Options o;
  auto plain = MakeMobileNetV2(o);
  o.standard = true;
  auto standard = MakeMobileNetV2(o);
  ASSERT_TRUE(plain.ok() && standard.ok());
  EXPECT_EQ(standard->name, "mobilenetv2_standard");
  const Census a = Count(*plain, 1);
  const Census b = Count(*standard, 1);
  EXPECT_EQ(b.error, "");
  EXPECT_EQ(b.ops, a.ops);  // same layout: only the convs' group changes
  EXPECT_EQ(b.params, 44050952);
  EXPECT_EQ(b.macs, 5549139968);

  // Per conv: a full 3x3 conv of a depthwise one's shape does `group` times its work and has
  // `group` times its weights; every other conv is unchanged.
  int depthwise = 0;
  int64_t extra_params = 0, extra_macs = 0;
  for (const Node& n : plain->nodes) {
    if (n.op_type != "Conv") continue;
    const int64_t group = n.FindAttribute("group")->i;
    const Node* twin = nullptr;
    for (const Node& m : standard->nodes) {
      if (m.name == n.name) twin = &m;
    }
    ASSERT_NE(twin, nullptr) << n.name;
    EXPECT_EQ(twin->FindAttribute("group")->i, 1) << n.name;
    EXPECT_EQ(b.conv_macs.at(n.name), a.conv_macs.at(n.name) * group) << n.name;
    if (group > 1) {
      ++depthwise;
      EXPECT_EQ(n.FindAttribute("kernel_shape")->ints, (std::vector<int64_t>{3, 3})) << n.name;
      extra_params += group * 9 * (group - 1);  // weights [C, 1, 3, 3] -> [C, C, 3, 3]
      extra_macs += a.conv_macs.at(n.name) * (group - 1);
    }
  }
  EXPECT_EQ(depthwise, 17);
  EXPECT_EQ(b.params, a.params + extra_params);
  EXPECT_EQ(b.macs, a.macs + extra_macs);
  // The saving the depthwise factorisation makes in this network: 18.4x the MACs.
  EXPECT_NEAR(static_cast<double>(b.macs) / static_cast<double>(a.macs), 18.45, 0.01);
}

TEST(ZooMobileNetV2Standard, RunsAndFoldingKeepsTheFunction) {
  MobileNetV2Options o;
  o.width = 0.35;
  o.resolution = 64;
  o.seed = 3;
  for (bool standard : {false, true}) {
    SCOPED_TRACE(standard ? "standard" : "depthwise");
    o.standard = standard;
    o.fold_bn = false;
    auto plain = MakeMobileNetV2(o);
    o.fold_bn = true;
    auto folded = MakeMobileNetV2(o);
    ASSERT_TRUE(plain.ok() && folded.ok());
    std::map<std::string, int> ops = OpCounts(*plain);
    EXPECT_EQ(ops["BatchNormalization"], 52);
    ops.erase("BatchNormalization");
    EXPECT_EQ(OpCounts(*folded), ops);
    EXPECT_NE(folded->FindValue("features.1.conv.0.0.bias"), kNoValue);
    EXPECT_EQ(Count(*folded, 1).macs, Count(*plain, 1).macs);
    const Tensor x = RandomImage({1, 3, 64, 64}, 4);
    const Tensor y_plain = RunInMemory(*plain, x);
    const Tensor y_folded = RunInMemory(*folded, x);
    ASSERT_EQ(y_plain.shape(), (Shape{1, 1000}));
    EXPECT_LE(testing::MaxAbsDiff(y_folded, y_plain),
              1e-4 * std::max(1.0, testing::MaxAbs(y_plain)));
  }
}

TEST(ZooMobileNetV2Standard, TooManyWeightsForAFileIsRefused) {
  MobileNetV2Options o;
  o.width = 4.0;
  o.resolution = 32;
  o.standard = true;  // refused before any weight is drawn
  auto g = MakeMobileNetV2(o);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(g.status().message().find("MobileNetV2: 688883072 weights (2627 MiB) exceed the 2 GiB"),
            std::string::npos)
      << g.status().message();
}

}  // namespace
}  // namespace finch::zoo
