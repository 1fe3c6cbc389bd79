// Schemas of the misc family (see misc.h for the opset history).
#include "graph/ops/misc.h"

#include "graph/ops/axes.h"
#include "graph/ops/normalization.h"
#include "graph/ops/op_schema.h"

namespace finch {

bool IsMiscNumeric(DataType t) {
  return t == DataType::kFloat32 || t == DataType::kFloat64 || t == DataType::kInt32 ||
         t == DataType::kInt64;
}

StatusOr<CumSumAttributes> ParseCumSum(const Node& node) {
  CumSumAttributes a;
  FINCH_ASSIGN_OR_RETURN(int64_t exclusive, node.GetInt("exclusive", 0));
  FINCH_ASSIGN_OR_RETURN(int64_t reverse, node.GetInt("reverse", 0));
  if ((exclusive != 0 && exclusive != 1) || (reverse != 0 && reverse != 1)) {
    return InvalidArgument(node.Describe(), ": exclusive is ", exclusive, " and reverse is ",
                           reverse, "; each must be 0 or 1");
  }
  a.exclusive = exclusive == 1;
  a.reverse = reverse == 1;
  return a;
}

StatusOr<TopKAttributes> ParseTopK(const Node& node, int64_t opset) {
  TopKAttributes a;
  FINCH_ASSIGN_OR_RETURN(a.axis, node.GetInt("axis", -1));
  if (opset >= 11) {
    FINCH_ASSIGN_OR_RETURN(int64_t largest, node.GetInt("largest", 1));
    FINCH_ASSIGN_OR_RETURN(int64_t sorted, node.GetInt("sorted", 1));
    if ((largest != 0 && largest != 1) || (sorted != 0 && sorted != 1)) {
      return InvalidArgument(node.Describe(), ": largest is ", largest, " and sorted is ", sorted,
                             "; each must be 0 or 1");
    }
    a.largest = largest == 1;
    a.sorted = sorted == 1;
  }
  return a;
}

StatusOr<int64_t> ResolveTopK(const Node& node, int64_t opset, const Tensor* k_input,
                              int64_t dim) {
  int64_t k = 0;
  if (opset < 10) {
    const Attribute* attr = node.FindAttribute("k");
    if (attr == nullptr) return InvalidArgument(node.Describe(), ": attribute 'k' is missing");
    FINCH_ASSIGN_OR_RETURN(k, node.GetInt("k", 0));
  } else {
    if (k_input == nullptr) return InvalidArgument(node.Describe(), ": input 1 (K) is missing");
    FINCH_ASSIGN_OR_RETURN(std::vector<int64_t> ks, ReadInts(node, "input 1 (K)", *k_input));
    if (ks.size() != 1) {
      return InvalidArgument(node.Describe(), ": input 1 (K) has ", ks.size(),
                             " elements, expected 1");
    }
    k = ks[0];
  }
  if (k < 0 || k > dim) {
    return InvalidArgument(node.Describe(), ": k is ", k, ", out of range [0, ", dim,
                           "] for the size of the axis");
  }
  return k;
}

AxisSplit SplitAtAxis(const Shape& shape, int64_t axis) {
  AxisSplit s;
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i) {
    if (i < axis) s.outer *= shape[i];
    if (i == axis) s.axis = shape[i];
    if (i > axis) s.inner *= shape[i];
  }
  return s;
}

