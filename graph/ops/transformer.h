// The finch-domain ops of transformer blocks that the ViT passes make (besides finch::Attention,
// graph/ops/attention.h). Each is an ONNX op of a later opset, or a composition, kept in the
// finch domain so that an exported opset-14 graph stays valid ONNX for its declared opsets:
//
// finch::LayerNormalization  inputs X, [Scale], [B]      attributes axis (−1), epsilon (1e-5)
//     X viewed as [outer, inner] split at axis; per row: μ = mean, σ² = mean((x − μ)²),
//     Y = (X − μ) / √(σ² + epsilon) · Scale + B      (ONNX LayerNormalization-17's Y)
//     Scale and B have X.shape[axis:] or are 1-D of its element count; absent: 1 and 0.
// finch::Gelu  input X   attribute approximate ("none" | "tanh", as ONNX Gelu-20)
//     "none": Y = X·Φ(X) = X/2·(1 + erf(X/√2))
//     "tanh": Y = X/2·(1 + tanh(√(2/π)·(X + 0.044715·X³)))
// finch::FusedMatMul  inputs A, B, [bias]     attributes activation, activation_params
//     Y = act(A·B + bias): A [..., K] (every dim but the last are rows), B [K, N], bias [N];
//     Y [..., N]. activation as graph/ops/fused.h (Gelu and GeluTanh included).
#pragma once

#include <cstdint>

#include "graph/ir.h"
#include "graph/ops/fused.h"
#include "graph/status.h"

namespace finch {

class OpSchemaRegistry;

struct FusedLayerNormAttributes {
  int64_t axis = -1;
  float epsilon = 1e-5f;
};
StatusOr<FusedLayerNormAttributes> ParseFusedLayerNormAttributes(const Node& node);

struct FusedLayerNormGeometry {
  int64_t outer = 1, inner = 1;
};
// `scale` and `bias` are null when omitted.
StatusOr<FusedLayerNormGeometry> ResolveFusedLayerNorm(const Node& node,
                                                       const FusedLayerNormAttributes& attrs,
                                                       const Shape& x, const Shape* scale,
                                                       const Shape* bias);

// finch::Gelu's `approximate` as the activation it computes (kGelu or kGeluTanh).
StatusOr<FusedActivation> ParseGeluApproximation(const Node& node);

struct FusedMatMulGeometry {
  int64_t rows = 0, k = 0, n = 0;
};
// A [..., K] (rank ≥ 1), B [K, N], bias [N] (null when omitted).
StatusOr<FusedMatMulGeometry> ResolveFusedMatMul(const Node& node, const Shape& a, const Shape& b,
                                                 const Shape* bias);

// finch::LayerNormalization, finch::Gelu, finch::FusedMatMul and finch::Attention.
void RegisterTransformerSchemas(OpSchemaRegistry& r);

}  // namespace finch
