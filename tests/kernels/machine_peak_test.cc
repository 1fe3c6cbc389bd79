// The machine-peak measurements return plausible numbers (they are the denominators of the
// benchmarks' peak% / bw%).
#include <gtest/gtest.h>

#include "kernels/machine/peak.h"
#include "runtime/cpu_features.h"

namespace finch::kernels {
namespace {

TEST(MachinePeak, FmaPeakIsPlausible) {
  const CpuFeatures& f = GetCpuFeatures();
  const double gflops = measure_fma_peak_gflops(0.1, f.avx2 && f.fma);
  if (!(f.avx2 && f.fma)) {
    EXPECT_EQ(gflops, 0);
    GTEST_SKIP() << "CPU lacks avx2/fma: " << f.Summary();
  }
  // At most 2 ports × 16 FLOPs... with headroom: 64 FLOP/cycle at 5 GHz.
  EXPECT_GT(gflops, 1.0);
  EXPECT_LT(gflops, 64.0 * 5.0);
  EXPECT_EQ(measure_fma_peak_gflops(0.1, false), 0);
}

TEST(MachinePeak, MemoryBandwidthIsPlausible) {
  const CpuFeatures& f = GetCpuFeatures();
  const double gbps = measure_memory_bandwidth_gbps(0.05, f.avx2);
  EXPECT_GT(gbps, 0.1);
  EXPECT_LT(gbps, 1000.0);
}

}  // namespace
}  // namespace finch::kernels
