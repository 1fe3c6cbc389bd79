// EfficientNetCount (graph/zoo/efficientnet_count.h): the closed-form counts against the census
// of built networks (tests/graph/zoo_test_util.h, independent of finch's shape inference and cost
// model) and against torchvision's published figures.
#include "graph/zoo/efficientnet_count.h"

#include <gtest/gtest.h>

#include <cmath>

#include "graph/zoo/efficientnet.h"
#include "tests/graph/zoo_test_util.h"

namespace finch::zoo {
namespace {

// torchvision's EfficientNet_B<phi>_Weights: num_params, and _ops (GMACs, two decimals) at the
// resolutions of the paper (torchvision lists B2's at its own 288; ours is 260 as in the paper).
constexpr int64_t kTorchvisionParams[] = {5288548,  7794184,  9109994,  12233232,
                                          19341616, 30389784, 43040704, 66347960};

TEST(EfficientNetCount, ParamsOfEveryVariantAreTorchvisions) {
  for (int phi = 0; phi <= kEfficientNetMaxPhi; ++phi) {
    const EfficientNetScaling& s = kEfficientNetTable[phi];
    EXPECT_EQ(EfficientNetCount(s.width, s.depth, s.resolution).params, kTorchvisionParams[phi])
        << "B" << phi;
  }
}

TEST(EfficientNetCount, MacsMatchThePinnedAndPublishedCounts) {
  // B0..B4: the census of the built networks (ZooEfficientNet.ScaledVariantsMatchPublishedCounts).
  const int64_t pinned[] = {385814752, 686802832, 993561872, 1827141392, 4393771024};
  for (int phi = 0; phi <= 4; ++phi) {
    const EfficientNetScaling& s = kEfficientNetTable[phi];
    EXPECT_EQ(EfficientNetCount(s.width, s.depth, s.resolution).macs, pinned[phi]) << "B" << phi;
  }
  // B5..B7 against torchvision's 10.27, 19.07, 37.75 GMACs (rounded to 0.01 G).
  const double published[] = {10.27e9, 19.07e9, 37.75e9};
  for (int phi = 5; phi <= 7; ++phi) {
    const EfficientNetScaling& s = kEfficientNetTable[phi];
    const double macs = static_cast<double>(EfficientNetCount(s.width, s.depth, s.resolution).macs);
    EXPECT_NEAR(macs, published[phi - 5], 0.006e9) << "B" << phi;
  }
}

TEST(EfficientNetCount, BlocksAreTheRoundedUpRepeats) {
  // B0: 1+2+2+3+3+4+1 = 16; depth 1.1: ceil of each -> 2+3+3+4+4+5+2 = 23; 1.2 gives the same.
  EXPECT_EQ(EfficientNetCount(1.0, 1.0, 224).blocks, 16);
  EXPECT_EQ(EfficientNetCount(1.0, 1.1, 224).blocks, 23);
  EXPECT_EQ(EfficientNetCount(1.0, 1.2, 224).blocks, 23);
  EXPECT_EQ(EfficientNetCount(2.0, 3.1, 600).blocks, 55);  // B7: 4+7+7+10+10+13+4
}

// Odd resolutions (feature maps rounding up through the stride-2 convs), narrow and shallow
// multipliers, and the standard-conv baseline: the closed form equals the census of the network.
TEST(EfficientNetCount, EqualsTheCensusOfBuiltNetworks) {
  struct Case {
    double width, depth;
    int64_t resolution;
    bool standard;
  };
  const Case cases[] = {{1.0, 1.0, 224, false}, {1.0, 1.1, 240, false}, {0.5, 0.7, 97, false},
                        {0.25, 1.3, 33, true},  {0.5, 0.5, 131, true},  {0.75, 2.0, 64, false}};
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << "width " << c.width << " depth " << c.depth << " res "
                                    << c.resolution << (c.standard ? " standard" : ""));
    EfficientNetOptions o;
    o.width = c.width;
    o.depth = c.depth;
    o.resolution = c.resolution;
    o.standard = c.standard;
    auto g = MakeEfficientNet(o);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    const Census census = Count(*g, 1);
    ASSERT_EQ(census.error, "");
    const NetworkCount n = EfficientNetCount(c.width, c.depth, c.resolution, 1000, c.standard);
    EXPECT_EQ(n.macs, census.macs);
    EXPECT_EQ(n.params, census.params);
    EXPECT_EQ(n.blocks, static_cast<int64_t>(census.blocks.size()));
  }
}

}  // namespace
}  // namespace finch::zoo
