// Quantized ops: shape validation shared by the schemas (graph/ops/quantize_schemas.cc) and the
// kernels (runtime/ops/quantize.cc).
//
// ai.onnx
//   QuantizeLinear    10 per-tensor; 13 per-axis (`axis`); 19 float8 outputs and `saturate`
//                     (which only matters for float8); 21 blocked quantization (`block_size`),
//                     4- and 16-bit outputs, `output_dtype`.
//   DequantizeLinear  10 (uint8, int8, int32 input); 13 per-axis; 19 float8; 21 blocks.
//   DynamicQuantizeLinear 11.  QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger 10
//                     (QLinearMatMul 21 adds float8 only).
// com.microsoft (ONNX Runtime's contrib ops, as quantized models from its tools use them)
//   QLinearAdd 1, QLinearGlobalAveragePool 1.
// finch implements uint8/int8 data (int32 too where ONNX allows it) with float32 scales. Float8,
// 4- and 16-bit integer types, float16/bfloat16 scales and blocked quantization are valid ONNX
// that finch reports as unsupported.
//
// A per-tensor scale or zero point is a single element of rank 0 or 1 (ONNX says "scalar"; its
// own tests and the exporters use [1] as well). Per-axis and per-row/column forms are listed
// with each op below.
#pragma once

#include <vector>

#include "graph/ir.h"
#include "graph/ops/conv.h"
#include "graph/ops/gemm.h"

namespace finch {

inline constexpr char kMicrosoftDomain[] = "com.microsoft";

// Shapes of a node's inputs by index; null where an optional input is omitted.
using InputShapes = std::vector<const Shape*>;

// QuantizeLinear / DequantizeLinear: x (input 0) viewed as [outer, channels, inner] for its
// scale (input 1) and zero point (input 2, optional), which hold `channels` values: 1 when
// per-tensor, x[axis] when per-axis (opset 13+, a 1-D scale and zero point of the same shape).
struct QuantAxis {
  int64_t outer = 1, channels = 1, inner = 1;
};
StatusOr<QuantAxis> ResolveQuantAxis(const Node& node, int64_t opset, const InputShapes& s);

// QLinearConv (x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, [B])
// and ConvInteger (x, w, [x_zero_point], [w_zero_point]): x and w as for Conv, B [M]; the
// x and y parameters per-tensor; w_scale and w_zero_point each per-tensor or [M] (per output
// channel).
struct QConvGeometry {
  ConvGeometry conv;
  bool w_scale_per_channel = false;
  bool w_zp_per_channel = false;
};
StatusOr<QConvGeometry> ResolveQLinearConv(const Node& node, const InputShapes& s);
StatusOr<QConvGeometry> ResolveConvInteger(const Node& node, const InputShapes& s);

// Where the parameter of row i of A (column j of B) of the operand's t-th matrix (in its own
// batch dims) lives: t · matrix_stride + i · stride. Per-tensor: both 0; [M] (per row, the same
// for every matrix): 0, 1; [batch..., M, 1] (per matrix and row): M, 1. For B read N and
// [batch..., 1, N].
struct QParamLayout {
  int64_t matrix_stride = 0, stride = 0;
  bool operator==(const QParamLayout& o) const {
    return matrix_stride == o.matrix_stride && stride == o.stride;
  }
};
// QLinearMatMul (a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point) and
// MatMulInteger (A, B, [a_zero_point], [b_zero_point]): A and B as for MatMul; a scale and zero
// point of the same layout per row of A, B's per column; y's per-tensor.
struct QMatMulGeometry {
  MatMulGeometry mm;
  QParamLayout a, b;
};
StatusOr<QMatMulGeometry> ResolveQLinearMatMul(const Node& node, const InputShapes& s);
StatusOr<QMatMulGeometry> ResolveMatMulInteger(const Node& node, const InputShapes& s);

// QLinearAdd (A, A_scale, [A_zero_point], B, B_scale, [B_zero_point], C_scale, [C_zero_point]):
// every parameter per-tensor; the output is A and B broadcast (numpy rules).
StatusOr<Shape> ResolveQLinearAdd(const Node& node, const InputShapes& s);

// QLinearGlobalAveragePool (X, x_scale, [x_zero_point], y_scale, [y_zero_point]), attribute
// channels_last (0: X is [N, C, spatial...], 1: [N, spatial..., C]); output [N, C, 1...] or
// [N, 1..., C].
struct QPoolGeometry {
  int64_t batch = 0, channels = 0, image = 0;  // image: the product of the spatial dims
  bool channels_last = false;
  Shape out;
};
StatusOr<QPoolGeometry> ResolveQLinearGlobalAveragePool(const Node& node, const InputShapes& s);

}  // namespace finch
