// fuse-activation: apply an elementwise activation in the epilogue of the Conv or Gemm before
// it, so the pre-activation tensor is never written out.
//
//   X -> Conv -> a -> Act -> y                 =>   X -> finch::FusedConv{act} -> y
//   X -> FusedConv (+B +Z, no act) -> a -> Act  =>   finch::FusedConv{act}: y = act(conv + B + Z)
//   A -> Gemm | FusedGemm -> a -> Act -> y      =>   A -> finch::FusedGemm{act} -> y
//   a -> Sigmoid -> s;  Mul(a, s) | Mul(s, a) -> y      (torch's SiLU export)
//                                              =>   act = SiLU: y = a · σ(a)
//
// Act and its fused parameters (graph/ops/fused.h):
//   Relu                     -> "Relu"           max(a, 0)
//   Clip                     -> "Clip" [lo, hi]  min(max(a, lo), hi); opset < 11: attributes
//                               min/max; opset >= 11: constant float scalars as inputs 1, 2; an
//                               absent bound is float's lowest/max, as the Clip kernel takes it
//   Sigmoid                  -> "Sigmoid"        1 / (1 + e^−a)
//   HardSwish                -> "HardSwish"      a · clamp(a/6 + 1/2, 0, 1)
//   HardSigmoid(α=0.2,β=0.5) -> "HardSigmoid" [α, β]   clamp(α·a + β, 0, 1)
//   LeakyRelu(α=0.01)        -> "LeakyRelu" [α]        a < 0 ? α·a : a
//
// The fused node keeps the producer's name and inputs, takes the activation's output value (the
// last original node's, so `finch compare` matches it by name) and lists the replaced nodes in
// `fused_from` (a fused producer contributes its own fused_from).
//
// Guards (otherwise the graph is left as it is):
//   - a is read by the activation alone (SiLU: by the Sigmoid and the Mul alone, and σ(a) by
//     the Mul alone) and is not a graph output;
//   - the producer has no activation yet (a FusedConv's Z is fine: act applies after + Z);
//   - Gemm only from opset 7 (before, `broadcast` had other semantics) and with C where opset
//     < 11 requires it;
//   - Clip's bounds are constant float32 scalars with lo <= hi (not NaN);
//   - the Mul is x · σ(x) of the same x;
//   - every declared element type on the way is float32 (the fused ops are float only).
#include <limits>
#include <optional>

#include "graph/ops/elementwise.h"
#include "graph/ops/fused.h"
#include "graph/passes/match.h"
#include "graph/passes/passes.h"
#include "graph/passes/rewrite.h"

