// The roofline predictor against a fixed machine, numbers worked by hand.
#include "runtime/roofline.h"

#include <gtest/gtest.h>

namespace finch {
namespace {

// 100 GFLOP/s on one thread, 200 on two; DRAM 20 GB/s, L2 100 GB/s per thread, 1 MiB L2.
MachineModel Machine() {
  MachineModel m;
  m.fma_gflops = {100, 200};
  m.dram_gbps = 20;
  m.l2_gbps = 100;
  m.l2 = 1 << 20;
  return m;
}

TEST(Roofline, ComputeBoundConv) {
  NodeCost c;
  c.kind = "conv";
  c.macs = 100000000;     // 2e8 FLOPs
  c.other_ops = 1000000;  // + 1e6 = 2.01e8
  c.weight_bytes = 100000;
  c.input_bytes = 400000;
  c.output_bytes = 400000;  // 9e5 bytes: fits the 1 MiB L2
  RooflinePrediction p = PredictNode(c, Machine(), 1);
  EXPECT_NEAR(p.compute_ms, 2.01e8 / (100 * 0.85 * 1e6), 1e-9);  // 2.3647 ms
  EXPECT_NEAR(p.memory_ms, 9e5 / (100 * 1e6), 1e-12);            // 0.009 ms at L2 speed
  EXPECT_TRUE(p.compute_bound);
  EXPECT_DOUBLE_EQ(p.predicted_ms, p.compute_ms);

  p = PredictNode(c, Machine(), 2);                              // twice the peak, two L2s
  EXPECT_NEAR(p.compute_ms, 2.01e8 / (200 * 0.85 * 1e6), 1e-9);  // 1.1824 ms
  EXPECT_NEAR(p.memory_ms, 9e5 / (200 * 1e6), 1e-12);
  // More threads than were measured: the largest measured count.
  EXPECT_NEAR(PredictNode(c, Machine(), 8).compute_ms, 2.01e8 / (200 * 0.85 * 1e6), 1e-9);
  // Threads < 1 count as 1.
  EXPECT_NEAR(PredictNode(c, Machine(), 0).compute_ms, 2.01e8 / (100 * 0.85 * 1e6), 1e-9);
}

TEST(Roofline, MemoryBoundElementwise) {
  NodeCost c;
  c.kind = "elementwise";  // an Add of two 1M-element float tensors
  c.other_ops = 1000000;
  c.input_bytes = 8000000;
  c.output_bytes = 4000000;  // 1.2e7 bytes: far beyond L2, streams from DRAM
  const RooflinePrediction p = PredictNode(c, Machine(), 1);
  EXPECT_NEAR(p.compute_ms, 1e6 / (100 * 0.5 * 1e6), 1e-12);  // 0.02 ms
  EXPECT_NEAR(p.memory_ms, 1.2e7 / (20 * 1e6), 1e-12);        // 0.6 ms
  EXPECT_FALSE(p.compute_bound);
  EXPECT_DOUBLE_EQ(p.predicted_ms, 0.6);
  // Two threads: 2 MiB of L2 still too small; DRAM is one stream's rate.
  EXPECT_NEAR(PredictNode(c, Machine(), 2).memory_ms, 0.6, 1e-12);
}

TEST(Roofline, L2FitDependsOnThreads) {
  NodeCost c;
  c.kind = "pool";
  c.input_bytes = 1200000;
  c.output_bytes = 300000;  // 1.5e6 bytes: over one L2 (1,048,576), within two
  EXPECT_NEAR(PredictNode(c, Machine(), 1).memory_ms, 1.5e6 / (20 * 1e6), 1e-12);   // DRAM
  EXPECT_NEAR(PredictNode(c, Machine(), 2).memory_ms, 1.5e6 / (200 * 1e6), 1e-12);  // 2 × L2
}

TEST(Roofline, Efficiencies) {
  EXPECT_DOUBLE_EQ(KindEfficiency("pointwise"), 0.85);
  EXPECT_DOUBLE_EQ(KindEfficiency("depthwise"), 0.45);
  EXPECT_DOUBLE_EQ(KindEfficiency("inverted_residual"), 0.75);
  EXPECT_DOUBLE_EQ(KindEfficiency("data"), 0.5);
  // An empty machine model predicts nothing rather than dividing by zero.
  NodeCost c;
  c.kind = "conv";
  c.macs = 10;
  c.input_bytes = 10;
  const RooflinePrediction p = PredictNode(c, MachineModel{}, 1);
  EXPECT_EQ(p.predicted_ms, 0);
}

// A calibrated machine: each part of a fused block at its own class's efficiency, the
// transcendentals at the measured rate.
TEST(Roofline, CalibratedParts) {
  MachineModel m = Machine();
  m.efficiency = {{"inverted_residual", 0.8}, {"depthwise_k5s2", 0.4}};
  m.transcendental_geps = 2;  // 2e6 elements per ms per thread
  NodeCost c;
  c.kind = "inverted_residual";
  c.macs = 50000000;            // 1e8 FLOPs, of which
  c.depthwise_macs = 10000000;  // 2e7 depthwise
  c.depthwise_variant = "k5s2";
  c.other_ops = 3000000;        // of which 1e6 are SiLU
  c.transcendentals = 1000000;
  c.input_bytes = 1000;
  WorkSplit w = SplitWork(c, true);
  EXPECT_DOUBLE_EQ(w.main, 1e8 - 2e7 + 3e6 - 1e6);  // 8.2e7
  EXPECT_DOUBLE_EQ(w.depthwise, 2e7);
  EXPECT_DOUBLE_EQ(w.transcendentals, 1e6);
  EXPECT_EQ(w.main_class, "inverted_residual");
  EXPECT_EQ(w.depthwise_class, "depthwise_k5s2");
  RooflinePrediction p = PredictNode(c, m, 1);
  // 8.2e7 / (1e8 · 0.8) + 2e7 / (1e8 · 0.4) + 1e6 / 2e6 = 1.025 + 0.5 + 0.5 ms
  EXPECT_NEAR(p.compute_ms, 2.025, 1e-12);
  // Two threads: twice the peak and two epilogue streams.
  EXPECT_NEAR(PredictNode(c, m, 2).compute_ms, 2.025 / 2, 1e-12);

  // A depthwise node is priced whole at its variant; an uncalibrated variant falls back to the
  // first estimate of "depthwise" (0.45), and with no rate the SiLU counts as one FLOP each.
  NodeCost dw;
  dw.kind = "depthwise";
  dw.macs = dw.depthwise_macs = 5000000;  // 1e7 FLOPs
  dw.depthwise_variant = "k5s2";
  dw.other_ops = 1000000;
  EXPECT_NEAR(PredictNode(dw, m, 1).compute_ms, 1.1e7 / (1e8 * 0.4), 1e-12);
  dw.depthwise_variant = "k7s1";
  EXPECT_NEAR(PredictNode(dw, m, 1).compute_ms, 1.1e7 / (1e8 * 0.45), 1e-12);
  m.transcendental_geps = 0;
  c.depthwise_variant = "k3s1";
  // (1e8 − 2e7 + 3e6) / (1e8 · 0.8) + 2e7 / (1e8 · 0.45)
  EXPECT_NEAR(PredictNode(c, m, 1).compute_ms, 8.3e7 / 8e7 + 2e7 / 4.5e7, 1e-12);
}


// The int8 kinds run at the int8 peak: VNNI's when measured, else the AVX2 idiom's, scaled to
// more threads as the FMA peak scales (200/100 here).
TEST(Roofline, Int8KindsUseTheInt8Peak) {
  MachineModel m = Machine();
  m.int8_gops = 200;  // GOP/s
  NodeCost c;
  c.kind = "int8_pointwise";
  c.macs = 50000000;  // 1e8 ops
  c.input_bytes = 1000;
  EXPECT_NEAR(PredictNode(c, m, 1).compute_ms, 1e8 / (200 * 0.5 * 1e6), 1e-9);  // 1 ms
  m.int8_vnni_gops = 400;
  EXPECT_NEAR(PredictNode(c, m, 1).compute_ms, 1e8 / (400 * 0.5 * 1e6), 1e-9);
  EXPECT_NEAR(PredictNode(c, m, 2).compute_ms, 1e8 / (800 * 0.5 * 1e6), 1e-9);
  m.efficiency["int8_pointwise"] = 0.8;  // calibrated
  EXPECT_NEAR(PredictNode(c, m, 1).compute_ms, 1e8 / (400 * 0.8 * 1e6), 1e-9);
  // An int8 depthwise node prices at its variant's class, else the int8 depthwise estimate.
  c.kind = "int8_depthwise";
  c.depthwise_macs = c.macs;
  c.depthwise_variant = "k3s1";
  EXPECT_NEAR(PredictNode(c, m, 1).compute_ms, 1e8 / (400 * 0.3 * 1e6), 1e-9);
  m.efficiency["int8_depthwise_k3s1"] = 0.25;
  EXPECT_NEAR(PredictNode(c, m, 1).compute_ms, 1e8 / (400 * 0.25 * 1e6), 1e-9);
}


// Memory-bound kinds move their bytes at the calibrated fraction of the roof ("bw_<kind>", per
// thread count), and every node pays the machine's measured step overhead.
TEST(Roofline, BandwidthClassesAndStepOverhead) {
  MachineModel m = Machine();
  NodeCost c;
  c.kind = "data";
  c.input_bytes = c.output_bytes = 500000;  // 1e6 bytes: fits the L2
  EXPECT_NEAR(PredictNode(c, m, 1).memory_ms, 1e6 / (100 * 1e6), 1e-12);  // 0.01 ms
  m.efficiency["bw_data"] = 0.5;
  EXPECT_NEAR(PredictNode(c, m, 1).memory_ms, 1e6 / (50 * 1e6), 1e-12);
  EXPECT_NEAR(PredictNode(c, m, 2).memory_ms, 1e6 / (100 * 1e6), 1e-12);  // 1-thread fraction
  m.efficiency["bw_data@2"] = 0.25;
  EXPECT_NEAR(PredictNode(c, m, 2).memory_ms, 1e6 / (50 * 1e6), 1e-12);
  EXPECT_NEAR(PredictNode(c, m, 2).predicted_ms, 0.02, 1e-12);
  m.step_overhead_ms = {0.003, 0.005};
  EXPECT_NEAR(PredictNode(c, m, 1).predicted_ms, 0.02 + 0.003, 1e-12);
  EXPECT_NEAR(PredictNode(c, m, 2).predicted_ms, 0.02 + 0.005, 1e-12);
  // 4 threads: four L2s (400 GB/s) at the 2-thread fraction, the 2-thread overhead (the largest
  // measured thread count in both).
  EXPECT_NEAR(PredictNode(c, m, 4).predicted_ms, 1e6 / (400 * 0.25 * 1e6) + 0.005, 1e-12);
}

}  // namespace
}  // namespace finch
