#include "graph/ops/fused.h"

#include "graph/ops/layout.h"

#include <cmath>
#include <limits>

#include "graph/ops/conv.h"
#include "graph/ops/gemm.h"
#include "graph/ops/op_schema.h"
#include "graph/ops/window.h"

namespace finch {

const char* FusedActivationName(FusedActivationKind kind) {
  switch (kind) {
    case FusedActivationKind::kNone: return "";
    case FusedActivationKind::kRelu: return "Relu";
    case FusedActivationKind::kClip: return "Clip";
    case FusedActivationKind::kSigmoid: return "Sigmoid";
    case FusedActivationKind::kSiLU: return "SiLU";
    case FusedActivationKind::kHardSigmoid: return "HardSigmoid";
    case FusedActivationKind::kHardSwish: return "HardSwish";
    case FusedActivationKind::kLeakyRelu: return "LeakyRelu";
    case FusedActivationKind::kGelu: return "Gelu";
    case FusedActivationKind::kGeluTanh: return "GeluTanh";
  }
  return "";
}

StatusOr<FusedActivation> ParseFusedActivation(const Node& node, const std::string& prefix) {
  FINCH_ASSIGN_OR_RETURN(std::string name, node.GetString(prefix + "activation", ""));
  FINCH_ASSIGN_OR_RETURN(std::vector<float> params,
                         node.GetFloats(prefix + "activation_params", {}));
  FusedActivation act;
  size_t want = 0;
  if (name.empty()) {
    act.kind = FusedActivationKind::kNone;
  } else if (name == "Relu") {
    act.kind = FusedActivationKind::kRelu;
  } else if (name == "Clip") {
    act.kind = FusedActivationKind::kClip;
    want = 2;
  } else if (name == "Sigmoid") {
    act.kind = FusedActivationKind::kSigmoid;
  } else if (name == "SiLU") {
    act.kind = FusedActivationKind::kSiLU;
  } else if (name == "HardSigmoid") {
    act.kind = FusedActivationKind::kHardSigmoid;
    want = 2;
  } else if (name == "HardSwish") {
    act.kind = FusedActivationKind::kHardSwish;
  } else if (name == "LeakyRelu") {
    act.kind = FusedActivationKind::kLeakyRelu;
    want = 1;
  } else if (name == "Gelu") {
    act.kind = FusedActivationKind::kGelu;
  } else if (name == "GeluTanh") {
    act.kind = FusedActivationKind::kGeluTanh;
  } else {
    return InvalidArgument(node.Describe(), ": ", prefix, "activation \"", name,
                           "\" is not one of Relu, Clip, Sigmoid, SiLU, HardSigmoid, HardSwish, "
                           "LeakyRelu, Gelu, GeluTanh");
  }
  if (params.size() != want) {
    return InvalidArgument(node.Describe(), ": ", prefix, "activation ", name, " takes ", want,
                           " parameters, ", prefix, "activation_params has ", params.size());
  }
  if (want >= 1) act.alpha = params[0];
  if (want >= 2) act.beta = params[1];
  if (act.kind == FusedActivationKind::kClip && !(act.alpha <= act.beta)) {
    return InvalidArgument(node.Describe(), ": Clip bounds [", act.alpha, ", ", act.beta,
                           "] are empty");
  }
  return act;
}

void SetFusedActivation(Node* node, const std::string& prefix, const FusedActivation& act) {
  node->attributes.erase(prefix + "activation");
  node->attributes.erase(prefix + "activation_params");
  if (act.kind == FusedActivationKind::kNone) return;
  Attribute name;
  name.kind = Attribute::Kind::kString;
  name.s = FusedActivationName(act.kind);
  node->attributes[prefix + "activation"] = name;
  Attribute params;
  params.kind = Attribute::Kind::kFloats;
  switch (act.kind) {
    case FusedActivationKind::kClip:
    case FusedActivationKind::kHardSigmoid: params.floats = {act.alpha, act.beta}; break;
    case FusedActivationKind::kLeakyRelu: params.floats = {act.alpha}; break;
    default: return;
  }
  node->attributes[prefix + "activation_params"] = params;
}

namespace {

Status RequireFloat(const InferContext& ctx) {
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (ctx.has_input(i) && ctx.input(i).dtype != DataType::kFloat32) {
      return ctx.Unsupported("input ", i, " is ", ctx.input(i).ToString(),
                             "; only float32 is supported");
    }
  }
  return Status::Ok();
}

bool AllStatic(const InferContext& ctx) {
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (ctx.has_input(i) && !ctx.input(i).is_static()) return false;
  }
  return true;
}