namespace finch {
namespace {

// A Conv, a Gemm or a finch FusedConv/FusedGemm that has no activation yet.
bool TakesActivation(const Graph& g, const Node& node) {
  const bool conv = IsOp(node, "Conv");
  const bool gemm = IsOp(node, "Gemm");
  const bool fused = IsOp(node, "FusedConv", kFinchDomain) || IsOp(node, "FusedGemm", kFinchDomain);
  if (!conv && !gemm && !fused) return false;
  if (node.outputs.size() != 1 || node.outputs[0] == kNoValue) return false;
  if (node.inputs.size() < 2 || !node.has_input(0) || !node.has_input(1)) return false;
  if (gemm) {
    const int64_t opset = DefaultOpset(g);
    if (opset < 7 || (opset < 11 && !node.has_input(2))) return false;
  }
  if (fused) {
    auto act = ParseFusedActivation(node, "");
    if (!act.ok() || act->kind != FusedActivationKind::kNone) return false;
  }
  return AllFloat(g, node);
}

// A constant float32 scalar bound of Clip, or nullopt.
std::optional<float> ConstantBound(const Rewriter& rw, ValueId v) {
  const Tensor* t = rw.Constant(v);
  if (t == nullptr || t->dtype() != DataType::kFloat32 || t->num_elements() != 1) {
    return std::nullopt;
  }
  return t->data<float>()[0];
}

// The activation `node` applies to its input 0, when finch's epilogue can compute it.
std::optional<FusedActivation> MatchActivation(const Rewriter& rw, const Node& node,
                                               int64_t opset) {
  if (!node.domain.empty() || node.outputs.size() != 1 || node.outputs[0] == kNoValue ||
      !node.has_input(0)) {
    return std::nullopt;
  }
  FusedActivation act;
  const std::string& op = node.op_type;
  if (op == "Relu" || op == "Sigmoid" || op == "HardSwish") {
    if (node.inputs.size() != 1) return std::nullopt;
    act.kind = op == "Relu"      ? FusedActivationKind::kRelu
               : op == "Sigmoid" ? FusedActivationKind::kSigmoid
                                 : FusedActivationKind::kHardSwish;
  } else if (op == "LeakyRelu") {
    auto alpha = node.GetFloat("alpha", 0.01f);
    if (!alpha.ok() || node.inputs.size() != 1) return std::nullopt;
    act.kind = FusedActivationKind::kLeakyRelu;
    act.alpha = *alpha;
  } else if (op == "HardSigmoid") {
    auto alpha = node.GetFloat("alpha", 0.2f);
    auto beta = node.GetFloat("beta", 0.5f);
    if (!alpha.ok() || !beta.ok() || node.inputs.size() != 1) return std::nullopt;
    act.kind = FusedActivationKind::kHardSigmoid;
    act.alpha = *alpha;
    act.beta = *beta;
  } else if (op == "Clip") {
    act.kind = FusedActivationKind::kClip;
    act.alpha = std::numeric_limits<float>::lowest();
    act.beta = std::numeric_limits<float>::max();
    if (opset < 11) {
      auto attrs = ParseClipAttributes(node);
      if (!attrs.ok() || node.inputs.size() != 1) return std::nullopt;
      act.alpha = attrs->min;
      act.beta = attrs->max;
    } else {
      if (node.inputs.size() > 3) return std::nullopt;
      for (size_t i = 1; i < node.inputs.size(); ++i) {
        if (!node.has_input(i)) continue;
        std::optional<float> bound = ConstantBound(rw, node.inputs[i]);
        if (!bound) return std::nullopt;
        (i == 1 ? act.alpha : act.beta) = *bound;
      }
    }
    if (!(act.alpha <= act.beta)) return std::nullopt;  // empty range or NaN: Clip's own rules
  } else {
    return std::nullopt;
  }
  return act;
}

// Sigmoid(a) -> s, Mul(a, s) in either order: the node index of the Mul, or -1. `readers` are
// the two readers of a.
int MatchSiLU(const Rewriter& rw, ValueId a, const std::vector<int>& readers, int* sigmoid) {
  for (int k = 0; k < 2; ++k) {
    const Node& sig = rw.node(readers[k]);
    const Node& mul = rw.node(readers[1 - k]);
    if (!IsOp(sig, "Sigmoid") || sig.inputs.size() != 1 || sig.inputs[0] != a ||
        sig.outputs.size() != 1 || sig.outputs[0] == kNoValue) {
      continue;
    }
    const ValueId s = sig.outputs[0];
    if (!IsOp(mul, "Mul") || mul.inputs.size() != 2 || mul.outputs.size() != 1 ||
        mul.outputs[0] == kNoValue) {
      continue;
    }
    const bool product =
        (mul.inputs[0] == a && mul.inputs[1] == s) || (mul.inputs[0] == s && mul.inputs[1] == a);
    if (!product || !rw.HasSingleUse(s)) continue;
    *sigmoid = readers[k];
    return readers[1 - k];
  }
  return -1;
}

}  // namespace

StatusOr<PassResult> FuseActivation(const Graph& graph, const PassContext& ctx) {
  Rewriter rw(graph);
  const Graph& g = rw.graph();
  int rewrites = 0;
  for (int n = 0; n < rw.num_nodes(); ++n) {
    if (rw.removed(n)) continue;
    const Node& producer = rw.node(n);
    if (!TakesActivation(g, producer)) continue;
    const ValueId a = producer.outputs[0];
    if (rw.IsGraphOutput(a)) continue;
    const std::vector<int> readers = rw.Consumers(a);
    std::vector<int> absorbed;
    FusedActivation act;
    if (readers.size() == 1) {
      std::optional<FusedActivation> matched =
          MatchActivation(rw, rw.node(readers[0]), DefaultOpset(g));
      if (!matched || rw.node(readers[0]).inputs[0] != a) continue;
      act = *matched;
      absorbed = {readers[0]};
    } else if (readers.size() == 2) {
      int sigmoid = -1;
      const int mul = MatchSiLU(rw, a, readers, &sigmoid);
      if (mul < 0) continue;
      act.kind = FusedActivationKind::kSiLU;
      absorbed = {sigmoid, mul};
    } else {
      continue;
    }
    const Node& last = rw.node(absorbed.back());
    bool float_only = true;
    for (int r : absorbed) float_only = float_only && AllFloat(g, rw.node(r));
    if (!float_only) continue;

    Node fused = producer;
    if (IsOp(producer, "Conv")) {
      fused.op_type = "FusedConv";
      fused.domain = kFinchDomain;
    } else if (IsOp(producer, "Gemm")) {
      fused.op_type = "FusedGemm";
      fused.domain = kFinchDomain;
      fused.attributes.erase("broadcast");  // an opset < 6 leftover; C broadcasts as in Gemm 7+
    }
    std::vector<std::string> from = FusedFrom(producer);
    for (int r : absorbed) from.push_back(rw.node(r).name);
    SetFusedFrom(&fused, std::move(from));
    SetFusedActivation(&fused, "", act);
    fused.outputs = {last.outputs[0]};
    for (int r : absorbed) rw.Remove(r);
    rw.Replace(n, std::move(fused));
    rw.graph().opset_imports.emplace(kFinchDomain, 1);
    ++rewrites;
  }
  if (rewrites == 0) return PassResult{graph, 0};
  FINCH_ASSIGN_OR_RETURN(Graph out, rw.Finish());
  return PassResult{std::move(out), rewrites};
}

}  // namespace finch
