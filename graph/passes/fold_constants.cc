// fold-constants: evaluate every node whose inputs are all constants.
//
//   c1, c2 (constants) -> Op -> y      =>   y becomes a constant; Op is removed
//   x [static shape] -> Shape -> s     =>   s becomes a constant (the data of x is not needed)
//   x [N,197,192] -> Shape -> Gather(2) -> g   =>   g = 192 becomes a constant: a small value
//        that comes out the same whatever the symbolic dims (graph/passes/shape_facts.h)
//
// This folds the weight preprocessing some exporters emit (Transpose/Reshape of initializers)
// and every shape computation that does not depend on a symbolic dimension — the shape
// subgraphs of torch exports, except the parts that carry the batch. Those (a Reshape target
// built from Shape(x)[0]) are folded when a session knows the batch: plans fold whatever is
// known at that time.
//
// Guards:
//   - the context has an evaluator (the runtime's kernels); without one the pass does nothing;
//   - the op is deterministic (no Random*);
//   - an output bigger than 1 MiB that is also bigger than all the inputs together stays a node
//     (folding Expand/Tile/ConstantOfShape would bloat the model);
//   - an op the evaluator does not support stays a node (not an error).
#include "graph/passes/passes.h"
#include "graph/passes/rewrite.h"
#include "graph/passes/shape_facts.h"

namespace finch {
namespace {

constexpr size_t kMaxGrowthBytes = 1 << 20;

bool IsRandom(const Node& node) { return node.op_type.rfind("Random", 0) == 0; }

}  // namespace

StatusOr<PassResult> FoldConstants(const Graph& graph, const PassContext& ctx) {
  if (!ctx.evaluate) return PassResult{graph, 0};
  const ShapeFacts facts = ShapeFacts::Compute(graph, ctx);
  Rewriter rw(graph);
  Graph& g = rw.graph();
  int rewrites = 0;
  for (int n = 0; n < rw.num_nodes(); ++n) {
    const Node& node = rw.node(n);
    if (IsRandom(node)) continue;
    // Values that do not depend on the symbolic dims.
    bool invariant = !node.outputs.empty();
    for (ValueId v : node.outputs) {
      if (v != kNoValue && !facts.InvariantValue(v)) invariant = false;
    }
    if (invariant) {
      for (ValueId v : node.outputs) {
        if (v == kNoValue) continue;
        g.values[v].constant = facts.InvariantValue(v);
        g.values[v].type = TensorType::Static(g.values[v].constant->dtype(),
                                              g.values[v].constant->shape());
      }
      rw.Remove(n);
      ++rewrites;
      continue;
    }
    const bool shape_of_static = node.op_type == "Shape" && node.domain.empty() &&
                                 node.has_input(0) && g.values[node.inputs[0]].type.is_static();
    std::vector<const Tensor*> inputs(node.inputs.size(), nullptr);
    bool all_known = !node.inputs.empty();
    size_t input_bytes = 0;
    std::vector<Tensor> shape_placeholders;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i] == kNoValue) continue;
      inputs[i] = rw.Constant(node.inputs[i]);
      if (inputs[i]) input_bytes += inputs[i]->byte_size();
      if (!inputs[i]) all_known = false;
    }
    // A declared shape whose dims overflow int64 cannot back even a view; planning reports it.
    if (shape_of_static && !all_known &&
        CheckedNumElements(g.values[node.inputs[0]].type.static_shape()).ok()) {
      // Shape needs only the shape: evaluate on a zero-size view of the right shape.
      const TensorType& t = g.values[node.inputs[0]].type;
      shape_placeholders.push_back(
          Tensor::View(t.dtype, t.static_shape(), nullptr, nullptr));
      inputs[0] = &shape_placeholders.back();
      all_known = true;
    }
    if (!all_known) continue;
    auto outputs = ctx.evaluate(node, g.opset(node.domain), inputs);
    if (!outputs.ok()) {
      if (outputs.status().code() == StatusCode::kUnimplemented) continue;
      return Status(outputs.status().code(),
                    StrCat("folding a constant node: ", outputs.status().message()));
    }
    bool too_big = false;
    for (const Tensor& t : *outputs) {
      if (t.byte_size() > kMaxGrowthBytes && t.byte_size() > input_bytes) too_big = true;
    }
    if (too_big) continue;
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      const ValueId v = node.outputs[i];
      if (v == kNoValue) continue;
      Tensor& t = (*outputs)[i];
      g.values[v].type = TensorType::Static(t.dtype(), t.shape());
      g.values[v].constant = std::make_shared<const Tensor>(std::move(t));
    }
    rw.Remove(n);
    ++rewrites;
  }
  FINCH_ASSIGN_OR_RETURN(Graph out, rw.Finish());
  return PassResult{std::move(out), rewrites};
}

}  // namespace finch