StatusOr<DepthSpace> ResolveDepthSpace(const Node& node, int64_t opset, const Shape& x) {
  DepthSpace d;
  if (node.FindAttribute("blocksize") == nullptr) {
    return InvalidArgument(node.Describe(), ": attribute 'blocksize' is missing");
  }
  FINCH_ASSIGN_OR_RETURN(d.blocksize, node.GetInt("blocksize", 1));
  const bool to_space = node.op_type == "DepthToSpace";
  if (to_space && opset >= 11) {
    FINCH_ASSIGN_OR_RETURN(std::string mode, node.GetString("mode", "DCR"));
    if (mode != "DCR" && mode != "CRD") {
      return InvalidArgument(node.Describe(), ": mode is \"", mode,
                             "\", expected \"DCR\" or \"CRD\"");
    }
    d.crd = mode == "CRD";
  }
  const int64_t b = d.blocksize;
  if (b < 1 || b > (int64_t{1} << 20)) {
    return InvalidArgument(node.Describe(), ": blocksize is ", b, ", expected >= 1");
  }
  if (x.size() != 4) {
    return InvalidArgument(node.Describe(), ": input 0 (input) has shape ", ShapeToString(x),
                           ", expected rank 4 [N, C, H, W]");
  }
  if (to_space) {
    if (x[1] % (b * b) != 0) {
      return InvalidArgument(node.Describe(), ": input 0 has ", x[1],
                             " channels, not divisible by blocksize² = ", b * b);
    }
    d.out = {x[0], x[1] / (b * b), x[2] * b, x[3] * b};
  } else {
    if (x[2] % b != 0 || x[3] % b != 0) {
      return InvalidArgument(node.Describe(), ": input 0 spatial size ", x[2], "x", x[3],
                             " is not divisible by blocksize ", b);
    }
    d.out = {x[0], x[1] * b * b, x[2] / b, x[3] / b};
  }
  return d;
}

StatusOr<int64_t> ReadOneHotDepth(const Node& node, const Tensor& depth) {
  if (depth.num_elements() != 1) {
    return InvalidArgument(node.Describe(), ": input 1 (depth) has shape ",
                           ShapeToString(depth.shape()), ", expected one element");
  }
  const double v = ElementAsDouble(depth, 0);
  if (!(v >= 1) || v > 1e12) {
    return InvalidArgument(node.Describe(), ": input 1 (depth) is ", v, ", expected >= 1");
  }
  return static_cast<int64_t>(v);
}

StatusOr<bool> ParseTriluUpper(const Node& node) {
  FINCH_ASSIGN_OR_RETURN(int64_t upper, node.GetInt("upper", 1));
  if (upper != 0 && upper != 1) {
    return InvalidArgument(node.Describe(), ": upper is ", upper, ", expected 0 or 1");
  }
  return upper == 1;
}

StatusOr<int64_t> ReadTriluK(const Node& node, const Tensor* k) {
  if (k == nullptr) return int64_t{0};
  FINCH_ASSIGN_OR_RETURN(std::vector<int64_t> ks, ReadInts(node, "input 1 (k)", *k));
  if (ks.size() != 1) {
    return InvalidArgument(node.Describe(), ": input 1 (k) has ", ks.size(),
                           " elements, expected 1");
  }
  return ks[0];
}

StatusOr<DataType> ParseEyeLikeType(const Node& node, DataType input) {
  if (node.FindAttribute("dtype") == nullptr) return input;
  FINCH_ASSIGN_OR_RETURN(int64_t v, node.GetInt("dtype", 0));
  if (v < 1 || v > static_cast<int64_t>(DataType::kBfloat16)) {
    return InvalidArgument(node.Describe(), ": dtype is ", v, ", not a tensor element type");
  }
  return static_cast<DataType>(v);
}

