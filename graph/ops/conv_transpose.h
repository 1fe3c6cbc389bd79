// ConvTranspose: attribute parsing and shape inference, shared by the schema and the kernel.
//
// X [N, C, in...], W [C, M/group, k...], optional B [M]; Y [N, M, out...]. Per spatial dim:
//   full = s·(in − 1) + output_padding + (k − 1)·d + 1
//   output_shape given or auto_pad SAME_*: out = output_shape, or in · s for SAME_*;
//     total pad = max(0, full − out), split as head = total/2 (the odd pixel at the end) except
//     for SAME_LOWER, where head = total − total/2 (the ONNX node tests' convention)
//   otherwise (NOTSET, VALID): out = full − pad_begin − pad_end (VALID: no pads).
// Y[o] gathers the X pixels i with o = i·s − head + k·d (see conv_transpose_ref.h).
#pragma once

#include "graph/ir.h"
#include "graph/ops/conv.h"

namespace finch {

StatusOr<ConvGeometry> ResolveConvTranspose(const Node& node, const Shape& x, const Shape& w,
                                            const Shape* bias);

}  // namespace finch
