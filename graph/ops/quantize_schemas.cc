// Schemas of the quantized ops (see quantize.h for each op's opset history): element types per
// opset, attributes, then the shapes (quantize.cc) when they are known.
#include <initializer_list>
#include <string>

#include "graph/ops/axes.h"
#include "graph/ops/broadcast.h"
#include "graph/ops/fused.h"
#include "graph/ops/layout.h"
#include "graph/ops/op_schema.h"
#include "graph/ops/quantize.h"

namespace finch {
namespace {

// ONNX element types newer than finch's DataType (TensorProto.DataType 17 to 22).
bool IsFloat8(DataType t) { return static_cast<int>(t) >= 17 && static_cast<int>(t) <= 20; }
bool IsInt4(DataType t) { return static_cast<int>(t) == 21 || static_cast<int>(t) == 22; }
bool Is8Bit(DataType t) { return t == DataType::kUint8 || t == DataType::kInt8; }

std::string TypeName(DataType t) {
  switch (static_cast<int>(t)) {
    case 17:
      return "float8e4m3fn";
    case 18:
      return "float8e4m3fnuz";
    case 19:
      return "float8e5m2";
    case 20:
      return "float8e5m2fnuz";
    case 21:
      return "uint4";
    case 22:
      return "int4";
    default:
      return DataTypeName(t);
  }
}

// Which quantized types beyond uint8/int8 ONNX allows an op at the model's opset: float8 from
// `float8_opset`, int4/uint4/int16/uint16 from `narrow_opset` (0: never).
struct NewerTypes {
  int64_t float8_opset = 0, narrow_opset = 0;
  bool Valid(DataType t, int64_t opset) const {
    if (IsFloat8(t)) return float8_opset > 0 && opset >= float8_opset;
    const bool narrow = IsInt4(t) || t == DataType::kInt16 || t == DataType::kUint16;
    return narrow && narrow_opset > 0 && opset >= narrow_opset;
  }
};

// Input i is uint8 or int8 (or `extra`, e.g. int32 for DequantizeLinear's x). A type ONNX allows
// at this opset is unsupported; any other is an error.
Status Require8Bit(const InferContext& ctx, size_t i, const char* name, NewerTypes newer,
                   DataType extra = DataType::kUndefined) {
  const DataType t = ctx.input(i).dtype;
  if (Is8Bit(t) || (extra != DataType::kUndefined && t == extra)) return Status::Ok();
  const std::string expected = extra == DataType::kUndefined
                                   ? std::string("uint8 or int8")
                                   : StrCat("uint8, int8 or ", DataTypeName(extra));
  if (newer.Valid(t, ctx.opset)) {
    return ctx.Unsupported(InputName(i, name), " has type ", TypeName(t), "; finch supports ",
                           expected);
  }
  return ctx.Error(InputName(i, name), " has type ", TypeName(t), "; expected ", expected);
}

// A zero point (input i, when present) has the type of its data (input j).
Status RequireSameType(const InferContext& ctx, size_t i, const char* iname, size_t j,
                       const char* jname) {
  if (!ctx.has_input(i) || ctx.input(i).dtype == ctx.input(j).dtype) return Status::Ok();
  return ctx.Error(InputName(i, iname), " has type ", TypeName(ctx.input(i).dtype), ", ",
                   InputName(j, jname), " has type ", TypeName(ctx.input(j).dtype),
                   "; they must match");
}

// Scales are float32. From `newer_opset` ONNX also allows float16, bfloat16 (and, for
// QuantizeLinear, int32) scales: unsupported.
Status RequireScale(const InferContext& ctx, size_t i, const char* name, int64_t newer_opset) {
  const DataType t = ctx.input(i).dtype;
  if (t == DataType::kFloat32) return Status::Ok();
  const bool newer = t == DataType::kFloat16 || t == DataType::kBfloat16 ||
                     (t == DataType::kInt32 && ctx.node.op_type == "QuantizeLinear");
  if (newer && newer_opset > 0 && ctx.opset >= newer_opset) {
    return ctx.Unsupported(InputName(i, name), " has type ", TypeName(t),
                           "; finch supports float32 scales");
  }
  return ctx.Error(InputName(i, name), " has type ", TypeName(t), "; expected float32");
}

// Opset 21's block_size: 0 (per-tensor or per-axis) or blocked quantization (unsupported).
Status CheckBlockSize(const InferContext& ctx) {
  if (ctx.opset < 21) return Status::Ok();
  FINCH_ASSIGN_OR_RETURN(int64_t block, ctx.node.GetInt("block_size", 0));
  if (block < 0) return ctx.Error("block_size is ", block, ", expected >= 0");
  if (block > 0) {
    return ctx.Unsupported("blocked quantization (block_size ", block,
                           ") is not supported; finch supports per-tensor and per-axis scales");
  }
  return Status::Ok();
}

// The contrib ops have optional inputs between required ones, which OpSchema's min_inputs cannot
// say: each of `required` must be present.
Status RequireInputs(const InferContext& ctx, std::initializer_list<size_t> required,
                     const char* const* names) {
  for (size_t i : required) {
    if (!ctx.has_input(i)) return ctx.Error("required ", InputName(i, names[i]), " is missing");
  }
  return Status::Ok();
}

// The static shapes of every present input into `storage` / `shapes`; false when one is not
// known yet (the output then gets only its type, and rank where known).
bool StaticShapes(const InferContext& ctx, std::vector<Shape>* storage, InputShapes* shapes) {
  storage->assign(ctx.num_inputs(), Shape());
  shapes->assign(ctx.num_inputs(), nullptr);
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    if (!ctx.input(i).is_static()) return false;
    (*storage)[i] = ctx.input(i).static_shape();
    (*shapes)[i] = &(*storage)[i];
  }
  return true;
}

// Output 0 of type `dtype` with the rank of input `like` (when known), for unknown shapes.
void SetRankLike(InferContext& ctx, DataType dtype, size_t like) {
  ctx.outputs[0].dtype = dtype;
  if (ctx.input(like).has_rank()) ctx.outputs[0].dims.emplace(ctx.input(like).dims->size());
}

Status InferQuantizeLinear(InferContext& ctx) {
  const DataType x = ctx.input(0).dtype;
  if (x != DataType::kFloat32 && x != DataType::kInt32) {
    const bool newer = ctx.opset >= 19 && (x == DataType::kFloat16 || x == DataType::kBfloat16);
    if (newer) {
      return ctx.Unsupported("input 0 (x) has type ", TypeName(x),
                             "; finch supports float32 and int32");
    }
    return ctx.Error("input 0 (x) has type ", TypeName(x), "; expected float32 or int32");
  }
  FINCH_RETURN_IF_ERROR(RequireScale(ctx, 1, "y_scale", 19));
  FINCH_RETURN_IF_ERROR(CheckBlockSize(ctx));
  const NewerTypes newer{19, 21};
  DataType out = DataType::kUint8;
  if (ctx.has_input(2)) {
    FINCH_RETURN_IF_ERROR(Require8Bit(ctx, 2, "y_zero_point", newer));
    out = ctx.input(2).dtype;
  }
  if (ctx.opset >= 21) {
    FINCH_ASSIGN_OR_RETURN(int64_t attr, ctx.node.GetInt("output_dtype", 0));
    const DataType want = static_cast<DataType>(attr);
    if (attr != 0 && ctx.has_input(2) && want != out) {
      return ctx.Error("output_dtype is ", TypeName(want), ", input 2 (y_zero_point) has type ",
                       TypeName(out), "; they must match");
    }
    if (attr != 0 && !ctx.has_input(2)) {
      if (!Is8Bit(want)) {
        if (newer.Valid(want, ctx.opset)) {
          return ctx.Unsupported("output_dtype is ", TypeName(want),
                                 "; finch supports uint8 and int8");
        }
        return ctx.Error("output_dtype is ", TypeName(want), "; expected a quantized type");
      }
      out = want;
    }
  }
  std::vector<Shape> storage;
  InputShapes s;
  if (!StaticShapes(ctx, &storage, &s)) {
    SetRankLike(ctx, out, 0);
    return Status::Ok();
  }
  FINCH_RETURN_IF_ERROR(ResolveQuantAxis(ctx.node, ctx.opset, s).status());
  ctx.SetOutput(0, out, *s[0]);
  return Status::Ok();
}

Status InferDequantizeLinear(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(Require8Bit(ctx, 0, "x", NewerTypes{19, 21}, DataType::kInt32));
  FINCH_RETURN_IF_ERROR(RequireSameType(ctx, 2, "x_zero_point", 0, "x"));
  FINCH_RETURN_IF_ERROR(RequireScale(ctx, 1, "x_scale", 19));
  FINCH_RETURN_IF_ERROR(CheckBlockSize(ctx));
  std::vector<Shape> storage;
  InputShapes s;
  if (!StaticShapes(ctx, &storage, &s)) {
    SetRankLike(ctx, DataType::kFloat32, 0);
    return Status::Ok();
  }
  FINCH_RETURN_IF_ERROR(ResolveQuantAxis(ctx.node, ctx.opset, s).status());
  ctx.SetOutput(0, DataType::kFloat32, *s[0]);
  return Status::Ok();
}

Status InferDynamicQuantizeLinear(InferContext& ctx) {
  const TensorType& x = ctx.input(0);
  if (x.dtype != DataType::kFloat32) {
    return ctx.Error("input 0 (x) has type ", TypeName(x.dtype), "; expected float32");
  }
  if (x.is_static()) {
    ctx.SetOutput(0, DataType::kUint8, x.static_shape());
  } else {
    SetRankLike(ctx, DataType::kUint8, 0);
  }
  ctx.SetOutput(1, DataType::kFloat32, {});
  ctx.SetOutput(2, DataType::kUint8, {});
  return Status::Ok();
}

Status InferQLinearConv(InferContext& ctx) {
  const NewerTypes none;
  FINCH_RETURN_IF_ERROR(Require8Bit(ctx, 0, "x", none));
  FINCH_RETURN_IF_ERROR(RequireSameType(ctx, 2, "x_zero_point", 0, "x"));
  FINCH_RETURN_IF_ERROR(Require8Bit(ctx, 3, "w", none));
  FINCH_RETURN_IF_ERROR(RequireSameType(ctx, 5, "w_zero_point", 3, "w"));
  FINCH_RETURN_IF_ERROR(Require8Bit(ctx, 7, "y_zero_point", none));
  for (size_t i : {1, 4, 6}) {
    FINCH_RETURN_IF_ERROR(RequireScale(ctx, i,
                                       i == 1   ? "x_scale"
                                       : i == 4 ? "w_scale"
                                                : "y_scale",
                                       0));
  }
  if (ctx.has_input(8) && ctx.input(8).dtype != DataType::kInt32) {
    return ctx.Error("input 8 (B) has type ", TypeName(ctx.input(8).dtype), "; expected int32");
  }
  const DataType out = ctx.input(7).dtype;
  std::vector<Shape> storage;
  InputShapes s;
  if (!StaticShapes(ctx, &storage, &s)) {
    SetRankLike(ctx, out, 0);
    return Status::Ok();
  }
  FINCH_ASSIGN_OR_RETURN(QConvGeometry g, ResolveQLinearConv(ctx.node, s));
  Shape shape = {g.conv.batch, g.conv.out_channels};
  shape.insert(shape.end(), g.conv.window.out.begin(), g.conv.window.out.end());
  ctx.SetOutput(0, out, shape);
  return Status::Ok();
}

Status InferConvInteger(InferContext& ctx) {
  const NewerTypes none;
  FINCH_RETURN_IF_ERROR(Require8Bit(ctx, 0, "x", none));
  FINCH_RETURN_IF_ERROR(Require8Bit(ctx, 1, "w", none));
  FINCH_RETURN_IF_ERROR(RequireSameType(ctx, 2, "x_zero_point", 0, "x"));
  FINCH_RETURN_IF_ERROR(RequireSameType(ctx, 3, "w_zero_point", 1, "w"));
  std::vector<Shape> storage;
  InputShapes s;
  if (!StaticShapes(ctx, &storage, &s)) {
    SetRankLike(ctx, DataType::kInt32, 0);
    return Status::Ok();
  }
  FINCH_ASSIGN_OR_RETURN(QConvGeometry g, ResolveConvInteger(ctx.node, s));
  Shape shape = {g.conv.batch, g.conv.out_channels};
  shape.insert(shape.end(), g.conv.window.out.begin(), g.conv.window.out.end());
  ctx.SetOutput(0, DataType::kInt32, shape);
  return Status::Ok();
}

// MatMul's output rank from the input ranks (numpy rules), for unknown shapes.
void SetMatMulRank(InferContext& ctx, DataType dtype, size_t a, size_t b) {
  ctx.outputs[0].dtype = dtype;
  if (!ctx.input(a).has_rank() || !ctx.input(b).has_rank()) return;
  const size_t ra = ctx.input(a).dims->size(), rb = ctx.input(b).dims->size();
  size_t rank = std::max(ra, rb);
  if (ra == 1 && rb == 1) {
    rank = 0;
  } else if (ra == 1 || rb == 1) {
    rank -= 1;
  }
  ctx.outputs[0].dims.emplace(rank);
}

Status InferQLinearMatMul(InferContext& ctx) {
  const NewerTypes newer{21, 0};
  FINCH_RETURN_IF_ERROR(Require8Bit(ctx, 0, "a", newer));
  FINCH_RETURN_IF_ERROR(RequireSameType(ctx, 2, "a_zero_point", 0, "a"));
  FINCH_RETURN_IF_ERROR(Require8Bit(ctx, 3, "b", newer));
  FINCH_RETURN_IF_ERROR(RequireSameType(ctx, 5, "b_zero_point", 3, "b"));
  FINCH_RETURN_IF_ERROR(Require8Bit(ctx, 7, "y_zero_point", newer));
  for (size_t i : {1, 4, 6}) {
    FINCH_RETURN_IF_ERROR(RequireScale(ctx, i,
                                       i == 1   ? "a_scale"
                                       : i == 4 ? "b_scale"
                                                : "y_scale",
                                       21));
  }
  const DataType out = ctx.input(7).dtype;
  std::vector<Shape> storage;
  InputShapes s;
  if (!StaticShapes(ctx, &storage, &s)) {
    SetMatMulRank(ctx, out, 0, 3);
    return Status::Ok();
  }
  FINCH_ASSIGN_OR_RETURN(QMatMulGeometry g, ResolveQLinearMatMul(ctx.node, s));
  ctx.SetOutput(0, out, g.mm.out);
  return Status::Ok();
}

Status InferMatMulInteger(InferContext& ctx) {
  const NewerTypes none;
  FINCH_RETURN_IF_ERROR(Require8Bit(ctx, 0, "A", none));
  FINCH_RETURN_IF_ERROR(Require8Bit(ctx, 1, "B", none));
  FINCH_RETURN_IF_ERROR(RequireSameType(ctx, 2, "a_zero_point", 0, "A"));
  FINCH_RETURN_IF_ERROR(RequireSameType(ctx, 3, "b_zero_point", 1, "B"));
  std::vector<Shape> storage;
  InputShapes s;
  if (!StaticShapes(ctx, &storage, &s)) {
    SetMatMulRank(ctx, DataType::kInt32, 0, 1);
    return Status::Ok();
  }
  FINCH_ASSIGN_OR_RETURN(QMatMulGeometry g, ResolveMatMulInteger(ctx.node, s));
  ctx.SetOutput(0, DataType::kInt32, g.mm.out);
  return Status::Ok();
}

Status InferQLinearAdd(InferContext& ctx) {
  static constexpr const char* kNames[] = {
      "A", "A_scale", "A_zero_point", "B", "B_scale", "B_zero_point", "C_scale", "C_zero_point"};
  FINCH_RETURN_IF_ERROR(RequireInputs(ctx, {0, 1, 3, 4, 6}, kNames));
  const NewerTypes none;
  FINCH_RETURN_IF_ERROR(Require8Bit(ctx, 0, "A", none));
  FINCH_RETURN_IF_ERROR(RequireSameType(ctx, 2, "A_zero_point", 0, "A"));
  FINCH_RETURN_IF_ERROR(RequireSameType(ctx, 3, "B", 0, "A"));
  FINCH_RETURN_IF_ERROR(RequireSameType(ctx, 5, "B_zero_point", 0, "A"));
  FINCH_RETURN_IF_ERROR(RequireSameType(ctx, 7, "C_zero_point", 0, "A"));
  FINCH_RETURN_IF_ERROR(RequireScale(ctx, 1, "A_scale", 0));
  FINCH_RETURN_IF_ERROR(RequireScale(ctx, 4, "B_scale", 0));
  FINCH_RETURN_IF_ERROR(RequireScale(ctx, 6, "C_scale", 0));
  const DataType out = ctx.input(0).dtype;
  std::vector<Shape> storage;
  InputShapes s;
  if (!StaticShapes(ctx, &storage, &s)) {
    ctx.outputs[0].dtype = out;
    if (auto dims = BroadcastDims({ctx.input(0), ctx.input(3)})) ctx.outputs[0].dims = *dims;
    return Status::Ok();
  }
  FINCH_ASSIGN_OR_RETURN(Shape shape, ResolveQLinearAdd(ctx.node, s));
  ctx.SetOutput(0, out, shape);
  return Status::Ok();
}

Status InferQLinearGlobalAveragePool(InferContext& ctx) {
  static constexpr const char* kNames[] = {"X", "x_scale", "x_zero_point", "y_scale",
                                           "y_zero_point"};
  FINCH_RETURN_IF_ERROR(RequireInputs(ctx, {0, 1, 3}, kNames));
  FINCH_RETURN_IF_ERROR(Require8Bit(ctx, 0, "X", NewerTypes{}));
  FINCH_RETURN_IF_ERROR(RequireSameType(ctx, 2, "x_zero_point", 0, "X"));
  FINCH_RETURN_IF_ERROR(RequireSameType(ctx, 4, "y_zero_point", 0, "X"));
  FINCH_RETURN_IF_ERROR(RequireScale(ctx, 1, "x_scale", 0));
  FINCH_RETURN_IF_ERROR(RequireScale(ctx, 3, "y_scale", 0));
  const DataType out = ctx.input(0).dtype;
  std::vector<Shape> storage;
  InputShapes s;
  if (!StaticShapes(ctx, &storage, &s)) {
    SetRankLike(ctx, out, 0);
    return Status::Ok();
  }
  FINCH_ASSIGN_OR_RETURN(QPoolGeometry g, ResolveQLinearGlobalAveragePool(ctx.node, s));
  ctx.SetOutput(0, out, g.out);
  return Status::Ok();
}

}  // namespace

