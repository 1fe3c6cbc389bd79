// fuse-squeeze-excite: the squeeze-and-excitation gate becomes one finch::SqueezeExcite node.
//
//   x ─┬─> GlobalAveragePool -> s                          s = mean_hw(x)           [N, C, 1, 1]
//      │   -> FusedConv 1x1 (W1 [Cr, C, 1, 1], B1, act)   m = act(W1·s + B1)       [N, Cr, 1, 1]
//      │   -> FusedConv 1x1 (W2 [C, Cr, 1, 1], B2, gate)  g = gate(W2·m + B2)      [N, C, 1, 1]
//      └─────────────────────────────> Mul(x, g) -> y      y = x · g  (broadcast over H, W)
//
//   =>  x -> finch::SqueezeExcite(x, W1, B1, W2, B2) -> y
//          activation(_params) = the first conv's, gate_activation(_params) = the second's
//
// The Mul may read x and g in either order; x may have other readers. The fused node keeps y
// (the Mul's output value), is named after the GlobalAveragePool and lists in fused_from the
// GlobalAveragePool, the two convs' fused_from and the Mul.
//
// Guards (no match leaves the graph unchanged):
//   - both convs are finch::FusedConv (or a plain Conv, when it had nothing to fuse: no
//     activation) without a residual Z, with constant float32 weights of the shapes above
//     (W1's input channels = W2's output channels, W2's input = W1's output), 1x1 kernels,
//     strides 1, no padding (no auto_pad other than NOTSET/VALID), dilations 1, group 1, and a
//     valid activation; a bias, when present, is a constant of the right shape;
//   - the gate's activation is Sigmoid or HardSigmoid (what makes it a gate);
//   - s, m and g each have exactly one reader (the next node of the chain) and are not graph
//     outputs;
//   - the Mul multiplies the GlobalAveragePool's own input x by g (not another tensor) and x has
//     rank 4 and C channels where its type says (so the Mul's output has x's shape).
// A missing bias is not a reason to refuse: finch::SqueezeExcite takes all five inputs, so a
// zero bias constant of the right shape is added in its place (exactly what an absent Conv bias
// means).
#include "graph/ops/fused.h"
#include "graph/passes/match.h"
#include "graph/passes/passes.h"
#include "graph/passes/rewrite.h"

