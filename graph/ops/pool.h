// Pooling ops (MaxPool, AveragePool, GlobalMaxPool, GlobalAveragePool): attribute parsing and
// shape inference, shared by the schemas and the kernels.
#pragma once

#include <cstdint>

#include "graph/ir.h"
#include "graph/ops/window.h"

namespace finch {

inline constexpr int kMaxPoolSpatialDims = 3;

// The finch-domain (channels-last) pools follow the pooling semantics of the ONNX opset in their
// `onnx_opset` attribute (the model's, set by the layout pass), else of opset 17.
inline constexpr int64_t kFinchPoolOpset = 17;
int64_t PoolSemanticsOpset(const Node& node, int64_t opset);

// The window attributes resolved for one input shape.
struct PoolGeometry {
  int64_t batch = 0, channels = 0;
  WindowGeometry window;
};

// Validates X [N, C, 1 to 3 spatial dims] against MaxPool's / AveragePool's window attributes
// (kernel_shape, strides, pads, auto_pad; ceil_mode from opset 10; dilations) and resolves the
// output size. Errors name the node and the attribute or shape at fault.
StatusOr<PoolGeometry> ResolvePool(const Node& node, int64_t opset, const Shape& x);

// The attributes that do not shape the window.
struct PoolAttributes {
  bool count_include_pad = false;     // AveragePool (opset 7+)
  bool column_major_indices = false;  // MaxPool storage_order = 1 (opset 8+)
};
StatusOr<PoolAttributes> ParsePoolAttributes(const Node& node, int64_t opset);

// The output shape of GlobalMaxPool / GlobalAveragePool: [N, C, 1, ...] for X [N, C, ...].
StatusOr<Shape> GlobalPoolShape(const Node& node, const Shape& x);

}  // namespace finch
