// Issue 5's validation of the cost model against what runs: every shared model
// (../shared/models/*) is run with the kernels' multiply-add counter on
// (RunOptions::count_macs, kernels/common/mac_counter.h), optimized (the pass pipeline and the
// channels-last lowering) and unoptimized (lowering only), and every step is checked against the
// analytic MACs of graph/cost/cost_model.h (tests/runtime/mac_count_check.h says how):
//
//   executed + skipped padding taps == analytic, for every Conv / Gemm / MatMul / fused node;
//   the skipped padding taps == those counted here by brute force, for the kernels that skip
//   them (the depthwise kernels, inside the fused inverted-residual block too); 0 elsewhere.
//
// Conventions that differ, and why the test accepts them:
//   - Padding taps. The cost model counts k·k taps for every output (the papers' and
//     torchvision's convention); the depthwise kernels skip the taps that fall on the zero
//     padding — work that is not done, so the counter reports it apart rather than as executed.
//     MobileNetV2 executes 299,740,720 of its 300,774,272 MACs and skips 1,033,552 padding taps.
//   - On two threads the banded fused inverted-residual kernel expands the k − stride input rows
//     that two threads' bands share in both threads: extra work the kernel really does, checked
//     to be whole expanded rows, at most k − stride per thread boundary.
// The totals on one thread are the known facts: MobileNetV2 300,774,272 MACs, EfficientNet-B0
// 385,814,752 (also their _bn exports, whose BatchNormalization has no MACs). Skips with a
// message when ../shared is absent.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <ostream>
#include <string>

#include "tests/runtime/mac_count_check.h"
#include "tests/util/test_util.h"

namespace finch::testing {
namespace {

// Known totals by model folder prefix (issue 5).
const std::map<std::string, int64_t> kKnownMacs = {
    {"mobilenet_v2", 300774272},
    {"efficientnet_b0", 385814752},
};

struct Mode {
  const char* name;
  bool optimize;
  int threads;
};

void PrintTo(const Mode& m, std::ostream* os) { *os << m.name; }

class SharedModelMacs : public ::testing::TestWithParam<Mode> {};

TEST_P(SharedModelMacs, CountedMacsMatchTheCostModel) {
  const std::string shared = SharedDir();
  if (shared.empty()) GTEST_SKIP() << "../shared is absent (a plain clone): skipping model checks";
  const Mode& mode = GetParam();
  int models = 0;
  for (const std::string& dir : ListDirs(shared + "/models")) {
    const std::string path = shared + "/models/" + dir + "/model.onnx";
    SessionOptions options;
    options.threads = mode.threads;
    options.optimize = mode.optimize;
    auto session = Session::Load(path, options);
    ASSERT_TRUE(session.ok()) << dir << ": " << session.status().ToString();
    ++models;
    std::vector<Tensor> inputs;
    for (size_t i = 0; i < (*session)->input_names().size(); ++i) {
      auto t = Tensor::Allocate((*session)->input_type(i).dtype, (*session)->DefaultInputShape(i));
      ASSERT_TRUE(t.ok()) << t.status().ToString();
      std::fill(t->mutable_data<float>(), t->mutable_data<float>() + t->num_elements(), 0.5f);
      inputs.push_back(std::move(*t));
    }
    const std::string what = dir + " " + mode.name;
    const MacTotals t = CheckCountedRun(**session, inputs, what);
    std::printf(
        "%-28s %-14s analytic %13lld  executed %13lld  + padding skipped %10lld  "
        "recomputed %9lld  (%d compute steps)\n",
        dir.c_str(), mode.name, static_cast<long long>(t.analytic),
        static_cast<long long>(t.executed), static_cast<long long>(t.padding),
        static_cast<long long>(t.recompute), t.compute_steps);
    EXPECT_GT(t.compute_steps, 0) << what;
    EXPECT_EQ(t.executed + t.padding - t.recompute, t.analytic) << what;
    if (mode.threads == 1) {
      EXPECT_EQ(t.recompute, 0) << what;
    }
    for (const auto& [prefix, macs] : kKnownMacs) {
      if (dir.rfind(prefix, 0) != 0) continue;
      EXPECT_EQ(t.analytic, macs) << what;
      if (mode.threads == 1) {
        EXPECT_EQ(t.executed + t.padding, macs) << what;
      }
    }
  }
  EXPECT_GT(models, 0) << "no model folders under " << shared << "/models";
}

INSTANTIATE_TEST_SUITE_P(Modes, SharedModelMacs,
                         ::testing::Values(Mode{"optimized", true, 1},
                                           Mode{"unoptimized", false, 1},
                                           Mode{"optimized_2t", true, 2}),
                         [](const ::testing::TestParamInfo<Mode>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace finch::testing