namespace finch {
namespace {

bool IntsAre(const Node& node, const char* name, int64_t want, size_t count) {
  const Attribute* a = node.FindAttribute(name);
  if (!a) return true;  // the default (1 for strides/dilations, 0 for pads)
  if (a->kind != Attribute::Kind::kInts || a->ints.size() != count) return false;
  for (int64_t v : a->ints) {
    if (v != want) return false;
  }
  return true;
}

const Tensor* FloatConstant(const Rewriter& rw, ValueId v) {
  const Tensor* t = rw.Constant(v);
  return t && t->dtype() == DataType::kFloat32 ? t : nullptr;
}

// A finch::FusedConv (or a plain Conv: nothing fused) computing a plain 1x1 convolution with a
// constant weight [out, in, 1, 1] and, when present, a constant bias [out]; no residual input.
bool IsPointwiseFusedConv(const Rewriter& rw, const Node& node) {
  const bool conv = (node.op_type == "FusedConv" && node.domain == kFinchDomain) ||
                    (node.op_type == "Conv" && node.domain.empty());
  if (!conv) return false;
  if (!node.has_input(0) || !node.has_input(1) || node.has_input(3)) return false;
  const Tensor* w = FloatConstant(rw, node.inputs[1]);
  if (!w || w->rank() != 4 || w->dim(2) != 1 || w->dim(3) != 1) return false;
  if (node.has_input(2)) {
    const Tensor* b = FloatConstant(rw, node.inputs[2]);
    if (!b || b->shape() != Shape{w->dim(0)}) return false;
  }
  auto group = node.GetInt("group", 1);
  if (!group.ok() || *group != 1) return false;
  auto auto_pad = node.GetString("auto_pad", "NOTSET");
  if (!auto_pad.ok() || (*auto_pad != "NOTSET" && *auto_pad != "VALID")) return false;
  if (const Attribute* k = node.FindAttribute("kernel_shape")) {
    if (k->kind != Attribute::Kind::kInts || k->ints != std::vector<int64_t>{1, 1}) return false;
  }
  return IntsAre(node, "strides", 1, 2) && IntsAre(node, "dilations", 1, 2) &&
         IntsAre(node, "pads", 0, 4);
}

// Input `i` of `node` if present, else a new zero constant [channels].
ValueId BiasOrZeros(Rewriter& rw, const Node& node, int i, int64_t channels) {
  if (node.has_input(i)) return node.inputs[i];
  auto zeros = Tensor::Allocate(DataType::kFloat32, {channels});  // zero-filled
  if (!zeros.ok()) return kNoValue;
  return rw.AddConstant(node.name + "_zero_bias", std::move(zeros).value());
}

// Tries to fuse the chain ending in Mul node `n`; true when it did.
bool TryFuse(Rewriter& rw, int n) {
  const Node& mul = rw.node(n);
  if (mul.op_type != "Mul" || !mul.domain.empty() || mul.inputs.size() != 2 ||
      mul.outputs.size() != 1 || !mul.has_input(0) || !mul.has_input(1)) {
    return false;
  }
  for (int gate_side = 0; gate_side < 2; ++gate_side) {
    const ValueId g = mul.inputs[gate_side];
    const ValueId x = mul.inputs[1 - gate_side];
    if (x == g) continue;
    const int c2 = rw.Producer(g);
    if (c2 < 0 || !rw.HasSingleUse(g) || !IsPointwiseFusedConv(rw, rw.node(c2))) continue;
    const ValueId m = rw.node(c2).inputs[0];
    const int c1 = rw.Producer(m);
    if (c1 < 0 || !rw.HasSingleUse(m) || !IsPointwiseFusedConv(rw, rw.node(c1))) continue;
    const ValueId s = rw.node(c1).inputs[0];
    const int gap = rw.ProducerOfType(s, "GlobalAveragePool");
    if (gap < 0 || !rw.HasSingleUse(s)) continue;
    const Node& pool = rw.node(gap);
    if (!pool.has_input(0) || pool.inputs[0] != x) continue;  // Mul of a different tensor
    const TensorType& xt = rw.graph().values[x].type;
    if (xt.dtype != DataType::kFloat32 && xt.dtype != DataType::kUndefined) continue;
    if (xt.has_rank() && xt.dims->size() != 4) continue;
    const Node& conv1 = rw.node(c1);
    const Node& conv2 = rw.node(c2);
    const Tensor* w1 = rw.Constant(conv1.inputs[1]);
    const Tensor* w2 = rw.Constant(conv2.inputs[1]);
    const int64_t reduced = w1->dim(0), channels = w1->dim(1);
    if (w2->dim(0) != channels || w2->dim(1) != reduced) continue;
    if (xt.has_rank() && (*xt.dims)[1].known() && (*xt.dims)[1].value != channels) continue;
    auto act = ParseFusedActivation(conv1, "");
    auto gate = ParseFusedActivation(conv2, "");
    if (!act.ok() || !gate.ok()) continue;
    if (gate->kind != FusedActivationKind::kSigmoid &&
        gate->kind != FusedActivationKind::kHardSigmoid) {
      continue;
    }

    Node se;
    se.op_type = "SqueezeExcite";
    se.domain = kFinchDomain;
    se.name = pool.name;
    std::vector<std::string> fused_from = FusedFrom(pool);
    for (const Node* part : {&conv1, &conv2, &mul}) {
      for (const std::string& name : FusedFrom(*part)) fused_from.push_back(name);
    }
    const ValueId w1_id = conv1.inputs[1], w2_id = conv2.inputs[1], y = mul.outputs[0];
    const ValueId b1 = BiasOrZeros(rw, conv1, 2, reduced);  // adds values, never nodes
    const ValueId b2 = BiasOrZeros(rw, conv2, 2, channels);
    if (b1 == kNoValue || b2 == kNoValue) return false;
    se.inputs = {x, w1_id, b1, w2_id, b2};
    se.outputs = {y};
    SetFusedActivation(&se, "", *act);
    SetFusedActivation(&se, "gate_", *gate);
    SetFusedFrom(&se, std::move(fused_from));
    rw.Remove(gap);
    rw.Remove(c1);
    rw.Remove(c2);
    rw.Replace(n, std::move(se));
    return true;
  }
  return false;
}

}  // namespace

StatusOr<PassResult> FuseSqueezeExcite(const Graph& graph, const PassContext& ctx) {
  return FuseEachNode(graph, TryFuse);
}

}  // namespace finch
