// The shared vocabulary of the shape and reduce families: axis normalisation, reading the small
// integer tensors that carry axes, shapes and pads, and partially known output types.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/ops/op_schema.h"
#include "graph/status.h"
#include "graph/tensor.h"

namespace finch {

// A partially known shape: -1 where a dim is not known yet.
using Dims = std::vector<int64_t>;

// Before opset 11 the specs of Flatten, Squeeze and Unsqueeze required non-negative axes; they
// take this. The older specs of the other ops (Concat, Split, Slice, Gather, Reduce*, ArgMax)
// did not restrict the sign, and exporters such as PyTorch wrote negative axes into them, so
// those accept negative axes at every opset.
inline bool NegativeAxesAllowed(int64_t opset) { return opset >= 11; }

// Maps `axis` from [-rank, rank - 1] to [0, rank - 1]; with !allow_negative only [0, rank - 1]
// is accepted. `what` names where the axis came from ("attribute 'axis'", "input 1 (axes)"):
//   Flatten "f": attribute 'axis' has value 5, out of range [-4, 3] for rank 4
StatusOr<int64_t> NormalizeAxis(const Node& node, const std::string& what, int64_t axis,
                                int64_t rank, bool allow_negative);
// Each of `axes` normalised; a repeated axis is an error.
StatusOr<std::vector<int64_t>> NormalizeAxes(const Node& node, const std::string& what,
                                             const std::vector<int64_t>& axes, int64_t rank,
                                             bool allow_negative);

// The elements of an int32 or int64 tensor of rank 0 or 1; `what` names it in errors
// ("input 1 (shape)").
StatusOr<std::vector<int64_t>> ReadInts(const Node& node, const std::string& what, const Tensor& t);

// The dims of a ranked type, -1 where unknown.
Dims DimsOf(const TensorType& t);
// A type from partially known dims (static when every dim is known).
TensorType TypeFromDims(DataType dtype, const Dims& dims);
// A type with only the dtype and, when rank >= 0, the rank known.
TensorType RankOnly(DataType dtype, int64_t rank);
// Product of dims, -1 when any is unknown.
int64_t KnownProduct(const Dims& dims, size_t begin, size_t end);

// Unimplemented naming the input when its dtype is not one a Tensor can hold.
Status RequireStorable(const InferContext& ctx, size_t i, const char* name);
// InvalidArgument unless input i is int32/int64 (int64 only when !allow_int32).
Status RequireIndexType(const InferContext& ctx, size_t i, const char* name, bool allow_int32);

// "input 1 (axes)": how messages name an input.
std::string InputName(size_t i, const char* name);

}  // namespace finch
