// The misc family: Hardmax, CumSum, TopK, OneHot, EyeLike, Trilu, DepthToSpace, SpaceToDepth.
// Attribute parsing and shape rules shared by the schemas (misc.cc) and the kernel factories
// (runtime/ops/misc.cc).
//
// Opset history handled:
//   Hardmax 1, 11: X coerced to 2-D at `axis` (default 1); 13: the single dim `axis` (default −1)
//     — the same rule as Softmax (ResolveSoftmax).
//   TopK 1: k is an attribute; 10: k is input 1; 11: adds largest, sorted and negative axes.
//   DepthToSpace 1: DCR only; 11: mode DCR (default) or CRD.
//   CumSum 11/14, OneHot 9/11, EyeLike 9, Trilu 14, SpaceToDepth 1/13: no semantic changes.
#pragma once

#include "graph/ir.h"
#include "graph/status.h"
#include "graph/tensor.h"

namespace finch {

// The types CumSum and TopK compute on.
bool IsMiscNumeric(DataType t);  // float32, float64, int32, int64

struct CumSumAttributes {
  bool exclusive = false, reverse = false;
};
StatusOr<CumSumAttributes> ParseCumSum(const Node& node);

struct TopKAttributes {
  int64_t axis = -1;  // as written; normalise with the input's rank
  bool largest = true, sorted = true;
};
StatusOr<TopKAttributes> ParseTopK(const Node& node, int64_t opset);
// k: the attribute before opset 10, else the value of input 1 (`k_input`, a 1-element int64
// tensor). Checked against the axis' size `dim`.
StatusOr<int64_t> ResolveTopK(const Node& node, int64_t opset, const Tensor* k_input, int64_t dim);

// [outer, axis, inner] of a shape around `axis` (already normalised).
struct AxisSplit {
  int64_t outer = 1, axis = 1, inner = 1;
};
AxisSplit SplitAtAxis(const Shape& shape, int64_t axis);

// DepthToSpace / SpaceToDepth: blocksize (required, >= 1) and, for DepthToSpace from opset 11,
// mode DCR or CRD. `Resolve` checks X [N, C, H, W] and gives the output shape.
struct DepthSpace {
  int64_t blocksize = 1;
  bool crd = false;
  Shape out;
};
StatusOr<DepthSpace> ResolveDepthSpace(const Node& node, int64_t opset, const Shape& x);

// OneHot's depth from input 1 (any numeric type, one element, > 0).
StatusOr<int64_t> ReadOneHotDepth(const Node& node, const Tensor& depth);

// Trilu's upper (default 1) and k from the optional input 1 (default 0).
StatusOr<bool> ParseTriluUpper(const Node& node);
StatusOr<int64_t> ReadTriluK(const Node& node, const Tensor* k);

// EyeLike's output type: `dtype` when given, else the input's type.
StatusOr<DataType> ParseEyeLikeType(const Node& node, DataType input);

}  // namespace finch
