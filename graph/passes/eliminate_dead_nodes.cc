// eliminate-dead-nodes: remove nodes none of whose outputs is read.
//
//   x -> A -> a (no reader, not a graph output)   =>   A removed; then its inputs' producers
//                                                      are checked again, back to front
#include "graph/passes/passes.h"
#include "graph/passes/rewrite.h"

namespace finch {

StatusOr<PassResult> EliminateDeadNodes(const Graph& graph, const PassContext& ctx) {
  Rewriter rw(graph);
  int rewrites = 0;
  // Back to front over a topological order: a node's readers are decided before the node.
  for (int n = rw.num_nodes() - 1; n >= 0; --n) {
    bool live = false;
    for (ValueId v : rw.node(n).outputs) {
      if (v != kNoValue && (rw.IsGraphOutput(v) || !rw.Consumers(v).empty())) live = true;
    }
    if (!live) {
      rw.Remove(n);
      ++rewrites;
    }
  }
  FINCH_ASSIGN_OR_RETURN(Graph out, rw.Finish());
  return PassResult{std::move(out), rewrites};
}

}  // namespace finch
