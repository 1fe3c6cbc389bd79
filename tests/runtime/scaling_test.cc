// runtime/scaling.h: the variant lists, the analytic columns of `finch scale` against torchvision's
// and hand-computed counts, the compound-scaling growth step taken apart, and `finch fit`'s
// choice on injected predictions. Nothing here asserts a time: predictions use a made-up machine.
#include "runtime/scaling.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "graph/zoo/efficientnet.h"
#include "graph/zoo/mobilenetv2.h"
#include "tests/graph/zoo_test_util.h"

namespace finch {
namespace {

// A machine with round numbers and no calibration: the roofline's first-estimate efficiencies.
MachineModel FakeMachine(double scale = 1.0) {
  MachineModel m;
  m.cpu = "fake";
  m.fma_gflops = {100.0 * scale};
  m.dram_gbps = 10.0 * scale;
  m.l2_gbps = 50.0 * scale;
  m.l2 = 1 << 20;
  return m;
}

void ExpectInvalid(const Status& s, const std::string& text) {
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find(text), std::string::npos) << s.message();
}

TEST(ScalingLists, RangesAndCommas) {
  auto all = ParseIntList("0..7", "--phi", 0, 7);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*all, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  auto some = ParseIntList("0, 2,4..5", "--phi", 0, 7);
  ASSERT_TRUE(some.ok()) << some.status().ToString();
  EXPECT_EQ(*some, (std::vector<int64_t>{0, 2, 4, 5}));
  auto one = ParseIntList("3", "--phi", 0, 7);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, (std::vector<int64_t>{3}));
  auto widths = ParseNumberList("0.35,0.5,1,1.4", "--width", 4.0);
  ASSERT_TRUE(widths.ok()) << widths.status().ToString();
  EXPECT_EQ(*widths, (std::vector<double>{0.35, 0.5, 1.0, 1.4}));
}

TEST(ScalingLists, BadListsNameTheFlagAndTheFault) {
  ExpectInvalid(ParseIntList("0..8", "--phi", 0, 7).status(), "--phi: 8 is out of range [0, 7]");
  ExpectInvalid(ParseIntList("-1", "--phi", 0, 7).status(), "--phi: -1 is out of range [0, 7]");
  ExpectInvalid(ParseIntList("", "--phi", 0, 7).status(), "--phi: empty list or element");
  ExpectInvalid(ParseIntList("1,,2", "--phi", 0, 7).status(), "--phi: empty list or element");
  ExpectInvalid(ParseIntList("5..2", "--phi", 0, 7).status(), "--phi: range 5..2 is empty");
  ExpectInvalid(ParseIntList("2,1", "--phi", 0, 7).status(),
                "--phi: values must increase (2 then 1)");
  ExpectInvalid(ParseIntList("0..2,2", "--phi", 0, 7).status(), "values must increase");
  ExpectInvalid(ParseIntList("b3", "--phi", 0, 7).status(), "--phi: \"b3\" is not an integer");
  ExpectInvalid(ParseIntList("1..", "--phi", 0, 7).status(), "--phi: \"\" is not an integer");
  ExpectInvalid(ParseNumberList("", "--width", 4.0).status(), "--width: empty list or element");
  ExpectInvalid(ParseNumberList("0.5,", "--width", 4.0).status(), "--width: empty list");
  ExpectInvalid(ParseNumberList("0", "--width", 4.0).status(), "--width: 0 is out of range (0, 4]");
  ExpectInvalid(ParseNumberList("-0.5", "--width", 4.0).status(), "out of range (0, 4]");
  ExpectInvalid(ParseNumberList("5", "--width", 4.0).status(), "--width: 5 is out of range");
  ExpectInvalid(ParseNumberList("nan", "--width", 4.0).status(), "out of range");
  ExpectInvalid(ParseNumberList("wide", "--width", 4.0).status(), "\"wide\" is not a number");
  ExpectInvalid(ParseNumberList("1.0,0.5", "--width", 4.0).status(), "values must increase");
  ExpectInvalid(ParseFamily("resnet").status(), "unknown family \"resnet\"");
}

