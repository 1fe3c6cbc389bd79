// oneDNN's forward-inference convolution as a finch kernel: the fallback for the convolutions
// finch has no hand-written path for (NCHW convs when the layout pass is off, and the NHWC
// shapes where it measures faster than im2col: bench/onednn_conv_bench.cc).
//
// This folder is the only place in finch that includes oneDNN. The wrapper builds the primitive
// once per node (weights reordered once to the layout the primitive prefers, format_tag::any)
// and runs it on the caller's buffers, which stay in their plain layout (NCHW or NHWC), with
//   y = act(conv(x, w) + b + z)
// in one pass: bias in the primitive, the residual z as a `sum` post-op (dst = conv + b + dst,
// so z is copied into y first unless it already lies there), then the activation as eltwise
// post-ops. The sum comes BEFORE the eltwise: finch's fused order is act(conv + b + z).
//
// oneDNN errors (dnnl::error) never cross this API: Create returns null with the reason, Execute
// returns false.
//
// Execute is const and may run concurrently: the stream and memory objects it needs come from a
// small pool (one set per concurrent call, created on first need), so the wrapper allocates
// nothing in steady state; oneDNN's execute() itself still allocates its execution context
// (7–9 small blocks per call, measured by tests/alloc on MobileNetV2's stem).
//
// Threading: Debian's libdnnl 2.6 is built with the OpenMP runtime (libgomp). Execute sets the
// calling thread's OpenMP team size to `threads` before it runs the primitive (the ICV is per
// calling thread, so other threads are unaffected). oneDNN's forward convolutions split the
// work over images, groups, output channel blocks and output rows, never inside one output's
// sum (the weight-gradient reductions are the exception, and never run here): see
// tests/kernels/onednn_conv_test.cc, OneDnnConv.ThreadCountIdentity: 1, 2 and 3 threads give
// the same bits on the jit/brgconv/gemm implementations it picks here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "kernels/common/activation.h"

namespace finch::kernels {

// 2-D convolution geometry. Output sizes are given and must agree with
// out = (in + pad_begin + pad_end − dilation·(kernel − 1) − 1) / stride + 1. in_c and out_c are
// multiples of group. Dilation is ONNX's (1 = dense).
struct OneDnnConvParams {
  int64_t batch = 1, in_c = 1, out_c = 1, group = 1;
  int64_t in_h = 1, in_w = 1, out_h = 1, out_w = 1;
  int64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  bool nhwc = false;      // x and y (and z) are [N, H, W, C]; else [N, C, H, W]
  bool residual = false;  // Execute gets z: y = act(conv + b + z)
  Activation act;
};

class OneDnnConv {
 public:
  ~OneDnnConv();
  OneDnnConv(const OneDnnConv&) = delete;
  OneDnnConv& operator=(const OneDnnConv&) = delete;

  // True when oneDNN creates and runs a tiny convolution on this CPU (checked once).
  static bool Available();

  // The primitive for `p` with weights w [out_c, in_c/group, kernel_h, kernel_w] (ONNX OIHW)
  // and bias [out_c] (or null), created with `threads` OpenMP threads in mind; null, with the
  // reason in *why, when oneDNN has no implementation or fails.
  static std::unique_ptr<OneDnnConv> Create(const OneDnnConvParams& p, const float* w,
                                            const float* bias, int threads, std::string* why);

  // y = act(conv(x) + b [+ z]) on `threads` threads. z: null unless p.residual; it may equal y.
  // scratch: scratch_bytes() bytes (64-byte aligned), or null when scratch_bytes() is 0. False
  // when oneDNN reports an error (y is then unspecified).
  bool Execute(const float* x, const float* z, float* y, void* scratch, int threads) const;

  size_t scratch_bytes() const;
  // The reordered weights and the bias the primitive holds.
  size_t held_bytes() const;
  // oneDNN's name for the implementation it chose, e.g. "jit:avx2" or "gemm:jit".
  const std::string& impl() const;

 private:
  struct Impl;
  explicit OneDnnConv(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace finch::kernels
