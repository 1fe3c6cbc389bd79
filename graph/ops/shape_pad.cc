// Schema of Pad: constant, reflect and edge modes; pads (and the constant value) from
// attributes before opset 11, from inputs after.
#include "graph/ops/shape.h"

namespace finch {

StatusOr<PadMode> ParsePadMode(const Node& node) {
  FINCH_ASSIGN_OR_RETURN(std::string mode, node.GetString("mode", "constant"));
  if (mode == "constant") return PadMode::kConstant;
  if (mode == "reflect") return PadMode::kReflect;
  if (mode == "edge") return PadMode::kEdge;
  if (mode == "wrap") {
    return Unimplemented(node.Describe(), ": mode 'wrap' is not supported");
  }
  return InvalidArgument(node.Describe(), ": attribute 'mode' is '", mode,
                         "', expected 'constant', 'reflect' or 'edge'");
}

StatusOr<std::vector<int64_t>> PadsFromAttributes(const Node& node, int64_t opset) {
  const char* name = opset < 2 ? "paddings" : "pads";
  if (node.FindAttribute(name) == nullptr) {
    return InvalidArgument(node.Describe(), ": attribute '", name, "' is missing");
  }
  return node.GetInts(name, {});
}

StatusOr<PadGeometry> ResolvePad(const Node& node, PadMode mode, const Shape& in,
                                 const std::vector<int64_t>& pads) {
  const size_t rank = in.size();
  if (pads.size() != 2 * rank) {
    return InvalidArgument(node.Describe(), ": pads ", ShapeToString(pads), " has ", pads.size(),
                           " values, expected ", 2 * rank, " (begin and end for each of the ", rank,
                           " dims of ", ShapeToString(in), ")");
  }
  PadGeometry g;
  for (size_t d = 0; d < rank; ++d) {
    const int64_t begin = pads[d], end = pads[d + rank];
    int64_t out = 0;
    if (__builtin_add_overflow(in[d], begin, &out) || __builtin_add_overflow(out, end, &out) ||
        out < 0) {
      return InvalidArgument(node.Describe(), ": pads ", ShapeToString(pads), " crop dim ", d,
                             " of size ", in[d], " below zero");
    }
    // A negative pad crops; cropping more than the dim holds is meaningless, and bounding it
    // keeps the kernel's coordinate arithmetic (out index − begin) inside int64.
    if (begin < -in[d] || end < -in[d]) {
      return InvalidArgument(node.Describe(), ": pads ", ShapeToString(pads), " crop more than ",
                             "the ", in[d], " elements of dim ", d);
    }
    if (mode != PadMode::kConstant && in[d] == 0 && out > 0) {
      return InvalidArgument(node.Describe(), ": cannot pad dim ", d, " of size 0 in '",
                             mode == PadMode::kEdge ? "edge" : "reflect",
                             "' mode: there is no element to repeat");
    }
    g.begin.push_back(begin);
    g.out.push_back(out);
  }
  return g;
}

namespace {

int64_t Rank(const TensorType& t) {
  return t.has_rank() ? static_cast<int64_t>(t.dims->size()) : -1;
}

Status InferPad(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireStorable(ctx, 0, "data"));
  const TensorType& x = ctx.input(0);
  FINCH_ASSIGN_OR_RETURN(PadMode mode, ParsePadMode(ctx.node));
  std::vector<int64_t> pads;
  if (ctx.opset < 11) {
    FINCH_ASSIGN_OR_RETURN(pads, PadsFromAttributes(ctx.node, ctx.opset));
    FINCH_ASSIGN_OR_RETURN(float value, ctx.node.GetFloat("value", 0.f));
    if (value != 0 && (x.dtype == DataType::kFloat16 || x.dtype == DataType::kBfloat16)) {
      return ctx.Unsupported("a non-zero pad value for ", DataTypeName(x.dtype), " data");
    }
  } else {
    if (!ctx.has_input(1)) return ctx.Error("input 1 (pads) is missing");
    FINCH_RETURN_IF_ERROR(RequireIndexType(ctx, 1, "pads", /*allow_int32=*/false));
    if (ctx.has_input(2)) {
      const TensorType& v = ctx.input(2);
      if (v.dtype != x.dtype) {
        return ctx.Error(InputName(2, "constant_value"), " has type ", DataTypeName(v.dtype),
                         ", expected the data's ", DataTypeName(x.dtype));
      }
      if (v.is_static() && NumElements(v.static_shape()) != 1) {
        return ctx.Error(InputName(2, "constant_value"), " has shape ", v.ToString(),
                         ", expected a scalar");
      }
    }
    const Tensor* p = ctx.constant(1);
    if (p == nullptr) {
      ctx.outputs[0] = RankOnly(x.dtype, Rank(x));
      return Status::Ok();
    }
    FINCH_ASSIGN_OR_RETURN(pads, ReadInts(ctx.node, InputName(1, "pads"), *p));
  }
  if (!x.is_static()) {
    ctx.outputs[0] = RankOnly(x.dtype, Rank(x));
    return Status::Ok();
  }
  FINCH_ASSIGN_OR_RETURN(PadGeometry g, ResolvePad(ctx.node, mode, x.static_shape(), pads));
  ctx.SetOutput(0, x.dtype, g.out);
  return Status::Ok();
}

}  // namespace

void RegisterShapePadSchemas(OpSchemaRegistry& r) {
  r.Register(OpSchema{"", "Pad", 1, 3, 1, 1, 1, InferPad});
}

}  // namespace finch
