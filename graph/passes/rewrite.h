// Helpers that passes share: who reads a value, constant lookups, and compaction of a graph
// after nodes were removed.
//
// Passes edit a copy of the graph in place: they mark nodes dead (`Rewriter::Remove`), add new
// nodes and values, redirect readers; `Finish()` drops dead nodes and values nothing references,
// re-sorts topologically and returns the graph.
#pragma once

#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/status.h"

namespace finch {

class Rewriter {
 public:
  explicit Rewriter(const Graph& graph);

  Graph& graph() { return graph_; }
  const Node& node(int n) const { return graph_.nodes[n]; }
  int num_nodes() const { return static_cast<int>(graph_.nodes.size()); }
  bool removed(int n) const { return removed_[n]; }

  // The node producing `v` (-1: graph input, constant or nothing).
  int Producer(ValueId v) const;
  // The live nodes reading `v`, once per node even if it reads `v` twice.
  std::vector<int> Consumers(ValueId v) const;
  bool IsGraphOutput(ValueId v) const;
  // Exactly one live node reads `v` and it is not a graph output: a node producing `v` may be
  // merged into that reader.
  bool HasSingleUse(ValueId v) const;
  // The value of `v` when it is a constant, else null.
  const Tensor* Constant(ValueId v) const;
  // The live node producing `v` if its op is `op_type` in `domain`, else -1.
  int ProducerOfType(ValueId v, const std::string& op_type, const std::string& domain = "") const;

  void Remove(int n);
  // Appends a node; the topological order is restored by Finish().
  int Add(Node node);
  // Replaces node n (same index), keeping its position.
  void Replace(int n, Node node);
  ValueId AddConstant(const std::string& name_hint, Tensor tensor);
  // Every reader of `from` (node inputs and graph outputs) reads `to` instead.
  void ReplaceUses(ValueId from, ValueId to);
  // A value name not used yet, from `hint`.
  std::string UniqueName(const std::string& hint);

  // Drops removed nodes and unreferenced values (graph inputs and outputs are kept), re-sorts.
  StatusOr<Graph> Finish();

 private:
  void Reindex();

  Graph graph_;
  std::vector<bool> removed_;
  std::vector<int> producer_;                 // per value
  std::vector<std::vector<int>> consumers_;   // per value
  bool stale_ = false;                        // producer_/consumers_ need rebuilding
  int name_counter_ = 0;
};

// The opset of the default domain, for passes that must honour opset differences.
inline int64_t DefaultOpset(const Graph& g) { return g.opset(""); }

}  // namespace finch
