// The scaling plot (see scale_svg.h for what is drawn and where).
#include "tools/scale_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <tuple>
#include <utility>

namespace finch::cli {
namespace {

// Exponents a sweep can produce (1e-4 ms .. 1e15 MACs); a wild value cannot make a plot of
// thousands of decades.
constexpr int kMinExp = -4, kMaxExp = 15;

constexpr char kPredictedColour[] = "#1f77b4";
constexpr char kMeasuredColour[] = "#d62728";
constexpr char kMacsColour[] = "#7f7f7f";

bool Plottable(double v) { return std::isfinite(v) && v > 0; }

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '"') {
      out += "&quot;";
    } else if (static_cast<unsigned char>(c) >= 0x20) {  // no control characters in XML 1.0
      out += c;
    }
  }
  return out;
}

std::string Px(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string Short(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

std::string DecadeLabel(int e) {
  if (e >= 0 && e <= 4) return std::string("1") + std::string(e, '0');
  if (e < 0 && e >= -3) return "0." + std::string(-e - 1, '0') + "1";
  return "1e" + std::to_string(e);
}

// [floor(log10(min)), floor(log10(max)) + 1] over the plottable values; `fallback` when none.
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

enum class Marker { kSquare, kHollow, kFilled };

// A polyline through the plottable (x, y) pairs, then a marker with a tooltip at each.
std::string Series(const ScaleFrame& f, const ScalePlot& plot, double ScalePlotPoint::*field,
                   bool macs_axis, const char* colour, const char* dash, Marker marker,
                   const char* what) {
  std::string line, marks;
  for (size_t i = 0; i < plot.points.size(); ++i) {
    const ScalePlotPoint& p = plot.points[i];
    const double v = p.*field;
    if (!Plottable(v)) continue;
    const double x = f.X(i), y = macs_axis ? f.YMacs(v) : f.YMs(v);
    line += (line.empty() ? "" : " ") + Px(x) + "," + Px(y);
    const std::string value = macs_axis ? Short(v / 1e6) + " M" : Short(v) + " ms";
    const std::string title = "<title>" + Escape(p.label) + ": " + what + " " + value + "</title>";
    if (marker == Marker::kSquare) {
      marks += "<rect x=\"" + Px(x - 4) + "\" y=\"" + Px(y - 4) +
               "\" width=\"8\" height=\"8\" fill=\"" + colour + "\">" + title + "</rect>\n";
    } else {
      marks += "<circle cx=\"" + Px(x) + "\" cy=\"" + Px(y) + "\" r=\"4\" fill=\"" +
               std::string(marker == Marker::kHollow ? "white" : colour) + "\" stroke=\"" + colour +
               "\" stroke-width=\"1.5\">" + title + "</circle>\n";
    }
  }
  std::string s = std::string("<g class=\"") + what + "\">\n";
  if (!line.empty()) {
    s += "<polyline points=\"" + line + "\" fill=\"none\" stroke=\"" + colour +
         "\" stroke-width=\"2\"" +
         (dash[0] ? std::string(" stroke-dasharray=\"") + dash + "\"" : "") + "/>\n";
  }
  return s + marks + "</g>\n";
}

}  // namespace

double ScaleFrame::X(size_t column) const {
  return kLeft + (static_cast<double>(column) + 0.5) * kPlotWidth /
                     static_cast<double>(std::max<size_t>(columns, 1));
}

double ScaleFrame::YMs(double ms) const {
  return kTop + kPlotHeight - (std::log10(ms) - ms_lo) / (ms_hi - ms_lo) * kPlotHeight;
}

double ScaleFrame::YMacs(double macs) const {
  return kTop + kPlotHeight - (std::log10(macs) - macs_lo) / (macs_hi - macs_lo) * kPlotHeight;
}

ScaleFrame ScaleFrameFor(const ScalePlot& plot) {
  ScaleFrame f;
  f.columns = std::max<size_t>(plot.points.size(), 1);
  std::vector<double> ms, macs;
  for (const ScalePlotPoint& p : plot.points) {
    ms.push_back(p.predicted_ms);
    ms.push_back(p.measured_ms);
    macs.push_back(p.macs);
  }
  std::tie(f.ms_lo, f.ms_hi) = Decades(ms, {-1, 3});
  std::tie(f.macs_lo, f.macs_hi) = Decades(macs, {8, 11});
  // The same number of decades on both axes, so that a doubling is the same height on either
  // and the slopes of latency and MACs compare directly.
  const int span = std::max(f.ms_hi - f.ms_lo, f.macs_hi - f.macs_lo);
  f.ms_hi = f.ms_lo + span;
  f.macs_hi = f.macs_lo + span;
  return f;
}

std::string ScaleSvg(const ScalePlot& plot) {
  using F = ScaleFrame;
  const ScaleFrame f = ScaleFrameFor(plot);
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
  s += "<text x=\"" + Px(left) + "\" y=\"24\" font-size=\"16\" font-weight=\"bold\">" +
       Escape(plot.title) + "</text>\n";
  s += "<text x=\"" + Px(left) + "\" y=\"44\">" + Escape(plot.subtitle) + "</text>\n";

  // Grid: a line per decade of the ms axis (the MACs axis has its own ticks on the right).
  s += "<g class=\"grid\" stroke=\"#e0e0e0\" stroke-width=\"1\">\n";
  for (int e = f.ms_lo; e < f.ms_hi; ++e) {
    for (int m = 2; m <= 9; ++m) {
      const std::string y = Px(f.YMs(m * std::pow(10.0, e)));
      s += "<line x1=\"" + Px(left) + "\" y1=\"" + y + "\" x2=\"" + Px(right) + "\" y2=\"" + y +
           "\" stroke=\"#f4f4f4\"/>\n";
    }
  }
  for (int e = f.ms_lo; e <= f.ms_hi; ++e) {
    const std::string y = Px(f.YMs(std::pow(10.0, e)));
    s += "<line x1=\"" + Px(left) + "\" y1=\"" + y + "\" x2=\"" + Px(right) + "\" y2=\"" + y +
         "\"/>\n";
  }
  for (size_t i = 0; i < plot.points.size(); ++i) {
    const std::string x = Px(f.X(i));
    s += "<line x1=\"" + x + "\" y1=\"" + Px(top) + "\" x2=\"" + x + "\" y2=\"" + Px(bottom) +
         "\" stroke=\"#f2f2f2\"/>\n";
  }
  s += "</g>\n";
  s += "<rect x=\"" + Px(left) + "\" y=\"" + Px(top) + "\" width=\"" + Px(F::kPlotWidth) +
       "\" height=\"" + Px(F::kPlotHeight) + "\" fill=\"none\" stroke=\"black\"/>\n";
  s += "<g class=\"ticks\">\n";
  for (int e = f.ms_lo; e <= f.ms_hi; ++e) {
    s += "<text x=\"" + Px(left - 6) + "\" y=\"" + Px(f.YMs(std::pow(10.0, e)) + 4) +
         "\" text-anchor=\"end\">" + DecadeLabel(e) + "</text>\n";
  }
  for (int e = f.macs_lo; e <= f.macs_hi; ++e) {
    s += "<text x=\"" + Px(right + 6) + "\" y=\"" + Px(f.YMacs(std::pow(10.0, e)) + 4) +
         "\" fill=\"" + kMacsColour + "\">" + DecadeLabel(e - 6) + " M</text>\n";
  }
  for (size_t i = 0; i < plot.points.size(); ++i) {
    s += "<text x=\"" + Px(f.X(i)) + "\" y=\"" + Px(bottom + 18) +
         "\" text-anchor=\"middle\" font-size=\"11\">" + Escape(plot.points[i].label) + "</text>\n";
  }
  s += "</g>\n";
  s += "<text x=\"" + Px(left + F::kPlotWidth / 2) + "\" y=\"" + Px(bottom + 40) +
       "\" text-anchor=\"middle\">" + Escape(plot.x_title) + "</text>\n";
  s += "<text x=\"20\" y=\"" + Px(top + F::kPlotHeight / 2) +
       "\" text-anchor=\"middle\" transform=\"rotate(-90 20 " + Px(top + F::kPlotHeight / 2) +
       ")\">latency, ms (log)</text>\n";
  const double rx = F::kWidth - 14;
  s += "<text x=\"" + Px(rx) + "\" y=\"" + Px(top + F::kPlotHeight / 2) +
       "\" text-anchor=\"middle\" fill=\"" + kMacsColour + "\" transform=\"rotate(90 " + Px(rx) +
       " " + Px(top + F::kPlotHeight / 2) + ")\">MACs (log)</text>\n";

  s += Series(f, plot, &ScalePlotPoint::macs, true, kMacsColour, "2 3", Marker::kSquare, "MACs");
  s += Series(f, plot, &ScalePlotPoint::predicted_ms, false, kPredictedColour, "6 3",
              Marker::kHollow, "predicted");
  s += Series(f, plot, &ScalePlotPoint::measured_ms, false, kMeasuredColour, "", Marker::kFilled,
              "measured");

  // Legend, top left inside the plot (latency and MACs both rise to the right).
  const struct {
    const char* colour;
    const char* text;
  } legend[] = {{kMeasuredColour, "measured ms (median)"},
                {kPredictedColour, "predicted ms (roofline)"},
                {kMacsColour, "MACs (right axis)"}};
  s += "<g class=\"legend\">\n";
  double ly = top + 18;
  for (const auto& item : legend) {
    s += "<line x1=\"" + Px(left + 10) + "\" y1=\"" + Px(ly - 4) + "\" x2=\"" + Px(left + 34) +
         "\" y2=\"" + Px(ly - 4) + "\" stroke=\"" + item.colour + "\" stroke-width=\"2\"/>\n";
    s += "<text x=\"" + Px(left + 40) + "\" y=\"" + Px(ly) + "\">" + item.text + "</text>\n";
    ly += 18;
  }
  s += "</g>\n";
  if (!plot.footnote.empty()) {
    s += "<text x=\"" + Px(left) + "\" y=\"" + Px(F::kHeight - 8) + "\" font-size=\"10\">" +
         Escape(plot.footnote) + "</text>\n";
  }
  s += "</svg>\n";
  return s;
}

}  // namespace finch::cli
