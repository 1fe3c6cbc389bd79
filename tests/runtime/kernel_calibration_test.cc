// The kernel calibration runs every case through the real passes and dispatch: each case must
// produce the compute node it calibrates (a fusion that silently stopped happening would leave
// a class uncalibrated), and every efficiency must be a plausible fraction of the peak.
#include "runtime/kernel_calibration.h"

#include <gtest/gtest.h>

#include "kernels/machine/peak.h"
#include "runtime/cpu_features.h"

namespace finch {
namespace {

TEST(KernelCalibration, CalibratesEveryClass) {
  const CpuFeatures& f = GetCpuFeatures();
  if (!(f.avx2 && f.fma)) GTEST_SKIP() << "no AVX2/FMA: nothing to calibrate against";
  const double peak = kernels::measure_fma_peak_gflops(0.2, true);
  ASSERT_GT(peak, 0);
  StatusOr<KernelCalibration> c = CalibrateKernels(peak);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  // A structural note (a case that did not fuse or dispatch as expected) fails; a timing note
  // (sanitizers, a loaded machine) only skips the rate check below.
  bool timing_note = false;
  for (const std::string& note : c->notes) {
    if (note.rfind(kTimingNote, 0) == 0) {
      timing_note = true;
      continue;
    }
    ADD_FAILURE() << note;
  }
  for (const char* cls : {"pointwise", "conv", "matmul", "gemm", "depthwise_k3s1",
                          "depthwise_k3s2", "depthwise_k5s1", "depthwise_k5s2",
                          "inverted_residual"}) {
    ASSERT_EQ(c->efficiency.count(cls), 1u) << cls;
    // Not at a clamp: a real measurement landed strictly inside (0.02, 1.2).
    EXPECT_GT(c->efficiency.at(cls), 0.02) << cls;
    EXPECT_LT(c->efficiency.at(cls), 1.2) << cls;
  }
  if (!timing_note) {
    EXPECT_GT(c->transcendental_geps, 0);
  }
}

TEST(KernelCalibration, NoPeakNoEfficiencies) {
  StatusOr<KernelCalibration> c = CalibrateKernels(0);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->efficiency.empty());
  EXPECT_EQ(c->notes.size(), 1u);
}

}  // namespace
}  // namespace finch