// Output of unknown dims but known rank, while an input shape is not yet known.
void RankOnly(InferContext& ctx, size_t rank) {
  ctx.outputs[0].dtype = DataType::kFloat32;
  ctx.outputs[0].dims.emplace(rank);
}

Status InferFusedConv(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireFloat(ctx));
  FINCH_RETURN_IF_ERROR(ParseFusedActivation(ctx.node, "").status());
  if (!AllStatic(ctx)) {
    RankOnly(ctx, ctx.input(0).has_rank() ? ctx.input(0).dims->size() : 4);
    return Status::Ok();
  }
  Shape bias;
  if (ctx.has_input(2)) bias = ctx.input(2).static_shape();
  FINCH_ASSIGN_OR_RETURN(ConvGeometry g,
                         ResolveConv(ctx.node, ctx.input(0).static_shape(),
                                     ctx.input(1).static_shape(), ctx.has_input(2) ? &bias : nullptr));
  Shape out = {g.batch, g.out_channels};
  out.insert(out.end(), g.window.out.begin(), g.window.out.end());
  if (ctx.has_input(3) && ctx.input(3).static_shape() != out) {
    return ctx.Error("residual input Z has shape ", ShapeToString(ctx.input(3).static_shape()),
                     ", the convolution's output has ", ShapeToString(out));
  }
  ctx.SetOutput(0, DataType::kFloat32, out);
  return Status::Ok();
}

Status InferFusedGemm(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireFloat(ctx));
  FINCH_RETURN_IF_ERROR(ParseFusedActivation(ctx.node, "").status());
  if (!AllStatic(ctx)) {
    RankOnly(ctx, 2);
    return Status::Ok();
  }
  FINCH_ASSIGN_OR_RETURN(GemmAttributes attrs, ParseGemmAttributes(ctx.node, 13));
  Shape c;
  if (ctx.has_input(2)) c = ctx.input(2).static_shape();
  FINCH_ASSIGN_OR_RETURN(GemmGeometry g,
                         ResolveGemm(ctx.node, attrs, ctx.input(0).static_shape(),
                                     ctx.input(1).static_shape(), ctx.has_input(2) ? &c : nullptr));
  ctx.SetOutput(0, DataType::kFloat32, {g.m, g.n});
  return Status::Ok();
}

// W1 [Cr, C, 1, 1], B1 [Cr], W2 [C, Cr, 1, 1], B2 [C] for X [N, C, ...].
Status CheckSqueezeExciteWeights(const Node& node, int64_t channels, const Shape& w1,
                                 const Shape* b1, const Shape& w2, const Shape* b2,
                                 int64_t* reduced) {
  if (w1.size() != 4 || w1[1] != channels || w1[2] != 1 || w1[3] != 1) {
    return InvalidArgument(node.Describe(), ": squeeze-excite reduce weight ", ShapeToString(w1),
                           " is not [Cr, ", channels, ", 1, 1]");
  }
  *reduced = w1[0];
  if (w2.size() != 4 || w2[0] != channels || w2[1] != *reduced || w2[2] != 1 || w2[3] != 1) {
    return InvalidArgument(node.Describe(), ": squeeze-excite expand weight ", ShapeToString(w2),
                           " is not [", channels, ", ", *reduced, ", 1, 1]");
  }
  if (b1 && *b1 != Shape{*reduced}) {
    return InvalidArgument(node.Describe(), ": squeeze-excite reduce bias ", ShapeToString(*b1),
                           " is not [", *reduced, "]");
  }
  if (b2 && *b2 != Shape{channels}) {
    return InvalidArgument(node.Describe(), ": squeeze-excite expand bias ", ShapeToString(*b2),
                           " is not [", channels, "]");
  }
  return Status::Ok();
}

