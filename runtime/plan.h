// Plan: a graph specialised to concrete input shapes, with one kernel chosen per node.
//
// Building a plan walks the nodes in order: infers each node's output types from its inputs
// (whose shapes are now static), folds every node whose inputs are all known (this is where
// the Shape -> Gather -> Concat -> Reshape subgraphs of torch exports disappear), and asks the
// node's kernel factory for a kernel. A node whose output shape depends on a value only known
// at run time (a Reshape fed a computed shape) is marked dynamic and re-inferred when it runs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/ops/op_schema.h"
#include "runtime/memory_plan.h"
#include "runtime/op_kernel.h"
#include "runtime/run_state.h"

namespace finch {

struct PlanStep {
  int node = 0;  // index into graph.nodes
  const OpSchema* schema = nullptr;
  std::unique_ptr<OpKernel> kernel;
  bool dynamic = false;  // output shapes must be re-inferred at run time
};

struct Plan {
  ~Plan();
  std::vector<Shape> input_shapes;  // what this plan was specialised for
  std::vector<TensorType> types;    // per value
  std::vector<std::shared_ptr<const Tensor>> constants;  // per value: known before any run
  std::vector<PlanStep> steps;
  std::vector<int> last_use;  // per value: last step that reads it (-1: none; graph outputs: max)
  int folded_nodes = 0;
  MemoryPlan memory;                   // arena offsets of the static steps' activations
  // Kernel scratch: one region after the activations, the largest any static step asks for
  // (steps run one at a time, so they share it).
  size_t scratch_offset = 0;
  size_t scratch_bytes = 0;
  std::unique_ptr<RunStatePool> run_states;  // one per concurrent run, reused
  // The memory estimate checked against a limit (see BuildPlan): every distinct constant
  // tensor (initializers and folded values), and the graph outputs with static shapes, which
  // each run allocates. Outputs of dynamic steps are known only at run time and not included.
  size_t constant_bytes = 0;
  size_t output_bytes = 0;
  size_t arena_bytes() const { return scratch_offset + scratch_bytes; }
  size_t EstimatedBytes() const { return constant_bytes + arena_bytes() + output_bytes; }
};

// `input_shapes[i]` is the shape fed to graph.inputs[i]. With `memory_limit_bytes` > 0 the plan
// must fit in it: a node whose folded outputs would take the constants past the limit fails
// before they are allocated, and so does a plan whose EstimatedBytes() (constants + one run's
// arena + its static graph outputs) exceeds it; both ResourceExhausted, naming the numbers.
// `threads`: the intra-op threads the plan's kernels will run with (they size per-thread
// scratch by it).
StatusOr<std::unique_ptr<Plan>> BuildPlan(const Graph& graph,
                                          const std::vector<Shape>& input_shapes,
                                          size_t memory_limit_bytes = 0, int threads = 1);

// The largest tensor a plan may hold (256 TiB): far beyond any machine, and small enough that
// sums of many such byte counts cannot overflow size_t.
inline constexpr uint64_t kMaxTensorBytes = uint64_t{1} << 48;

// Bytes of a tensor of this static type (0 when it is not static or does not fit size_t).
size_t StaticTypeBytes(const TensorType& type);

// Infers the output types of graph.nodes[step.node] given its actual input tensors; used for
// dynamic steps at run time and by BuildPlan.
Status InferStep(const Graph& graph, const Node& node, const OpSchema& schema,
                 const std::vector<TensorType>& input_types,
                 const std::vector<const Tensor*>& input_values, InferContext* ctx);

}  // namespace finch