namespace {

Status RequireMiscNumeric(const InferContext& ctx, size_t i) {
  const DataType t = ctx.input(i).dtype;
  if (IsMiscNumeric(t)) return Status::Ok();
  return ctx.Unsupported("input ", i, " has type ", DataTypeName(t), "; finch implements ",
                         ctx.node.op_type, " for float32, float64, int32, int64");
}

// Output 0 with input 0's (possibly partial) type and `dtype`.
void SameShape(InferContext& ctx, size_t out, DataType dtype) {
  ctx.outputs[out] = ctx.input(0);
  ctx.outputs[out].dtype = dtype;
}

Status InferHardmax(InferContext& ctx) {
  if (ctx.input(0).dtype != DataType::kFloat32) {
    return ctx.Unsupported("input 0 has type ", DataTypeName(ctx.input(0).dtype),
                           "; finch implements Hardmax for float32");
  }
  if (ctx.input(0).is_static()) {
    FINCH_RETURN_IF_ERROR(ResolveSoftmax(ctx.node, ctx.opset, ctx.input(0).static_shape()).status());
  }
  SameShape(ctx, 0, DataType::kFloat32);
  return Status::Ok();
}

Status InferCumSum(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireMiscNumeric(ctx, 0));
  FINCH_RETURN_IF_ERROR(RequireIndexType(ctx, 1, "axis", true));
  FINCH_RETURN_IF_ERROR(ParseCumSum(ctx.node).status());
  if (const Tensor* axis = ctx.constant(1); axis != nullptr && ctx.input(0).has_rank()) {
    FINCH_ASSIGN_OR_RETURN(std::vector<int64_t> a, ReadInts(ctx.node, "input 1 (axis)", *axis));
    if (a.size() != 1) return ctx.Error("input 1 (axis) has ", a.size(), " elements, expected 1");
    const int64_t rank = static_cast<int64_t>(ctx.input(0).dims->size());
    FINCH_RETURN_IF_ERROR(NormalizeAxis(ctx.node, "input 1 (axis)", a[0], rank, true).status());
  }
  SameShape(ctx, 0, ctx.input(0).dtype);
  return Status::Ok();
}

Status InferTopK(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireMiscNumeric(ctx, 0));
  FINCH_ASSIGN_OR_RETURN(TopKAttributes a, ParseTopK(ctx.node, ctx.opset));
  if (ctx.opset >= 10) {
    if (!ctx.has_input(1)) return ctx.Error("input 1 (K) is missing");
    FINCH_RETURN_IF_ERROR(RequireIndexType(ctx, 1, "K", false));
  }
  const TensorType& x = ctx.input(0);
  const int64_t rank = x.has_rank() ? static_cast<int64_t>(x.dims->size()) : -1;
  ctx.outputs[0] = RankOnly(x.dtype, rank);
  if (ctx.outputs.size() > 1) ctx.outputs[1] = RankOnly(DataType::kInt64, rank);
  if (rank < 0) return Status::Ok();
  FINCH_ASSIGN_OR_RETURN(int64_t axis,
                         NormalizeAxis(ctx.node, "attribute 'axis'", a.axis, rank, true));
  Dims dims = DimsOf(x);
  const bool k_known = ctx.opset < 10 || ctx.constant(1) != nullptr;
  if (!k_known || dims[axis] < 0) {
    dims[axis] = -1;
  } else {
    FINCH_ASSIGN_OR_RETURN(dims[axis],
                           ResolveTopK(ctx.node, ctx.opset, ctx.constant(1), dims[axis]));
  }
  ctx.outputs[0] = TypeFromDims(x.dtype, dims);
  if (ctx.outputs.size() > 1) ctx.outputs[1] = TypeFromDims(DataType::kInt64, dims);
  return Status::Ok();
}

