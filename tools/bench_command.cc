// finch bench MODEL [--threads N] [--warmup N] [--iters N] [--no-opt] [--disable-pass NAME ...]
//                   [--input FILE.pb ...] [--json]
//
// Latency of whole-model runs: --warmup untimed runs (the first one builds the plan), then --iters
// timed runs on the same inputs, each timed alone with steady_clock. With --json, stdout carries
// exactly one JSON object (bench/compare_ort.sh parses it); everything human goes to stderr.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "runtime/cpu_features.h"
#include "runtime/json.h"
#include "runtime/session.h"
#include "tools/cli_util.h"
#include "tools/commands.h"

namespace finch::cli {
namespace {

constexpr char kUsage[] =
    "usage: finch bench MODEL [--threads N] [--warmup N] [--iters N] [--no-opt] "
    "[--disable-pass NAME ...] [--input FILE.pb ...] [--json]";

struct Stats {
  double min = 0, median = 0, p90 = 0, max = 0, mean = 0, stddev = 0;
};

// `samples` must be non-empty. The median of an even count is the mean of the two middle values.
// p90 is the sample at index floor(0.9 * (n - 1)) of the sorted samples (no interpolation), so
// with 10 samples it is the 9th smallest and with 1 sample the sample itself.
Stats Summarize(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  Stats s;
  s.min = samples.front();
  s.max = samples.back();
  s.median = n % 2 ? samples[n / 2] : 0.5 * (samples[n / 2 - 1] + samples[n / 2]);
  s.p90 = samples[static_cast<size_t>(std::floor(0.9 * static_cast<double>(n - 1)))];
  s.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(n);
  // Sample standard deviation (n - 1); 0 for a single run.
  double ss = 0;
  for (double x : samples) ss += (x - s.mean) * (x - s.mean);
  s.stddev = n > 1 ? std::sqrt(ss / static_cast<double>(n - 1)) : 0.0;
  return s;
}

// LoadOrMakeInputs reports its random inputs on stdout; in JSON mode send that to stderr so that
// stdout stays one JSON object.
StatusOr<std::vector<Tensor>> LoadInputsQuietly(const Session& session,
                                                const std::vector<std::string>& files,
                                                bool to_stderr) {
  if (!to_stderr) return LoadOrMakeInputs(session, files);
  std::fflush(stdout);
  const int saved = dup(STDOUT_FILENO);
  if (saved < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    if (saved >= 0) close(saved);
    return IoError("cannot redirect stdout");
  }
  StatusOr<std::vector<Tensor>> inputs = LoadOrMakeInputs(session, files);
  std::fflush(stdout);
  dup2(saved, STDOUT_FILENO);
  close(saved);
  return inputs;
}

}  // namespace

Status BenchCommand(Args& args) {
  if (args.positional().size() != 1) return InvalidArgument(kUsage);
  const std::string model = args.positional()[0];
  FINCH_ASSIGN_OR_RETURN(int64_t threads, args.GetInt("threads", 0));
  FINCH_ASSIGN_OR_RETURN(int64_t warmup, args.GetInt("warmup", 5));
  FINCH_ASSIGN_OR_RETURN(int64_t iters, args.GetInt("iters", 50));
  const bool no_opt = args.Has("no-opt");
  const bool json = args.Has("json");
  const std::vector<std::string> disabled = args.GetAll("disable-pass");
  const std::vector<std::string> input_files = args.GetAll("input");
  FINCH_RETURN_IF_ERROR(args.CheckAllUsed());
  if (threads < 0 || threads > 1024) {
    return InvalidArgument("--threads must be 0..1024 (0 = physical cores), got ", threads);
  }
  if (warmup < 0 || warmup > 1000000) {
    return InvalidArgument("--warmup must be 0..1000000, got ", warmup);
  }
  if (iters < 1 || iters > 10000000) {
    return InvalidArgument("--iters must be 1..10000000, got ", iters);
  }
  if (no_opt && !disabled.empty()) {
    return InvalidArgument("--disable-pass has no effect with --no-opt (no pass runs)");
  }
  FILE* human = json ? stderr : stdout;

  SessionOptions options;
  options.threads = static_cast<int>(threads);
  options.optimize = !no_opt;
  options.disabled_passes.insert(disabled.begin(), disabled.end());
  FINCH_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Session::Load(model, options));
  FINCH_ASSIGN_OR_RETURN(std::vector<Tensor> inputs,
                         LoadInputsQuietly(*session, input_files, json));

