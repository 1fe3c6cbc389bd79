// Reductions (Reduce*) and ArgMax/ArgMin: attribute parsing and axis resolution shared by the
// schemas (reduce.cc) and the kernels (runtime/ops/reduce.cc).
#pragma once

#include <cstdint>
#include <vector>

#include "graph/ir.h"
#include "graph/ops/axes.h"
#include "graph/status.h"

namespace finch {

struct ReduceAttrs {
  bool keepdims = true;
  // Axes come from input 1 (ReduceSum from opset 13, every Reduce* from opset 18), else from
  // the 'axes' attribute.
  bool axes_from_input = false;
  std::vector<int64_t> axes;  // the attribute; empty: every axis
  // With axes from an input: an absent or empty axes input means "no reduction" rather than
  // "every axis".
  bool noop_with_empty_axes = false;
};
StatusOr<ReduceAttrs> ParseReduceAttrs(const Node& node, int64_t opset);

// Per input dim, 1 when reduced; `noop` when nothing is reduced (the output is the input).
struct ReducedAxes {
  bool noop = false;
  std::vector<uint8_t> reduced;
};
// `axes` are the attribute's or the input's values (empty when the input is absent).
StatusOr<ReducedAxes> ResolveReduceAxes(const Node& node, const ReduceAttrs& attrs, int64_t rank,
                                        const std::vector<int64_t>& axes);
// The output shape for `in` (keepdims keeps reduced dims as 1).
Shape ReducedShape(const Shape& in, const ReducedAxes& r, bool keepdims);

struct ArgReduceAttrs {
  int64_t axis = 0;  // as written
  bool keepdims = true;
  bool select_last_index = false;
};
StatusOr<ArgReduceAttrs> ParseArgReduceAttrs(const Node& node, int64_t opset);

}  // namespace finch