Status InferOneHot(InferContext& ctx) {
  for (size_t i = 0; i < 2; ++i) {
    const DataType t = ctx.input(i).dtype;
    if (!IsStorable(t) || t == DataType::kBool || t == DataType::kFloat16 ||
        t == DataType::kBfloat16) {
      return ctx.Unsupported("input ", i, " has type ", DataTypeName(t),
                             "; finch reads OneHot indices and depth of numeric types");
    }
  }
  FINCH_RETURN_IF_ERROR(RequireStorable(ctx, 2, "values"));
  const TensorType& values = ctx.input(2);
  if (values.is_static() && NumElements(values.static_shape()) != 2) {
    return ctx.Error("input 2 (values) has shape ", ShapeToString(values.static_shape()),
                     ", expected 2 elements [off_value, on_value]");
  }
  const TensorType& ind = ctx.input(0);
  if (!ind.has_rank()) {
    ctx.outputs[0] = RankOnly(values.dtype, -1);
    return Status::Ok();
  }
  const int64_t out_rank = static_cast<int64_t>(ind.dims->size()) + 1;
  FINCH_ASSIGN_OR_RETURN(int64_t axis, ctx.node.GetInt("axis", -1));
  FINCH_ASSIGN_OR_RETURN(axis, NormalizeAxis(ctx.node, "attribute 'axis'", axis, out_rank, true));
  Dims dims = DimsOf(ind);
  int64_t depth = -1;
  if (const Tensor* d = ctx.constant(1)) {
    FINCH_ASSIGN_OR_RETURN(depth, ReadOneHotDepth(ctx.node, *d));
  }
  dims.insert(dims.begin() + axis, depth);
  ctx.outputs[0] = TypeFromDims(values.dtype, dims);
  return Status::Ok();
}

Status InferEyeLike(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireStorable(ctx, 0, "input"));
  FINCH_ASSIGN_OR_RETURN(DataType t, ParseEyeLikeType(ctx.node, ctx.input(0).dtype));
  if (!IsStorable(t) || t == DataType::kFloat16 || t == DataType::kBfloat16) {
    return ctx.Unsupported("dtype ", DataTypeName(t), " is not supported for EyeLike");
  }
  FINCH_RETURN_IF_ERROR(ctx.node.GetInt("k", 0).status());
  if (ctx.input(0).has_rank() && ctx.input(0).dims->size() != 2) {
    return ctx.Error("input 0 has type ", ctx.input(0).ToString(), ", expected rank 2");
  }
  SameShape(ctx, 0, t);
  return Status::Ok();
}

Status InferTrilu(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireStorable(ctx, 0, "input"));
  FINCH_RETURN_IF_ERROR(ParseTriluUpper(ctx.node).status());
  if (ctx.has_input(1)) FINCH_RETURN_IF_ERROR(RequireIndexType(ctx, 1, "k", false));
  if (ctx.input(0).has_rank() && ctx.input(0).dims->size() < 2) {
    return ctx.Error("input 0 has type ", ctx.input(0).ToString(), ", expected rank >= 2");
  }
  SameShape(ctx, 0, ctx.input(0).dtype);
  return Status::Ok();
}

Status InferDepthSpace(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireStorable(ctx, 0, "input"));
  const TensorType& x = ctx.input(0);
  if (!x.is_static()) {
    ctx.outputs[0] = RankOnly(x.dtype, 4);
    return Status::Ok();
  }
  FINCH_ASSIGN_OR_RETURN(DepthSpace d, ResolveDepthSpace(ctx.node, ctx.opset, x.static_shape()));
  ctx.SetOutput(0, x.dtype, d.out);
  return Status::Ok();
}

}  // namespace

void RegisterMiscSchemas(OpSchemaRegistry& r) {
  r.Register(OpSchema{"", "Hardmax", 1, 1, 1, 1, 1, InferHardmax});
  r.Register(OpSchema{"", "CumSum", 2, 2, 1, 1, 11, InferCumSum});
  r.Register(OpSchema{"", "TopK", 1, 2, 2, 2, 1, InferTopK});
  r.Register(OpSchema{"", "OneHot", 3, 3, 1, 1, 9, InferOneHot});
  r.Register(OpSchema{"", "EyeLike", 1, 1, 1, 1, 9, InferEyeLike});
  r.Register(OpSchema{"", "Trilu", 1, 2, 1, 1, 14, InferTrilu});
  r.Register(OpSchema{"", "DepthToSpace", 1, 1, 1, 1, 1, InferDepthSpace});
  r.Register(OpSchema{"", "SpaceToDepth", 1, 1, 1, 1, 1, InferDepthSpace});
}

}  // namespace finch
