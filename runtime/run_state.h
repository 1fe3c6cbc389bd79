// RunState: one run's working memory — the activation arena, a tensor view of every planned
// activation, the value table — prepared once per plan and reused by later runs, so a run in
// steady state allocates nothing but the outputs it returns.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "graph/ir.h"
#include "graph/tensor.h"
#include "runtime/op_kernel.h"

namespace finch {

struct Plan;

struct RunState {
  std::shared_ptr<uint8_t> arena;
  std::vector<Tensor> views;       // per value: its tensor in the arena (planned values only)
  std::vector<const Tensor*> env;  // per value: where this run finds it
  std::vector<Tensor> owned;       // per value: a tensor the run allocated (unplanned outputs)
  std::vector<size_t> dynamic_bytes;
  std::vector<bool> keep;          // per value: fetched by the caller
  KernelContext ctx;               // reused by every step (its vectors keep their capacity)
};

// The RunStates of one plan: concurrent runs each take their own.
class RunStatePool {
 public:
  explicit RunStatePool(size_t arena_bytes) : arena_bytes_(arena_bytes) {}
  // A state for `plan` of `graph` (built the first time, reused afterwards); null when memory
  // runs out. A new arena is poisoned (all bits set: NaN as float32, −1 as integers) so that a
  // kernel that forgets part of its output shows in tests instead of reading zeros by luck.
  std::unique_ptr<RunState> Acquire(const Graph& graph, const Plan& plan);
  void Release(std::unique_ptr<RunState> state);

 private:
  size_t arena_bytes_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<RunState>> free_;
};

}  // namespace finch