void RegisterQuantizeSchemas(OpSchemaRegistry& r) {
  // {domain, op, min inputs, max inputs, min outputs, max outputs, since opset, infer}
  r.Register(OpSchema{"", "QuantizeLinear", 2, 3, 1, 1, 10, InferQuantizeLinear});
  r.Register(OpSchema{"", "DequantizeLinear", 2, 3, 1, 1, 10, InferDequantizeLinear});
  r.Register(OpSchema{"", "DynamicQuantizeLinear", 1, 1, 3, 3, 11, InferDynamicQuantizeLinear});
  r.Register(OpSchema{"", "QLinearConv", 8, 9, 1, 1, 10, InferQLinearConv});
  r.Register(OpSchema{"", "ConvInteger", 2, 4, 1, 1, 10, InferConvInteger});
  r.Register(OpSchema{"", "QLinearMatMul", 8, 8, 1, 1, 10, InferQLinearMatMul});
  r.Register(OpSchema{"", "MatMulInteger", 2, 4, 1, 1, 10, InferMatMulInteger});
  // Zero points may be omitted between required inputs: min_inputs 1, the infer functions check
  // which are required.
  r.Register(OpSchema{kMicrosoftDomain, "QLinearAdd", 1, 8, 1, 1, 1, InferQLinearAdd});
  r.Register(OpSchema{kMicrosoftDomain, "QLinearGlobalAveragePool", 1, 5, 1, 1, 1,
                      InferQLinearGlobalAveragePool});
  // The channels-last twin the layout-nhwc pass makes of a 2-D QLinearConv (x and y NHWC;
  // runtime/ops/qlinear_conv_nhwc.cc runs it on the int8 kernels).
  r.Register(OpSchema{kFinchDomain, "QLinearConv", 8, 9, 1, 1, 1,
                      LayoutAware(InferQLinearConv, {0})});
}

}  // namespace finch
