// Lowering passes: they choose how the graph runs rather than what it computes, and run after
// the optimization pipeline whether or not it ran (a graph with --no-opt still runs on the
// fast channels-last kernels).
#pragma once

#include <vector>

#include "graph/passes/pass.h"

namespace finch {

// layout-nhwc (graph/passes/layout_nhwc.cc): the spatial ops run channels-last, with
// Transpose nodes only where the layout changes.
StatusOr<PassResult> ConvertLayoutToNhwc(const Graph& graph, const PassContext& ctx);

// The lowering passes in the order they run.
const std::vector<PassInfo>& LoweringPasses();

}  // namespace finch
