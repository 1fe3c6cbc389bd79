// Schemas of the reductions: Reduce{Sum,Mean,Max,Min,Prod,L1,L2,SumSquare,LogSum,LogSumExp}
// and ArgMax/ArgMin (int64 out), on float32, float64, int32 and int64.
#include "graph/ops/reduce.h"

#include "graph/ops/op_schema.h"

namespace finch {

StatusOr<ReduceAttrs> ParseReduceAttrs(const Node& node, int64_t opset) {
  ReduceAttrs a;
  FINCH_ASSIGN_OR_RETURN(int64_t keepdims, node.GetInt("keepdims", 1));
  a.keepdims = keepdims != 0;
  a.axes_from_input = (node.op_type == "ReduceSum" && opset >= 13) || opset >= 18;
  if (a.axes_from_input) {
    FINCH_ASSIGN_OR_RETURN(int64_t noop, node.GetInt("noop_with_empty_axes", 0));
    a.noop_with_empty_axes = noop != 0;
  } else {
    FINCH_ASSIGN_OR_RETURN(a.axes, node.GetInts("axes", {}));
  }
  return a;
}

StatusOr<ReducedAxes> ResolveReduceAxes(const Node& node, const ReduceAttrs& attrs, int64_t rank,
                                        const std::vector<int64_t>& axes) {
  ReducedAxes r;
  r.reduced.assign(static_cast<size_t>(rank), 0);
  if (axes.empty()) {
    if (attrs.axes_from_input && attrs.noop_with_empty_axes) {
      r.noop = true;
    } else {
      r.reduced.assign(static_cast<size_t>(rank), 1);
    }
    return r;
  }
  const std::string what = attrs.axes_from_input ? "input 1 (axes)" : "attribute 'axes'";
  FINCH_ASSIGN_OR_RETURN(std::vector<int64_t> norm,
                         NormalizeAxes(node, what, axes, rank, /*allow_negative=*/true));
  for (int64_t a : norm) r.reduced[a] = 1;
  return r;
}

Shape ReducedShape(const Shape& in, const ReducedAxes& r, bool keepdims) {
  if (r.noop) return in;
  Shape out;
  for (size_t d = 0; d < in.size(); ++d) {
    if (!r.reduced[d]) {
      out.push_back(in[d]);
    } else if (keepdims) {
      out.push_back(1);
    }
  }
  return out;
}

StatusOr<ArgReduceAttrs> ParseArgReduceAttrs(const Node& node, int64_t opset) {
  ArgReduceAttrs a;
  FINCH_ASSIGN_OR_RETURN(a.axis, node.GetInt("axis", 0));
  FINCH_ASSIGN_OR_RETURN(int64_t keepdims, node.GetInt("keepdims", 1));
  a.keepdims = keepdims != 0;
  if (opset >= 12) {
    FINCH_ASSIGN_OR_RETURN(int64_t last, node.GetInt("select_last_index", 0));
    a.select_last_index = last != 0;
  }
  return a;
}

namespace {

bool ReducibleType(DataType t) {
  return t == DataType::kFloat32 || t == DataType::kFloat64 || t == DataType::kInt32 ||
         t == DataType::kInt64;
}

Status InferReduce(InferContext& ctx) {
  const TensorType& x = ctx.input(0);
  if (!ReducibleType(x.dtype)) {
    return ctx.Unsupported("input 0 (data) has type ", DataTypeName(x.dtype),
                           "; only float32, float64, int32 and int64 are supported");
  }
  FINCH_ASSIGN_OR_RETURN(ReduceAttrs attrs, ParseReduceAttrs(ctx.node, ctx.opset));
  std::vector<int64_t> axes = attrs.axes;
  if (attrs.axes_from_input && ctx.has_input(1)) {
    FINCH_RETURN_IF_ERROR(RequireIndexType(ctx, 1, "axes", /*allow_int32=*/false));
    const Tensor* a = ctx.constant(1);
    if (a == nullptr) {  // fed at run time: which dims go is unknown
      const int64_t rank = x.has_rank() ? static_cast<int64_t>(x.dims->size()) : -1;
      ctx.outputs[0] = RankOnly(x.dtype, attrs.keepdims ? rank : -1);
      return Status::Ok();
    }
    FINCH_ASSIGN_OR_RETURN(axes, ReadInts(ctx.node, InputName(1, "axes"), *a));
  } else if (!attrs.axes_from_input && ctx.has_input(1)) {
    return ctx.Error("has an axes input, which ", ctx.node.op_type, " takes only from opset ",
                     ctx.node.op_type == "ReduceSum" ? 13 : 18, " (this model has opset ",
                     ctx.opset, ")");
  }
  if (!x.has_rank()) {
    ctx.outputs[0] = RankOnly(x.dtype, -1);
    return Status::Ok();
  }
  const Dims in = DimsOf(x);
  FINCH_ASSIGN_OR_RETURN(ReducedAxes r,
                         ResolveReduceAxes(ctx.node, attrs, static_cast<int64_t>(in.size()), axes));
  ctx.outputs[0] = TypeFromDims(x.dtype, ReducedShape(in, r, attrs.keepdims));
  return Status::Ok();
}

Status InferArgReduce(InferContext& ctx) {
  const TensorType& x = ctx.input(0);
  if (!ReducibleType(x.dtype)) {
    return ctx.Unsupported("input 0 (data) has type ", DataTypeName(x.dtype),
                           "; only float32, float64, int32 and int64 are supported");
  }
  FINCH_ASSIGN_OR_RETURN(ArgReduceAttrs attrs, ParseArgReduceAttrs(ctx.node, ctx.opset));
  if (!x.has_rank()) {
    ctx.outputs[0] = RankOnly(DataType::kInt64, -1);
    return Status::Ok();
  }
  Dims in = DimsOf(x);
  FINCH_ASSIGN_OR_RETURN(int64_t axis,
                         NormalizeAxis(ctx.node, "attribute 'axis'", attrs.axis,
                                       static_cast<int64_t>(in.size()), /*allow_negative=*/true));
  if (in[axis] == 0) {
    return ctx.Error("cannot take ", ctx.node.op_type, " over axis ", axis, " of size 0 (input ",
                     x.ToString(), ")");
  }
  if (attrs.keepdims) {
    in[axis] = 1;
  } else {
    in.erase(in.begin() + axis);
  }
  ctx.outputs[0] = TypeFromDims(DataType::kInt64, in);
  return Status::Ok();
}

}  // namespace

void RegisterReduceSchemas(OpSchemaRegistry& r) {
  for (const char* op :
       {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
        "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp"}) {
    r.Register(OpSchema{"", op, 1, 2, 1, 1, 1, InferReduce});
  }
  r.Register(OpSchema{"", "ArgMax", 1, 1, 1, 1, 1, InferArgReduce});
  r.Register(OpSchema{"", "ArgMin", 1, 1, 1, 1, 1, InferArgReduce});
}

}  // namespace finch
