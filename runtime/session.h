// Session: the public API. Load a model, feed inputs, get outputs.
//
//   auto session = finch::Session::Load("mobilenet_v2.onnx");
//   if (!session.ok()) { ... session.status().ToString() ... }
//   auto outputs = (*session)->Run({input});
//
// A session builds a plan per distinct set of input shapes (a symbolic batch dimension is
// resolved from the fed input) and caches it. Run() is thread-safe: concurrent runs share the
// plans and constants and keep their activations apart.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/passes/pipeline.h"
#include "graph/status.h"
#include "runtime/plan.h"

namespace finch {

class ThreadPool;

struct SessionOptions {
  int threads = 0;      // intra-op threads; 0 = physical cores
  bool optimize = true; // run the pass pipeline (graph/passes/pipeline.cc) at creation
  // Run the lowering passes (graph/passes/layout.h: the channels-last layout) at creation,
  // after the pipeline; independent of `optimize`.
  bool lower = true;
  std::set<std::string> disabled_passes;  // pass names to skip (optimization or lowering)
  // Memory budget in bytes; 0 = unlimited. Checked when a plan is built (Session::Create
  // builds the one for the declared input shapes): the constants (initializers and folded
  // values) + one run's activation arena + the graph outputs of static shape must fit, else
  // ResourceExhausted naming the numbers, and a folded value is refused before it is allocated
  // (in the fold-constants pass too). Outputs of dynamic steps (shapes known only at run time)
  // cannot be counted then: a run checks each when it allocates it, together with the plan's
  // estimate. Not counted: the caller's input tensors, the graph and its import, and the
  // extra arenas of concurrent runs (each concurrent run takes its own arena).
  size_t memory_limit_bytes = 0;
};

// What a run can report besides its outputs (for `finch compare` and profiling).
struct RunProfile {
  struct Step {
    std::string node, op_type, kernel;
    // With RunOptions::time_steps: when the step's kernel started, in ms since Run was called,
    // and how long it ran (one steady clock). Steps run one after another, so
    // start_ms[i + 1] ≥ start_ms[i] + ms[i]; the gap is the run's bookkeeping between kernels.
    double start_ms = 0;
    double ms = 0;
    // With RunOptions::count_macs (kernels/common/mac_counter.h): the multiply-adds the step's
    // kernels executed, and the multiply-adds by zero padding they skipped, which the cost
    // model's convention counts (graph/cost/cost_model.h): macs + padding_macs compares with
    // the analytic MACs.
    int64_t macs = 0;
    int64_t padding_macs = 0;
  };
  std::vector<Step> steps;                // one per kernel run, in order
  std::map<std::string, Tensor> fetched;  // the values asked for by name
};

struct RunOptions {
  std::vector<std::string> fetch;  // value names to return in RunProfile::fetched
  bool time_steps = false;         // fill RunProfile::steps[i].start_ms and .ms
  // Fill RunProfile::steps[i].macs and .padding_macs. The kernels' counter is process-wide: a
  // counted run must not overlap other runs in the process (they would add to its counts);
  // counted runs wait for each other. Costs one integer add per kernel tile.
  bool count_macs = false;
};

class Session {
 public:
  static StatusOr<std::unique_ptr<Session>> Load(const std::string& path,
                                                 const SessionOptions& options = {});
  // Checks every op is supported and builds the plan for the declared input shapes (symbolic
  // dimensions taken as 1), so that errors surface here rather than at the first run.
  static StatusOr<std::unique_ptr<Session>> Create(Graph graph, const SessionOptions& options = {});
  ~Session();

  // Inputs in graph-input order. Fails, naming the input, on a wrong count, type or shape.
  StatusOr<std::vector<Tensor>> Run(const std::vector<Tensor>& inputs) const;
  // The same, also filling `profile` (when not null) as `options` ask. A fetched name that is
  // not a value of the graph is an error; one that was folded into a constant is returned too.
  StatusOr<std::vector<Tensor>> Run(const std::vector<Tensor>& inputs, const RunOptions& options,
                                    RunProfile* profile) const;

  // The graph the session runs (after the pass pipeline when options.optimize).
  const Graph& graph() const { return graph_; }
  // What each pass did (empty when options.optimize is false).
  const std::vector<PassRecord>& pass_records() const { return pass_records_; }
  const std::vector<std::string>& input_names() const { return input_names_; }
  const std::vector<std::string>& output_names() const { return output_names_; }
  // The declared type of input i (dims may be symbolic).
  const TensorType& input_type(size_t i) const { return graph_.values[graph_.inputs[i]].type; }
  // The concrete shape of input i with symbolic/unknown dims replaced by `fill`.
  Shape DefaultInputShape(size_t i, int64_t fill = 1) const;
  int threads() const;
  // The plan for these input shapes (built on first use).
  StatusOr<const Plan*> PlanFor(const std::vector<Shape>& input_shapes) const;

 private:
  Session(Graph graph, const SessionOptions& options);
  Status CheckInputs(const std::vector<Tensor>& inputs) const;

  Graph graph_;
  SessionOptions options_;
  std::vector<PassRecord> pass_records_;
  std::unique_ptr<ThreadPool> pool_;
  std::vector<std::string> input_names_, output_names_;
  // The plan for these inputs' shapes: the last run's when they match (no key to build).
  StatusOr<const Plan*> PlanForInputs(const std::vector<Tensor>& inputs) const;

  mutable std::atomic<const Plan*> last_plan_{nullptr};
  mutable std::mutex plans_mutex_;
  mutable std::map<std::vector<Shape>, std::unique_ptr<Plan>> plans_;
};

}  // namespace finch
