// The roofline SVG (see roofline_svg.h for what is drawn and where).
#include "tools/roofline_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <utility>

namespace finch::cli {
namespace {

// Exponents kept within what a profile can produce (1e-6 FLOP/byte .. 1e9 GFLOP/s), so a wild
// value cannot make a plot of thousands of decades.
constexpr int kMinExp = -6, kMaxExp = 9;
constexpr double kPi = 3.14159265358979323846;

bool Plottable(double v) { return std::isfinite(v) && v > 0; }

// Legend groups, in legend order: a colour per cost kind, gemm and matmul together.
struct KindStyle {
  const char* group;
  const char* colour;
};
constexpr KindStyle kStyles[] = {
    {"pointwise", "#1f77b4"},      {"depthwise", "#ff7f0e"},      {"inverted_residual", "#2ca02c"},
    {"squeeze_excite", "#d62728"}, {"conv", "#9467bd"},           {"conv_transpose", "#c5b0d5"},
    {"gemm/matmul", "#8c564b"},    {"elementwise", "#e377c2"},    {"pool", "#7f7f7f"},
    {"norm", "#bcbd22"},           {"reduce/softmax", "#17becf"}, {"other", "#555555"},
};

size_t StyleIndex(const std::string& kind) {
  std::string group = kind;
  if (kind == "gemm" || kind == "matmul") group = "gemm/matmul";
  if (kind == "reduce" || kind == "softmax") group = "reduce/softmax";
  for (size_t i = 0; i < std::size(kStyles); ++i) {
    if (group == kStyles[i].group) return i;
  }
  return std::size(kStyles) - 1;  // "other": data movement, resize, unknown
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // Control characters are not allowed in XML 1.0 text.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') out += c;
    }
  }
  return out;
}

