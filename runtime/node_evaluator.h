// Runs a single node on known inputs with its reference-chosen kernel: constant folding in the
// graph passes (graph/passes/fold_constants.cc) and in plans.
#pragma once

#include <vector>

#include "graph/ir.h"
#include "graph/passes/pass.h"

namespace finch {

// Infers the node's output types from the inputs, builds its kernel and runs it.
// Unimplemented for an unknown op.
// With `max_output_bytes` > 0, outputs that together need more are refused before they are
// allocated (ResourceExhausted naming the node).
StatusOr<std::vector<Tensor>> EvaluateNode(const Node& node, int64_t opset,
                                           const std::vector<const Tensor*>& inputs,
                                           size_t max_output_bytes = 0);

// EvaluateNode as the passes' NodeEvaluator; `memory_limit_bytes` (0 = none) is the session's
// budget, which no single folded node may exceed.
PassContext RuntimePassContext(size_t memory_limit_bytes = 0);

}  // namespace finch
