// Runs a single node on known inputs with its reference-chosen kernel: constant folding in the
// graph passes (graph/passes/fold_constants.cc) and in plans.
#pragma once

#include <vector>

#include "graph/ir.h"
#include "graph/passes/pass.h"

namespace finch {

// Infers the node's output types from the inputs, builds its kernel and runs it.
// Unimplemented for an unknown op.
StatusOr<std::vector<Tensor>> EvaluateNode(const Node& node, int64_t opset,
                                           const std::vector<const Tensor*>& inputs);

// EvaluateNode as the passes' NodeEvaluator.
PassContext RuntimePassContext();

}  // namespace finch
