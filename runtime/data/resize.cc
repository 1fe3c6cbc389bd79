#include "runtime/data/resize.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace finch {
namespace {

// The taps of one output sample along one axis: input samples [first, first + count) with
// fixed-point weights.
struct Taps {
  std::vector<int> first, count;
  std::vector<int32_t> weights;  // `max_taps` per output sample
  int max_taps = 0;
};

// Taps for output samples [begin, end) of an axis of `in` samples resized to `out` (resize.h).
Taps ComputeTaps(int in, int out, int begin, int end) {
  const double scale = static_cast<double>(in) / out;
  const double stretch = std::max(scale, 1.0);
  const double support = stretch;  // the tent's half-width (1) stretched
  Taps taps;
  taps.max_taps = static_cast<int>(std::ceil(support)) * 2 + 1;
  const int n = end - begin;
  taps.first.resize(n);
  taps.count.resize(n);
  taps.weights.assign(static_cast<size_t>(n) * taps.max_taps, 0);
  std::vector<double> w(taps.max_taps);
  for (int i = begin; i < end; ++i) {
    const double center = (i + 0.5) * scale;
    // Input samples whose centres lie within `support` of `center`: j + ½ ∈ (c − support,
    // c + support), i.e. j from trunc(c − support + ½) (at least 0) below trunc(c + support + ½).
    const int lo = std::max(static_cast<int>(center - support + 0.5), 0);
    const int hi = std::min(static_cast<int>(center + support + 0.5), in);
    const int count = std::min(hi - lo, taps.max_taps);
    double sum = 0;
    for (int k = 0; k < count; ++k) {
      const double x = (lo + k + 0.5 - center) / stretch;
      w[k] = std::max(0.0, 1.0 - std::abs(x));
      sum += w[k];
    }
    int32_t* fixed = &taps.weights[static_cast<size_t>(i - begin) * taps.max_taps];
    for (int k = 0; k < count; ++k) {
      const double normalised = sum > 0 ? w[k] / sum : 0.0;
      fixed[k] = static_cast<int32_t>(std::floor(normalised * (1 << kResizeWeightBits) + 0.5));
    }
    taps.first[i - begin] = lo;
    taps.count[i - begin] = count;
  }
  return taps;
}

// Σ weights ≤ 2^22 + taps (each rounded up by at most ½), times 255, plus the rounding half:
// far below 2^31 for any tap count an image allows.
inline uint8_t RoundToByte(int32_t acc) {
  const int32_t v = (acc + (1 << (kResizeWeightBits - 1))) >> kResizeWeightBits;
  return static_cast<uint8_t>(std::clamp(v, 0, 255));
}

}  // namespace

StatusOr<Image> ResizeBilinear(const Image& src, int out_width, int out_height,
                               const ResizeWindow& window) {
  if (src.width <= 0 || src.height <= 0 ||
      src.rgb.size() != static_cast<size_t>(src.width) * src.height * 3) {
    return InvalidArgument("resize: source image of ", src.width, "x", src.height,
                           " pixels holds ", src.rgb.size(), " bytes");
  }
  if (out_width <= 0 || out_height <= 0 ||
      static_cast<int64_t>(out_width) * out_height > kMaxImagePixels) {
    return InvalidArgument("resize: output size ", out_width, "x", out_height, " is invalid");
  }
  if (window.left < 0 || window.top < 0 || window.width <= 0 || window.height <= 0 ||
      window.width > out_width - window.left || window.height > out_height - window.top) {
    return InvalidArgument("resize: window ", window.width, "x", window.height, " at (",
                           window.left, ",", window.top, ") is not inside the ", out_width, "x",
                           out_height, " output");
  }
  const Taps cols = ComputeTaps(src.width, out_width, window.left, window.left + window.width);
  const Taps rows = ComputeTaps(src.height, out_height, window.top, window.top + window.height);

  // Horizontal pass over the input rows the vertical pass reads, into an 8-bit image. An axis
  // whose size does not change is copied (its taps are the identity).
  const int row_lo = rows.first.front();
  const int row_hi = rows.first.back() + rows.count.back();
  Image mid;
  mid.width = window.width;
  mid.height = row_hi - row_lo;
  mid.rgb.resize(static_cast<size_t>(mid.width) * mid.height * 3);
  const bool same_width = out_width == src.width;
  for (int y = row_lo; y < row_hi; ++y) {
    const uint8_t* in = src.row(y);
    uint8_t* out = mid.mutable_row(y - row_lo);
    if (same_width) {
      std::copy(in + 3 * window.left, in + 3 * (window.left + window.width), out);
      continue;
    }
    for (int x = 0; x < window.width; ++x) {
      const int32_t* w = &cols.weights[static_cast<size_t>(x) * cols.max_taps];
      const uint8_t* p = in + 3 * cols.first[x];
      int32_t r = 0, g = 0, b = 0;
      for (int k = 0; k < cols.count[x]; ++k) {
        r += w[k] * p[3 * k];
        g += w[k] * p[3 * k + 1];
        b += w[k] * p[3 * k + 2];
      }
      out[3 * x] = RoundToByte(r);
      out[3 * x + 1] = RoundToByte(g);
      out[3 * x + 2] = RoundToByte(b);
    }
  }

  // Vertical pass.
  if (out_height == src.height) {
    if (row_lo == window.top && mid.height == window.height) return mid;
  }
  Image dst;
  dst.width = window.width;
  dst.height = window.height;
  dst.rgb.resize(static_cast<size_t>(dst.width) * dst.height * 3);
  const int row_bytes = window.width * 3;
  std::vector<int32_t> acc(row_bytes);
  for (int y = 0; y < window.height; ++y) {
    const int32_t* w = &rows.weights[static_cast<size_t>(y) * rows.max_taps];
    std::fill(acc.begin(), acc.end(), 0);
    for (int k = 0; k < rows.count[y]; ++k) {
      const uint8_t* in = mid.row(rows.first[y] + k - row_lo);
      for (int i = 0; i < row_bytes; ++i) acc[i] += w[k] * in[i];
    }
    uint8_t* out = dst.mutable_row(y);
    for (int i = 0; i < row_bytes; ++i) out[i] = RoundToByte(acc[i]);
  }
  return dst;
}

StatusOr<Image> ResizeBilinear(const Image& src, int out_width, int out_height) {
  return ResizeBilinear(src, out_width, out_height, ResizeWindow{0, 0, out_width, out_height});
}

}  // namespace finch
