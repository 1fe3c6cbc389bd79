// Reference Resize (and Upsample): separable nearest / n-linear / n-cubic interpolation over any
// number of dims, with every coordinate transformation mode of ONNX Resize 10-17.
//
// Each output coordinate x (per axis) maps to an input coordinate x' by the mode:
//   half_pixel            x' = (x + 0.5) / scale − 0.5
//   pytorch_half_pixel    x' = L > 1 ? (x + 0.5) / scale − 0.5 : 0
//   align_corners         x' = L > 1 ? x · (in − 1) / (L − 1) : 0
//   asymmetric            x' = x / scale
//   tf_half_pixel_for_nn  x' = (x + 0.5) / scale
//   tf_crop_and_resize    x' = L > 1 ? s·(in − 1) + x·(e − s)·(in − 1)/(L − 1)
//                                      : (s + e)/2 · (in − 1)        (roi [s, e] of the axis)
//                         and x' outside [0, in − 1] gives extrapolation_value.
// where L = in · scale is the unrounded resized length (see ResizeAxis::length).
// Then the taps (input index, weight) of the axis, with r = x' − floor(x'), i = floor(x'):
//   nearest  one tap at round(x') per nearest_mode (round_prefer_floor / _ceil, floor, ceil;
//            "simple", Resize-10 and Upsample: floor when upsampling, ceil when downsampling)
//   linear   i: 1 − r, i + 1: r
//   cubic    i − 1, i, i + 1, i + 2 with Keys' weights for a = cubic_coeff_a:
//            w(t) = (a+2)|t|³ − (a+3)|t|² + 1 for |t| <= 1, a|t|³ − 5a|t|² + 8a|t| − 4a for
//            1 < |t| < 2, at t = r + 1, r, 1 − r, 2 − r; with exclude_outside, taps outside
//            [0, in − 1] get weight 0 and the rest are renormalised to sum 1.
// Indices are clamped to [0, in − 1] (edge padding). The output is the nested sum
//   y = Σ_{t0} w0 · (Σ_{t1} w1 · (… x[i0, i1, …]))
// over the axes outermost first, accumulated in double (as ONNX's reference implementation
// does), and rounded to float once. Taps of weight 0 are skipped.
#pragma once

#include <cstdint>
#include <vector>

namespace finch::kernels {

enum class ResizeMode { kNearest, kLinear, kCubic };
enum class ResizeCoord {
  kHalfPixel,
  kPytorchHalfPixel,
  kAlignCorners,
  kAsymmetric,
  kTfHalfPixelForNn,
  kTfCropAndResize,
};
enum class ResizeNearest { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil, kSimple };

struct ResizeOptions {
  ResizeMode mode = ResizeMode::kNearest;
  ResizeCoord coord = ResizeCoord::kHalfPixel;
  ResizeNearest nearest = ResizeNearest::kRoundPreferFloor;
  double cubic_a = -0.75;
  bool exclude_outside = false;
  float extrapolation_value = 0;
};

// One axis: sizes, the scale out/in used by the transforms, and the roi (tf_crop_and_resize).
struct ResizeAxis {
  int64_t in = 1, out = 1;
  double scale = 1;
  // The resized length the transforms use: in · scale, not rounded (ONNX's reference takes the
  // unrounded length, so a downscale by 0.6 of 4 uses 2.4 where the output has 2 elements).
  double length = 1;
  double roi_start = 0, roi_end = 1;
};

// The taps of every output coordinate of one axis: `taps` entries per coordinate.
struct ResizeAxisTaps {
  int taps = 1;
  std::vector<int64_t> index;  // [out · taps], clamped to [0, in − 1]
  std::vector<double> weight;  // [out · taps]
  std::vector<char> outside;   // [out]: 1 where tf_crop_and_resize extrapolates
};
ResizeAxisTaps resize_axis_taps(const ResizeOptions& o, const ResizeAxis& axis);

// x of shape in_shape[0..rank) into y of shape out_shape[0..rank), taps[d] from
// resize_axis_taps for axis d.
void resize_f32_ref(int rank, const int64_t* in_shape, const int64_t* out_shape,
                    const ResizeAxisTaps* taps, float extrapolation_value, const float* x,
                    float* y);

}  // namespace finch::kernels
