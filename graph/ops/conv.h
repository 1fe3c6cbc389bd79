// Conv: attribute parsing and shape inference, shared by the schema and the kernels.
#pragma once

#include "graph/ir.h"
#include "graph/ops/window.h"

namespace finch {

struct ConvGeometry {
  int64_t batch = 0, in_channels = 0, out_channels = 0, groups = 1;
  WindowGeometry window;
};

// X [N, C, 1 to 3 spatial dims] and a weight of the same rank, as Conv and ConvTranspose need.
Status CheckConvRanks(const Node& node, const Shape& x, const Shape& w);

// Validates Conv's inputs (x [N,C,spatial...], w [M,C/group,k...], optional b [M]) and
// attributes, and resolves the output geometry.
StatusOr<ConvGeometry> ResolveConv(const Node& node, const Shape& x, const Shape& w,
                                   const Shape* bias);

struct InferContext;
using ConvResolver = StatusOr<ConvGeometry> (*)(const Node& node, const Shape& x, const Shape& w,
                                                const Shape* bias);
// Shape inference of a convolution-like op (Conv, ConvTranspose): float32 X, W, optional B;
// output [N, M, spatial...] from `resolve`, or only the rank while X or W is not static.
Status InferConvLike(InferContext& ctx, ConvResolver resolve);

}  // namespace finch
