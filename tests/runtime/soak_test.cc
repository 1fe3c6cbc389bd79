// Soak: 10,000 inferences of a small conv net must not grow resident memory.
//
// After a warm-up of 100 runs (which builds the plan, allocates the pooled arena and lets
// malloc settle on the sizes a run asks for), the resident set is read from /proc/self/statm;
// 10,000 more runs later it is read again and must have grown by less than 1 MiB. Why 1 MiB:
// in steady state a run allocates only its outputs (freed by the caller) and reuses the arena,
// so nothing should stay behind; a leak of as little as ~105 bytes per run adds up to 1 MiB
// over 10,000 runs and fails the test, while the bound leaves room for malloc's bookkeeping
// and page-granular noise (a few 4 KiB pages).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>

#include "runtime/session.h"
#include "tests/util/graph_builder.h"
#include "tests/util/test_util.h"

namespace finch {
namespace {

constexpr int kWarmup = 100;
constexpr int kRuns = 10000;
constexpr long kMaxGrowthBytes = 1 << 20;

// Resident set size in bytes (the second field of /proc/self/statm, in pages); -1 if unknown.
long ResidentBytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return -1;
  long size = 0, resident = -1;
  if (std::fscanf(f, "%ld %ld", &size, &resident) != 2) resident = -1;
  std::fclose(f);
  return resident < 0 ? -1 : resident * sysconf(_SC_PAGESIZE);
}

// x[1,3,16,16] -> Conv3x3(3->8) -> Relu -> Conv3x3(8->8) -> Relu -> GlobalAveragePool -> y.
Graph SmallConvNet() {
  testing::GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1, 3, 16, 16});
  ValueId h = b.Op("Relu", "relu1", {b.Conv3x3(x, "conv1", 3, 8, 1)});
  h = b.Op("Relu", "relu2", {b.Conv3x3(h, "conv2", 8, 8, 3)});
  b.Output(b.Op("GlobalAveragePool", "pool", {h}));
  return b.g;
}

TEST(Soak, TenThousandRunsDoNotGrowResidentMemory) {
  if (ResidentBytes() < 0) GTEST_SKIP() << "/proc/self/statm is not readable here";
  auto session = Session::Create(SmallConvNet(), SessionOptions{1});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  const std::vector<Tensor> inputs = {testing::RandomTensor({1, 3, 16, 16}, 7)};
  std::vector<Tensor> first;
  for (int i = 0; i < kWarmup; ++i) {
    auto out = (*session)->Run(inputs);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    if (i == 0) first = std::move(out).value();
  }
  const long before = ResidentBytes();
  for (int i = 0; i < kRuns; ++i) {
    auto out = (*session)->Run(inputs);
    ASSERT_TRUE(out.ok()) << "run " << i << ": " << out.status().ToString();
    if (i % 1000 == 0) {  // the same answer throughout, too
      ASSERT_EQ(testing::ToFloats((*out)[0]), testing::ToFloats(first[0])) << "run " << i;
    }
  }
  const long after = ResidentBytes();
#if defined(__SANITIZE_ADDRESS__)
  // ASan's quarantine keeps freed blocks resident for a while: the growth check means nothing
  // there (the runs above still check the answers; LeakSanitizer checks for leaks at exit).
  GTEST_SKIP() << "resident-memory growth is not measurable under AddressSanitizer";
#endif
  EXPECT_LT(after - before, kMaxGrowthBytes)
      << "resident memory grew from " << before << " to " << after << " bytes over " << kRuns
      << " runs";
}

}  // namespace
}  // namespace finch
