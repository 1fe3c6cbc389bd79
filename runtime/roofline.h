// Roofline latency prediction for one node: the time its arithmetic takes at this machine's
// measured FMA peak and the time its bytes take at the bandwidth of the memory level they fit in;
// the node runs at the slower of the two.
//
//   FLOPs      = 2 × MACs + other_ops                                 (cost_model.h conventions)
//   compute_ms = FLOPs / (fma_gflops[threads] × KindEfficiency(kind))
//   bytes      = input + output + weight bytes (each byte moved once: a lower bound on traffic)
//   memory_ms  = bytes / bandwidth, bandwidth = l2_gbps × threads when bytes ≤ l2 × threads (the
//                working set fits the threads' private L2s), else dram_gbps (one stream's rate)
//   predicted  = max(compute_ms, memory_ms)
//
// The efficiencies (KindEfficiency) are FIRST ESTIMATES read off bench/RESULTS.md, "Kernels
// against this machine's peak" (one machine, one thread): the packed-B GEMM reaches 78-98% of
// the FMA peak on MobileNetV2's pointwise shapes, depthwise 3×3 NHWC 35-60 GFLOP/s of 117.5
// (30-50%), the fused inverted-residual block spends about a third of its time in depthwise and
// two thirds in GEMMs. They are not calibrated per machine nor per shape; fitting them on the
// measurements `finch profile` takes (per kind, per machine, cached beside the machine model) is
// future work.
#pragma once

#include <string>

#include "graph/cost/cost_model.h"
#include "runtime/machine_model.h"

namespace finch {

struct RooflinePrediction {
  double compute_ms = 0;
  double memory_ms = 0;
  double predicted_ms = 0;     // max(compute_ms, memory_ms)
  bool compute_bound = false;  // compute_ms > memory_ms
};

// The fraction of the FMA peak a node of this cost kind reaches (see the header comment):
//   conv, pointwise, conv_transpose, gemm, matmul  0.85  (GEMM microkernel, 78-98% of peak)
//   inverted_residual                              0.75  (2/3 GEMM at ~0.9, 1/3 depthwise)
//   depthwise                                      0.45  (NHWC depthwise, 30-60% of peak)
//   squeeze_excite                                 0.33  (GEMV: the classifier row, 33%)
//   elementwise, pool, reduce, softmax, norm, resize, data, unknown  0.5 (one op per lane, not
//       an FMA's two; these are memory-bound, so this rarely decides their time)
double KindEfficiency(const std::string& kind);

// The prediction for `c` on `m` with `threads` threads (< 1 counts as 1; more than `m` was
// measured for uses its largest count). A machine with no measured rate predicts 0 for that roof.
RooflinePrediction PredictNode(const NodeCost& c, const MachineModel& m, int threads);

}  // namespace finch
