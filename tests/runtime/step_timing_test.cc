// RunProfile's step times (RunOptions::time_steps): each step's start, in ms since Run was
// called, and its duration, on one steady clock. Steps run one after another, so the starts
// never decrease and no step begins before the previous one ended; every step ends within the
// run's wall time. The tolerance (1 ns) covers only the rounding of the ms doubles.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "graph/zoo/mobilenetv2.h"
#include "runtime/session.h"

namespace finch {
namespace {

constexpr double kEpsilonMs = 1e-6;

void CheckSteps(const RunProfile& profile, double wall_ms, const std::string& what) {
  ASSERT_FALSE(profile.steps.empty()) << what;
  double busy = 0;
  for (size_t i = 0; i < profile.steps.size(); ++i) {
    const RunProfile::Step& s = profile.steps[i];
    const std::string where = what + ", step " + std::to_string(i) + " \"" + s.node + "\"";
    EXPECT_GE(s.start_ms, 0.0) << where;
    EXPECT_GE(s.ms, 0.0) << where;
    EXPECT_LE(s.start_ms + s.ms, wall_ms + kEpsilonMs) << where << " ends after the run";
    busy += s.ms;
    if (i == 0) continue;
    const RunProfile::Step& prev = profile.steps[i - 1];
    EXPECT_GE(s.start_ms, prev.start_ms) << where;
    EXPECT_GE(s.start_ms, prev.start_ms + prev.ms - kEpsilonMs)
        << where << " starts before \"" << prev.node << "\" ended (" << prev.start_ms << " + "
        << prev.ms << " ms)";
  }
  EXPECT_LE(busy, wall_ms + kEpsilonMs) << what;
}

class SessionStepTiming : public ::testing::TestWithParam<int> {};

TEST_P(SessionStepTiming, StartsAreOrderedAndStepsDoNotOverlap) {
  zoo::MobileNetV2Options o;
  o.width = 0.35;
  o.resolution = 64;
  auto graph = zoo::MakeMobileNetV2(o);
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  SessionOptions options;
  options.threads = GetParam();
  auto session = Session::Create(*graph, options);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  Tensor x = *Tensor::Allocate(DataType::kFloat32, {1, 3, 64, 64});
  for (int64_t i = 0; i < x.num_elements(); ++i) x.mutable_data<float>()[i] = (i % 5) * 0.1f;

  RunOptions timed;
  timed.time_steps = true;
  for (int run = 0; run < 3; ++run) {  // the first run builds the run state; later ones reuse it
    RunProfile profile;
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE((*session)->Run({x}, timed, &profile).ok());
    const double wall_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    CheckSteps(profile, wall_ms, "run " + std::to_string(run));
  }

  // Untimed: no times reported.
  RunProfile untimed;
  ASSERT_TRUE((*session)->Run({x}, RunOptions{}, &untimed).ok());
  for (const RunProfile::Step& s : untimed.steps) {
    EXPECT_EQ(s.start_ms, 0.0) << s.node;
    EXPECT_EQ(s.ms, 0.0) << s.node;
  }
}

INSTANTIATE_TEST_SUITE_P(SessionThreads, SessionStepTiming, ::testing::Values(1, 2));

}  // namespace
}  // namespace finch
