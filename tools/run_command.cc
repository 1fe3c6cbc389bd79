// finch run MODEL [--input FILE.pb ...] [--output-dir DIR] [--threads N] [--iters N] [--labels FILE]
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <numeric>

#include "graph/onnx/tensor_proto.h"
#include "runtime/session.h"
#include "tools/cli_util.h"
#include "tools/commands.h"

namespace finch::cli {
namespace {

std::vector<std::string> ReadLabels(const std::string& path) {
  // One label per line, or "index<TAB>wnid<TAB>name" (shared/imagenet-sample/classes.tsv).
  std::vector<std::string> labels;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const size_t tab = line.rfind('\t');
    labels.push_back(tab == std::string::npos ? line : line.substr(tab + 1));
  }
  return labels;
}

void PrintTop5(const Tensor& out, const std::vector<std::string>& labels) {
  const int64_t rows = out.dim(0), cols = out.dim(1);
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<int64_t> idx(cols);
    std::iota(idx.begin(), idx.end(), 0);
    const float* row = out.data<float>() + r * cols;
    const int64_t k = std::min<int64_t>(5, cols);
    std::partial_sort(idx.begin(), idx.begin() + k, idx.end(),
                      [&](int64_t a, int64_t b) { return row[a] > row[b]; });
    std::printf("  row %lld top-%lld:", static_cast<long long>(r), static_cast<long long>(k));
    for (int64_t i = 0; i < k; ++i) {
      std::printf("  %lld (%.4f)", static_cast<long long>(idx[i]), row[idx[i]]);
      if (idx[i] < static_cast<int64_t>(labels.size())) std::printf(" %s", labels[idx[i]].c_str());
    }
    std::printf("\n");
  }
}

}  // namespace

Status RunCommand(Args& args) {
  if (args.positional().size() != 1) {
    return InvalidArgument("usage: finch run MODEL [--input FILE.pb ...] [--output-dir DIR] "
                           "[--threads N] [--iters N] [--labels FILE]");
  }
  const std::string model = args.positional()[0];
  const std::vector<std::string> input_files = args.GetAll("input");
  const std::string out_dir = args.Get("output-dir");
  const std::string labels_file = args.Get("labels");
  FINCH_ASSIGN_OR_RETURN(int64_t threads, args.GetInt("threads", 0));
  FINCH_ASSIGN_OR_RETURN(int64_t iters, args.GetInt("iters", 10));
  const bool no_opt = args.Has("no-opt");
  const std::vector<std::string> disabled = args.GetAll("disable-pass");
  FINCH_RETURN_IF_ERROR(args.CheckAllUsed());
  if (threads < 0 || threads > 1024) return InvalidArgument("--threads must be 0..1024");
  if (iters < 1) return InvalidArgument("--iters must be at least 1");

  SessionOptions options;
  options.threads = static_cast<int>(threads);
  options.optimize = !no_opt;
  options.disabled_passes.insert(disabled.begin(), disabled.end());
  FINCH_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Session::Load(model, options));

  FINCH_ASSIGN_OR_RETURN(std::vector<Tensor> inputs, LoadOrMakeInputs(*session, input_files));

  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  FINCH_ASSIGN_OR_RETURN(std::vector<Tensor> outputs, session->Run(inputs));
  const double first_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  std::vector<double> times;
  for (int64_t i = 0; i < iters; ++i) {
    const auto s = Clock::now();
    FINCH_ASSIGN_OR_RETURN(outputs, session->Run(inputs));
    times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - s).count());
  }
  std::sort(times.begin(), times.end());

  const std::vector<std::string> labels = labels_file.empty() ? std::vector<std::string>()
                                                              : ReadLabels(labels_file);
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    std::printf("output \"%s\": %s%s\n", session->output_names()[i].c_str(),
                DataTypeName(out.dtype()), ShapeToString(out.shape()).c_str());
    if (out.rank() == 2 && out.dtype() == DataType::kFloat32 && out.dim(1) > 1) {
      PrintTop5(out, labels);
    }
    if (!out_dir.empty()) {
      mkdir(out_dir.c_str(), 0755);
      FINCH_RETURN_IF_ERROR(
          WriteTensorFile(out, session->output_names()[i], StrCat(out_dir, "/output_", i, ".pb")));
    }
  }
  std::printf("latency: first run %.2f ms (includes planning); then %lld runs: median %.2f ms, "
              "min %.2f ms (%d thread%s)\n",
              first_ms, static_cast<long long>(iters), times[times.size() / 2], times.front(),
              session->threads(), session->threads() == 1 ? "" : "s");
  std::vector<Shape> shapes;
  for (const Tensor& t : inputs) shapes.push_back(t.shape());
  FINCH_ASSIGN_OR_RETURN(const Plan* plan, session->PlanFor(shapes));
  std::map<std::string, int> kernel_counts;
  for (const PlanStep& step : plan->steps) ++kernel_counts[step.kernel->name()];
  std::printf("kernels (%zu nodes run, %d folded at planning):", plan->steps.size(),
              plan->folded_nodes);
  for (const auto& [name, count] : kernel_counts) std::printf(" %s x%d", name.c_str(), count);
  std::printf("\n");
  std::printf("activation memory: arena %.2f MiB (lower bound %.2f MiB; %.2f MiB without reuse)\n",
              plan->memory.arena_bytes / 1048576.0, plan->memory.lower_bound / 1048576.0,
              plan->memory.total_bytes / 1048576.0);
  if (!out_dir.empty()) std::printf("wrote %zu output(s) to %s/\n", outputs.size(), out_dir.c_str());
  return Status::Ok();
}

}  // namespace finch::cli
