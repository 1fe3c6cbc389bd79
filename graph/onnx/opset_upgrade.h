// Raising a graph's default-domain opset, through ONNX's own version converter (libonnx's
// onnx::version_conversion), which rewrites the ops whose semantics changed between versions
// (Softmax's axis at 13, Clip's attributes becoming inputs at 11, Unsqueeze's axes at 13, ...).
// `finch quantize` needs opset 13 for per-channel DequantizeLinear (its `axis`).
#pragma once

#include <cstdint>

#include "graph/ir.h"
#include "graph/status.h"

namespace finch {

// The graph at default-domain opset `target` (unchanged when it is already there or above).
// Unimplemented naming the converter's complaint when an op has no adapter.
StatusOr<Graph> UpgradeOpset(const Graph& graph, int64_t target);

}  // namespace finch
