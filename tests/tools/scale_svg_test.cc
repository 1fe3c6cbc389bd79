// The scaling plot of `finch scale --svg` (tools/scale_svg.h) on a hand-made sweep: the frame's
// decades (equal on both axes), points at pixel positions computed here by hand, a variant not
// measured left out of its line, tooltips, escaping, and a well-formed document.
#include "tools/scale_svg.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/tools/text_formats.h"

namespace finch::cli {
namespace {

// Three variants: MACs 4e8, 7e8, 1e9; predicted 10, 18, 30 ms; measured 40 ms, none, 35 ms.
ScalePlot HandMade() {
  ScalePlot plot;
  plot.title = "finch scale: test";
  plot.subtitle = "Test CPU | 1 thread";
  plot.x_title = "EfficientNet-B<phi>";
  plot.points = {{"B0", 4e8, 10, 40}, {"B1", 7e8, 18, 0}, {"B<2>&", 1e9, 30, 35}};
  plot.footnote = "MACs: multiply-adds";
  return plot;
}

// ms: 10..40 -> decades 1..2; MACs: 4e8..1e9 -> 8..10 (1e9 opens the decade 9..10). The ms axis
// is stretched to two decades like the MACs axis: 10^1..10^3 ms. Plot area x 80..840 (three
// columns of 253.33 px, centred), y 510..70 (220 px a decade on both axes).
TEST(ScaleSvg, FrameHasEqualDecadesOnBothAxes) {
  const ScaleFrame f = ScaleFrameFor(HandMade());
  EXPECT_EQ(f.columns, 3u);
  EXPECT_EQ(f.ms_lo, 1);
  EXPECT_EQ(f.ms_hi, 3);
  EXPECT_EQ(f.macs_lo, 8);
  EXPECT_EQ(f.macs_hi, 10);
  EXPECT_NEAR(f.X(0), 80 + 0.5 * 760.0 / 3, 1e-9);
  EXPECT_NEAR(f.X(2), 80 + 2.5 * 760.0 / 3, 1e-9);
  EXPECT_DOUBLE_EQ(f.YMs(10), 510.0);
  EXPECT_DOUBLE_EQ(f.YMs(1000), 70.0);
  EXPECT_DOUBLE_EQ(f.YMacs(1e8), 510.0);
  EXPECT_DOUBLE_EQ(f.YMacs(1e9), 290.0);

  const ScaleFrame empty = ScaleFrameFor(ScalePlot{});  // the defaults, spans made equal
  EXPECT_EQ(empty.ms_hi - empty.ms_lo, empty.macs_hi - empty.macs_lo);
  EXPECT_EQ(empty.columns, 1u);
}

TEST(ScaleSvg, PointsLandOnTheirPixels) {
  const std::string svg = ScaleSvg(HandMade());
  // Measured: B0 at (206.67, 510 − log10(4)·220 = 377.55), B2 at (713.33, 510 − log10(3.5)·220
  // = 390.31 (390.305)); B1 was not measured: the line has two points.
  EXPECT_NE(svg.find("<polyline points=\"206.67,377.55 713.33,390.31\" fill=\"none\" "
                     "stroke=\"#d62728\""),
            std::string::npos)
      << svg;
  // Predicted: (206.67, 510), (460, 510 − log10(1.8)·220 = 453.84), (713.33, 510 − log10(3)·220
  // = 405.03), dashed.
  EXPECT_NE(svg.find("<polyline points=\"206.67,510.00 460.00,453.84 713.33,405.03\" "
                     "fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" "
                     "stroke-dasharray=\"6 3\"/>"),
            std::string::npos);
  // MACs on the right axis: 4e8 -> 510 − log10(4)·220 = 377.55, 1e9 -> 290; squares 8 px wide.
  EXPECT_NE(svg.find("<rect x=\"202.67\" y=\"373.55\" width=\"8\" height=\"8\" fill=\"#7f7f7f\">"
                     "<title>B0: MACs 400 M</title></rect>"),
            std::string::npos);
  EXPECT_NE(svg.find("<rect x=\"709.33\" y=\"286.00\""), std::string::npos);
  // Markers: 3 predicted (hollow), 2 measured (filled).
  size_t circles = 0;
  for (size_t p = svg.find("<circle"); p != std::string::npos; p = svg.find("<circle", p + 1)) {
    ++circles;
  }
  EXPECT_EQ(circles, 5u);
  EXPECT_NE(svg.find("<title>B0: measured 40 ms</title>"), std::string::npos);
  EXPECT_NE(svg.find("<title>B1: predicted 18 ms</title>"), std::string::npos);
  EXPECT_EQ(svg.find("B1: measured"), std::string::npos);
}

TEST(ScaleSvg, TicksLabelsAndEscaping) {
  const std::string svg = ScaleSvg(HandMade());
  // ms ticks at 510, 290, 70 (+4 baseline), left of the plot; MACs ticks right of it.
  EXPECT_NE(svg.find("<text x=\"74.00\" y=\"514.00\" text-anchor=\"end\">10</text>"),
            std::string::npos);
  EXPECT_NE(svg.find("<text x=\"74.00\" y=\"74.00\" text-anchor=\"end\">1000</text>"),
            std::string::npos);
  EXPECT_NE(svg.find("<text x=\"846.00\" y=\"294.00\" fill=\"#7f7f7f\">1000 M</text>"),
            std::string::npos);
  // Column labels under the plot, escaped.
  EXPECT_NE(svg.find("<text x=\"206.67\" y=\"528.00\" text-anchor=\"middle\" font-size=\"11\">"
                     "B0</text>"),
            std::string::npos);
  EXPECT_NE(svg.find(">B&lt;2&gt;&amp;</text>"), std::string::npos);
  EXPECT_EQ(svg.find("B<2>"), std::string::npos);
  EXPECT_NE(svg.find(">EfficientNet-B&lt;phi&gt;</text>"), std::string::npos);
  EXPECT_NE(svg.find("<title>finch scale: test</title>"), std::string::npos);
  EXPECT_NE(svg.find("measured ms (median)"), std::string::npos);
}

TEST(ScaleSvg, IsWellFormedXml) {
  EXPECT_EQ(testing::XmlProblem(ScaleSvg(HandMade())), "");
  EXPECT_EQ(testing::XmlProblem(ScaleSvg(ScalePlot{})), "");
  ScalePlot nothing_measured = HandMade();
  for (ScalePlotPoint& p : nothing_measured.points) p.measured_ms = 0;
  const std::string svg = ScaleSvg(nothing_measured);
  EXPECT_EQ(testing::XmlProblem(svg), "");
  EXPECT_EQ(svg.find("<polyline points=\"206.67,510.00 460.00,453.84 713.33,405.03\""),
            svg.rfind("<polyline"));  // predicted is the last line drawn: measured has none
}

}  // namespace
}  // namespace finch::cli
