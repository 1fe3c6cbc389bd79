#include "kernels/resize/resize_ref.h"

#include <cmath>

namespace finch::kernels {
namespace {

double SourceCoordinate(const ResizeOptions& o, const ResizeAxis& a, int64_t x) {
  const double xd = static_cast<double>(x);
  const double in = static_cast<double>(a.in), out = a.length;
  switch (o.coord) {
    case ResizeCoord::kHalfPixel:
      return (xd + 0.5) / a.scale - 0.5;
    case ResizeCoord::kPytorchHalfPixel:
      return out > 1 ? (xd + 0.5) / a.scale - 0.5 : 0.0;
    case ResizeCoord::kAlignCorners:
      return out > 1 ? xd * (in - 1) / (out - 1) : 0.0;
    case ResizeCoord::kAsymmetric:
      return xd / a.scale;
    case ResizeCoord::kTfHalfPixelForNn:
      return (xd + 0.5) / a.scale;
    case ResizeCoord::kTfCropAndResize:
      return out > 1 ? a.roi_start * (in - 1) +
                             xd * (a.roi_end - a.roi_start) * (in - 1) / (out - 1)
                       : 0.5 * (a.roi_start + a.roi_end) * (in - 1);
  }
  return 0;
}

int64_t NearestIndex(ResizeNearest mode, double x, double scale) {
  const double f = std::floor(x);
  switch (mode) {
    case ResizeNearest::kRoundPreferFloor:
      return static_cast<int64_t>(x == f + 0.5 ? f : std::round(x));
    case ResizeNearest::kRoundPreferCeil:
      return static_cast<int64_t>(x == f + 0.5 ? f + 1 : std::round(x));
    case ResizeNearest::kFloor:
      return static_cast<int64_t>(f);
    case ResizeNearest::kCeil:
      return static_cast<int64_t>(std::ceil(x));
    case ResizeNearest::kSimple:
      return static_cast<int64_t>(scale < 1 ? std::ceil(x) : f);
  }
  return 0;
}

// Keys' cubic convolution weight at distance t (|t| < 2).
double CubicWeight(double a, double t) {
  t = std::fabs(t);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

int64_t Clamp(int64_t i, int64_t n) { return i < 0 ? 0 : i >= n ? n - 1 : i; }

}  // namespace

ResizeAxisTaps resize_axis_taps(const ResizeOptions& o, const ResizeAxis& a) {
  ResizeAxisTaps t;
  t.taps = o.mode == ResizeMode::kNearest ? 1 : o.mode == ResizeMode::kLinear ? 2 : 4;
  t.index.resize(static_cast<size_t>(a.out * t.taps));
  t.weight.resize(t.index.size());
  t.outside.assign(static_cast<size_t>(a.out), 0);
  for (int64_t x = 0; x < a.out; ++x) {
    const double src = SourceCoordinate(o, a, x);
    if (o.coord == ResizeCoord::kTfCropAndResize &&
        (src < 0 || src > static_cast<double>(a.in - 1))) {
      t.outside[x] = 1;
    }
    int64_t* idx = &t.index[x * t.taps];
    double* w = &t.weight[x * t.taps];
    if (o.mode == ResizeMode::kNearest) {
      idx[0] = Clamp(NearestIndex(o.nearest, src, a.scale), a.in);
      w[0] = 1;
      continue;
    }
    const double f = std::floor(src), r = src - f;
    const int64_t i = static_cast<int64_t>(f);
    if (o.mode == ResizeMode::kLinear) {
      idx[0] = i;
      idx[1] = i + 1;
      w[0] = 1 - r;
      w[1] = r;
    } else {
      for (int k = 0; k < 4; ++k) {
        idx[k] = i - 1 + k;
        w[k] = CubicWeight(o.cubic_a, r + 1 - k);
      }
    }
    if (o.exclude_outside) {
      double sum = 0;
      for (int k = 0; k < t.taps; ++k) {
        if (idx[k] < 0 || idx[k] >= a.in) w[k] = 0;
        sum += w[k];
      }
      if (sum != 0) {
        for (int k = 0; k < t.taps; ++k) w[k] /= sum;
      }
    }
    for (int k = 0; k < t.taps; ++k) idx[k] = Clamp(idx[k], a.in);
  }
  return t;
}

namespace {

struct ResizeWalk {
  int rank;
  const ResizeAxisTaps* taps;
  const int64_t* coord;   // output coordinate per axis
  const int64_t* stride;  // input element strides
  const float* x;

  // Σ over the taps of axes d.. of the weighted input values, starting at input offset `base`.
  double Sum(int d, int64_t base) const {
    if (d == rank) return static_cast<double>(x[base]);
    const ResizeAxisTaps& t = taps[d];
    const int64_t* idx = &t.index[coord[d] * t.taps];
    const double* w = &t.weight[coord[d] * t.taps];
    double acc = 0;
    for (int k = 0; k < t.taps; ++k) {
      if (w[k] != 0) acc += w[k] * Sum(d + 1, base + idx[k] * stride[d]);
    }
    return acc;
  }
};

}  // namespace

void resize_f32_ref(int rank, const int64_t* in_shape, const int64_t* out_shape,
                    const ResizeAxisTaps* taps, float extrapolation_value, const float* x,
                    float* y) {
  std::vector<int64_t> stride(static_cast<size_t>(rank), 1), coord(static_cast<size_t>(rank), 0);
  int64_t total = 1;
  for (int d = rank - 1; d >= 0; --d) {
    if (d + 1 < rank) stride[d] = stride[d + 1] * in_shape[d + 1];
    total *= out_shape[d];
  }
  const ResizeWalk walk{rank, taps, coord.data(), stride.data(), x};
  for (int64_t n = 0; n < total; ++n) {
    bool outside = false;
    for (int d = 0; d < rank; ++d) outside |= taps[d].outside[coord[d]] != 0;
    y[n] = outside ? extrapolation_value : static_cast<float>(walk.Sum(0, 0));
    // Next output coordinate, row-major.
    for (int d = rank - 1; d >= 0; --d) {
      if (++coord[d] < out_shape[d]) break;
      coord[d] = 0;
    }
  }
}

}  // namespace finch::kernels
