// Memory planning: every activation of a plan's static steps gets an offset in one arena, so
// that a run allocates nothing but its outputs once the arena exists.
//
// Each planned value lives from the step that writes it to the last step that reads it.
// Offsets are assigned greedily by size (largest first, each placed in the lowest gap that
// does not overlap, in address, a value whose lifetime overlaps its own) — the strategy
// TFLite's arena planner calls "greedy by size", which lands within a few percent of the
// lower bound (the largest sum of simultaneously live sizes) on convolutional networks.
//
// Not planned: graph outputs (returned to the caller, who owns them), constants, graph
// inputs, and outputs of dynamic steps (their size is known only at run time).
#pragma once

#include <cstdint>
#include <vector>

#include "graph/ir.h"

namespace finch {

struct Plan;

struct MemoryPlan {
  std::vector<int64_t> offset;  // per value: byte offset in the arena, -1 when not planned
  size_t arena_bytes = 0;       // the arena's size: peak activation memory of a run
  size_t lower_bound = 0;       // max over steps of the bytes live at that step
  size_t total_bytes = 0;       // sum of all planned values (what no reuse would take);
                                // saturates at SIZE_MAX. arena_bytes <= total_bytes, so the
                                // offsets are exact whenever total_bytes < SIZE_MAX
};

MemoryPlan PlanMemory(const Graph& graph, const Plan& plan);

}  // namespace finch
