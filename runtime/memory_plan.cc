#include "runtime/memory_plan.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "runtime/plan.h"

namespace finch {
namespace {

constexpr size_t kAlign = kTensorAlignment;

size_t AlignUp(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

// a + b, saturating: totals of hostile plans must not wrap around to a small arena.
size_t SatAdd(size_t a, size_t b) { return a > SIZE_MAX - b ? SIZE_MAX : a + b; }

struct Item {
  ValueId value;
  size_t bytes;
  int first, last;  // steps
};

}  // namespace

MemoryPlan PlanMemory(const Graph& graph, const Plan& plan) {
  MemoryPlan mp;
  mp.offset.assign(graph.values.size(), -1);
  std::vector<bool> is_output(graph.values.size(), false);
  for (ValueId v : graph.outputs) is_output[v] = true;

  std::vector<Item> items;
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    const PlanStep& step = plan.steps[s];
    if (step.dynamic) continue;
    for (ValueId v : graph.nodes[step.node].outputs) {
      if (v == kNoValue || is_output[v] || plan.constants[v]) continue;
      const TensorType& t = plan.types[v];
      if (!t.is_static()) continue;
      const size_t bytes = AlignUp(static_cast<size_t>(NumElements(t.static_shape())) *
                                   DataTypeSize(t.dtype));
      const int last = std::max(static_cast<int>(s), plan.last_use[v]);
      items.push_back({v, std::max(bytes, kAlign), static_cast<int>(s), last});
    }
  }
  // Lower bound: the most bytes live at once.
  std::vector<size_t> live(plan.steps.size() + 1, 0);
  for (const Item& it : items) {
    mp.total_bytes = SatAdd(mp.total_bytes, it.bytes);
    for (int s = it.first; s <= it.last; ++s) live[s] = SatAdd(live[s], it.bytes);
  }
  for (size_t b : live) mp.lower_bound = std::max(mp.lower_bound, b);

  // Greedy by size; ties broken by first use so the result does not depend on sort details.
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (items[a].bytes != items[b].bytes) return items[a].bytes > items[b].bytes;
    return items[a].first < items[b].first;
  });
  std::vector<size_t> placed;  // indices into items, with offsets assigned
  std::vector<size_t> offset(items.size(), 0);
  for (size_t i : order) {
    const Item& it = items[i];
    // Address ranges of placed items whose lifetimes overlap this one, by offset.
    std::vector<std::pair<size_t, size_t>> busy;
    for (size_t j : placed) {
      const Item& o = items[j];
      if (o.last < it.first || it.last < o.first) continue;
      busy.push_back({offset[j], offset[j] + o.bytes});
    }
    std::sort(busy.begin(), busy.end());
    size_t best = SIZE_MAX, best_gap = SIZE_MAX, cursor = 0;
    for (const auto& [lo, hi] : busy) {
      if (lo > cursor && lo - cursor >= it.bytes && lo - cursor < best_gap) {
        best = cursor;
        best_gap = lo - cursor;
      }
      cursor = std::max(cursor, hi);
    }
    offset[i] = best != SIZE_MAX ? best : cursor;
    placed.push_back(i);
    mp.arena_bytes = std::max(mp.arena_bytes, offset[i] + it.bytes);
  }
  for (size_t i = 0; i < items.size(); ++i) {
    mp.offset[items[i].value] = static_cast<int64_t>(offset[i]);
  }
  return mp;
}

}  // namespace finch
