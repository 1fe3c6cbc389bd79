// The roofline SVG of `finch profile --svg` (tools/roofline_svg.h) on a hand-made data set:
// points and roofs at pixel positions computed here by hand, decade ticks, the legend, the
// tooltips, escaping, and a well-formed document.
#include "tools/roofline_svg.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/tools/text_formats.h"

namespace finch::cli {
namespace {

size_t Count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

// Peak 100 GFLOP/s; DRAM 10 GB/s (ridge 10 FLOP/B) and L2 50 GB/s (ridge 2); two layers at
// (0.5 FLOP/B, 2 GFLOP/s) and (20, 80); one with no time (not plotted).
RooflinePlot HandMade() {
  RooflinePlot plot;
  plot.title = "finch roofline: tiny.onnx";
  plot.subtitle = "Test CPU | 2 threads";
  plot.peak_gflops = 100;
  plot.peak_label = "FMA peak, 2 threads";
  plot.bandwidths = {{"DRAM", 10}, {"L2 x 2 threads", 50}};
  RooflinePoint a{"dw<1>&\"x\"", "finch::FusedConv", "depthwise", 0.5, 2, 0.25, false};
  RooflinePoint b{"pw", "finch::FusedConv", "pointwise", 20, 80, 0.5, false};
  RooflinePoint c{"t", "Transpose", "data", 0, 0, 0.01, true};
  plot.points = {a, b, c};
  plot.footnote = "FLOPs = 2 x MACs";
  return plot;
}

// The frame: x spans 10^-1 .. 10^2 (min 0.5 → 10^-1; max 20 → 10^2), y 10^0 .. 10^3 (min 2,
// max 100 → 10^3). Plot area x 80 .. 740 (220 px a decade), y 580 .. 70 (170 px a decade).
TEST(RooflineSvg, FrameSpansTheDecadesOfPointsPeakAndRidges) {
  const RooflineFrame f = RooflineFrameFor(HandMade());
  EXPECT_EQ(f.x_lo, -1);
  EXPECT_EQ(f.x_hi, 2);
  EXPECT_EQ(f.y_lo, 0);
  EXPECT_EQ(f.y_hi, 3);
  EXPECT_DOUBLE_EQ(f.X(0.1), 80.0);
  EXPECT_DOUBLE_EQ(f.X(100), 740.0);
  EXPECT_DOUBLE_EQ(f.Y(1), 580.0);
  EXPECT_DOUBLE_EQ(f.Y(1000), 70.0);

  RooflinePlot empty;
  const RooflineFrame g = RooflineFrameFor(empty);  // nothing to plot: the default decades
  EXPECT_EQ(g.x_lo, -1);
  EXPECT_EQ(g.x_hi, 3);
  EXPECT_EQ(g.y_lo, 0);
  EXPECT_EQ(g.y_hi, 3);

  RooflinePlot exact;  // a value on a decade opens it and closes the next
  exact.points = {{"p", "Conv", "conv", 10, 10, 1, false}};
  const RooflineFrame h = RooflineFrameFor(exact);
  EXPECT_EQ(h.x_lo, 1);
  EXPECT_EQ(h.x_hi, 2);
  EXPECT_EQ(h.y_lo, 1);
  EXPECT_EQ(h.y_hi, 2);
}

TEST(RooflineSvg, PointsAndRoofsLandOnTheirPixels) {
  const std::string svg = RooflineSvg(HandMade());
  // (0.5, 2): x = 80 + (log10 0.5 + 1)·220 = 80 + 0.69897·220 = 233.77;
  //           y = 580 − log10 2·170 = 580 − 51.175 = 528.82.
  EXPECT_NE(svg.find("<circle cx=\"233.77\" cy=\"528.82\" r=\"4\" fill=\"#ff7f0e\""),
            std::string::npos)
      << svg;
  // (20, 80): x = 80 + 2.30103·220 = 586.23; y = 580 − 1.90309·170 = 256.47.
  EXPECT_NE(svg.find("<circle cx=\"586.23\" cy=\"256.47\" r=\"4\" fill=\"#1f77b4\""),
            std::string::npos);
  // The compute roof at y = 580 − 2·170 = 240, from the first ridge (2 FLOP/B:
  // x = 80 + 1.30103·220 = 366.23) to the right edge.
  EXPECT_NE(svg.find("class=\"compute-roof\" x1=\"366.23\" y1=\"240.00\" x2=\"740.00\" "
                     "y2=\"240.00\""),
            std::string::npos);
  // DRAM: from (0.1 FLOP/B, 1 GFLOP/s) = (80, 580) to its ridge (10, 100) = (520, 240).
  EXPECT_NE(svg.find("class=\"bandwidth-roof\" x1=\"80.00\" y1=\"580.00\" x2=\"520.00\" "
                     "y2=\"240.00\""),
            std::string::npos);
  // L2: from (0.1, 5) = (80, 580 − 0.69897·170 = 461.18) to its ridge (2, 100) = (366.23, 240).
  EXPECT_NE(svg.find("class=\"bandwidth-roof\" x1=\"80.00\" y1=\"461.18\" x2=\"366.23\" "
                     "y2=\"240.00\""),
            std::string::npos);
  EXPECT_NE(svg.find("<circle class=\"ridge\" cx=\"520.00\" cy=\"240.00\""), std::string::npos);
  EXPECT_NE(svg.find("<circle class=\"ridge\" cx=\"366.23\" cy=\"240.00\""), std::string::npos);
  EXPECT_NE(svg.find("DRAM 10 GB/s (ridge 10 FLOP/B)"), std::string::npos);
  EXPECT_NE(svg.find("L2 x 2 threads 50 GB/s (ridge 2 FLOP/B)"), std::string::npos);
  EXPECT_NE(svg.find("FMA peak, 2 threads: 100 GFLOP/s"), std::string::npos);
  // Two layers drawn, one not.
  EXPECT_EQ(Count(svg, "r=\"4\""), 2u);
  EXPECT_NE(svg.find("1 layer not plotted"), std::string::npos);
}

TEST(RooflineSvg, TicksLegendTooltipsAndEscaping) {
  const std::string svg = RooflineSvg(HandMade());
  for (const char* tick : {">0.1<", ">1<", ">10<", ">100<", ">1000<"}) {
    EXPECT_NE(svg.find(tick), std::string::npos) << tick;
  }
  // x ticks at 80, 300, 520, 740 under the plot; y ticks at 580, 410, 240, 70 (+4 baseline).
  EXPECT_NE(svg.find("<text x=\"300.00\" y=\"598.00\" text-anchor=\"middle\">1</text>"),
            std::string::npos);
  EXPECT_NE(svg.find("<text x=\"74.00\" y=\"414.00\" text-anchor=\"end\">10</text>"),
            std::string::npos);
  EXPECT_NE(svg.find("arithmetic intensity (FLOP/byte)"), std::string::npos);
  EXPECT_NE(svg.find("achieved GFLOP/s"), std::string::npos);
  EXPECT_NE(svg.find(">depthwise (1)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">pointwise (1)</text>"), std::string::npos);
  EXPECT_EQ(svg.find(">other ("), std::string::npos);  // the unplotted layer adds no kind
  EXPECT_NE(svg.find("<title>dw&lt;1&gt;&amp;&quot;x&quot; (finch::FusedConv, depthwise): 0.25 "
                     "ms, 2 GFLOP/s, 0.5 FLOP/B</title>"),
            std::string::npos)
      << svg;
  EXPECT_NE(svg.find("<title>finch roofline: tiny.onnx</title>"), std::string::npos);
  EXPECT_NE(svg.find("Test CPU | 2 threads"), std::string::npos);
  EXPECT_EQ(svg.find("dw<1>"), std::string::npos);  // never raw
}

TEST(RooflineSvg, IsWellFormedXml) {
  EXPECT_EQ(testing::XmlProblem(RooflineSvg(HandMade())), "");
  RooflinePlot bare;  // no roofs, no points
  EXPECT_EQ(testing::XmlProblem(RooflineSvg(bare)), "");
  RooflinePlot hollow = HandMade();
  hollow.points[1].other_ops = true;
  const std::string svg = RooflineSvg(hollow);
  EXPECT_EQ(testing::XmlProblem(svg), "");
  EXPECT_NE(svg.find("fill=\"white\" stroke=\"#1f77b4\""), std::string::npos);
  EXPECT_NE(svg.find("no MACs: other ops/s"), std::string::npos);
}

// The checker itself must catch what it claims to.
TEST(RooflineSvg, XmlCheckerRejectsBrokenDocuments) {
  EXPECT_EQ(testing::XmlProblem("<a><b x=\"1\"/></a>"), "");
  EXPECT_NE(testing::XmlProblem("<a><b></a></b>"), "");
  EXPECT_NE(testing::XmlProblem("<a><b></a>"), "");
  EXPECT_NE(testing::XmlProblem("<a x=1></a>"), "");
  EXPECT_NE(testing::XmlProblem("<a>1 & 2</a>"), "");
  EXPECT_NE(testing::XmlProblem("<a></a><b></b>"), "");
  EXPECT_NE(testing::XmlProblem("<a x=\"<\"></a>"), "");
  EXPECT_NE(testing::XmlProblem("<a x=\"1\" x=\"2\"></a>"), "");
}

}  // namespace
}  // namespace finch::cli
