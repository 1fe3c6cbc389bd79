#include "graph/passes/rewrite.h"

#include <algorithm>
#include <set>

namespace finch {

Rewriter::Rewriter(const Graph& graph) : graph_(graph), removed_(graph.nodes.size(), false) {
  stale_ = true;
}

void Rewriter::Reindex() {
  if (!stale_) return;
  producer_.assign(graph_.values.size(), -1);
  consumers_.assign(graph_.values.size(), {});
  for (int n = 0; n < num_nodes(); ++n) {
    if (removed_[n]) continue;
    for (ValueId v : graph_.nodes[n].outputs) {
      if (v != kNoValue) producer_[v] = n;
    }
    for (ValueId v : graph_.nodes[n].inputs) {
      if (v == kNoValue) continue;
      auto& c = consumers_[v];
      if (c.empty() || c.back() != n) c.push_back(n);
    }
  }
  stale_ = false;
}

int Rewriter::Producer(ValueId v) const {
  const_cast<Rewriter*>(this)->Reindex();
  return v == kNoValue ? -1 : producer_[v];
}

std::vector<int> Rewriter::Consumers(ValueId v) const {
  const_cast<Rewriter*>(this)->Reindex();
  return v == kNoValue ? std::vector<int>() : consumers_[v];
}

bool Rewriter::IsGraphOutput(ValueId v) const {
  return std::find(graph_.outputs.begin(), graph_.outputs.end(), v) != graph_.outputs.end();
}

bool Rewriter::HasSingleUse(ValueId v) const {
  if (IsGraphOutput(v)) return false;
  const std::vector<int> readers = Consumers(v);
  if (readers.size() != 1) return false;
  int reads = 0;  // a node may read v twice (x · sigmoid(x) reads x twice but is one reader)
  for (ValueId in : graph_.nodes[readers[0]].inputs) reads += in == v;
  return reads >= 1;
}

const Tensor* Rewriter::Constant(ValueId v) const {
  return v == kNoValue ? nullptr : graph_.values[v].constant.get();
}

int Rewriter::ProducerOfType(ValueId v, const std::string& op_type,
                             const std::string& domain) const {
  const int p = Producer(v);
  if (p < 0) return -1;
  const Node& n = graph_.nodes[p];
  return n.op_type == op_type && n.domain == domain ? p : -1;
}

void Rewriter::Remove(int n) {
  removed_[n] = true;
  stale_ = true;
}

int Rewriter::Add(Node node) {
  graph_.nodes.push_back(std::move(node));
  removed_.push_back(false);
  stale_ = true;
  return num_nodes() - 1;
}

void Rewriter::Replace(int n, Node node) {
  graph_.nodes[n] = std::move(node);
  removed_[n] = false;
  stale_ = true;
}

std::string Rewriter::UniqueName(const std::string& hint) {
  std::set<std::string> names;
  for (const Value& v : graph_.values) names.insert(v.name);
  std::string name = hint;
  while (names.count(name)) name = StrCat(hint, "_", ++name_counter_);
  return name;
}

ValueId Rewriter::AddConstant(const std::string& name_hint, Tensor tensor) {
  stale_ = true;
  return graph_.AddConstant(UniqueName(name_hint),
                            std::make_shared<const Tensor>(std::move(tensor)));
}

void Rewriter::ReplaceUses(ValueId from, ValueId to) {
  for (int n = 0; n < num_nodes(); ++n) {
    if (removed_[n]) continue;
    for (ValueId& v : graph_.nodes[n].inputs) {
      if (v == from) v = to;
    }
  }
  for (ValueId& v : graph_.outputs) {
    if (v == from) v = to;
  }
  stale_ = true;
}

StatusOr<Graph> Rewriter::Finish() {
  Graph out;
  out.name = graph_.name;
  out.opset_imports = graph_.opset_imports;
  // Keep values that a live node, a graph input or a graph output references.
  std::vector<bool> used(graph_.values.size(), false);
  for (ValueId v : graph_.inputs) used[v] = true;
  for (ValueId v : graph_.outputs) used[v] = true;
  for (int n = 0; n < num_nodes(); ++n) {
    if (removed_[n]) continue;
    for (ValueId v : graph_.nodes[n].inputs) {
      if (v != kNoValue) used[v] = true;
    }
    for (ValueId v : graph_.nodes[n].outputs) {
      if (v != kNoValue) used[v] = true;
    }
  }
  std::vector<ValueId> remap(graph_.values.size(), kNoValue);
  for (size_t v = 0; v < graph_.values.size(); ++v) {
    if (!used[v]) continue;
    remap[v] = static_cast<ValueId>(out.values.size());
    out.values.push_back(graph_.values[v]);
  }
  auto map = [&](ValueId v) { return v == kNoValue ? kNoValue : remap[v]; };
  for (ValueId v : graph_.inputs) out.inputs.push_back(map(v));
  for (ValueId v : graph_.outputs) out.outputs.push_back(map(v));
  for (int n = 0; n < num_nodes(); ++n) {
    if (removed_[n]) continue;
    Node node = graph_.nodes[n];
    for (ValueId& v : node.inputs) v = map(v);
    for (ValueId& v : node.outputs) v = map(v);
    out.nodes.push_back(std::move(node));
  }
  FINCH_RETURN_IF_ERROR(out.TopologicalSort());
  return out;
}

}  // namespace finch