TEST(ScalingVariants, ListsAndLabels) {
  const std::vector<ScaleVariant> b = EfficientNetVariants({0, 3, 7});
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[1].Label(), "B3");
  EXPECT_EQ(b[1].width, 1.2);
  EXPECT_EQ(b[1].depth, 1.4);
  EXPECT_EQ(b[1].resolution, 300);
  EXPECT_EQ(b[2].resolution, 600);
  const std::vector<ScaleVariant> m = MobileNetV2Variants({0.35, 1.0}, {96, 224}, true);
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].Label(), "0.35/96 std");  // width-major
  EXPECT_EQ(m[1].Label(), "0.35/224 std");
  EXPECT_EQ(m[2].Label(), "1/96 std");
  EXPECT_EQ(FamilyGrid(ScaleFamily::kMobileNetV2).size(), 30u);
  EXPECT_EQ(FamilyGrid(ScaleFamily::kEfficientNet).size(), 8u);
  ScaleVariant bad;
  bad.family = ScaleFamily::kMobileNetV2;
  bad.width = 0;
  ExpectInvalid(BuildVariant(bad).status(), "MobileNetV2: width 0 must be in (0, 4]");
  bad.width = 1.0;
  bad.resolution = 16;
  ExpectInvalid(BuildVariant(bad).status(), "resolution 16 must be in [32, 4096]");
}

// The analytic columns: params before BN folding (torchvision's count), the cost model's MACs of
// the optimized, NHWC-lowered session (the same as of the network as built).
TEST(ScalingReport, AnalyticColumnsMatchPublishedAndHandCounts) {
  struct Want {
    ScaleVariant v;
    int64_t params, macs;
  };
  std::vector<Want> wants;
  {
    ScaleVariant v;
    v.family = ScaleFamily::kMobileNetV2;
    wants.push_back({v, 3504872, 300774272});  // torchvision's mobilenet_v2
    v.width = 0.35;
    v.resolution = 96;
    wants.push_back({v, 1677128, 11934128});  // by hand (a Python re-count of the layers)
    v.standard = true;
    wants.push_back({v, 6757016, 150591872});                             // by hand too
    wants.push_back({EfficientNetVariants({0})[0], 5288548, 385814752});  // torchvision's B0
    ScaleVariant v1;
    v1.family = ScaleFamily::kMobileNetV1;
    wants.push_back({v1, 4231976, 568740352});  // the paper's 4.2 M + BN; 569 M
  }
  for (const Want& w : wants) {
    SCOPED_TRACE(w.v.Label());
    auto p = PrepareVariant(w.v, FakeMachine(), 1);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    const VariantReport& r = p->report;
    EXPECT_EQ(r.params, w.params);
    EXPECT_EQ(r.macs, w.macs);
    EXPECT_GT(r.predicted_ms, 0);
    EXPECT_EQ(r.runs, 0);
    EXPECT_EQ(r.threads, 1);
    // The depthwise MACs, inside fused blocks too, against the census of the built network.
    auto g = BuildVariant(w.v);
    ASSERT_TRUE(g.ok());
    const zoo::Census c = zoo::Count(*g, 1);
    int64_t depthwise = 0;
    for (const Node& n : g->nodes) {
      if (n.op_type == "Conv" && n.FindAttribute("group")->i > 1)
        depthwise += c.conv_macs.at(n.name);
    }
    EXPECT_EQ(r.depthwise_macs, depthwise);
    EXPECT_EQ(r.depthwise_macs == 0, w.v.standard);
  }
}

// Peak activation: the arena holds at least the largest activation a run writes between steps
// (MobileNetV2 0.35/96: the stem's 16 channels at 48x48, float32) and at most every conv output
// of the network at once.
TEST(ScalingReport, PeakActivationIsBetweenTheLargestTensorAndTheSum) {
  ScaleVariant v;
  v.family = ScaleFamily::kMobileNetV2;
  v.width = 0.35;
  v.resolution = 96;
  auto p = PrepareVariant(v, FakeMachine(), 1);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_GE(p->report.peak_activation_bytes, 16u * 48 * 48 * 4);
  auto g = BuildVariant(v);
  ASSERT_TRUE(g.ok());
  int64_t conv_outputs = 0;
  const zoo::Census c = zoo::Count(*g, 1);
  for (const auto& [name, macs] : c.conv_macs) {
    const Node* n = nullptr;
    for (const Node& m : g->nodes) {
      if (m.name == name) n = &m;
    }
    const Shape& w = g->values[n->inputs[1]].constant->shape();
    conv_outputs += macs / (w[1] * w[2] * w[3]) * 4;  // output elements × 4 bytes
  }
  EXPECT_LE(static_cast<int64_t>(p->report.peak_activation_bytes), conv_outputs);
}

// The roofline is linear in the machine: twice the peak and bandwidth, half the time.
TEST(ScalingReport, PredictionScalesWithTheMachine) {
  ScaleVariant v;
  v.family = ScaleFamily::kMobileNetV2;
  v.width = 0.5;
  v.resolution = 128;
  auto slow = PrepareVariant(v, FakeMachine(1.0), 1);
  auto fast = PrepareVariant(v, FakeMachine(2.0), 1);
  ASSERT_TRUE(slow.ok() && fast.ok());
  EXPECT_NEAR(fast->report.predicted_ms * 2, slow->report.predicted_ms,
              1e-9 * slow->report.predicted_ms);
  auto nothing = PrepareVariant(v, MachineModel{}, 1);  // no roof measured: nothing predicted
  ASSERT_TRUE(nothing.ok());
  EXPECT_EQ(nothing->report.predicted_ms, 0);
}

