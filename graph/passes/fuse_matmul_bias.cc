// fuse-matmul-bias: a MatMul by a constant matrix, the bias Add after it and an activation
// after that become one finch::FusedMatMul, computed by the packed GEMM with the bias and the
// activation in its epilogue (the pre-activation tensor is never written out).
//
//   A -> MatMul(A, B) -> m -> [Add(m, b) | Add(b, m)] -> z -> [finch::Gelu | Relu | Sigmoid] -> y
//
//   =>  A -> finch::FusedMatMul(A, B, b){activation} -> y
//       y = act(A·B + b): A [..., K], B [K, N] constant, b [N]
//
// At least the Add or the activation must be there (a plain MatMul by a constant already runs on
// the packed GEMM). The fused node keeps the last output, is named after the MatMul and lists the
// replaced nodes in fused_from (a finch::Gelu contributes its own fused_from).
//
// Guards (no match leaves the graph unchanged):
//   - B is a float32 constant of rank 2; A's declared type, if any, is float32;
//   - b is a float32 constant of N elements whose dims before the last are 1, of rank ≤ 1 or at
//     most A's rank (so the Add does not broadcast the product to a higher rank); it becomes a
//     1-D [N] constant;
//   - m (and z, when the activation follows) has one reader and is not a graph output;
//   - finch::Gelu's approximate is valid; Relu and Sigmoid are the default domain's.
#include <optional>
#include <vector>

#include "graph/ops/fused.h"
#include "graph/ops/transformer.h"
#include "graph/passes/match.h"
#include "graph/passes/passes.h"
#include "graph/passes/rewrite.h"
#include "graph/passes/transformer_match.h"

namespace finch {
namespace {

// The activation node n applies to its input, if finch's epilogue has it.
std::optional<FusedActivation> MatchActivation(Rewriter& rw, int n) {
  if (n < 0) return std::nullopt;
  const Node& node = rw.node(n);
  if (node.inputs.size() != 1 || node.outputs.size() != 1 || node.outputs[0] == kNoValue) {
    return std::nullopt;
  }
  if (IsOp(node, "Gelu", kFinchDomain)) {
    auto act = ParseGeluApproximation(node);
    return act.ok() ? std::optional<FusedActivation>(*act) : std::nullopt;
  }
  FusedActivation act;
  if (IsOp(node, "Relu")) {
    act.kind = FusedActivationKind::kRelu;
  } else if (IsOp(node, "Sigmoid")) {
    act.kind = FusedActivationKind::kSigmoid;
  } else {
    return std::nullopt;
  }
  return act;
}

class MatMulBiasMatcher {
 public:
  MatMulBiasMatcher(Rewriter& rw, LazyShapeFacts& facts) : rw_(rw), facts_(facts) {}

  bool TryFuse(int n) {
    const Node& mm = rw_.node(n);
    if (!IsPlainOp(rw_, mm, "MatMul", 2)) return false;
    const Tensor* b = rw_.Constant(mm.inputs[1]);
    if (b == nullptr || b->dtype() != DataType::kFloat32 || b->rank() != 2) return false;
    if (!FloatOrUnknown(rw_.graph(), mm.inputs[0]) || rw_.Constant(mm.inputs[0])) return false;
    const int64_t cols = b->dim(1);
    std::vector<int> chain = {n};
    ValueId y = mm.outputs[0];
    ValueId bias = kNoValue;
    int next = SoleReader(rw_, y);
    if (next >= 0 && IsPlainOp(rw_, rw_.node(next), "Add", 2)) {
      const int o = OtherInput(rw_.node(next), y);
      if (o >= 0) bias = BiasRow(rw_.node(next).inputs[o], mm.inputs[0], cols);
      if (bias != kNoValue) {
        chain.push_back(next);
        y = rw_.node(next).outputs[0];
        next = SoleReader(rw_, y);
      }
    }
    std::optional<FusedActivation> act = MatchActivation(rw_, next);
    if (act) {
      chain.push_back(next);
      y = rw_.node(next).outputs[0];
    }
    if (chain.size() == 1) return false;
    for (int c : chain) {
      if (!AllFloat(rw_.graph(), rw_.node(c))) return false;
    }
    Node fused;
    fused.op_type = "FusedMatMul";
    fused.domain = kFinchDomain;
    fused.name = mm.name;
    fused.inputs = {mm.inputs[0], mm.inputs[1]};
    if (bias != kNoValue) fused.inputs.push_back(bias);
    fused.outputs = {y};
    if (act) SetFusedActivation(&fused, "", *act);
    std::vector<std::string> from;
    for (int c : chain) {
      for (const std::string& name : FusedFrom(rw_.node(c))) from.push_back(name);
    }
    SetFusedFrom(&fused, std::move(from));
    for (size_t i = 1; i < chain.size(); ++i) rw_.Remove(chain[i]);
    rw_.Replace(n, std::move(fused));
    return true;
  }

 private:
  // `v` as a 1-D bias constant [cols] (itself, or a reshaped copy), or kNoValue when it is not
  // one or would broadcast A·B to a higher rank.
  ValueId BiasRow(ValueId v, ValueId a, int64_t cols) {
    const Tensor* t = rw_.Constant(v);
    if (t == nullptr || t->dtype() != DataType::kFloat32 || t->rank() < 1 ||
        t->dim(t->rank() - 1) != cols || t->num_elements() != cols) {
      return kNoValue;
    }
    if (t->rank() == 1) return v;
    const std::optional<int64_t> a_rank = RankOf(rw_, a, facts_);
    if (!a_rank || static_cast<int64_t>(t->rank()) > *a_rank) return kNoValue;
    return rw_.AddConstant(rw_.graph().values[v].name + "_row", t->Reshaped({cols}));
  }

  Rewriter& rw_;
  LazyShapeFacts& facts_;
};

}  // namespace

StatusOr<PassResult> FuseMatMulBias(const Graph& graph, const PassContext& ctx) {
  LazyShapeFacts facts(graph, ctx);
  return FuseEachNode(
      graph, [&facts](Rewriter& rw, int n) { return MatMulBiasMatcher(rw, facts).TryFuse(n); });
}

}  // namespace finch
