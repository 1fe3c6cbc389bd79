// Schemas of the elementwise family: unary math and activations, Clip, binary arithmetic with
// broadcasting (and its opset < 7 form), the variadic Min/Max/Sum/Mean, comparisons and logic,
// Where, Cast and CastLike.
//
// Type policy: an input type outside what finch implements for the op (float16 and bfloat16
// everywhere but Cast, strings) is Unsupported; inputs that must agree and do not, or a
// non-bool input to a logical op, are InvalidArgument (a malformed model).
#include "graph/ops/elementwise.h"

#include "graph/ops/broadcast.h"
#include "graph/ops/op_schema.h"

namespace finch {
namespace {

Status CheckType(const InferContext& ctx, size_t i, ElementTypes set) {
  const DataType t = ctx.input(i).dtype;
  if (InElementTypes(t, set)) return Status::Ok();
  if (set == ElementTypes::kBool) {
    return ctx.Error("input ", i, " has type ", DataTypeName(t), ", expected bool");
  }
  return ctx.Unsupported("input ", i, " has type ", DataTypeName(t), "; finch implements ",
                         ctx.node.op_type, " for ", ElementTypesNames(set));
}

Status CheckSameType(const InferContext& ctx, size_t first, size_t i) {
  if (ctx.input(i).dtype == ctx.input(first).dtype) return Status::Ok();
  return ctx.Error("input ", i, " has type ", DataTypeName(ctx.input(i).dtype), " but input ",
                   first, " has type ", DataTypeName(ctx.input(first).dtype),
                   "; they must be the same");
}

// Output 0: `dtype`, shaped like the broadcast of the given inputs. When some input shape is not
// static yet (a dynamic predecessor), the rank and the dims already known.
Status SetBroadcastOutput(InferContext& ctx, DataType dtype, const std::vector<int>& inputs) {
  std::vector<TensorType> types;
  bool all_static = true;
  for (int i : inputs) {
    types.push_back(ctx.input(i));
    all_static &= ctx.input(i).is_static();
  }
  if (all_static) {
    std::vector<Shape> shapes;
    for (const TensorType& t : types) shapes.push_back(t.static_shape());
    FINCH_ASSIGN_OR_RETURN(Shape out, BroadcastShapes(ctx.node, shapes, inputs));
    ctx.SetOutput(0, dtype, out);
    return Status::Ok();
  }
  ctx.outputs[0].dtype = dtype;
  ctx.outputs[0].dims = BroadcastDims(types);
  return Status::Ok();
}

// Output 0: `dtype` with input 0's (possibly partial) shape.
void SetSameShapeOutput(InferContext& ctx, DataType dtype) {
  ctx.outputs[0] = ctx.input(0);
  ctx.outputs[0].dtype = dtype;
}

InferFn Unary(ElementTypes set) {
  return [set](InferContext& ctx) -> Status {
    FINCH_RETURN_IF_ERROR(CheckType(ctx, 0, set));
    FINCH_RETURN_IF_ERROR(ParseActivation(ctx.node, ctx.opset).status());
    SetSameShapeOutput(ctx, ctx.input(0).dtype);
    return Status::Ok();
  };
}

// Two inputs of one type from `set`; the output has that type, or bool when `bool_out`.
InferFn Binary(ElementTypes set, bool bool_out) {
  return [set, bool_out](InferContext& ctx) -> Status {
    FINCH_RETURN_IF_ERROR(CheckType(ctx, 0, set));
    FINCH_RETURN_IF_ERROR(CheckSameType(ctx, 0, 1));
    if (ctx.node.op_type == "Mod") FINCH_RETURN_IF_ERROR(ParseFmod(ctx.node).status());
    const DataType out = bool_out ? DataType::kBool : ctx.input(0).dtype;
    if (HasLegacyBroadcast(ctx.node.op_type, ctx.opset)) {
      if (!ctx.input(0).is_static() || !ctx.input(1).is_static()) {
        SetSameShapeOutput(ctx, out);  // the output has A's shape
        return Status::Ok();
      }
      FINCH_ASSIGN_OR_RETURN(BinaryShapes s,
                             ResolveBinaryShapes(ctx.node, ctx.opset, ctx.input(0).static_shape(),
                                                 ctx.input(1).static_shape()));
      ctx.SetOutput(0, out, s.out);
      return Status::Ok();
    }
    return SetBroadcastOutput(ctx, out, {0, 1});
  };
}

// Min, Max, Sum, Mean: one or more inputs of one type, all broadcast together. (Before opset 8
// the inputs had to have equal shapes; broadcasting accepts those too.)
InferFn Variadic(ElementTypes set) {
  return [set](InferContext& ctx) -> Status {
    std::vector<int> inputs;
    for (size_t i = 0; i < ctx.num_inputs(); ++i) {
      if (!ctx.has_input(i)) return ctx.Error("input ", i, " is missing");
      FINCH_RETURN_IF_ERROR(CheckSameType(ctx, 0, i));
      inputs.push_back(static_cast<int>(i));
    }
    FINCH_RETURN_IF_ERROR(CheckType(ctx, 0, set));
    return SetBroadcastOutput(ctx, ctx.input(0).dtype, inputs);
  };
}

Status InferPow(InferContext& ctx) {
  const DataType base = ctx.input(0).dtype;
  if (base != DataType::kFloat32 && base != DataType::kFloat64 && base != DataType::kInt32 &&
      base != DataType::kInt64) {
    return ctx.Unsupported("input 0 (X) has type ", DataTypeName(base),
                           "; finch implements Pow for float32, float64, int32, int64");
  }
  // The exponent's type may differ from the base's from opset 12; finch accepts that earlier too.
  FINCH_RETURN_IF_ERROR(CheckType(ctx, 1, ElementTypes::kNumeric));
  if (HasLegacyBroadcast("Pow", ctx.opset)) {
    if (!ctx.input(0).is_static() || !ctx.input(1).is_static()) {
      SetSameShapeOutput(ctx, base);  // the output has X's shape
      return Status::Ok();
    }
    FINCH_ASSIGN_OR_RETURN(BinaryShapes s,
                           ResolveBinaryShapes(ctx.node, ctx.opset, ctx.input(0).static_shape(),
                                               ctx.input(1).static_shape()));
    ctx.SetOutput(0, base, s.out);
    return Status::Ok();
  }
  return SetBroadcastOutput(ctx, base, {0, 1});
}

Status InferPRelu(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(CheckType(ctx, 0, ElementTypes::kNumeric));
  FINCH_RETURN_IF_ERROR(CheckSameType(ctx, 0, 1));
  if (ctx.input(0).is_static() && ctx.input(1).is_static()) {
    FINCH_RETURN_IF_ERROR(ResolvePReluSlope(ctx.node, ctx.opset, ctx.input(0).static_shape(),
                                            ctx.input(1).static_shape())
                              .status());
  }
  SetSameShapeOutput(ctx, ctx.input(0).dtype);
  return Status::Ok();
}

Status InferClip(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(CheckType(ctx, 0, ElementTypes::kNumeric));
  if (ctx.opset < 11) {
    FINCH_RETURN_IF_ERROR(ParseClipAttributes(ctx.node).status());
    if (ctx.num_inputs() > 1) {
      return ctx.Error("has ", ctx.num_inputs(),
                       " inputs; before opset 11 min and max are "
                       "attributes and Clip takes 1 input");
    }
  }
  static const char* kNames[] = {"input", "min", "max"};
  for (size_t i = 1; i < 3; ++i) {
    if (!ctx.has_input(i)) continue;
    FINCH_RETURN_IF_ERROR(CheckSameType(ctx, 0, i));
    const TensorType& t = ctx.input(i);
    if (t.is_static() && NumElements(t.static_shape()) != 1) {
      return ctx.Error("input ", i, " (", kNames[i], ") has shape ",
                       ShapeToString(t.static_shape()), ", expected a scalar");
    }
  }
  SetSameShapeOutput(ctx, ctx.input(0).dtype);
  return Status::Ok();
}

Status InferWhere(InferContext& ctx) {
  if (ctx.input(0).dtype != DataType::kBool) {
    return ctx.Error("input 0 (condition) has type ", DataTypeName(ctx.input(0).dtype),
                     ", expected bool");
  }
  FINCH_RETURN_IF_ERROR(CheckSameType(ctx, 1, 2));
  const DataType t = ctx.input(1).dtype;
  if (!IsStorable(t)) {
    return ctx.Unsupported("inputs 1 and 2 have type ", DataTypeName(t),
                           ", which finch cannot hold in a tensor");
  }
  return SetBroadcastOutput(ctx, t, {0, 1, 2});
}

// IsInf, IsNaN: float in, bool out of the same shape.
Status InferFloatClassify(InferContext& ctx) {
  FINCH_RETURN_IF_ERROR(CheckType(ctx, 0, ElementTypes::kFloat));
  if (ctx.node.op_type == "IsInf") FINCH_RETURN_IF_ERROR(ParseIsInf(ctx.node).status());
  SetSameShapeOutput(ctx, DataType::kBool);
  return Status::Ok();
}

// BitShift: two inputs of one unsigned type, broadcast.
Status InferBitShift(InferContext& ctx) {
  const DataType t = ctx.input(0).dtype;
  if (t != DataType::kUint8 && t != DataType::kUint16 && t != DataType::kUint32 &&
      t != DataType::kUint64) {
    return ctx.Error("input 0 has type ", DataTypeName(t),
                     "; BitShift is defined for uint8, uint16, uint32, uint64");
  }
  FINCH_RETURN_IF_ERROR(CheckSameType(ctx, 0, 1));
  FINCH_RETURN_IF_ERROR(ParseBitShiftLeft(ctx.node).status());
  return SetBroadcastOutput(ctx, t, {0, 1});
}

Status CheckCastTypes(const InferContext& ctx, DataType to) {
  FINCH_RETURN_IF_ERROR(CheckType(ctx, 0, ElementTypes::kCastable));
  if (!InElementTypes(to, ElementTypes::kCastable)) {
    return ctx.Unsupported("cast to ", DataTypeName(to), " is not supported; finch casts to ",
                           ElementTypesNames(ElementTypes::kCastable));
  }
  return Status::Ok();
}

Status InferCast(InferContext& ctx) {
  FINCH_ASSIGN_OR_RETURN(DataType to, ParseCastTo(ctx.node));
  FINCH_RETURN_IF_ERROR(CheckCastTypes(ctx, to));
  SetSameShapeOutput(ctx, to);
  return Status::Ok();
}

Status InferCastLike(InferContext& ctx) {
  const DataType to = ctx.input(1).dtype;
  FINCH_RETURN_IF_ERROR(CheckCastTypes(ctx, to));
  SetSameShapeOutput(ctx, to);
  return Status::Ok();
}

}  // namespace

void RegisterElementwiseSchemas(OpSchemaRegistry& r) {
  struct UnaryOp {
    const char* name;
    int since;
    ElementTypes types;
  };
  // `since`: the opset the op appeared in; older forms differ only in the consumed_inputs
  // attribute, which finch ignores (and Selu's defaults, see ParseActivation).
  static const UnaryOp kUnary[] = {
      {"Relu", 1, ElementTypes::kSigned},      {"Neg", 1, ElementTypes::kSigned},
      {"Abs", 1, ElementTypes::kNumeric},      {"Sign", 9, ElementTypes::kNumeric},
      {"Sigmoid", 1, ElementTypes::kFloat},    {"Tanh", 1, ElementTypes::kFloat},
      {"Erf", 9, ElementTypes::kFloat},        {"Exp", 1, ElementTypes::kFloat},
      {"Log", 1, ElementTypes::kFloat},        {"Sqrt", 1, ElementTypes::kFloat},
      {"Reciprocal", 1, ElementTypes::kFloat}, {"Floor", 1, ElementTypes::kFloat},
      {"Ceil", 1, ElementTypes::kFloat},       {"Softplus", 1, ElementTypes::kFloat},
      {"Softsign", 1, ElementTypes::kFloat},   {"Round", 11, ElementTypes::kFloat},
      {"LeakyRelu", 1, ElementTypes::kFloat},  {"Elu", 1, ElementTypes::kFloat},
      {"Selu", 1, ElementTypes::kFloat},       {"HardSigmoid", 1, ElementTypes::kFloat},
      {"HardSwish", 14, ElementTypes::kFloat}, {"Sin", 7, ElementTypes::kFloat},
      {"Cos", 7, ElementTypes::kFloat},        {"Tan", 7, ElementTypes::kFloat},
      {"Asin", 7, ElementTypes::kFloat},       {"Acos", 7, ElementTypes::kFloat},
      {"Atan", 7, ElementTypes::kFloat},       {"Sinh", 9, ElementTypes::kFloat},
      {"Cosh", 9, ElementTypes::kFloat},       {"Asinh", 9, ElementTypes::kFloat},
      {"Acosh", 9, ElementTypes::kFloat},      {"Atanh", 9, ElementTypes::kFloat},
      {"ThresholdedRelu", 10, ElementTypes::kFloat}, {"Shrink", 9, ElementTypes::kFloat},
      {"Mish", 18, ElementTypes::kFloat},
  };
  for (const UnaryOp& op : kUnary) {
    r.Register(OpSchema{"", op.name, 1, 1, 1, 1, op.since, Unary(op.types)});
  }
  r.Register(OpSchema{"", "Not", 1, 1, 1, 1, 1, Unary(ElementTypes::kBool)});
  r.Register(OpSchema{"", "Clip", 1, 3, 1, 1, 1, InferClip});

  for (const char* op : {"Add", "Sub", "Mul", "Div"}) {
    r.Register(OpSchema{"", op, 2, 2, 1, 1, 1, Binary(ElementTypes::kNumeric, false)});
  }
  r.Register(OpSchema{"", "Mod", 2, 2, 1, 1, 10, Binary(ElementTypes::kNumeric, false)});
  r.Register(OpSchema{"", "Pow", 2, 2, 1, 1, 1, InferPow});
  r.Register(OpSchema{"", "PRelu", 2, 2, 1, 1, 1, InferPRelu});
  for (const char* op : {"Min", "Max", "Sum"}) {
    r.Register(OpSchema{"", op, 1, -1, 1, 1, 1, Variadic(ElementTypes::kNumeric)});
  }
  r.Register(OpSchema{"", "Mean", 1, -1, 1, 1, 1, Variadic(ElementTypes::kFloat)});

  r.Register(OpSchema{"", "Equal", 2, 2, 1, 1, 1, Binary(ElementTypes::kNumericOrBool, true)});
  for (const char* op : {"Less", "Greater"}) {
    r.Register(OpSchema{"", op, 2, 2, 1, 1, 1, Binary(ElementTypes::kNumeric, true)});
  }
  for (const char* op : {"LessOrEqual", "GreaterOrEqual"}) {
    r.Register(OpSchema{"", op, 2, 2, 1, 1, 12, Binary(ElementTypes::kNumeric, true)});
  }
  for (const char* op : {"And", "Or", "Xor"}) {
    r.Register(OpSchema{"", op, 2, 2, 1, 1, 1, Binary(ElementTypes::kBool, true)});
  }

  r.Register(OpSchema{"", "IsInf", 1, 1, 1, 1, 10, InferFloatClassify});
  r.Register(OpSchema{"", "IsNaN", 1, 1, 1, 1, 9, InferFloatClassify});
  r.Register(OpSchema{"", "BitShift", 2, 2, 1, 1, 11, InferBitShift});
  r.Register(OpSchema{"", "Where", 3, 3, 1, 1, 9, InferWhere});
  r.Register(OpSchema{"", "Cast", 1, 1, 1, 1, 1, InferCast});
  r.Register(OpSchema{"", "CastLike", 2, 2, 1, 1, 15, InferCastLike});
}

}  // namespace finch
