#include "graph/ops/transformer.h"

#include <algorithm>

#include "graph/ops/attention.h"
#include "graph/ops/op_schema.h"

namespace finch {
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

// Y has X's type (rank, when known) while a shape is unknown.
void LikeX(InferContext& ctx) {
  ctx.outputs[0].dtype = DataType::kFloat32;
  ctx.outputs[0].dims = ctx.input(0).dims;
}

Status InferLayerNorm(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireFloat(ctx));
  FINCH_ASSIGN_OR_RETURN(FusedLayerNormAttributes attrs, ParseFusedLayerNormAttributes(ctx.node));
  if (!AllStatic(ctx)) {
    LikeX(ctx);
    return Status::Ok();
  }
  const Shape x = ctx.input(0).static_shape();
  Shape scale, bias;
  if (ctx.has_input(1)) scale = ctx.input(1).static_shape();
  if (ctx.has_input(2)) bias = ctx.input(2).static_shape();
  FINCH_RETURN_IF_ERROR(ResolveFusedLayerNorm(ctx.node, attrs, x,
                                              ctx.has_input(1) ? &scale : nullptr,
                                              ctx.has_input(2) ? &bias : nullptr)
                            .status());
  ctx.SetOutput(0, DataType::kFloat32, x);
  return Status::Ok();
}

Status InferGelu(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireFloat(ctx));
  FINCH_RETURN_IF_ERROR(ParseGeluApproximation(ctx.node).status());
  LikeX(ctx);
  return Status::Ok();
}

Status InferFusedMatMul(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireFloat(ctx));
  FINCH_RETURN_IF_ERROR(ParseFusedActivation(ctx.node, "").status());
  if (!AllStatic(ctx)) {  // Y has A's rank
    ctx.outputs[0].dtype = DataType::kFloat32;
    if (ctx.input(0).has_rank()) ctx.outputs[0].dims.emplace(ctx.input(0).dims->size());
    return Status::Ok();
  }
  const Shape a = ctx.input(0).static_shape();
  Shape bias;
  if (ctx.has_input(2)) bias = ctx.input(2).static_shape();
  FINCH_ASSIGN_OR_RETURN(FusedMatMulGeometry g,
                         ResolveFusedMatMul(ctx.node, a, ctx.input(1).static_shape(),
                                            ctx.has_input(2) ? &bias : nullptr));
  Shape out = a;
  out.back() = g.n;
  ctx.SetOutput(0, DataType::kFloat32, out);
  return Status::Ok();
}

}  // namespace

StatusOr<FusedLayerNormAttributes> ParseFusedLayerNormAttributes(const Node& node) {
  FusedLayerNormAttributes a;
  FINCH_ASSIGN_OR_RETURN(a.axis, node.GetInt("axis", -1));
  FINCH_ASSIGN_OR_RETURN(a.epsilon, node.GetFloat("epsilon", 1e-5f));
  if (!(a.epsilon >= 0.f)) {
    return InvalidArgument(node.Describe(), ": epsilon ", a.epsilon, " is negative or NaN");
  }
  return a;
}

StatusOr<FusedLayerNormGeometry> ResolveFusedLayerNorm(const Node& node,
                                                       const FusedLayerNormAttributes& attrs,
                                                       const Shape& x, const Shape* scale,
                                                       const Shape* bias) {
  const int64_t r = static_cast<int64_t>(x.size());
  if (attrs.axis < -r || attrs.axis >= r) {
    return InvalidArgument(node.Describe(), ": axis ", attrs.axis, " is out of range for X ",
                           ShapeToString(x), " (expected ", -r, " to ", r - 1, ")");
  }
  const int64_t axis = attrs.axis < 0 ? attrs.axis + r : attrs.axis;
  FusedLayerNormGeometry g;
  for (int64_t i = 0; i < r; ++i) (i < axis ? g.outer : g.inner) *= x[i];
  // Compared in place: a run with shapes known only then resolves this again, allocation-free.
  const Shape* params[2] = {scale, bias};
  const char* names[2] = {"1 (Scale)", "2 (B)"};
  for (int p = 0; p < 2; ++p) {
    if (params[p] == nullptr) continue;
    const Shape& s = *params[p];
    const bool normalized = static_cast<int64_t>(s.size()) == r - axis &&
                            std::equal(s.begin(), s.end(), x.begin() + axis);
    const bool flat = s.size() == 1 && s[0] == g.inner;
    if (!normalized && !flat) {
      return InvalidArgument(node.Describe(), ": input ", names[p], " has shape ", ShapeToString(s),
                             "; expected the normalized shape ",
                             ShapeToString(Shape(x.begin() + axis, x.end())), " of X ",
                             ShapeToString(x), " or [", g.inner, "]");
    }
  }
  return g;
}

StatusOr<FusedActivation> ParseGeluApproximation(const Node& node) {
  FINCH_ASSIGN_OR_RETURN(std::string approximate, node.GetString("approximate", "none"));
  FusedActivation act;
  if (approximate == "none") {
    act.kind = FusedActivationKind::kGelu;
  } else if (approximate == "tanh") {
    act.kind = FusedActivationKind::kGeluTanh;
  } else {
    return InvalidArgument(node.Describe(), ": approximate is \"", approximate,
                           "\", expected \"none\" or \"tanh\"");
  }
  return act;
}

StatusOr<FusedMatMulGeometry> ResolveFusedMatMul(const Node& node, const Shape& a, const Shape& b,
                                                 const Shape* bias) {
  if (a.empty()) return InvalidArgument(node.Describe(), ": A is a scalar; expected [..., K]");
  if (b.size() != 2 || b[0] != a.back()) {
    return InvalidArgument(node.Describe(), ": B has shape ", ShapeToString(b),
                           "; expected [K, N] with K = ", a.back(), " (A ", ShapeToString(a), ")");
  }
  FusedMatMulGeometry g;
  g.k = b[0];
  g.n = b[1];
  g.rows = 1;
  for (size_t i = 0; i + 1 < a.size(); ++i) g.rows *= a[i];
  if (bias && !(bias->size() == 1 && (*bias)[0] == g.n)) {
    return InvalidArgument(node.Describe(), ": bias has shape ", ShapeToString(*bias),
                           ", expected [", g.n, "]");
  }
  return g;
}

void RegisterTransformerSchemas(OpSchemaRegistry& r) {
  r.Register(OpSchema{kFinchDomain, "LayerNormalization", 1, 3, 1, 1, 1, InferLayerNorm});
  r.Register(OpSchema{kFinchDomain, "Gelu", 1, 1, 1, 1, 1, InferGelu});
  r.Register(OpSchema{kFinchDomain, "FusedMatMul", 2, 3, 1, 1, 1, InferFusedMatMul});
  RegisterAttentionSchemas(r);
}

}  // namespace finch
