#include "runtime/roofline.h"

#include <algorithm>

namespace finch {

double KindEfficiency(const std::string& kind) {
  // The int8 kinds (fraction of the int8 peak) until `finch machine` calibrates them.
  if (kind == "int8_pointwise" || kind == "int8_conv" || kind == "int8_matmul") return 0.5;
  if (kind == "int8_depthwise") return 0.3;
  if (kind == "conv" || kind == "pointwise" || kind == "conv_transpose" || kind == "gemm" ||
      kind == "matmul") {
    return 0.85;
  }
  if (kind == "inverted_residual") return 0.75;
  if (kind == "depthwise") return 0.45;
  if (kind == "squeeze_excite") return 0.33;
  return 0.5;
}

double ClassEfficiency(const MachineModel& m, const std::string& cls, int threads) {
  // The calibration on the largest thread count up to `threads`, then the one-thread one.
  for (int t = threads; t >= 2; --t) {
    const auto it = m.efficiency.find(cls + "@" + std::to_string(t));
    if (it != m.efficiency.end() && it->second > 0) return it->second;
  }
  const auto it = m.efficiency.find(cls);
  if (it != m.efficiency.end() && it->second > 0) return it->second;
  if (cls.rfind("int8_depthwise", 0) == 0) return KindEfficiency("int8_depthwise");
  return KindEfficiency(cls.rfind("depthwise", 0) == 0 ? "depthwise" : cls);
}

namespace {
bool IsInt8Kind(const std::string& kind) { return kind.rfind("int8_", 0) == 0; }
}  // namespace

WorkSplit SplitWork(const NodeCost& c, bool transcendentals_apart) {
  WorkSplit w;
  const bool int8 = IsInt8Kind(c.kind);
  const bool depthwise_node = c.kind == "depthwise" || c.kind == "int8_depthwise";
  w.depthwise_class = (int8 ? "int8_depthwise_" : "depthwise_") + c.depthwise_variant;
  w.main_class = depthwise_node ? w.depthwise_class : c.kind;
  w.depthwise = depthwise_node ? 0.0 : 2.0 * static_cast<double>(c.depthwise_macs);
  w.main = c.flops() + static_cast<double>(c.other_ops) - w.depthwise;
  if (transcendentals_apart) {
    w.transcendentals = static_cast<double>(c.transcendentals);
    w.main -= w.transcendentals;
  }
  return w;
}

double MemoryGbps(const NodeCost& c, const MachineModel& m, int threads) {
  threads = std::max(threads, 1);
  const double bytes = static_cast<double>(c.bytes());
  const bool fits_l2 = m.l2 > 0 && bytes <= static_cast<double>(m.l2) * threads;
  const double gbps = fits_l2 ? m.l2_gbps * threads : m.dram_gbps;
  for (int t = threads; t >= 1; --t) {
    const auto it = m.efficiency.find("bw_" + c.kind + (t > 1 ? "@" + std::to_string(t) : ""));
    if (it != m.efficiency.end() && it->second > 0) return gbps * it->second;
  }
  return gbps;
}

RooflinePrediction PredictNode(const NodeCost& c, const MachineModel& m, int threads) {
  RooflinePrediction p;
  threads = std::max(threads, 1);
  double peak_gflops = 0;
  if (IsInt8Kind(c.kind)) {
    // The int8 peak is measured on one thread; threads scale it as the FMA peak does.
    double scale = threads;
    if (m.fma_gflops.size() >= 2 && m.fma_gflops[0] > 0) {
      const size_t i = std::min(static_cast<size_t>(threads), m.fma_gflops.size()) - 1;
      scale = m.fma_gflops[i] / m.fma_gflops[0];
    }
    peak_gflops = m.Int8PeakGops() * scale;
  } else if (!m.fma_gflops.empty()) {
    const size_t i = std::min(static_cast<size_t>(threads), m.fma_gflops.size()) - 1;
    peak_gflops = m.fma_gflops[i];
  }
  if (peak_gflops > 0) {
    // GFLOP/s = 1e6 FLOP per ms.
    const double peak_per_ms = peak_gflops * 1e6;
    const WorkSplit w = SplitWork(c, m.transcendental_geps > 0);
    p.compute_ms = w.main / (peak_per_ms * ClassEfficiency(m, w.main_class, threads));
    if (w.depthwise > 0) {
      p.compute_ms +=
          w.depthwise / (peak_per_ms * ClassEfficiency(m, w.depthwise_class, threads));
    }
    if (w.transcendentals > 0) {
      p.compute_ms += w.transcendentals / (m.transcendental_geps * 1e6 * threads);
    }
  }

  const double gbps = MemoryGbps(c, m, threads);
  if (gbps > 0) p.memory_ms = static_cast<double>(c.bytes()) / (gbps * 1e6);

  p.compute_bound = p.compute_ms > p.memory_ms;
  p.predicted_ms = std::max(p.compute_ms, p.memory_ms);
  if (!m.step_overhead_ms.empty()) {
    p.predicted_ms +=
        m.step_overhead_ms[std::min(static_cast<size_t>(threads), m.step_overhead_ms.size()) - 1];
  }
  return p;
}

}  // namespace finch
