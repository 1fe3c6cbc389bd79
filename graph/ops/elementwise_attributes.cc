// Attribute parsing and opset-dependent shape rules of the elementwise ops (see elementwise.h).
#include <cfloat>

#include "graph/ops/broadcast.h"
#include "graph/ops/elementwise.h"

namespace finch {

bool InElementTypes(DataType type, ElementTypes set) {
  switch (type) {
    case DataType::kFloat32:
    case DataType::kFloat64:
      return set != ElementTypes::kBool;
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
    case DataType::kInt64:
      return set != ElementTypes::kBool && set != ElementTypes::kFloat;
    case DataType::kUint8:
    case DataType::kUint16:
    case DataType::kUint32:
    case DataType::kUint64:
      return set == ElementTypes::kNumeric || set == ElementTypes::kNumericOrBool ||
             set == ElementTypes::kCastable;
    case DataType::kBool:
      return set == ElementTypes::kBool || set == ElementTypes::kNumericOrBool ||
             set == ElementTypes::kCastable;
    case DataType::kFloat16:
      return set == ElementTypes::kCastable;
    default:
      return false;
  }
}

std::string ElementTypesNames(ElementTypes set) {
  std::string names;
  for (DataType t : {DataType::kFloat32, DataType::kFloat64, DataType::kFloat16, DataType::kInt8,
                     DataType::kInt16, DataType::kInt32, DataType::kInt64, DataType::kUint8,
                     DataType::kUint16, DataType::kUint32, DataType::kUint64, DataType::kBool}) {
    if (InElementTypes(t, set)) names += StrCat(names.empty() ? "" : ", ", DataTypeName(t));
  }
  return names;
}

bool HasLegacyBroadcast(const std::string& op_type, int64_t opset) {
  if (opset >= 7) return false;
  for (const char* op :
       {"Add", "Sub", "Mul", "Div", "Pow", "Equal", "Less", "Greater", "And", "Or", "Xor"}) {
    if (op_type == op) return true;
  }
  return false;
}

StatusOr<BinaryShapes> ResolveBinaryShapes(const Node& node, int64_t opset, const Shape& a,
                                           const Shape& b) {
  if (!HasLegacyBroadcast(node.op_type, opset)) {
    FINCH_ASSIGN_OR_RETURN(Shape out, BroadcastShapes(node, {a, b}));
    return BinaryShapes{a, b, out};
  }
  FINCH_ASSIGN_OR_RETURN(int64_t broadcast, node.GetInt("broadcast", 0));
  if (broadcast == 0) {
    if (a != b) {
      return InvalidArgument(node.Describe(), ": input 1 ", ShapeToString(b),
                             " differs from input 0 ", ShapeToString(a),
                             " and broadcast is 0 (opset ", opset, ")");
    }
    return BinaryShapes{a, b, a};
  }
  if (broadcast != 1) {
    return InvalidArgument(node.Describe(), ": broadcast is ", broadcast, ", expected 0 or 1");
  }
  const int64_t rank_a = static_cast<int64_t>(a.size());
  const int64_t rank_b = static_cast<int64_t>(b.size());
  if (NumElements(b) == 1 && rank_b <= rank_a) return BinaryShapes{a, Shape{}, a};
  FINCH_ASSIGN_OR_RETURN(int64_t axis, node.GetInt("axis", rank_a - rank_b));
  if (axis < 0) axis += rank_a;
  bool ok = axis >= 0 && axis + rank_b <= rank_a;
  for (int64_t i = 0; ok && i < rank_b; ++i) ok = b[i] == a[axis + i];
  if (!ok) {
    return InvalidArgument(node.Describe(), ": input 1 ", ShapeToString(b),
                           " does not match the dims of input 0 ", ShapeToString(a), " from axis ",
                           axis, " (opset ", opset, " broadcast=1)");
  }
  Shape padded(rank_a, 1);
  for (int64_t i = 0; i < rank_b; ++i) padded[axis + i] = b[i];
  return BinaryShapes{a, padded, a};
}

StatusOr<Shape> ResolvePReluSlope(const Node& node, int64_t opset, const Shape& x,
                                  const Shape& slope) {
  if (opset < 7 && slope.size() == 1 && x.size() >= 2 && slope[0] == x[1] && slope[0] != 1) {
    Shape per_channel(x.size() - 1, 1);  // [C, 1, ..., 1] right-aligned against [N, C, ...]
    per_channel[0] = slope[0];
    return per_channel;
  }
  FINCH_RETURN_IF_ERROR(CheckUnidirectional(node, slope, 1, x, 0));
  return slope;
}

StatusOr<ActivationParams> ParseActivation(const Node& node, int64_t opset) {
  ActivationParams p;
  const std::string& op = node.op_type;
  if (op == "LeakyRelu") {
    FINCH_ASSIGN_OR_RETURN(p.alpha, node.GetFloat("alpha", 0.01f));
  } else if (op == "Elu") {
    FINCH_ASSIGN_OR_RETURN(p.alpha, node.GetFloat("alpha", 1.0f));
  } else if (op == "Selu") {
    // Opset 6 gave the defaults the precision of the constants of the SELU paper.
    FINCH_ASSIGN_OR_RETURN(
        p.alpha, node.GetFloat("alpha", opset < 6 ? 1.6732f : 1.67326319217681884765625f));
    FINCH_ASSIGN_OR_RETURN(
        p.gamma, node.GetFloat("gamma", opset < 6 ? 1.0507f : 1.05070102214813232421875f));
  } else if (op == "HardSigmoid") {
    FINCH_ASSIGN_OR_RETURN(p.alpha, node.GetFloat("alpha", 0.2f));
    FINCH_ASSIGN_OR_RETURN(p.beta, node.GetFloat("beta", 0.5f));
  } else if (op == "ThresholdedRelu") {
    FINCH_ASSIGN_OR_RETURN(p.alpha, node.GetFloat("alpha", 1.0f));
  } else if (op == "Shrink") {
    FINCH_ASSIGN_OR_RETURN(p.alpha, node.GetFloat("lambd", 0.5f));
    FINCH_ASSIGN_OR_RETURN(p.beta, node.GetFloat("bias", 0.0f));
  }
  return p;
}

StatusOr<ClipAttributes> ParseClipAttributes(const Node& node) {
  ClipAttributes c;
  FINCH_ASSIGN_OR_RETURN(c.min, node.GetFloat("min", -FLT_MAX));
  FINCH_ASSIGN_OR_RETURN(c.max, node.GetFloat("max", FLT_MAX));
  return c;
}

StatusOr<DataType> ParseCastTo(const Node& node) {
  const Attribute* to = node.FindAttribute("to");
  if (to == nullptr) return InvalidArgument(node.Describe(), ": attribute 'to' is missing");
  if (to->kind == Attribute::Kind::kString) {  // Cast-1: the TensorProto.DataType name
    static const struct {
      const char* name;
      DataType type;
    } kNames[] = {{"FLOAT", DataType::kFloat32},
                  {"UINT8", DataType::kUint8},
                  {"INT8", DataType::kInt8},
                  {"UINT16", DataType::kUint16},
                  {"INT16", DataType::kInt16},
                  {"INT32", DataType::kInt32},
                  {"INT64", DataType::kInt64},
                  {"STRING", DataType::kString},
                  {"BOOL", DataType::kBool},
                  {"FLOAT16", DataType::kFloat16},
                  {"DOUBLE", DataType::kFloat64},
                  {"UINT32", DataType::kUint32},
                  {"UINT64", DataType::kUint64},
                  {"COMPLEX64", DataType::kComplex64},
                  {"COMPLEX128", DataType::kComplex128},
                  {"BFLOAT16", DataType::kBfloat16}};
    for (const auto& n : kNames) {
      if (to->s == n.name) return n.type;
    }
    return InvalidArgument(node.Describe(), ": attribute 'to' is \"", to->s,
                           "\", which is not a tensor element type");
  }
  FINCH_ASSIGN_OR_RETURN(int64_t v, node.GetInt("to", 0));
  if (v < 1 || v > static_cast<int64_t>(DataType::kBfloat16)) {
    return InvalidArgument(node.Describe(), ": attribute 'to' is ", v,
                           ", which is not a tensor element type (1 to 16)");
  }
  return static_cast<DataType>(v);
}

StatusOr<IsInfAttributes> ParseIsInf(const Node& node) {
  IsInfAttributes a;
  FINCH_ASSIGN_OR_RETURN(int64_t pos, node.GetInt("detect_positive", 1));
  FINCH_ASSIGN_OR_RETURN(int64_t neg, node.GetInt("detect_negative", 1));
  if ((pos != 0 && pos != 1) || (neg != 0 && neg != 1)) {
    return InvalidArgument(node.Describe(), ": detect_positive is ", pos, " and detect_negative is ",
                           neg, "; each must be 0 or 1");
  }
  a.detect_positive = pos == 1;
  a.detect_negative = neg == 1;
  return a;
}

StatusOr<bool> ParseBitShiftLeft(const Node& node) {
  FINCH_ASSIGN_OR_RETURN(std::string direction, node.GetString("direction", ""));
  if (direction == "LEFT") return true;
  if (direction == "RIGHT") return false;
  return InvalidArgument(node.Describe(), ": attribute direction is \"", direction,
                         "\", expected \"LEFT\" or \"RIGHT\"");
}

StatusOr<bool> ParseFmod(const Node& node) {
  FINCH_ASSIGN_OR_RETURN(int64_t fmod, node.GetInt("fmod", 0));
  if (fmod != 0 && fmod != 1) {
    return InvalidArgument(node.Describe(), ": attribute fmod is ", fmod, ", expected 0 or 1");
  }
  return fmod == 1;
}

}  // namespace finch
