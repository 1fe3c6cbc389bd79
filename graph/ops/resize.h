// Resize (opsets 10, 11, 13) and Upsample (7, 9): attribute parsing and output geometry, shared
// by the schemas (resize.cc) and the kernel (runtime/ops/resize.cc).
//
// Opset history handled:
//   Upsample 7: scales attribute; 9: scales input 1. Modes nearest, linear; coordinates are
//     asymmetric and nearest rounds down (ONNX Runtime's legacy "simple" rounding).
//   Resize 10: input 1 scales, modes nearest/linear, asymmetric coordinates, "simple" rounding.
//   Resize 11: inputs roi, scales, sizes; coordinate_transformation_mode (default half_pixel,
//     tf_half_pixel_for_nn only here), cubic mode, cubic_coeff_a, exclude_outside,
//     extrapolation_value, nearest_mode (default round_prefer_floor).
//   Resize 13: roi and scales optional; tf_half_pixel_for_nn removed.
//   Resize 18/19 attributes (antialias, axes, keep_aspect_ratio_policy) are Unsupported when
//     set to anything but their defaults.
// Output size per axis: sizes[d] when sizes is given, else floor(in · scales[d]); the scale used
// by the coordinate transforms is then out / in (sizes) or scales[d].
#pragma once

#include <vector>

#include "graph/ir.h"
#include "graph/status.h"
#include "graph/tensor.h"
#include "kernels/resize/resize_ref.h"

namespace finch {

// The attributes, read once. Errors name the attribute and value.
StatusOr<kernels::ResizeOptions> ParseResizeOptions(const Node& node, int64_t opset);

// Which input carries scales / sizes / roi for this op and opset (-1: none).
struct ResizeInputs {
  int roi = -1, scales = -1, sizes = -1;
};
ResizeInputs ResizeInputIndices(const Node& node, int64_t opset);

struct ResizeGeometry {
  std::vector<kernels::ResizeAxis> axes;
  Shape out;
};
// `inputs[i]` is input i's value (nullptr when omitted). All of scales/sizes/roi that the node
// has must be given.
StatusOr<ResizeGeometry> ResolveResize(const Node& node, int64_t opset,
                                       const kernels::ResizeOptions& o, const Shape& x,
                                       const std::vector<const Tensor*>& inputs);

}  // namespace finch
