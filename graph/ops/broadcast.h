// ONNX broadcasting rules as shape functions, shared by every op that broadcasts (the
// elementwise family here; Expand and others may reuse them). The strided loops that apply a
// broadcast live in kernels/elementwise/broadcast.h.
//
// Multidirectional (numpy) broadcasting: shapes are right-aligned, missing leading dims count as
// 1, and in each dim all sizes other than 1 must agree; the output takes that size (or 1):
//   [2,3,4,5] & [5] -> [2,3,4,5],  [2,1,4] & [3,1] -> [2,3,4],  [2,3] & [4] -> error.
// Unidirectional broadcasting (PRelu's slope, Gemm's C): only the second shape may be
// stretched; the result is the first shape.
#pragma once

#include <optional>
#include <vector>

#include "graph/ir.h"
#include "graph/status.h"
#include "graph/tensor.h"

namespace finch {

// The broadcast of `shapes`. shapes[i] is input `input_index[i]` of `node` (i itself when
// input_index is empty), which errors name: `input 0 [2,3] and input 1 [4] cannot be broadcast`.
StatusOr<Shape> BroadcastShapes(const Node& node, const std::vector<Shape>& shapes,
                                const std::vector<int>& input_index = {});

// The same at the type level, for inputs whose shapes are not all known yet: nullopt when some
// rank is unknown, else the broadcast rank with the dims that are already determined (a known
// size other than 1 in any input, or 1 when every input has 1) and unknown dims elsewhere.
// Conflicts are left to the run-time check on static shapes.
std::optional<std::vector<Dim>> BroadcastDims(const std::vector<TensorType>& types);

// Checks that `from` (input `from_index`) broadcasts unidirectionally to `to` (input
// `to_index`): `input 1 [3] cannot be broadcast to input 0 [2,3,4]`.
Status CheckUnidirectional(const Node& node, const Shape& from, int from_index, const Shape& to,
                           int to_index);

}  // namespace finch