Status InferSqueezeExcite(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireFloat(ctx));
  FINCH_RETURN_IF_ERROR(ParseFusedActivation(ctx.node, "").status());
  FINCH_RETURN_IF_ERROR(ParseFusedActivation(ctx.node, "gate_").status());
  if (!AllStatic(ctx)) {
    RankOnly(ctx, 4);
    return Status::Ok();
  }
  const Shape x = ctx.input(0).static_shape();
  if (x.size() != 4) return ctx.Error("X has shape ", ShapeToString(x), ", expected [N, C, H, W]");
  Shape b1, b2;
  if (ctx.has_input(2)) b1 = ctx.input(2).static_shape();
  if (ctx.has_input(4)) b2 = ctx.input(4).static_shape();
  int64_t reduced = 0;
  FINCH_RETURN_IF_ERROR(CheckSqueezeExciteWeights(
      ctx.node, x[1], ctx.input(1).static_shape(), ctx.has_input(2) ? &b1 : nullptr,
      ctx.input(3).static_shape(), ctx.has_input(4) ? &b2 : nullptr, &reduced));
  ctx.SetOutput(0, DataType::kFloat32, x);
  return Status::Ok();
}

Status InferInvertedResidual(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireFloat(ctx));
  if (!AllStatic(ctx)) {
    RankOnly(ctx, 4);
    return Status::Ok();
  }
  std::vector<Shape> shapes(kIrNumInputs);
  std::vector<const Shape*> ptrs(kIrNumInputs, nullptr);
  for (size_t i = 0; i < kIrNumInputs; ++i) {
    if (!ctx.has_input(i)) continue;
    shapes[i] = ctx.input(i).static_shape();
    ptrs[i] = &shapes[i];
  }
  FINCH_ASSIGN_OR_RETURN(InvertedResidualGeometry g, ResolveInvertedResidual(ctx.node, ptrs));
  ctx.SetOutput(0, DataType::kFloat32, {g.batch, g.out_channels, g.out_h, g.out_w});
  return Status::Ok();
}

