// runtime/separable_compare.h: the three convs of a comparison counted by hand, the kernels that
// ran them, the fused pair, and bad shapes. No time is asserted beyond "was measured".
#include "runtime/separable_compare.h"

#include <gtest/gtest.h>

#include <string>

namespace finch {
namespace {

MachineModel FakeMachine() {
  MachineModel m;
  m.fma_gflops = {100.0};
  m.dram_gbps = 10.0;
  m.l2_gbps = 50.0;
  m.l2 = 1 << 20;
  return m;
}

TEST(SeparableCompare, CountsByHand) {
  // 3x3 conv 8 -> 16 on 9x9, stride 1 and 2 (output 9x9 and 5x5: "same" padding, floor).
  for (int64_t stride : {1, 2}) {
    SCOPED_TRACE(stride);
    const LayerShape s{"small", 8, 16, 9, 3, stride};
    auto r = CompareLayer(s, FakeMachine(), 1, 1);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    const int64_t out = stride == 1 ? 81 : 25;
    EXPECT_EQ(r->standard.cost.macs, out * 16 * 8 * 9);
    EXPECT_EQ(r->depthwise.cost.macs, out * 8 * 9);
    EXPECT_EQ(r->pointwise.cost.macs, out * 8 * 16);
    EXPECT_EQ(r->standard.cost.params, 16 * 8 * 9 + 16);  // weights + bias
    EXPECT_EQ(r->depthwise.cost.params, 8 * 9 + 8);
    EXPECT_EQ(r->pointwise.cost.params, 16 * 8 + 16);
    EXPECT_EQ(r->depthwise.cost.kind, "depthwise");
    EXPECT_EQ(r->pointwise.cost.kind, "pointwise");
    EXPECT_EQ(r->depthwise.cost.depthwise_variant, stride == 1 ? "k3s1" : "k3s2");
    // The saving: 1 / (1/Cout + 1/k²) = 1 / (1/16 + 1/9) = 5.76x.
    const double saving = static_cast<double>(r->standard.cost.macs) /
                          static_cast<double>(r->depthwise.cost.macs + r->pointwise.cost.macs);
    EXPECT_NEAR(saving, 1.0 / (1.0 / 16 + 1.0 / 9), 1e-12);
    // Fused, the pair is one inverted-residual block with the same MACs.
    ASSERT_TRUE(r->has_fused);
    EXPECT_EQ(r->fused.cost.kind, "inverted_residual");
    EXPECT_EQ(r->fused.cost.macs, r->depthwise.cost.macs + r->pointwise.cost.macs);
    for (const ConvMeasure* c : {&r->standard, &r->depthwise, &r->pointwise, &r->fused}) {
      EXPECT_FALSE(c->kernel.empty());
      EXPECT_GE(c->ms, 0);
      EXPECT_GT(c->pred.predicted_ms, 0);
    }
  }
}

// The depthwise conv's intensity is a few FLOP per byte whatever the width (k² MACs per output
// element, 4-byte loads and stores), the pointwise's grows with Cin: the reason the saving
// shrinks as time.
TEST(SeparableCompare, DepthwiseIntensityIsLow) {
  const LayerShape s{"wide", 256, 256, 16, 3, 1};
  auto r = CompareLayer(s, FakeMachine(), 1, 1);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // 2·9 FLOPs per output element against 4 bytes in and 4 out per element (+ weights).
  EXPECT_LT(r->depthwise.cost.intensity(), 2.25);
  EXPECT_GT(r->depthwise.cost.intensity(), 2.0);
  EXPECT_GT(r->pointwise.cost.intensity(), 10 * r->depthwise.cost.intensity());  // 42.6 vs 2.2
  EXPECT_GT(r->standard.cost.intensity(), r->pointwise.cost.intensity());
}

TEST(SeparableCompare, RepresentativeLayersIncludeTheTextbookShape) {
  const auto layers = RepresentativeLayers();
  ASSERT_FALSE(layers.empty());
  EXPECT_EQ(layers[0].cin, 256);
  EXPECT_EQ(layers[0].cout, 256);
  EXPECT_EQ(layers[0].hw, 56);
  for (const LayerShape& l : layers) {
    EXPECT_EQ(l.kernel, 3) << l.name;
    EXPECT_GT(l.cin * l.cout * l.hw, 0) << l.name;
  }
}

TEST(SeparableCompare, BadShapesAreInvalid) {
  const LayerShape bad[] = {{"zero", 0, 16, 9, 3, 1},
                            {"even", 8, 16, 9, 4, 1},
                            {"big k", 8, 16, 3, 5, 1},
                            {"stride", 8, 16, 9, 3, 0},
                            {"huge", 8, 100000, 9, 3, 1}};
  for (const LayerShape& s : bad) {
    auto r = CompareLayer(s, FakeMachine(), 1, 1);
    ASSERT_FALSE(r.ok()) << s.name;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("layer \"" + s.name + "\""), std::string::npos)
        << r.status().message();
    EXPECT_NE(r.status().message().find("is out of range"), std::string::npos);
  }
}

}  // namespace
}  // namespace finch
