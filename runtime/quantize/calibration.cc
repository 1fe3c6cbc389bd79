#include "runtime/quantize/calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "runtime/session.h"

namespace finch {

StatusOr<CalibrationMethod> ParseCalibrationMethod(const std::string& name) {
  if (name == "minmax") return CalibrationMethod::kMinMax;
  if (name == "percentile") return CalibrationMethod::kPercentile;
  if (name == "entropy") return CalibrationMethod::kEntropy;
  if (name == "mse") return CalibrationMethod::kMse;
  return InvalidArgument("unknown calibration method \"", name,
                         "\"; expected minmax, percentile, entropy or mse");
}

const char* CalibrationMethodName(CalibrationMethod method) {
  switch (method) {
    case CalibrationMethod::kMinMax:
      return "minmax";
    case CalibrationMethod::kPercentile:
      return "percentile";
    case CalibrationMethod::kEntropy:
      return "entropy";
    case CalibrationMethod::kMse:
      return "mse";
  }
  return "?";
}

namespace {

int BinOf(float x, float min, float max) {
  if (!(max > min)) return 0;
  const double f = (double{x} - min) / (double{max} - min) * kCalibrationBins;
  return static_cast<int>(std::clamp(f, 0.0, double{kCalibrationBins - 1}));
}

double BinLow(const TensorStats& s, int b) {
  return s.min + (double{s.max} - s.min) * b / kCalibrationBins;
}

// The value below which `fraction` of the histogram's mass lies.
double Quantile(const TensorStats& s, double fraction) {
  const double target = fraction * s.count;
  double cumulative = 0;
  for (int b = 0; b < kCalibrationBins; ++b) {
    const double next = cumulative + s.histogram[b];
    if (next >= target && s.histogram[b] > 0) {
      const double within = (target - cumulative) / s.histogram[b];
      return BinLow(s, b) + within * (BinLow(s, b + 1) - BinLow(s, b));
    }
    cumulative = next;
  }
  return s.max;
}

// KL(P‖Q) for one threshold: P is the histogram slice with everything beyond it (the values the
// threshold clips) added to its last bin; Q is the slice WITHOUT those outliers, merged into
// `levels` equal groups and spread back uniformly over each group's non-empty bins. Q never
// sees the clipped mass, so a threshold that clips much pays for it in KL — with Q built from P
// itself, the tightest threshold (one bin per level) would match P exactly and always win.
double ClippedKl(const std::vector<double>& p, const std::vector<double>& slice, int levels) {
  const int n = static_cast<int>(p.size());
  std::vector<double> q(n, 0.0);
  for (int l = 0; l < levels; ++l) {
    const int begin = static_cast<int>(int64_t{l} * n / levels);
    const int end = static_cast<int>(int64_t{l + 1} * n / levels);
    double sum = 0;
    int nonzero = 0;
    for (int i = begin; i < end; ++i) {
      sum += slice[i];
      nonzero += slice[i] > 0;
    }
    for (int i = begin; i < end; ++i) q[i] = slice[i] > 0 ? sum / nonzero : 0;
  }
  double psum = 0, qsum = 0;
  for (int i = 0; i < n; ++i) {
    psum += p[i];
    qsum += q[i];
  }
  if (psum == 0 || qsum == 0) return 0;
  // Where P has mass and Q none, a small floor keeps the divergence finite but large.
  constexpr double kFloor = 1e-4;
  double kl = 0;
  for (int i = 0; i < n; ++i) {
    if (p[i] == 0) continue;
    const double pi = p[i] / psum, qi = std::max(q[i] / qsum, kFloor / n);
    kl += pi * std::log(pi / qi);
  }
  return kl;
}

// TensorRT-style threshold on |x|: histogram of |x| over [0, amax] in `kCalibrationBins` bins
// rebuilt from the signed one, then the threshold bin minimising ClippedKl.
double EntropyThreshold(const TensorStats& s, int levels) {
  const double amax = std::max(std::fabs(double{s.min}), std::fabs(double{s.max}));
  if (amax == 0) return 0;
  std::vector<double> hist(kCalibrationBins, 0.0);
  for (int b = 0; b < kCalibrationBins; ++b) {
    const double center = 0.5 * (BinLow(s, b) + BinLow(s, b + 1));
    const int ab = std::min(kCalibrationBins - 1,
                            static_cast<int>(std::fabs(center) / amax * kCalibrationBins));
    hist[ab] += static_cast<double>(s.histogram[b]);
  }
  // The exact zeros sit in the |x| bin of 0.
  const int zero_bin = std::min(kCalibrationBins - 1, BinOf(0.0f, s.min, s.max));
  const double center = 0.5 * (BinLow(s, zero_bin) + BinLow(s, zero_bin + 1));
  const int zero_abs_bin = std::min(kCalibrationBins - 1,
                                    static_cast<int>(std::fabs(center) / amax * kCalibrationBins));
  hist[zero_abs_bin] = std::max(0.0, hist[zero_abs_bin] - static_cast<double>(s.zeros));
  int best = kCalibrationBins;
  double best_kl = std::numeric_limits<double>::infinity();
  for (int i = levels; i <= kCalibrationBins; i += 8) {
    const std::vector<double> slice(hist.begin(), hist.begin() + i);
    std::vector<double> p = slice;
    for (int j = i; j < kCalibrationBins; ++j) p[i - 1] += hist[j];  // outliers clip to T
    const double kl = ClippedKl(p, slice, levels);
    if (kl < best_kl) {
      best_kl = kl;
      best = i;
    }
  }
  return amax * best / kCalibrationBins;
}

// The range [f·min, f·max] (f in (0, 1], 200 steps) minimising the expected squared error of
// quantizing the histogram's values to 256 levels: step²/12 for a value inside (uniform rounding
// error), its squared distance to the nearest end for one outside (clipping).
std::pair<float, float> MseRange(const TensorStats& s) {
  constexpr int kSteps = 200;
  double best_error = std::numeric_limits<double>::infinity();
  std::pair<float, float> best = {s.min, s.max};
  for (int i = 1; i <= kSteps; ++i) {
    const double f = static_cast<double>(i) / kSteps;
    const double lo = std::min(0.0, f * s.min), hi = std::max(0.0, f * s.max);
    const double step = (hi - lo) / 255.0;
    double error = 0;
    for (int b = 0; b < kCalibrationBins; ++b) {
      if (!s.histogram[b]) continue;
      const double v = 0.5 * (BinLow(s, b) + BinLow(s, b + 1));
      const double e = v < lo ? (lo - v) * (lo - v) : v > hi ? (v - hi) * (v - hi)
                                                             : step * step / 12.0;
      error += static_cast<double>(s.histogram[b]) * e;
    }
    if (error < best_error) {
      best_error = error;
      best = {static_cast<float>(f * s.min), static_cast<float>(f * s.max)};
    }
  }
  return best;
}

}  // namespace

std::pair<float, float> ChooseRange(const TensorStats& s, const CalibrationOptions& options) {
  if (options.method == CalibrationMethod::kMinMax || s.histogram.empty() || s.count == 0 ||
      !(s.max > s.min)) {
    return {s.min, s.max};
  }
  if (options.method == CalibrationMethod::kPercentile) {
    const double p = std::clamp(options.percentile, 50.0, 100.0) / 100.0;
    const float lo = s.min >= 0 ? s.min : static_cast<float>(Quantile(s, 1.0 - p));
    const float hi = static_cast<float>(Quantile(s, p));
    return {std::min(lo, hi), std::max(lo, hi)};
  }
  if (options.method == CalibrationMethod::kMse) return MseRange(s);
  const bool non_negative = s.min >= 0;
  const double t = EntropyThreshold(s, non_negative ? 255 : 127);
  return {non_negative ? s.min : std::max(s.min, static_cast<float>(-t)),
          std::min(s.max, static_cast<float>(t))};
}

StatusOr<std::map<std::string, TensorStats>> CollectTensorStats(
    const Graph& graph, const std::vector<std::string>& tensors,
    const std::vector<std::vector<Tensor>>& inputs, const CalibrationOptions& options) {
  if (inputs.empty()) return InvalidArgument("calibration needs at least one input");
  SessionOptions so;
  so.optimize = false;  // every tensor of the float graph stays a value that can be fetched
  so.threads = options.threads;
  FINCH_ASSIGN_OR_RETURN(auto session, Session::Create(graph, so));
  RunOptions ro;
  ro.fetch = tensors;
  std::map<std::string, TensorStats> stats;
  for (const std::string& t : tensors) {
    stats[t].min = std::numeric_limits<float>::infinity();
    stats[t].max = -std::numeric_limits<float>::infinity();
  }
  const bool histograms = options.method != CalibrationMethod::kMinMax;
  for (int pass = 1; pass <= (histograms ? 2 : 1); ++pass) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      RunProfile profile;
      FINCH_RETURN_IF_ERROR(session->Run(inputs[i], ro, &profile).status());
      for (const std::string& name : tensors) {
        const Tensor& t = profile.fetched.at(name);
        if (t.dtype() != DataType::kFloat32) {
          return InvalidArgument("calibration: tensor ", name, " is ", DataTypeName(t.dtype()),
                                 ", not float32");
        }
        TensorStats& s = stats[name];
        const float* x = t.data<float>();
        const int64_t n = t.num_elements();
        if (pass == 1) {
          for (int64_t k = 0; k < n; ++k) {
            if (!std::isfinite(x[k])) {
              return InvalidArgument("calibration: tensor ", name, " has a non-finite value (",
                                     x[k], ") on input ", i);
            }
            s.min = std::min(s.min, x[k]);
            s.max = std::max(s.max, x[k]);
          }
          s.count += n;
        } else {
          if (s.histogram.empty()) s.histogram.assign(kCalibrationBins, 0);
          for (int64_t k = 0; k < n; ++k) {
            ++s.histogram[BinOf(x[k], s.min, s.max)];
            s.zeros += x[k] == 0.0f;
          }
        }
      }
      if (options.progress) options.progress(pass, i + 1, inputs.size());
    }
  }
  return stats;
}

}  // namespace finch
