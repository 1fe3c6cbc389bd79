// Schemas of the generators: ConstantOfShape (a filled tensor of a given shape) and Range (an
// arithmetic sequence). Their output shapes come from input values.
#include <cmath>
#include <limits>

#include "graph/ops/shape.h"

namespace finch {

StatusOr<int64_t> RangeCount(const Node& node, const Tensor& start, const Tensor& limit,
                             const Tensor& delta) {
  for (const Tensor* t : {&start, &limit, &delta}) {
    if (t->num_elements() != 1) {
      return InvalidArgument(node.Describe(), ": start, limit and delta must be scalars, got ",
                             "shapes ", ShapeToString(start.shape()), ", ",
                             ShapeToString(limit.shape()), ", ", ShapeToString(delta.shape()));
    }
  }
  const bool is_int = start.dtype() == DataType::kInt16 || start.dtype() == DataType::kInt32 ||
                      start.dtype() == DataType::kInt64;
  int64_t n = 0;
  if (is_int) {
    // ceil((limit - start) / delta) in exact integer arithmetic.
    const int64_t s = ElementAsInt64(start, 0), l = ElementAsInt64(limit, 0),
                  d = ElementAsInt64(delta, 0);
    if (d == 0) return InvalidArgument(node.Describe(), ": delta is 0");
    int64_t diff = 0;
    if (__builtin_sub_overflow(l, s, &diff)) {
      return InvalidArgument(node.Describe(), ": limit - start overflows");
    }
    if ((diff > 0 && d > 0) || (diff < 0 && d < 0)) {
      n = diff / d + (diff % d != 0 ? 1 : 0);
    }
  } else {
    // As ONNX Runtime: the difference in the input type, the division in double.
    const double s = ElementAsDouble(start, 0), l = ElementAsDouble(limit, 0),
                 d = ElementAsDouble(delta, 0);
    const double diff = start.dtype() == DataType::kFloat32
                            ? static_cast<double>(static_cast<float>(l) - static_cast<float>(s))
                            : l - s;
    if (d == 0 || !std::isfinite(d) || !std::isfinite(diff)) {
      return InvalidArgument(node.Describe(), ": start ", s, ", limit ", l, ", delta ", d,
                             " do not give a finite sequence");
    }
    const double count = std::ceil(diff / d);
    if (count > static_cast<double>(std::numeric_limits<int64_t>::max() / 2)) {
      return InvalidArgument(node.Describe(), ": start ", s, ", limit ", l, ", delta ", d,
                             " give too many elements");
    }
    n = count > 0 ? static_cast<int64_t>(count) : 0;
  }
  return n;
}

namespace {

Status InferConstantOfShape(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(RequireIndexType(ctx, 0, "input", /*allow_int32=*/false));
  FINCH_ASSIGN_OR_RETURN(std::shared_ptr<const Tensor> value, ctx.node.GetTensor("value"));
  DataType dtype = DataType::kFloat32;
  if (value) {
    if (value->num_elements() != 1) {
      return ctx.Error("attribute 'value' has shape ", ShapeToString(value->shape()),
                       ", expected one element");
    }
    dtype = value->dtype();
    if (!IsStorable(dtype)) {
      return ctx.Unsupported("attribute 'value' has type ", DataTypeName(dtype),
                             ", which finch does not support");
    }
  }
  const Tensor* s = ctx.constant(0);
  if (s == nullptr) {
    const TensorType& st = ctx.input(0);
    ctx.outputs[0] =
        RankOnly(dtype, st.is_static() && st.dims->size() == 1 ? (*st.dims)[0].value : -1);
    return Status::Ok();
  }
  FINCH_ASSIGN_OR_RETURN(std::vector<int64_t> shape, ReadInts(ctx.node, InputName(0, "input"), *s));
  for (int64_t d : shape) {
    if (d < 0) {
      return ctx.Error(InputName(0, "input"), " ", ShapeToString(shape), " has a negative dim");
    }
  }
  ctx.SetOutput(0, dtype, shape);
  return Status::Ok();
}

Status InferRange(InferContext& ctx) {
  const DataType t = ctx.input(0).dtype;
  for (size_t i = 1; i < 3; ++i) {
    if (ctx.input(i).dtype != t) {
      return ctx.Error("input ", i, " has type ", DataTypeName(ctx.input(i).dtype),
                       ", input 0 (start) has ", DataTypeName(t));
    }
  }
  if (t != DataType::kFloat32 && t != DataType::kFloat64 && t != DataType::kInt16 &&
      t != DataType::kInt32 && t != DataType::kInt64) {
    return ctx.Unsupported("inputs have type ", DataTypeName(t),
                           "; Range takes float32, float64, int16, int32 or int64");
  }
  if (!ctx.constant(0) || !ctx.constant(1) || !ctx.constant(2)) {
    ctx.outputs[0] = RankOnly(t, 1);
    return Status::Ok();
  }
  FINCH_ASSIGN_OR_RETURN(
      int64_t n, RangeCount(ctx.node, *ctx.constant(0), *ctx.constant(1), *ctx.constant(2)));
  ctx.SetOutput(0, t, {n});
  return Status::Ok();
}

}  // namespace

void RegisterShapeGenerateSchemas(OpSchemaRegistry& r) {
  r.Register(OpSchema{"", "ConstantOfShape", 1, 1, 1, 1, 9, InferConstantOfShape});
  r.Register(OpSchema{"", "Range", 3, 3, 1, 1, 11, InferRange});
}

}  // namespace finch