TEST(ScalingReport, MeasureFillsTheMeasuredColumns) {
  ScaleVariant v;
  v.family = ScaleFamily::kMobileNetV2;
  v.width = 0.35;
  v.resolution = 32;
  auto p = PrepareVariant(v, FakeMachine(), 1);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_TRUE(MeasureVariant(*p, 2).ok());
  EXPECT_EQ(p->report.runs, 2);
  EXPECT_GT(p->report.measured_ms, 0);
  // The depthwise convs of MobileNetV2 run inside the fused blocks: no step of their own.
  EXPECT_EQ(p->report.measured_depthwise_ms, 0);
}

TEST(ScalingReport, RunsForKeepsTheBudget) {
  EXPECT_EQ(RunsFor(1.0, 10), 10);    // 2000 runs fit: the maximum
  EXPECT_EQ(RunsFor(250.0, 10), 8);   // floor(2000 / 250)
  EXPECT_EQ(RunsFor(1000.0, 10), 3);  // 2 fit, but a median needs 3
  EXPECT_EQ(RunsFor(5000.0, 10), 3);
  EXPECT_EQ(RunsFor(5000.0, 2), 2);  // never more than asked for
  EXPECT_EQ(RunsFor(0.0, 7), 7);     // nothing predicted
  EXPECT_EQ(RunsFor(std::nan(""), 7), 7);
  EXPECT_EQ(RunsFor(10.0, 0), 1);
}

VariantReport Row(int phi, int64_t macs, double predicted_ms = 1) {
  VariantReport r;
  r.variant = EfficientNetVariants({phi})[0];
  r.macs = macs;
  r.predicted_ms = predicted_ms;
  return r;
}

// B0 -> B1 taken apart, each factor recomputed from networks built with the multipliers set by
// hand and counted by the census (not by EfficientNetCount, which the step uses).
TEST(ScalingGrowth, B0ToB1TakenApart) {
  auto macs_of = [](double width, double depth, int64_t resolution) -> double {
    zoo::EfficientNetOptions o;
    o.width = width;
    o.depth = depth;
    o.resolution = resolution;
    auto g = zoo::MakeEfficientNet(o);
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    return g.ok() ? static_cast<double>(zoo::Count(*g, 1).macs) : 0.0;
  };
  const double b0 = macs_of(1.0, 1.0, 224);
  const double deeper = macs_of(1.0, 1.1, 224);
  const double b1 = macs_of(1.0, 1.1, 240);
  EXPECT_EQ(b0, 385814752);
  EXPECT_EQ(b1, 686802832);

  auto steps = EfficientNetGrowth({Row(0, 385814752), Row(1, 686802832)});
  ASSERT_TRUE(steps.ok()) << steps.status().ToString();
  ASSERT_EQ(steps->size(), 1u);
  const GrowthStep& s = (*steps)[0];
  EXPECT_EQ(s.from, 0);
  EXPECT_EQ(s.to, 1);
  EXPECT_DOUBLE_EQ(s.macs_factor, 686802832.0 / 385814752.0);  // 1.780
  EXPECT_NEAR(s.macs_factor, 1.780, 0.001);
  EXPECT_NEAR(s.ideal_factor, 1.2 * 1.1 * 1.1 * 1.15 * 1.15, 1e-12);  // 1.920
  // The table: depth 1.0 -> 1.1, width 1.0 -> 1.0, resolution 224 -> 240.
  EXPECT_NEAR(s.depth_table, 1.1, 1e-12);
  EXPECT_NEAR(s.width_table, 1.0, 1e-12);
  EXPECT_NEAR(s.resolution_table, (240.0 / 224) * (240.0 / 224), 1e-12);
  EXPECT_NEAR(s.table_factor, 1.1 * (240.0 / 224) * (240.0 / 224), 1e-12);  // 1.263
  // What the network does: ceil(n·1.1) adds 7 blocks (1.48x the MACs, not 1.1x); 240 rounds its
  // feature maps up to 8x8 and 4x4 through the last stride-2 convs (1.21x, not 1.15x).
  EXPECT_NEAR(s.depth_factor, deeper / b0, 1e-12);
  EXPECT_NEAR(s.width_factor, 1.0, 1e-12);
  EXPECT_NEAR(s.resolution_factor, b1 / deeper, 1e-12);
  EXPECT_NEAR(s.depth_factor * s.width_factor * s.resolution_factor, s.macs_factor, 1e-12);
  EXPECT_EQ(s.blocks_from, 16);
  EXPECT_EQ(s.blocks_to, 23);

  // A step of two: the ideal squares.
  auto two = EfficientNetGrowth({Row(0, 385814752), Row(2, 993561872)});
  ASSERT_TRUE(two.ok());
  EXPECT_NEAR((*two)[0].ideal_factor, std::pow(1.2 * 1.1 * 1.1 * 1.15 * 1.15, 2), 1e-12);
}

