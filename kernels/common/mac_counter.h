// A process-wide count of the multiply-adds the compute kernels execute: the measured side of
// the cost model's MACs (graph/cost/cost_model.h), read per step by Session::Run when
// RunOptions::count_macs asks (`finch profile`, tests/models/mac_count_test.cc).
//
// What one multiply-add is: one product a·w added into the sum of an output element of the
// operation. Each kernel adds the multiply-adds of the tiles it ran, computed from the tiles' own
// loop bounds (rows × live columns × K of a GEMM block; pixels × channels × taps of a depthwise
// row), so a tile run twice counts twice and a tile never run counts nothing. Not counted:
//   - SIMD lanes that feed no output element: a packed-B panel's zero-filled columns past N, the
//     masked channel lanes past C, the pixels a depthwise block computes past the end of its row
//     and never stores. They are vector width the kernel wastes, not work of the layer.
// Zero padding: the cost model counts every tap of every window, padding taps included (its
// convention, the one papers and torchvision use). A kernel that multiplies the padding's zeros
// (the GEMM over im2col rows, the NCHW depthwise over its zero-padded copy) counts them as
// executed; a kernel that skips them (the depthwise NHWC kernels, the direct reference
// convolutions) counts what it skipped in `padding` instead, from the same loop bounds. So
// executed + padding is comparable with the analytic count, and executed alone is what ran.
//
// Cost: one relaxed load of `enabled` per kernel call when counting is off; when on, integer
// arithmetic per tile into a local and one relaxed fetch_add per call (intra-op threads of one
// step add concurrently; Session::Run reads the totals between steps, after they joined).
//
// Process-wide: a counted run must not overlap other runs in the process (they would add to the
// same totals). Session::Run serializes counted runs among themselves.
#pragma once

#include <atomic>
#include <cstdint>

namespace finch::kernels {

struct MacCount {
  int64_t executed = 0;  // multiply-adds run
  int64_t padding = 0;   // multiply-adds by zero padding the kernels skipped (see above)
};

class MacCounter {
 public:
  static bool enabled() { return enabled_.load(std::memory_order_relaxed); }
  static void SetEnabled(bool on) { enabled_.store(on, std::memory_order_relaxed); }

  // Called by kernels, once per call (or per tile), only when enabled().
  static void Add(int64_t executed, int64_t padding = 0) {
    if (executed != 0) executed_.fetch_add(executed, std::memory_order_relaxed);
    if (padding != 0) padding_.fetch_add(padding, std::memory_order_relaxed);
  }

  // The totals since the process started (counted while enabled); differences give a step's.
  static MacCount Read() {
    return {executed_.load(std::memory_order_relaxed), padding_.load(std::memory_order_relaxed)};
  }

 private:
  static inline std::atomic<bool> enabled_{false};
  static inline std::atomic<int64_t> executed_{0};
  static inline std::atomic<int64_t> padding_{0};
};

// The valid taps of one spatial dimension of a convolution: Σ over outputs o < out of the taps
// k < kernel whose input index o·stride − pad + k·dilation lies in [0, in). A window's valid taps
// are the product of its dimensions', so over a whole (image, output channel, input channel)
// plane a kernel that skips padding runs Π_d ValidTaps(d) multiply-adds and skips
// Π_d out_d·kernel_d − Π_d ValidTaps(d).
inline int64_t ValidTaps(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t pad,
                         int64_t dilation = 1) {
  int64_t valid = 0;
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t k = 0; k < kernel; ++k) {
      const int64_t i = o * stride - pad + k * dilation;
      valid += (i >= 0 && i < in) ? 1 : 0;
    }
  }
  return valid;
}

}  // namespace finch::kernels
