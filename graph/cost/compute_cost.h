// MACs and kinds of the compute ops (Conv, ConvTranspose, Gemm, MatMul and the finch fused
// ops), for cost_model.cc. Each fills `cost->macs`, `cost->other_ops` (bias, activation,
// residual, SE pooling work) and `cost->kind`; byte and param counts are the caller's.
#pragma once

#include <vector>

#include "graph/cost/cost_model.h"
#include "graph/ir.h"
#include "graph/tensor.h"

namespace finch::cost_internal {

// Static shapes of a node's inputs; null where an input is omitted.
using InputShapes = std::vector<const Shape*>;

// True when `op_type` in `domain` is one of the ops below.
bool IsComputeOp(const Node& node);
Status ComputeCost(const Node& node, const InputShapes& in, const Shape& out, NodeCost* cost);

}  // namespace finch::cost_internal
