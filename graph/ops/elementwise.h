// Elementwise ops: the element types finch implements, attribute parsing with each op's
// defaults and opset history, and the shape rules that differ between opsets. Shared by the
// schemas (elementwise.cc) and the kernel factories (runtime/ops/elementwise*.cc), so that an
// attribute is read the same way in both.
#pragma once

#include <string>

#include "graph/ir.h"
#include "graph/status.h"
#include "graph/tensor.h"

namespace finch {

// Element-type sets, each a superset of the one before except kBool.
enum class ElementTypes {
  kFloat,    // float32, float64
  kSigned,   // + int8, int16, int32, int64
  kNumeric,  // + uint8, uint16, uint32, uint64
  kNumericOrBool,
  kCastable,  // + float16
  kBool,
};
bool InElementTypes(DataType type, ElementTypes set);
// "float32, float64, int8, ..." for error messages.
std::string ElementTypesNames(ElementTypes set);

// Binary ops whose broadcasting before opset 7 followed the `broadcast`/`axis` attributes:
// Add, Sub, Mul, Div, Pow, Equal, Less, Greater, And, Or, Xor.
bool HasLegacyBroadcast(const std::string& op_type, int64_t opset);

// A binary op's operand shapes as the kernels broadcast them, and the output shape.
struct BinaryShapes {
  Shape a, b, out;
};
// From opset 7 (or for ops without legacy broadcasting): numpy broadcasting. Before: with
// broadcast=0 (the default) B must have A's shape; with broadcast=1, B has one element, or B's
// dims equal A's dims starting at `axis` (default: A's trailing dims); B is then given A's rank
// with 1s around and the output has A's shape.
StatusOr<BinaryShapes> ResolveBinaryShapes(const Node& node, int64_t opset, const Shape& a,
                                           const Shape& b);

// PRelu's slope shape as it broadcasts to X's. From opset 7 the slope broadcasts
// unidirectionally to X. Before, a slope [C] where C is X's dim 1 (a per-channel slope, as torch
// exports PReLU) applies along dim 1, and otherwise the opset 7 rule is used.
StatusOr<Shape> ResolvePReluSlope(const Node& node, int64_t opset, const Shape& x,
                                  const Shape& slope);

// alpha, beta, gamma of ThresholdedRelu (alpha 1), Shrink (alpha = lambd 0.5, beta = bias 0),
// LeakyRelu (alpha 0.01), Elu (alpha 1), Selu (alpha 1.67326…,
// gamma 1.05070…; before opset 6 1.6732 and 1.0507), HardSigmoid (alpha 0.2, beta 0.5); zeros
// for other ops. Errors name an attribute of the wrong type.
struct ActivationParams {
  float alpha = 0, beta = 0, gamma = 0;
};
StatusOr<ActivationParams> ParseActivation(const Node& node, int64_t opset);

// Clip before opset 11: the min and max attributes (default float lowest and max).
struct ClipAttributes {
  float min = 0, max = 0;
};
StatusOr<ClipAttributes> ParseClipAttributes(const Node& node);

// Cast's `to` (a TensorProto.DataType int; a type name such as "FLOAT" before opset 6).
// An error when absent or not a type.
StatusOr<DataType> ParseCastTo(const Node& node);

// IsInf's detect_positive and detect_negative (default 1 each); an error unless 0 or 1.
struct IsInfAttributes {
  bool detect_positive = true, detect_negative = true;
};
StatusOr<IsInfAttributes> ParseIsInf(const Node& node);

// BitShift's direction: true for "LEFT", false for "RIGHT"; an error otherwise (it is required).
StatusOr<bool> ParseBitShiftLeft(const Node& node);

// Mod's fmod: false (0, the default) or true (1); an error for other values.
StatusOr<bool> ParseFmod(const Node& node);

}  // namespace finch