TEST(ScalingGrowth, RowsMustBeEfficientNetsInOrder) {
  ExpectInvalid(EfficientNetGrowth({Row(2, 1), Row(1, 1)}).status(),
                "growth: phi must increase (2 then 1)");
  VariantReport m;
  m.variant.family = ScaleFamily::kMobileNetV2;
  ExpectInvalid(EfficientNetGrowth({Row(0, 1), m}).status(), "is not an EfficientNet");
  auto none = EfficientNetGrowth({Row(0, 1)});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

// finch fit's choice on injected predictions (no timing).
TEST(ScalingFit, LargestByMacsWithinThePredictedBudget) {
  // MACs grow with the index; predictions do not quite: index 3 is predicted faster than 2.
  const std::vector<VariantReport> rows = {Row(0, 100, 5.0), Row(1, 200, 9.0), Row(2, 400, 20.0),
                                           Row(3, 800, 15.0), Row(4, 1600, 40.0)};
  auto pick = [&](double budget) {
    auto c = PickFit(rows, budget);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::make_pair(c->chosen, c->next_larger) : std::make_pair(-9, -9);
  };
  EXPECT_EQ(pick(9.0), std::make_pair(1, 2));  // the budget itself fits
  EXPECT_EQ(pick(8.99), std::make_pair(0, 1));
  EXPECT_EQ(pick(16.0), std::make_pair(3, 4));  // 3 fits though 2 does not: more MACs wins
  EXPECT_EQ(pick(20.0), std::make_pair(3, 4));
  EXPECT_EQ(pick(1000.0), std::make_pair(4, -1));  // the largest fits: no neighbour
  EXPECT_EQ(pick(1.0), std::make_pair(-1, 0));     // none fits: the smallest is named
  // Unsorted rows and equal MACs: the faster of two equal-MAC variants is preferred.
  const std::vector<VariantReport> mixed = {Row(4, 1600, 40.0), Row(0, 100, 5.0), Row(2, 400, 12.0),
                                            Row(3, 400, 10.0)};
  auto c = PickFit(mixed, 30.0);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->chosen, 3);
  EXPECT_EQ(c->next_larger, 0);
  c = PickFit(mixed, 6.0);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->chosen, 1);
  EXPECT_EQ(c->next_larger, 3);
}

TEST(ScalingFit, BadBudgetsAreInvalid) {
  const std::vector<VariantReport> rows = {Row(0, 100, 5.0)};
  ExpectInvalid(PickFit(rows, -5).status(), "latency budget -5 ms must be a positive number");
  ExpectInvalid(PickFit(rows, 0).status(), "latency budget 0 ms");
  ExpectInvalid(PickFit(rows, std::nan("")).status(), "must be a positive number");
  ExpectInvalid(PickFit(rows, std::numeric_limits<double>::infinity()).status(),
                "must be a positive number");
  ExpectInvalid(PickFit({}, 10).status(), "no variants to choose from");
}

// Predictions from real sessions on the fake machine feed the choice: a budget above everything
// takes the largest, one below everything names the smallest.
TEST(ScalingFit, OnPreparedVariants) {
  std::vector<VariantReport> rows;
  for (const ScaleVariant& v : MobileNetV2Variants({0.35, 0.5}, {96})) {
    auto p = PrepareVariant(v, FakeMachine(), 1);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    rows.push_back(p->report);
  }
  ASSERT_LT(rows[0].macs, rows[1].macs);
  ASSERT_LT(rows[0].predicted_ms, rows[1].predicted_ms);
  auto all = PickFit(rows, 1e6);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->chosen, 1);
  auto between = PickFit(rows, (rows[0].predicted_ms + rows[1].predicted_ms) / 2);
  ASSERT_TRUE(between.ok());
  EXPECT_EQ(between->chosen, 0);
  EXPECT_EQ(between->next_larger, 1);
  auto none = PickFit(rows, rows[0].predicted_ms / 2);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->chosen, -1);
  EXPECT_EQ(none->next_larger, 0);
}

}  // namespace
}  // namespace finch
