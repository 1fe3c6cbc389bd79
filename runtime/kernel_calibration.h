// Calibrates the roofline's per-kernel-class efficiencies on this machine by running finch's own
// kernels — through a Session, so the passes, the layout lowering and kernel dispatch choose
// exactly what a model of that shape would get — on the layer shapes of MobileNetV2,
// EfficientNet-B0 and a ViT, one thread, timing each compute step (median of its runs).
//
// What is fitted (the prediction these feed is in runtime/roofline.h):
//   transcendental rate   G elements/s of the fused-epilogue sigmoid/SiLU: the same pointwise
//                         convolution timed with ReLU6 and with SiLU; the difference over the
//                         elements activated
//   efficiency[class]     Σ work / (FMA peak × Σ time) over the class's cases, where work is
//                         2 × MACs + other_ops − transcendentals and the time excludes what the
//                         transcendental rate (and, for inverted-residual blocks, the calibrated
//                         depthwise variant) already accounts for
// Classes: "pointwise", "conv" (the 3-channel stem, im2col), "matmul" (also used for "gemm"),
// "depthwise_k3s1", "depthwise_k3s2", "depthwise_k5s1", "depthwise_k5s2", "inverted_residual"
// (the GEMM part of a fused block; its depthwise part is priced by its variant's class), and the
// int8 kernels as fractions of the int8 peak: "int8_pointwise", "int8_conv",
// "int8_depthwise_k3s1", "int8_depthwise_k3s2" (QDQ twins of the layers, run as QLinearConv). Classes
// not calibrated here (squeeze_excite alone, pools, elementwise) keep the first estimates of
// KindEfficiency.
//
// The efficiencies are fractions of the peak at the thread count they were measured on:
// `finch machine` calibrates on 1 thread (keys "pointwise", ...) and again on 2..4 threads (keys
// "pointwise@2", ...); a prediction for T threads uses the T-thread key when there is one.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "graph/status.h"
#include "runtime/machine_model.h"

namespace finch {

// Notes that report a measurement, not a structural problem, start with this (a loaded or
// instrumented machine can time a SiLU layer no slower than a ReLU6 one).
inline constexpr char kTimingNote[] = "timing: ";

struct KernelCalibration {
  double transcendental_geps = 0;       // 0 when the difference was not measurable
  double step_overhead_ms = 0;          // the median step of a chain of tiny Adds
  std::map<std::string, double> efficiency;
  std::vector<std::string> notes;       // cases skipped and why (a fusion that did not happen)
};

// Runs the calibration cases (about 1-2 s). `fma_gflops_1t` is the single-thread FMA peak the
// efficiencies are fractions of; <= 0 (no AVX2/FMA) leaves the efficiencies empty.
// `int8_gops_1t` (MachineModel::Int8PeakGops) is the peak of the int8 classes; <= 0 skips them.
// With `threads` > 1 the cases run on that many threads and the peaks passed are those of that
// thread count: the efficiencies then include what splitting a layer costs (dispatch, halo
// rows, imbalance); the transcendental rate is not measured again but taken as
// `transcendental_geps_1t` × threads, as the roofline prices it.
// With `roofs` (a machine model whose l2, l2_gbps and dram_gbps are measured), the memory-bound
// kinds are calibrated too: "bw_data" (Transpose, Slice, Reshape), "bw_elementwise" (Add) and
// "bw_norm" (LayerNormalization) as the fraction of the bandwidth roof (roofline.h MemoryGbps)
// their kernels reach.
StatusOr<KernelCalibration> CalibrateKernels(double fma_gflops_1t, double int8_gops_1t = 0,
                                             int threads = 1,
                                             double transcendental_geps_1t = 0,
                                             const MachineModel* roofs = nullptr);

}  // namespace finch
