// Predicates the fusing passes share when matching patterns.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/passes/pass.h"
#include "graph/passes/rewrite.h"

namespace finch {

// `node` is `op_type` of `domain` ("" is the default ONNX domain).
inline bool IsOp(const Node& node, const char* op_type, const std::string& domain = "") {
  return node.op_type == op_type && node.domain == domain;
}

// `v` is absent, float32, or of undeclared type (the producers finch fuses into only compute
// float32).
bool FloatOrUnknown(const Graph& g, ValueId v);
// FloatOrUnknown holds for every input and output of `node`.
bool AllFloat(const Graph& g, const Node& node);

// The names of the original nodes `node` stands for: its non-empty "fused_from" strings, else
// its own name.
std::vector<std::string> FusedFrom(const Node& node);
// Sets `node`'s "fused_from" attribute to `names` (first replaced node to last).
void SetFusedFrom(Node* node, std::vector<std::string> names);

// The driver of the passes that fuse one pattern per anchor node: calls try_fuse(rw, n) on
// every node still live, in order; when anything was fused declares the "finch" domain and
// returns the finished graph, else the input graph with 0 rewrites.
StatusOr<PassResult> FuseEachNode(const Graph& graph,
                                  const std::function<bool(Rewriter&, int)>& try_fuse);

}  // namespace finch
