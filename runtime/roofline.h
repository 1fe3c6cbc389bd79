// Roofline latency prediction for one node: the time its arithmetic takes at this machine's
// measured FMA peak, scaled by how much of that peak finch's kernel for it reaches, and the time
// its bytes take at the bandwidth of the memory level they fit in; the node runs at the slower.
//
//   compute_ms = main work / (peak[threads] × eff[class])            class = kind, or the
//              + 2 × depthwise MACs / (peak[threads] × eff[depthwise_<variant>])   (inside fused
//                                                                      blocks)
//              + transcendentals / (transcendental rate × threads)
//     main work = 2 × MACs + other_ops − (depthwise part) − (transcendentals)   (cost_model.h)
//   bytes      = input + output + weight bytes (each byte moved once: a lower bound on traffic)
//   memory_ms  = bytes / bandwidth, bandwidth = l2_gbps × threads when bytes ≤ l2 × threads (the
//                working set fits the threads' private L2s), else dram_gbps (one stream's rate)
//   predicted  = max(compute_ms, memory_ms)
//
// eff[class] and the transcendental rate come from the machine model, calibrated on this machine
// by running finch's own kernels (runtime/kernel_calibration.h). A class it did not calibrate
// falls back to KindEfficiency's first estimates, and without a transcendental rate the
// transcendentals count as main work (one FLOP each), as before calibration existed.
#pragma once

#include <string>

#include "graph/cost/cost_model.h"
#include "runtime/machine_model.h"

namespace finch {

struct RooflinePrediction {
  double compute_ms = 0;
  double memory_ms = 0;
  double predicted_ms = 0;     // max(compute_ms, memory_ms) + the machine's step overhead
  bool compute_bound = false;  // compute_ms > memory_ms
};

// FIRST ESTIMATES, used for classes the machine model has not calibrated: the fraction of the
// FMA peak a node of this cost kind reaches, read off bench/RESULTS.md (one machine, one thread):
//   conv, pointwise, conv_transpose, gemm, matmul  0.85  (GEMM microkernel, 78-98% of peak)
//   inverted_residual                              0.75  (2/3 GEMM at ~0.9, 1/3 depthwise)
//   depthwise                                      0.45  (NHWC depthwise, 30-60% of peak)
//   squeeze_excite                                 0.33  (GEMV: the classifier row, 33%)
//   elementwise, pool, reduce, softmax, norm, resize, data, unknown  0.5 (one op per lane, not
//       an FMA's two; these are memory-bound, so this rarely decides their time)
// and for the quantized ops, of the int8 multiply-add peak (MachineModel::Int8PeakGops):
//   int8_pointwise, int8_conv, int8_matmul  0.5  (QGEMM 49-84% at MobileNetV2's shapes,
//       requantization and small K below that)
//   int8_depthwise                          0.3
double KindEfficiency(const std::string& kind);

// The bandwidth a node's bytes move at on `threads` threads: the L2's (times threads) when they
// fit the threads' L2s, else DRAM's, times the calibrated fraction of it that finch's kernels
// for memory-bound kinds reach (efficiency "bw_<kind>", e.g. "bw_data", per thread count like
// the compute classes; 1 when not calibrated).
double MemoryGbps(const NodeCost& c, const MachineModel& m, int threads);

// A node's work split by how it is priced: FLOPs at its class's efficiency, the depthwise FLOPs
// of a fused block at their variant's efficiency, and the transcendentals at the measured rate
// (kept in `main` when `transcendentals_apart` is false: no rate was measured).
struct WorkSplit {
  double main = 0;             // FLOPs
  double depthwise = 0;        // FLOPs (0 for a depthwise node: its class is the variant's)
  double transcendentals = 0;  // elements
  std::string main_class;      // the class `main` is priced at
  std::string depthwise_class;
};
WorkSplit SplitWork(const NodeCost& c, bool transcendentals_apart);

// The machine's calibrated efficiency for `cls` ("pointwise", "depthwise_k3s2", ...) on
// `threads` threads ("cls@T", calibrated for T up to 4; more threads use the largest T), else
// on one thread, else the first estimate of its kind (a depthwise variant falls back to
// "depthwise").
double ClassEfficiency(const MachineModel& m, const std::string& cls, int threads = 1);

// The prediction for `c` on `m` with `threads` threads (< 1 counts as 1; more than `m` was
// measured for uses its largest count). A machine with no measured rate predicts 0 for that roof.
RooflinePrediction PredictNode(const NodeCost& c, const MachineModel& m, int threads);

}  // namespace finch
