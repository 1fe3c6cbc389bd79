#include "runtime/run_state.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "runtime/plan.h"

namespace finch {

std::unique_ptr<RunState> RunStatePool::Acquire(const Graph& graph, const Plan& plan) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!free_.empty()) {
      std::unique_ptr<RunState> s = std::move(free_.back());
      free_.pop_back();
      return s;
    }
  }
  auto state = std::unique_ptr<RunState>(new (std::nothrow) RunState);
  if (!state) return nullptr;
  const size_t n = graph.values.size();
  if (arena_bytes_ > 0) {
    const size_t size = (arena_bytes_ + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
    void* p = std::aligned_alloc(kTensorAlignment, size);
    if (p == nullptr) return nullptr;
    std::memset(p, 0xff, size);
    state->arena = std::shared_ptr<uint8_t>(static_cast<uint8_t*>(p), [](uint8_t* q) { std::free(q); });
  }
  state->views.resize(n);
  for (size_t v = 0; v < n; ++v) {
    const int64_t offset = v < plan.memory.offset.size() ? plan.memory.offset[v] : -1;
    if (offset < 0) continue;
    const TensorType& t = plan.types[v];
    state->views[v] = Tensor::View(t.dtype, t.static_shape(), state->arena.get() + offset, nullptr);
  }
  state->env.resize(n);
  state->owned.resize(n);
  state->dynamic_bytes.resize(n);
  state->keep.resize(n);
  return state;
}

void RunStatePool::Release(std::unique_ptr<RunState> state) {
  std::lock_guard<std::mutex> lock(mutex_);
  free_.push_back(std::move(state));
}

}  // namespace finch
