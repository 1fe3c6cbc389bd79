#include "runtime/roofline.h"

#include <algorithm>

namespace finch {

double KindEfficiency(const std::string& kind) {
  if (kind == "conv" || kind == "pointwise" || kind == "conv_transpose" || kind == "gemm" ||
      kind == "matmul") {
    return 0.85;
  }
  if (kind == "inverted_residual") return 0.75;
  if (kind == "depthwise") return 0.45;
  if (kind == "squeeze_excite") return 0.33;
  return 0.5;
}

RooflinePrediction PredictNode(const NodeCost& c, const MachineModel& m, int threads) {
  RooflinePrediction p;
  threads = std::max(threads, 1);
  double peak_gflops = 0;
  if (!m.fma_gflops.empty()) {
    const size_t i = std::min(static_cast<size_t>(threads), m.fma_gflops.size()) - 1;
    peak_gflops = m.fma_gflops[i] * KindEfficiency(c.kind);
  }
  const double flops = c.flops() + static_cast<double>(c.other_ops);
  // GFLOP/s = 1e6 FLOP per ms.
  if (peak_gflops > 0) p.compute_ms = flops / (peak_gflops * 1e6);

  const double bytes = static_cast<double>(c.bytes());
  const bool fits_l2 = m.l2 > 0 && bytes <= static_cast<double>(m.l2) * threads;
  const double gbps = fits_l2 ? m.l2_gbps * threads : m.dram_gbps;
  if (gbps > 0) p.memory_ms = bytes / (gbps * 1e6);

  p.compute_bound = p.compute_ms > p.memory_ms;
  p.predicted_ms = std::max(p.compute_ms, p.memory_ms);
  return p;
}

}  // namespace finch
