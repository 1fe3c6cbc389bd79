// fuse-inverted-residual: a MobileNetV2 / EfficientNet block becomes one finch::InvertedResidual.
//
//   X ─┬─> [FusedConv 1x1 expand  (W_e [Ch, C, 1, 1], B_e, act_e)]   T = act_e(W_e·X + B_e)
//      │   -> FusedConv k×k depthwise (W_d [Ch, 1, k, k], group Ch)   D = act_d(dw(T) + B_d)
//      │   -> [finch::SqueezeExcite (W_s1, B_s1, W_s2, B_s2)]         S = SE(D)
//      │   -> FusedConv 1x1 project  (W_p [Co, Ch, 1, 1], B_p, act_p) Y = act_p(W_p·S + B_p [+ Z])
//      └─────────────────────────────────────────────────────────────┘ Z = X (residual) or none
//
//   =>  X -> finch::InvertedResidual(X, W_e, B_e, W_d, B_d, W_s1, B_s1, W_s2, B_s2, W_p, B_p) -> Y
//          ("" for the parts that are absent: no expand when the depthwise reads X directly,
//          as in MobileNetV2's first block and EfficientNet's first stage; no SE in MobileNetV2)
//          attributes expand_/dw_/se_/se_gate_/project_activation(_params) from the parts,
//          dw_strides, dw_pads, dw_dilations from the depthwise conv, residual = 1 when the
//          project's Z is X, fused_from = the parts' fused_from concatenated.
//
// The fused node keeps Y (the project's output value, e.g. a fused residual Add's output) and is
// named after the first original node it replaces.
//
// Guards (no match leaves the graph unchanged):
//   - every conv is a finch::FusedConv or a plain Conv (a conv with nothing fused stays one),
//     the SE a finch::SqueezeExcite; all with constant float32 weights and constant biases (or
//     none); no auto_pad other than NOTSET (VALID: no pads);
//   - expand and project: 1x1, strides 1, no pads, dilations 1, group 1; the expand has no Z;
//   - depthwise: group = channels = W_d's dim 0, W_d [Ch, 1, k, k] with k ∈ {3, 5} (square;
//     other kernels are guarded out), strides 1 or 2, dilations 1, any explicit pads, no Z;
//   - the project's Z is absent or exactly the block input X (a residual of any other tensor
//     is not this block);
//   - every intermediate value (T, D, S) has exactly one reader and is not a graph output; X may
//     have any number of readers. A 1x1 conv before the depthwise that fails its guards (e.g.
//     its output T is read elsewhere) is not the block's expand: the block then starts at the
//     depthwise, with X = T;
//   - every activation parses (ParseFusedActivation).
#include "graph/ops/fused.h"
#include "graph/passes/match.h"
#include "graph/passes/passes.h"
#include "graph/passes/rewrite.h"

