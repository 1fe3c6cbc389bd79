#include "graph/passes/match.h"

#include "graph/ops/fused.h"

namespace finch {

bool FloatOrUnknown(const Graph& g, ValueId v) {
  if (v == kNoValue) return true;
  const Value& value = g.values[v];
  if (value.constant) return value.constant->dtype() == DataType::kFloat32;
  return value.type.dtype == DataType::kUndefined || value.type.dtype == DataType::kFloat32;
}

bool AllFloat(const Graph& g, const Node& node) {
  for (ValueId v : node.inputs) {
    if (!FloatOrUnknown(g, v)) return false;
  }
  for (ValueId v : node.outputs) {
    if (!FloatOrUnknown(g, v)) return false;
  }
  return true;
}

std::vector<std::string> FusedFrom(const Node& node) {
  const Attribute* a = node.FindAttribute("fused_from");
  if (a != nullptr && a->kind == Attribute::Kind::kStrings && !a->strings.empty()) {
    return a->strings;
  }
  return {node.name};
}

void SetFusedFrom(Node* node, std::vector<std::string> names) {
  Attribute a;
  a.kind = Attribute::Kind::kStrings;
  a.strings = std::move(names);
  node->attributes["fused_from"] = std::move(a);
}

StatusOr<PassResult> FuseEachNode(const Graph& graph,
                                  const std::function<bool(Rewriter&, int)>& try_fuse) {
  Rewriter rw(graph);
  int rewrites = 0;
  for (int n = 0; n < rw.num_nodes(); ++n) {
    if (!rw.removed(n) && try_fuse(rw, n)) ++rewrites;
  }
  if (rewrites == 0) return PassResult{graph, 0};
  rw.graph().opset_imports.emplace(kFinchDomain, 1);  // the finch domain, if not declared yet
  FINCH_ASSIGN_OR_RETURN(Graph out, rw.Finish());
  return PassResult{std::move(out), rewrites};
}

}  // namespace finch