Status CheckBias(const Node& node, const char* what, const Shape* b, int64_t channels) {
  if (b && *b != Shape{channels}) {
    return InvalidArgument(node.Describe(), ": ", what, " bias has shape ", ShapeToString(*b),
                           ", expected [", channels, "]");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<InvertedResidualGeometry> ResolveInvertedResidual(const Node& node,
                                                           const std::vector<const Shape*>& s) {
  InvertedResidualGeometry g;
  if (s.size() != kIrNumInputs || !s[kIrX] || !s[kIrDepthwiseW] || !s[kIrProjectW]) {
    return InvalidArgument(node.Describe(), ": needs X, the depthwise weight (input 3) and the ",
                           "project weight (input 9)");
  }
  const Shape& x = *s[kIrX];
  if (x.size() != 4) {
    return InvalidArgument(node.Describe(), ": X has shape ", ShapeToString(x),
                           ", expected [N, C, H, W]");
  }
  g.batch = x[0];
  g.in_channels = x[1];
  g.in_h = x[2];
  g.in_w = x[3];
  g.expand = s[kIrExpandW] != nullptr;
  g.hidden_channels = g.in_channels;
  if (g.expand) {
    const Shape& we = *s[kIrExpandW];
    if (we.size() != 4 || we[1] != g.in_channels || we[2] != 1 || we[3] != 1) {
      return InvalidArgument(node.Describe(), ": expand weight ", ShapeToString(we),
                             " is not [hidden, ", g.in_channels, ", 1, 1]");
    }
    g.hidden_channels = we[0];
    FINCH_RETURN_IF_ERROR(CheckBias(node, "expand", s[kIrExpandB], g.hidden_channels));
  } else if (s[kIrExpandB]) {
    return InvalidArgument(node.Describe(), ": an expand bias without an expand weight");
  }
  const Shape& wd = *s[kIrDepthwiseW];
  if (wd.size() != 4 || wd[0] != g.hidden_channels || wd[1] != 1) {
    return InvalidArgument(node.Describe(), ": depthwise weight ", ShapeToString(wd),
                           " is not [", g.hidden_channels, ", 1, kh, kw]");
  }
  FINCH_RETURN_IF_ERROR(CheckBias(node, "depthwise", s[kIrDepthwiseB], g.hidden_channels));
  // The depthwise window: dw_* attributes, read through a Conv-shaped view of the node.
  Node window_node;
  window_node.name = node.name;
  window_node.op_type = node.op_type;
  window_node.domain = node.domain;
  for (const char* a : {"strides", "pads", "dilations"}) {
    if (const Attribute* attr = node.FindAttribute(std::string("dw_") + a)) {
      window_node.attributes[a] = *attr;
    }
  }
  FINCH_ASSIGN_OR_RETURN(WindowGeometry w,
                         ResolveWindow(window_node, {g.in_h, g.in_w}, {wd[2], wd[3]}, false));
  g.kernel_h = w.kernel[0];
  g.kernel_w = w.kernel[1];
  g.stride_h = w.stride[0];
  g.stride_w = w.stride[1];
  g.dilation_h = w.dilation[0];
  g.dilation_w = w.dilation[1];
  g.pad_top = w.pad_begin[0];
  g.pad_left = w.pad_begin[1];
  g.pad_bottom = w.pad_end[0];
  g.pad_right = w.pad_end[1];
  g.out_h = w.out[0];
  g.out_w = w.out[1];
  g.se = s[kIrSeReduceW] != nullptr;
  if (g.se) {
    if (!s[kIrSeExpandW]) {
      return InvalidArgument(node.Describe(), ": a squeeze-excite reduce weight without its "
                             "expand weight (input 7)");
    }
    FINCH_RETURN_IF_ERROR(CheckSqueezeExciteWeights(node, g.hidden_channels, *s[kIrSeReduceW],
                                                    s[kIrSeReduceB], *s[kIrSeExpandW],
                                                    s[kIrSeExpandB], &g.se_channels));
  } else if (s[kIrSeReduceB] || s[kIrSeExpandW] || s[kIrSeExpandB]) {
    return InvalidArgument(node.Describe(), ": squeeze-excite inputs without its reduce weight");
  }
  const Shape& wp = *s[kIrProjectW];
  if (wp.size() != 4 || wp[1] != g.hidden_channels || wp[2] != 1 || wp[3] != 1) {
    return InvalidArgument(node.Describe(), ": project weight ", ShapeToString(wp),
                           " is not [out, ", g.hidden_channels, ", 1, 1]");
  }
  g.out_channels = wp[0];
  FINCH_RETURN_IF_ERROR(CheckBias(node, "project", s[kIrProjectB], g.out_channels));
  FINCH_ASSIGN_OR_RETURN(int64_t residual, node.GetInt("residual", 0));
  g.residual = residual != 0;
  if (g.residual && (g.out_channels != g.in_channels || g.out_h != g.in_h || g.out_w != g.in_w)) {
    return InvalidArgument(node.Describe(), ": residual = 1 but the output [", g.out_channels,
                           ", ", g.out_h, ", ", g.out_w, "] differs from the input [",
                           g.in_channels, ", ", g.in_h, ", ", g.in_w, "]");
  }
  FINCH_ASSIGN_OR_RETURN(g.expand_act, ParseFusedActivation(node, "expand_"));
  FINCH_ASSIGN_OR_RETURN(g.dw_act, ParseFusedActivation(node, "dw_"));
  FINCH_ASSIGN_OR_RETURN(g.se_act, ParseFusedActivation(node, "se_"));
  FINCH_ASSIGN_OR_RETURN(g.se_gate, ParseFusedActivation(node, "se_gate_"));
  FINCH_ASSIGN_OR_RETURN(g.project_act, ParseFusedActivation(node, "project_"));
  return g;
}

void RegisterFusedSchemas(OpSchemaRegistry& r) {
  // The spatial ones may run channels-last (layout = "NHWC", graph/ops/layout.h).
  r.Register(OpSchema{kFinchDomain, "FusedConv", 2, 4, 1, 1, 1,
                      LayoutAware(InferFusedConv, {0, 3})});
  r.Register(OpSchema{kFinchDomain, "FusedGemm", 2, 3, 1, 1, 1, InferFusedGemm});
  r.Register(OpSchema{kFinchDomain, "SqueezeExcite", 5, 5, 1, 1, 1,
                      LayoutAware(InferSqueezeExcite, {0})});
  // Inputs 1, 2 and 5..8 may be omitted; ResolveInvertedResidual checks the required ones.
  r.Register(OpSchema{kFinchDomain, "InvertedResidual", 1, kIrNumInputs, 1, 1, 1,
                      LayoutAware(InferInvertedResidual, {kIrX})});
}

}  // namespace finch