  using Clock = std::chrono::steady_clock;
  auto ms_since = [](Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
  };
  double first_ms = 0;
  for (int64_t i = 0; i < warmup; ++i) {
    const auto t = Clock::now();
    FINCH_RETURN_IF_ERROR(session->Run(inputs).status());
    if (i == 0) first_ms = ms_since(t);
  }
  std::vector<double> times;
  times.reserve(static_cast<size_t>(iters));
  for (int64_t i = 0; i < iters; ++i) {
    const auto t = Clock::now();
    FINCH_RETURN_IF_ERROR(session->Run(inputs).status());
    times.push_back(ms_since(t));
  }
  const Stats s = Summarize(times);

  std::vector<Shape> shapes;
  for (const Tensor& t : inputs) shapes.push_back(t.shape());
  FINCH_ASSIGN_OR_RETURN(const Plan* plan, session->PlanFor(shapes));
  std::map<std::string, int> kernel_counts;
  for (const PlanStep& step : plan->steps) ++kernel_counts[step.kernel->name()];
  const CpuFeatures& cpu = GetCpuFeatures();

  std::fprintf(human, "model: %s (%zu nodes%s)\n", model.c_str(), session->graph().nodes.size(),
               no_opt ? ", not optimized" : " after the pass pipeline");
  std::fprintf(human, "cpu: %s\n", cpu.Summary().c_str());
  if (!cpu.ignored_overrides.empty()) {
    std::fprintf(human, "warning: FINCH_DISABLE_ISA names unknown features:");
    for (const std::string& n : cpu.ignored_overrides) std::fprintf(human, " %s", n.c_str());
    std::fprintf(human, "\n");
  }
  std::fprintf(human, "kernels (%zu nodes run, %d folded at planning):", plan->steps.size(),
               plan->folded_nodes);
  for (const auto& [name, count] : kernel_counts) std::fprintf(human, " %s x%d", name.c_str(), count);
  std::fprintf(human, "\n");
  std::fprintf(human, "threads: %d; %lld warm-up run(s)", session->threads(),
               static_cast<long long>(warmup));
  if (warmup > 0) std::fprintf(human, " (first %.2f ms, includes planning)", first_ms);
  std::fprintf(human, "; %lld timed run(s)\n", static_cast<long long>(iters));
  std::fprintf(human,
               "latency ms: min %.3f  median %.3f  p90 %.3f  mean %.3f  stddev %.3f  max %.3f\n",
               s.min, s.median, s.p90, s.mean, s.stddev, s.max);

  if (json) {
    std::string disabled_json = "[";
    for (size_t i = 0; i < disabled.size(); ++i) {
      disabled_json += (i ? ", " : "") + JsonString(disabled[i]);
    }
    disabled_json += "]";
    std::printf(
        "{\"model\": %s, \"median_ms\": %.4f, \"min_ms\": %.4f, \"p90_ms\": %.4f, "
        "\"mean_ms\": %.4f, \"stddev_ms\": %.4f, \"max_ms\": %.4f, \"first_run_ms\": %.4f, "
        "\"threads\": %d, \"iters\": %lld, \"warmup\": %lld, \"optimized\": %s, "
        "\"disabled_passes\": %s, \"nodes_run\": %zu, \"folded\": %d, \"cpu\": %s}\n",
        JsonString(model).c_str(), s.median, s.min, s.p90, s.mean, s.stddev, s.max, first_ms,
        session->threads(), static_cast<long long>(iters), static_cast<long long>(warmup),
        no_opt ? "false" : "true", disabled_json.c_str(), plan->steps.size(), plan->folded_nodes,
        JsonString(cpu.Summary()).c_str());
  }
  return Status::Ok();
}

}  // namespace finch::cli
