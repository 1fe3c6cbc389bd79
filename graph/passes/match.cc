#include "graph/passes/match.h"

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

}  // namespace finch
