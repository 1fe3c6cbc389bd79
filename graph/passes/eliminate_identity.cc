// eliminate-identity: drop nodes that copy their input.
//
//   x -> Identity -> y -> readers        =>   x -> readers (they read x)
//   x -> Dropout (inference) -> y        =>   the same; Dropout's mask output must be unused
//
// Guards:
//   - Dropout: is_test/training_mode must not ask for training (an attribute training_mode or
//     a constant input 2 that is true keeps the node); its mask output must have no reader.
//   - When y is a graph output its name must survive: if x comes from a node and is itself not
//     a graph output, that node writes y directly; if x is a graph input or a constant, the
//     Identity stays (a graph output cannot alias a graph input).
#include "graph/passes/passes.h"
#include "graph/passes/rewrite.h"

namespace finch {
namespace {

bool IsInferenceDropout(const Rewriter& rw, const Node& node) {
  if (node.op_type != "Dropout" || !node.domain.empty()) return false;
  auto is_test = node.GetInt("is_test", 1);  // opset < 7
  if (!is_test.ok() || *is_test == 0) return false;
  if (node.has_input(2)) {  // training_mode (opset 12+): must be a known false
    const Tensor* t = rw.Constant(node.inputs[2]);
    if (t == nullptr || t->num_elements() != 1 || ElementAsInt64(*t, 0) != 0) return false;
  }
  for (size_t i = 1; i < node.outputs.size(); ++i) {
    if (node.outputs[i] != kNoValue &&
        (!rw.Consumers(node.outputs[i]).empty() || rw.IsGraphOutput(node.outputs[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

StatusOr<PassResult> EliminateIdentity(const Graph& graph, const PassContext& ctx) {
  Rewriter rw(graph);
  int rewrites = 0;
  for (int n = 0; n < rw.num_nodes(); ++n) {
    const Node& node = rw.node(n);
    const bool identity = node.op_type == "Identity" && node.domain.empty();
    if (!identity && !IsInferenceDropout(rw, node)) continue;
    if (!node.has_input(0) || node.outputs.empty() || node.outputs[0] == kNoValue) continue;
    const ValueId x = node.inputs[0], y = node.outputs[0];
    if (!rw.IsGraphOutput(y)) {
      rw.Remove(n);
      rw.ReplaceUses(y, x);
      ++rewrites;
      continue;
    }
    const int producer = rw.Producer(x);
    if (producer < 0 || rw.IsGraphOutput(x)) continue;  // y must stay a distinct output
    // The producer writes y; every other reader of x reads y.
    rw.Remove(n);
    rw.ReplaceUses(x, y);
    Node p = rw.node(producer);
    for (ValueId& out : p.outputs) {
      if (out == x) out = y;
    }
    rw.Replace(producer, std::move(p));
    ++rewrites;
  }
  FINCH_ASSIGN_OR_RETURN(Graph out, rw.Finish());
  return PassResult{std::move(out), rewrites};
}

}  // namespace finch