// Pixel coordinates with two decimals.
std::string Px(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// A value with up to 3 significant digits ("0.123", "45.6", "1230").
std::string Short(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// A decade's tick label: 10^e as a plain number where short, else "1e<e>".
std::string DecadeLabel(int e) {
  if (e >= 0 && e <= 4) return std::string("1") + std::string(e, '0');
  if (e < 0 && e >= -3) return "0." + std::string(-e - 1, '0') + "1";
  return "1e" + std::to_string(e);
}

// [floor(log10(min)), floor(log10(max)) + 1] over positive finite values; `fallback` when none.
std::pair<int, int> Decades(const std::vector<double>& values, std::pair<int, int> fallback) {
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  for (double v : values) {
    if (!Plottable(v)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (hi == 0) return fallback;
  const int a = std::clamp(static_cast<int>(std::floor(std::log10(lo))), kMinExp, kMaxExp - 1);
  const int b = std::clamp(static_cast<int>(std::floor(std::log10(hi))) + 1, a + 1, kMaxExp);
  return {a, b};
}

}  // namespace

double RooflineFrame::X(double intensity) const {
  return kLeft + (std::log10(intensity) - x_lo) / (x_hi - x_lo) * kPlotWidth;
}

double RooflineFrame::Y(double gflops) const {
  return kTop + kPlotHeight - (std::log10(gflops) - y_lo) / (y_hi - y_lo) * kPlotHeight;
}

RooflineFrame RooflineFrameFor(const RooflinePlot& plot) {
  std::vector<double> xs, ys;
  for (const RooflinePoint& p : plot.points) {
    if (!Plottable(p.intensity) || !Plottable(p.gflops)) continue;
    xs.push_back(p.intensity);
    ys.push_back(p.gflops);
  }
  if (Plottable(plot.peak_gflops)) {
    ys.push_back(plot.peak_gflops);
    for (const BandwidthRoof& b : plot.bandwidths) {
      if (Plottable(b.gbps)) xs.push_back(plot.peak_gflops / b.gbps);  // the ridge
    }
  }
  RooflineFrame f;
  std::tie(f.x_lo, f.x_hi) = Decades(xs, {-1, 3});
  std::tie(f.y_lo, f.y_hi) = Decades(ys, {0, 3});
  return f;
}

std::string RooflineSvg(const RooflinePlot& plot) {
  using F = RooflineFrame;
  const RooflineFrame f = RooflineFrameFor(plot);
  const double left = F::kLeft, top = F::kTop, right = F::kLeft + F::kPlotWidth,
               bottom = F::kTop + F::kPlotHeight;
  std::string s;
  s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Px(F::kWidth) + "\" height=\"" +
       Px(F::kHeight) + "\" viewBox=\"0 0 " + Px(F::kWidth) + " " + Px(F::kHeight) +
       "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  s += "<title>" + Escape(plot.title) + "</title>\n";
  s += "<rect x=\"0\" y=\"0\" width=\"" + Px(F::kWidth) + "\" height=\"" + Px(F::kHeight) +
       "\" fill=\"white\"/>\n";
  s += "<defs><clipPath id=\"plot-area\"><rect x=\"" + Px(left) + "\" y=\"" + Px(top) +
       "\" width=\"" + Px(F::kPlotWidth) + "\" height=\"" + Px(F::kPlotHeight) +
       "\"/></clipPath></defs>\n";
  s += "<text x=\"" + Px(left) + "\" y=\"24\" font-size=\"16\" font-weight=\"bold\">" +
       Escape(plot.title) + "</text>\n";
  s += "<text x=\"" + Px(left) + "\" y=\"44\">" + Escape(plot.subtitle) + "</text>\n";

  // Grid and ticks at every decade (minor lines at 2..9 × each decade, unlabelled).
  s += "<g class=\"grid\" stroke=\"#e0e0e0\" stroke-width=\"1\">\n";
  for (int e = f.x_lo; e < f.x_hi; ++e) {
    for (int m = 2; m <= 9; ++m) {
      const std::string x = Px(f.X(m * std::pow(10.0, e)));
      s += "<line x1=\"" + x + "\" y1=\"" + Px(top) + "\" x2=\"" + x + "\" y2=\"" + Px(bottom) +
           "\" stroke=\"#f2f2f2\"/>\n";
    }
  }
  for (int e = f.y_lo; e < f.y_hi; ++e) {
    for (int m = 2; m <= 9; ++m) {
      const std::string y = Px(f.Y(m * std::pow(10.0, e)));
      s += "<line x1=\"" + Px(left) + "\" y1=\"" + y + "\" x2=\"" + Px(right) + "\" y2=\"" + y +
           "\" stroke=\"#f2f2f2\"/>\n";
    }
  }
  for (int e = f.x_lo; e <= f.x_hi; ++e) {
    const std::string x = Px(f.X(std::pow(10.0, e)));
    s += "<line x1=\"" + x + "\" y1=\"" + Px(top) + "\" x2=\"" + x + "\" y2=\"" + Px(bottom) +
         "\"/>\n";
  }
  for (int e = f.y_lo; e <= f.y_hi; ++e) {
    const std::string y = Px(f.Y(std::pow(10.0, e)));
    s += "<line x1=\"" + Px(left) + "\" y1=\"" + y + "\" x2=\"" + Px(right) + "\" y2=\"" + y +
         "\"/>\n";
  }
  s += "</g>\n";
  s += "<rect x=\"" + Px(left) + "\" y=\"" + Px(top) + "\" width=\"" + Px(F::kPlotWidth) +
       "\" height=\"" + Px(F::kPlotHeight) + "\" fill=\"none\" stroke=\"black\"/>\n";
  s += "<g class=\"ticks\">\n";
  for (int e = f.x_lo; e <= f.x_hi; ++e) {
    s += "<text x=\"" + Px(f.X(std::pow(10.0, e))) + "\" y=\"" + Px(bottom + 18) +
         "\" text-anchor=\"middle\">" + DecadeLabel(e) + "</text>\n";
  }
  for (int e = f.y_lo; e <= f.y_hi; ++e) {
    s += "<text x=\"" + Px(left - 6) + "\" y=\"" + Px(f.Y(std::pow(10.0, e)) + 4) +
         "\" text-anchor=\"end\">" + DecadeLabel(e) + "</text>\n";
  }
  s += "</g>\n";
  s += "<text x=\"" + Px(left + F::kPlotWidth / 2) + "\" y=\"" + Px(bottom + 40) +
       "\" text-anchor=\"middle\">arithmetic intensity (FLOP/byte)</text>\n";
  s += "<text x=\"20\" y=\"" + Px(top + F::kPlotHeight / 2) +
       "\" text-anchor=\"middle\" transform=\"rotate(-90 20 " + Px(top + F::kPlotHeight / 2) +
       ")\">achieved GFLOP/s</text>\n";

  // Roofs: each bandwidth line up to its ridge, then the compute roof from the first ridge on.
  s += "<g class=\"roofs\" clip-path=\"url(#plot-area)\" fill=\"none\" stroke-width=\"2\">\n";
  const double peak = plot.peak_gflops;
  const double x_min = std::pow(10.0, f.x_lo), x_max = std::pow(10.0, f.x_hi);
  double first_ridge = x_max;
  for (const BandwidthRoof& b : plot.bandwidths) {
    if (!Plottable(b.gbps) || !Plottable(peak)) continue;
    const double ridge = peak / b.gbps;
    first_ridge = std::min(first_ridge, ridge);
    s += "<line class=\"bandwidth-roof\" x1=\"" + Px(f.X(x_min)) + "\" y1=\"" +
         Px(f.Y(b.gbps * x_min)) + "\" x2=\"" + Px(f.X(ridge)) + "\" y2=\"" + Px(f.Y(peak)) +
         "\" stroke=\"#444444\" stroke-dasharray=\"6 3\"><title>" + Escape(b.label) + ": " +
         Short(b.gbps) + " GB/s</title></line>\n";
  }
  if (Plottable(peak)) {
    s += "<line class=\"compute-roof\" x1=\"" + Px(f.X(std::min(first_ridge, x_max))) + "\" y1=\"" +
         Px(f.Y(peak)) + "\" x2=\"" + Px(f.X(x_max)) + "\" y2=\"" + Px(f.Y(peak)) +
         "\" stroke=\"black\"><title>" + Escape(plot.peak_label) + ": " + Short(peak) +
         " GFLOP/s</title></line>\n";
  }
  s += "</g>\n";
  // Roof labels and ridge points (outside the clip, so labels are never cut).
  s += "<g class=\"roof-labels\" font-size=\"11\">\n";
  if (Plottable(peak)) {
    s += "<text x=\"" + Px(right - 4) + "\" y=\"" + Px(f.Y(peak) - 6) + "\" text-anchor=\"end\">" +
         Escape(plot.peak_label) + ": " + Short(peak) + " GFLOP/s</text>\n";
    for (const BandwidthRoof& b : plot.bandwidths) {
      if (!Plottable(b.gbps)) continue;
      const double ridge = peak / b.gbps;
      s += "<circle class=\"ridge\" cx=\"" + Px(f.X(ridge)) + "\" cy=\"" + Px(f.Y(peak)) +
           "\" r=\"3.5\" fill=\"black\"><title>ridge of " + Escape(b.label) + ": " + Short(ridge) +
           " FLOP/byte</title></circle>\n";
      // The label runs along the line, just above it, from a decade below the ridge (or from
      // where the line enters the plot, when that is further right).
      const double lx = std::max({ridge / 10, x_min * 1.2, 1.2 * std::pow(10.0, f.y_lo) / b.gbps});
      const double x0 = f.X(lx), y0 = f.Y(b.gbps * lx);
      const double angle =
          std::atan2(f.Y(peak) - f.Y(b.gbps * x_min), f.X(ridge) - f.X(x_min)) * 180 / kPi;
      s += "<text x=\"" + Px(x0) + "\" y=\"" + Px(y0) + "\" dy=\"-5\" transform=\"rotate(" +
           Px(angle) + " " + Px(x0) + " " + Px(y0) + ")\">" + Escape(b.label) + " " +
           Short(b.gbps) + " GB/s (ridge " + Short(ridge) + " FLOP/B)</text>\n";
    }
  }
  s += "</g>\n";

  // The layers.
  std::map<size_t, int> kinds;  // style index -> layers drawn
  int unplotted = 0;
  bool hollow = false;
  s += "<g class=\"layers\">\n";
  for (const RooflinePoint& p : plot.points) {
    if (!Plottable(p.intensity) || !Plottable(p.gflops)) {
      ++unplotted;
      continue;
    }
    const size_t style = StyleIndex(p.kind);
    ++kinds[style];
    hollow |= p.other_ops;
    const std::string colour = kStyles[style].colour;
    s += "<circle cx=\"" + Px(f.X(p.intensity)) + "\" cy=\"" + Px(f.Y(p.gflops)) + "\" r=\"4\" " +
         (p.other_ops ? "fill=\"white\" stroke=\"" + colour + "\" stroke-width=\"1.5\""
                      : "fill=\"" + colour +
                            "\" fill-opacity=\"0.8\" stroke=\"black\" "
                            "stroke-width=\"0.5\"") +
         "><title>" + Escape(p.name) + " (" + Escape(p.op) + ", " + Escape(p.kind) +
         "): " + Short(p.ms) + " ms, " + Short(p.gflops) + (p.other_ops ? " Gop/s" : " GFLOP/s") +
         ", " + Short(p.intensity) + (p.other_ops ? " op/B" : " FLOP/B") + "</title></circle>\n";
  }
  s += "</g>\n";

  // Legend: the kinds drawn, with their counts.
  const double lx = right + 20;
  double ly = top + 10;
  s += "<g class=\"legend\">\n<text x=\"" + Px(lx) + "\" y=\"" + Px(ly) +
       "\" font-weight=\"bold\">layer kind</text>\n";
  for (const auto& [style, count] : kinds) {
    ly += 20;
    s += "<circle cx=\"" + Px(lx + 6) + "\" cy=\"" + Px(ly - 4) + "\" r=\"5\" fill=\"" +
         kStyles[style].colour + "\"/>\n<text x=\"" + Px(lx + 18) + "\" y=\"" + Px(ly) + "\">" +
         kStyles[style].group + " (" + std::to_string(count) + ")</text>\n";
  }
  if (hollow) {
    ly += 24;
    s += "<circle cx=\"" + Px(lx + 6) + "\" cy=\"" + Px(ly - 4) +
         "\" r=\"5\" fill=\"white\" stroke=\"black\"/>\n<text x=\"" + Px(lx + 18) + "\" y=\"" +
         Px(ly) + "\">no MACs: other ops/s</text>\n";
  }
  if (unplotted > 0) {
    ly += 24;
    s += "<text x=\"" + Px(lx) + "\" y=\"" + Px(ly) + "\">" + std::to_string(unplotted) + " layer" +
         (unplotted == 1 ? "" : "s") + " not plotted</text>\n";
    s += "<text x=\"" + Px(lx) + "\" y=\"" + Px(ly + 16) +
         "\" font-size=\"10\">(no ops, or no time measured)</text>\n";
  }
  s += "</g>\n";
  if (!plot.footnote.empty()) {
    s += "<text x=\"" + Px(left) + "\" y=\"" + Px(F::kHeight - 6) + "\" font-size=\"10\">" +
         Escape(plot.footnote) + "</text>\n";
  }
  s += "</svg>\n";
  return s;
}

}  // namespace finch::cli