namespace finch {
namespace {

// Attribute `name` as `count` ints, `fallback` (repeated) when absent; false when malformed.
bool ReadInts(const Node& node, const char* name, size_t count, int64_t fallback,
              std::vector<int64_t>* out) {
  const Attribute* a = node.FindAttribute(name);
  if (!a) {
    out->assign(count, fallback);
    return true;
  }
  if (a->kind != Attribute::Kind::kInts || a->ints.size() != count) return false;
  *out = a->ints;
  return true;
}

// finch::FusedConv, or a plain Conv (what is left of a conv with nothing to fuse: a project
// without activation or residual).
bool IsConvOp(const Node& node) {
  return (node.op_type == "FusedConv" && node.domain == kFinchDomain) ||
         (node.op_type == "Conv" && node.domain.empty());
}

// The live conv (FusedConv or Conv) producing `v`, else -1.
int ConvProducer(const Rewriter& rw, ValueId v) {
  const int p = rw.Producer(v);
  return p >= 0 && IsConvOp(rw.node(p)) ? p : -1;
}

bool FloatConstant(const Rewriter& rw, ValueId v) {
  const Tensor* t = rw.Constant(v);
  return t && t->dtype() == DataType::kFloat32;
}

// A 2-D conv (IsConvOp) read out: its weight and window attributes (defaults filled in).
struct ConvView {
  int node = -1;
  const Tensor* w = nullptr;
  int64_t group = 1;
  std::vector<int64_t> strides, pads, dilations;
};

// True when node `n` is a conv with a constant float32 weight of rank 4, a constant bias [out]
// or none, no residual Z (unless `allow_z`), auto_pad NOTSET or VALID and a valid activation.
bool ReadConv(const Rewriter& rw, int n, bool allow_z, ConvView* view) {
  if (n < 0) return false;
  const Node& node = rw.node(n);
  if (!IsConvOp(node)) return false;
  if (!node.has_input(0) || !node.has_input(1) || (!allow_z && node.has_input(3))) return false;
  if (!FloatConstant(rw, node.inputs[1])) return false;
  const Tensor* w = rw.Constant(node.inputs[1]);
  if (w->rank() != 4) return false;
  if (node.has_input(2)) {
    if (!FloatConstant(rw, node.inputs[2])) return false;
    if (rw.Constant(node.inputs[2])->shape() != Shape{w->dim(0)}) return false;
  }
  if (const Attribute* k = node.FindAttribute("kernel_shape")) {
    if (k->kind != Attribute::Kind::kInts ||
        k->ints != std::vector<int64_t>{w->dim(2), w->dim(3)}) {
      return false;
    }
  }
  auto group = node.GetInt("group", 1);
  auto auto_pad = node.GetString("auto_pad", "NOTSET");
  if (!group.ok() || !auto_pad.ok()) return false;
  if (*auto_pad != "NOTSET" && *auto_pad != "VALID") return false;
  view->node = n;
  view->w = w;
  view->group = *group;
  if (!ReadInts(node, "strides", 2, 1, &view->strides) ||
      !ReadInts(node, "dilations", 2, 1, &view->dilations) ||
      !ReadInts(node, "pads", 4, 0, &view->pads)) {
    return false;
  }
  if (*auto_pad == "VALID") {
    for (int64_t p : view->pads) {
      if (p != 0) return false;
    }
  }
  return ParseFusedActivation(node, "").ok();
}

bool AllAre(const std::vector<int64_t>& v, int64_t want) {
  for (int64_t x : v) {
    if (x != want) return false;
  }
  return true;
}

// 1x1, stride 1, no pads, group 1.
bool IsPointwise(const ConvView& c) {
  return c.w->dim(2) == 1 && c.w->dim(3) == 1 && c.group == 1 && AllAre(c.strides, 1) &&
         AllAre(c.pads, 0) && AllAre(c.dilations, 1);
}

// group = channels, W [C, 1, k, k], k ∈ {3, 5}, strides 1 or 2, dilations 1.
bool IsDepthwise(const ConvView& c) {
  const int64_t k = c.w->dim(2);
  if (c.w->dim(1) != 1 || c.group != c.w->dim(0) || c.w->dim(3) != k) return false;
  if (k != 3 && k != 5) return false;
  for (int64_t s : c.strides) {
    if (s != 1 && s != 2) return false;
  }
  for (int64_t p : c.pads) {
    if (p < 0) return false;
  }
  return AllAre(c.dilations, 1);
}

// A finch::SqueezeExcite with constant weights and constant (or absent) biases.
bool IsConstantSqueezeExcite(const Rewriter& rw, const Node& node) {
  if (node.op_type != "SqueezeExcite" || node.domain != kFinchDomain) return false;
  if (!node.has_input(0) || !node.has_input(1) || !node.has_input(3)) return false;
  for (size_t i = 1; i < node.inputs.size(); ++i) {
    if (node.has_input(i) && !FloatConstant(rw, node.inputs[i])) return false;
  }
  return ParseFusedActivation(node, "").ok() && ParseFusedActivation(node, "gate_").ok();
}

Attribute Ints(std::vector<int64_t> v) {
  Attribute a;
  a.kind = Attribute::Kind::kInts;
  a.ints = std::move(v);
  return a;
}

// Copies `from`'s activation (prefix `from_prefix`) to `to` as `<to_prefix>activation`.
void CopyActivation(const Node& from, const std::string& from_prefix, const std::string& to_prefix,
                    Node* to) {
  auto act = ParseFusedActivation(from, from_prefix);  // validated by the guards
  if (act.ok()) SetFusedActivation(to, to_prefix, *act);
}

// Tries to fuse the block whose project conv is node `n`; true when it did.
bool TryFuse(Rewriter& rw, int n) {
  ConvView project;
  if (!ReadConv(rw, n, /*allow_z=*/true, &project) || !IsPointwise(project)) return false;
  const Node& p = rw.node(n);
  const int64_t hidden = project.w->dim(1);

  // [SqueezeExcite] before the project.
  ValueId d = p.inputs[0];
  const int se = rw.ProducerOfType(d, "SqueezeExcite", kFinchDomain);
  if (se >= 0) {
    if (!rw.HasSingleUse(d) || !IsConstantSqueezeExcite(rw, rw.node(se))) return false;
    const Tensor* w_s1 = rw.Constant(rw.node(se).inputs[1]);
    if (w_s1->rank() != 4 || w_s1->dim(1) != hidden) return false;
    d = rw.node(se).inputs[0];
  }

  // The depthwise conv.
  ConvView dw;
  if (!rw.HasSingleUse(d)) return false;
  if (!ReadConv(rw, ConvProducer(rw, d), false, &dw) || !IsDepthwise(dw) ||
      dw.w->dim(0) != hidden) {
    return false;
  }
  const ValueId t = rw.node(dw.node).inputs[0];

  // [The expand conv] before it; else the depthwise reads X directly.
  ConvView expand;
  const bool has_expand = rw.HasSingleUse(t) && ReadConv(rw, ConvProducer(rw, t), false, &expand) &&
                          IsPointwise(expand) && expand.w->dim(0) == hidden;
  const ValueId x = has_expand ? rw.node(expand.node).inputs[0] : t;
  if (!has_expand) {
    const TensorType& tt = rw.graph().values[t].type;
    if (tt.has_rank() &&
        ((*tt.dims).size() != 4 || ((*tt.dims)[1].known() && (*tt.dims)[1].value != hidden))) {
      return false;
    }
  }

  // The residual: exactly the block input, or none.
  const bool residual = p.has_input(3);
  if (residual && p.inputs[3] != x) return false;

  Node block;
  block.op_type = "InvertedResidual";
  block.domain = kFinchDomain;
  block.inputs.assign(kIrNumInputs, kNoValue);
  block.inputs[kIrX] = x;
  std::vector<std::string> fused_from;
  auto add_part = [&](const Node& part) {
    for (const std::string& name : FusedFrom(part)) fused_from.push_back(name);
  };
  if (has_expand) {
    const Node& e = rw.node(expand.node);
    block.inputs[kIrExpandW] = e.inputs[1];
    if (e.has_input(2)) block.inputs[kIrExpandB] = e.inputs[2];
    CopyActivation(e, "", "expand_", &block);
    add_part(e);
  }
  const Node& dwn = rw.node(dw.node);
  block.inputs[kIrDepthwiseW] = dwn.inputs[1];
  if (dwn.has_input(2)) block.inputs[kIrDepthwiseB] = dwn.inputs[2];
  block.attributes["dw_strides"] = Ints(dw.strides);
  block.attributes["dw_pads"] = Ints(dw.pads);
  block.attributes["dw_dilations"] = Ints(dw.dilations);
  CopyActivation(dwn, "", "dw_", &block);
  add_part(dwn);
  if (se >= 0) {
    const Node& sen = rw.node(se);
    for (int i = 0; i < 4; ++i) {
      if (sen.has_input(1 + i)) block.inputs[kIrSeReduceW + i] = sen.inputs[1 + i];
    }
    CopyActivation(sen, "", "se_", &block);
    CopyActivation(sen, "gate_", "se_gate_", &block);
    add_part(sen);
  }
  block.inputs[kIrProjectW] = p.inputs[1];
  if (p.has_input(2)) block.inputs[kIrProjectB] = p.inputs[2];
  CopyActivation(p, "", "project_", &block);
  add_part(p);
  Attribute residual_attr;
  residual_attr.kind = Attribute::Kind::kInt;
  residual_attr.i = residual ? 1 : 0;
  block.attributes["residual"] = residual_attr;
  block.name = fused_from.front();
  SetFusedFrom(&block, std::move(fused_from));
  block.outputs = {p.outputs[0]};

  if (has_expand) rw.Remove(expand.node);
  rw.Remove(dw.node);
  if (se >= 0) rw.Remove(se);
  rw.Replace(n, std::move(block));
  return true;
}

}  // namespace

StatusOr<PassResult> FuseInvertedResidual(const Graph& graph, const PassContext& ctx) {
  return FuseEachNode(graph, TryFuse);
}

}  // namespace finch
