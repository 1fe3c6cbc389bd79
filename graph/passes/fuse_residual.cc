// fuse-residual: add a skip connection in the epilogue of the convolution that produces one
// operand of the Add, so the convolution's output is written once, already summed.
//
//   X -> Conv | FusedConv(no act, no Z) -> a ─┐
//                                      z ─────┴─> Add(a, z) | Add(z, a) -> y
//   =>   X, W, [B], z -> finch::FusedConv -> y        y = Conv(X, W) + B + z
//
// The fused node keeps the convolution's name and attributes, takes the Add's output value (so
// `finch compare` matches it by name) and lists [conv (or its fused_from)..., Add] in
// `fused_from`. When both operands qualify, the convolution later in the graph takes the other
// operand as its Z (in a residual block the shortcut is ready first; the block's last
// convolution is what fuse-inverted-residual looks for).
//
// Guards (otherwise the graph is left as it is):
//   - a is read by the Add alone and is not a graph output;
//   - the producer is a Conv, or a finch::FusedConv without activation (act(conv) + z is not
//     act(conv + z)) and without a Z yet;
//   - z has exactly a's shape for every value of the symbolic dims (ShapeFacts::SameShape): a
//     broadcasting Add (a bias [C, 1, 1], a per-sample scale) stays an Add;
//   - z is not a itself (Add(a, a) would make the node read its own output);
//   - every declared element type is float32 (the fused ops are float only).
#include "graph/ops/fused.h"
#include "graph/passes/match.h"
#include "graph/passes/passes.h"
#include "graph/passes/rewrite.h"
#include "graph/passes/shape_facts.h"

namespace finch {
namespace {

// A Conv, or a FusedConv without activation and without Z, producing exactly one value.
bool TakesResidual(const Graph& g, const Node& node) {
  const bool conv = node.op_type == "Conv" && node.domain.empty();
  const bool fused = node.op_type == "FusedConv" && node.domain == kFinchDomain;
  if (!conv && !fused) return false;
  if (node.outputs.size() != 1 || node.outputs[0] == kNoValue) return false;
  if (node.inputs.size() < 2 || node.inputs.size() > 3 || !node.has_input(0) ||
      !node.has_input(1)) {
    return false;  // a fused conv with 4 inputs has a Z, "" included (kept simple)
  }
  if (fused) {
    auto act = ParseFusedActivation(node, "");
    if (!act.ok() || act->kind != FusedActivationKind::kNone) return false;
  }
  return AllFloat(g, node);
}

bool MayHaveResidual(const Graph& g) {
  for (const Node& node : g.nodes) {
    if (node.op_type == "Add" && node.domain.empty()) return true;
  }
  return false;
}

}  // namespace

StatusOr<PassResult> FuseResidual(const Graph& graph, const PassContext& ctx) {
  if (!MayHaveResidual(graph)) return PassResult{graph, 0};
  const ShapeFacts facts = ShapeFacts::Compute(graph, ctx);
  Rewriter rw(graph);
  const Graph& g = rw.graph();
  int rewrites = 0;
  for (int n = 0; n < rw.num_nodes(); ++n) {
    if (rw.removed(n)) continue;
    const Node& add = rw.node(n);
    if (add.op_type != "Add" || !add.domain.empty() || add.inputs.size() != 2 ||
        add.outputs.size() != 1 || add.outputs[0] == kNoValue || !AllFloat(g, add)) {
      continue;
    }
    int conv = -1;  // the chosen producer
    int operand = -1;
    for (int i = 0; i < 2; ++i) {
      const ValueId a = add.inputs[i], z = add.inputs[1 - i];
      if (a == z || a == kNoValue || z == kNoValue) continue;
      const int p = rw.Producer(a);
      if (p < 0 || p <= conv || !TakesResidual(g, rw.node(p))) continue;
      if (!rw.HasSingleUse(a) || !facts.SameShape(a, z)) continue;
      conv = p;
      operand = i;
    }
    if (conv < 0) continue;
    const ValueId z = add.inputs[1 - operand];
    Node fused = rw.node(conv);
    fused.op_type = "FusedConv";
    fused.domain = kFinchDomain;
    fused.inputs.resize(3, kNoValue);
    fused.inputs.push_back(z);
    fused.outputs = {add.outputs[0]};
    std::vector<std::string> from = FusedFrom(rw.node(conv));
    from.push_back(add.name);
    SetFusedFrom(&fused, std::move(from));
    rw.Remove(n);
    rw.Replace(conv, std::move(fused));
    rw.graph().opset_imports.emplace(kFinchDomain, 1);
    ++rewrites;
  }
  if (rewrites == 0) return PassResult{graph, 0};
  FINCH_ASSIGN_OR_RETURN(Graph out, rw.Finish());
  return PassResult{std::move(out), rewrites};
}

}  // namespace finch
