// The plot of `finch scale --svg`: latency (predicted and measured) and MACs of every variant of
// a sweep, written by hand as one SVG document.
//
//   ms (log) │        ○ measured ms      □ MACs (right axis)       │ MACs (log)
//            │   ─ ─ ● predicted ms                                 │
//            │  ●○□ ... one column per variant, in sweep order      │
//            └──────────────────────────────────────────────────────┘
//              B0   B1   B2 ...   (or 0.35/224, 0.5/224, ...)
//
// x: the variants evenly spaced, column i at kLeft + (i + 0.5) · kPlotWidth / n. Both y axes are
// logarithmic (a sweep spans two decades of MACs) and span whole decades over their values
// (ms: predicted and measured; MACs), the same number on both (the lower one extended upwards),
// so a doubling is the same height on either axis and the slopes compare. A value that is not
// positive and finite (a variant not measured) is left out of its line.
//
// Pure: data in, SVG text out (tests/tools/scale_svg_test.cc checks the pixels).
#pragma once

#include <string>
#include <vector>

namespace finch::cli {

struct ScalePlotPoint {
  std::string label;  // "B3", "0.75/160"
  double macs = 0;
  double predicted_ms = 0;
  double measured_ms = 0;  // 0: not measured
};

struct ScalePlot {
  std::string title, subtitle;
  std::string x_title;  // "EfficientNet phi", "MobileNetV2 width/resolution"
  std::vector<ScalePlotPoint> points;
  std::string footnote;
};

struct ScaleFrame {
  static constexpr double kWidth = 960, kHeight = 600;
  static constexpr double kLeft = 80, kTop = 70, kPlotWidth = 760, kPlotHeight = 440;
  size_t columns = 1;
  int ms_lo = -1, ms_hi = 3;      // left axis: 10^ms_lo .. 10^ms_hi ms
  int macs_lo = 8, macs_hi = 11;  // right axis: 10^macs_lo .. 10^macs_hi MACs

  double X(size_t column) const;
  double YMs(double ms) const;
  double YMacs(double macs) const;
};

ScaleFrame ScaleFrameFor(const ScalePlot& plot);

std::string ScaleSvg(const ScalePlot& plot);

}  // namespace finch::cli
