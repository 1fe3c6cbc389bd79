// The roofline plot of `finch profile --svg`: this machine's roofs and every executed layer as a
// point, written by hand as one SVG document (no library; any browser opens it).
//
//   y: GFLOP/s (log)        compute roof: the FMA peak at the run's thread count
//   │          ______________________________  ← peak
//   │        ╱ ridge = peak / bandwidth (FLOP/byte where the two roofs meet)
//   │      ╱ ← bandwidth roofs: GFLOP/s = GB/s × intensity (DRAM, L2 × threads)
//   │    ╱   • layers at (intensity, achieved GFLOP/s), coloured by cost kind
//   └──────────────────────────────────────── x: arithmetic intensity, FLOP/byte (log)
//
// Both axes span whole decades: from 10^floor(log10(min)) to 10^(floor(log10(max)) + 1) over the
// plotted points, the peak and the ridges, so every roof and point lies inside. A point with a
// non-positive or non-finite coordinate cannot sit on a log axis: it is counted in a note, not
// drawn. Each point carries a <title> (the browser's tooltip): node, op, ms, GFLOP/s.
//
// Pure: data in, SVG text out (tests/tools/roofline_svg_test.cc checks the pixels).
#pragma once

#include <string>
#include <vector>

namespace finch::cli {

struct RooflinePoint {
  std::string name, op;
  std::string kind;        // the cost model's kind (graph/cost/cost_model.h): colour and legend
  double intensity = 0;    // FLOP per byte
  double gflops = 0;       // achieved: FLOPs / measured time
  double ms = 0;           // measured
  bool other_ops = false;  // a layer without MACs, its ops the cost model's other_ops (hollow)
};

struct BandwidthRoof {
  std::string label;  // e.g. "DRAM" or "L2 x 2 threads"
  double gbps = 0;
};

struct RooflinePlot {
  std::string title;     // first line
  std::string subtitle;  // second line (CPU, threads, ...)
  double peak_gflops = 0;
  std::string peak_label;  // e.g. "FMA peak, 2 threads"
  std::vector<BandwidthRoof> bandwidths;
  std::vector<RooflinePoint> points;
  std::string footnote;  // conventions, under the plot
};

// Where the plot area lies on the canvas and which decades its axes span.
struct RooflineFrame {
  static constexpr double kWidth = 960, kHeight = 640;  // the canvas, px
  // The plot area: the legend takes the right, the titles the top, the ticks the left/bottom.
  static constexpr double kLeft = 80, kTop = 70, kPlotWidth = 660, kPlotHeight = 510;
  int x_lo = -1, x_hi = 3;  // the x axis spans 10^x_lo .. 10^x_hi FLOP/byte
  int y_lo = 0, y_hi = 3;   // the y axis spans 10^y_lo .. 10^y_hi GFLOP/s

  double X(double intensity) const;  // px from the canvas's left edge
  double Y(double gflops) const;     // px from the canvas's top edge
};

// The frame for `plot` (the decades described in the header comment).
RooflineFrame RooflineFrameFor(const RooflinePlot& plot);

// The SVG document.
std::string RooflineSvg(const RooflinePlot& plot);

}  // namespace finch::cli
