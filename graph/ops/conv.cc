#include "graph/ops/conv.h"

#include "graph/checked_math.h"
#include "graph/ops/op_schema.h"

namespace finch {

Status CheckConvRanks(const Node& node, const Shape& x, const Shape& w) {
  if (x.size() < 3 || x.size() > 5) {
    return InvalidArgument(node.Describe(), ": input X has shape ", ShapeToString(x),
                           "; expected rank 3 to 5 (N, C, 1 to 3 spatial dims)");
  }
  if (w.size() != x.size()) {
    return InvalidArgument(node.Describe(), ": weight has rank ", w.size(), ", expected ",
                           x.size(), " (the rank of X ", ShapeToString(x), ")");
  }
  return Status::Ok();
}

StatusOr<ConvGeometry> ResolveConv(const Node& node, const Shape& x, const Shape& w,
                                   const Shape* bias) {
  FINCH_RETURN_IF_ERROR(CheckConvRanks(node, x, w));
  ConvGeometry g;
  g.batch = x[0];
  g.in_channels = x[1];
  g.out_channels = w[0];
  FINCH_ASSIGN_OR_RETURN(g.groups, node.GetInt("group", 1));
  if (g.groups < 1 || g.in_channels % g.groups != 0 || g.out_channels % g.groups != 0) {
    return InvalidArgument(node.Describe(), ": group ", g.groups, " must be >= 1 and divide both ",
                           "input channels ", g.in_channels, " and output channels ",
                           g.out_channels);
  }
  // Compared as a quotient: w[1]·group can overflow for a hostile group or empty weight.
  if (w[1] != g.in_channels / g.groups) {
    int64_t expected = 0;
    const std::string count = CheckedMul(w[1], g.groups, &expected) ? StrCat(expected)
                                                                     : std::string("2^63+");
    return InvalidArgument(node.Describe(), ": weight ", ShapeToString(w), " expects ", count,
                           " input channels (", w[1], " x group ", g.groups, "), X ",
                           ShapeToString(x), " has ", g.in_channels);
  }
  if (bias && (bias->size() != 1 || (*bias)[0] != g.out_channels)) {
    return InvalidArgument(node.Describe(), ": bias has shape ", ShapeToString(*bias),
                           ", expected [", g.out_channels, "]");
  }
  std::vector<int64_t> in(x.begin() + 2, x.end()), kernel(w.begin() + 2, w.end());
  FINCH_ASSIGN_OR_RETURN(g.window, ResolveWindow(node, in, kernel, /*allow_ceil_mode=*/false));
  return g;
}

Status InferConvLike(InferContext& ctx, ConvResolver resolve) {
  const TensorType& x = ctx.input(0);
  const TensorType& w = ctx.input(1);
  if (x.dtype != DataType::kFloat32 || w.dtype != DataType::kFloat32 ||
      (ctx.has_input(2) && ctx.input(2).dtype != DataType::kFloat32)) {
    return ctx.Unsupported("inputs are ", x.ToString(), " and ", w.ToString(),
                           "; only float32 is supported");
  }
  if (!x.is_static() || !w.is_static()) {
    // Rank only: the output has the rank of X.
    ctx.outputs[0].dtype = DataType::kFloat32;
    if (x.has_rank()) ctx.outputs[0].dims.emplace(x.dims->size());
    return Status::Ok();
  }
  Shape bias;
  if (ctx.has_input(2)) bias = ctx.input(2).static_shape();
  FINCH_ASSIGN_OR_RETURN(ConvGeometry g, resolve(ctx.node, x.static_shape(), w.static_shape(),
                                                 ctx.has_input(2) ? &bias : nullptr));
  Shape out = {g.batch, g.out_channels};
  out.insert(out.end(), g.window.out.begin(), g.window.out.end());
  ctx.SetOutput(0, DataType::kFloat32, out);
  return Status::Ok();
}

void RegisterConvSchemas(OpSchemaRegistry& r) {
  r.Register(OpSchema{"", "Conv", 2, 3, 1, 1, 1,
                      [](InferContext& ctx) { return InferConvLike(ctx, ResolveConv); }});
}

}  // namespace finch
