// Normalization ops (Softmax, LogSoftmax, BatchNormalization, LayerNormalization,
// InstanceNormalization): attribute parsing and shape resolution, shared by the schemas and the
// kernels.
#pragma once

#include <cstdint>
#include <vector>

#include "graph/ir.h"

namespace finch {

// Softmax / LogSoftmax's view of X as [outer, axis, inner]:
//   opset < 13: X is coerced to 2-D at `axis` (default 1): outer = Π d[:axis],
//               axis = Π d[axis:], inner = 1 (normalized over all the trailing dims).
//   opset >= 13: over the single dim `axis` (default −1): inner = Π d[axis+1:].
struct SoftmaxGeometry {
  int64_t outer = 1, axis = 1, inner = 1;
};
StatusOr<SoftmaxGeometry> ResolveSoftmax(const Node& node, int64_t opset, const Shape& x);

// BatchNormalization (inference): X [N, C, D...] (or [N], read as C = 1) and the four
// parameters scale, B, mean, var of shape [C], or, before opset 9 with spatial = 0, of X's
// shape without N ([C, D...]).
struct BatchNormGeometry {
  int64_t batch = 1, channels = 1, inner = 1;
  bool per_activation = false;
};
// The ONNX opset whose BatchNormalization semantics the finch-domain (channels-last) one
// follows: per-channel parameters, inference only.
inline constexpr int64_t kFinchBatchNormOpset = 15;

struct BatchNormAttributes {
  float epsilon = 1e-5f;
  bool spatial = true;  // opset < 9
};
// Fails with Unimplemented for training mode (training_mode = 1, opset 14+).
StatusOr<BatchNormAttributes> ParseBatchNormAttributes(const Node& node, int64_t opset);
// params: the shapes of inputs 1..4 (scale, B, mean, var).
StatusOr<BatchNormGeometry> ResolveBatchNorm(const Node& node, const BatchNormAttributes& attrs,
                                             const Shape& x, const std::vector<Shape>& params);

// LayerNormalization: X viewed as [outer, inner] split at `axis` (in [−r, r], default −1).
struct LayerNormAttributes {
  int64_t axis = -1;
  float epsilon = 1e-5f;
  int64_t stash_type = 1;  // ONNX DataType of Mean / InvStdDev
};
StatusOr<LayerNormAttributes> ParseLayerNormAttributes(const Node& node);
struct LayerNormGeometry {
  int64_t axis = 0;  // normalized to [0, r]
  int64_t outer = 1, inner = 1;
  Shape stats;  // shape of Mean / InvStdDev: d[:axis] followed by 1s
};
// scale and bias (null when omitted) must broadcast unidirectionally to X.shape[axis:].
StatusOr<LayerNormGeometry> ResolveLayerNorm(const Node& node, const LayerNormAttributes& attrs,
                                             const Shape& x, const Shape& scale, const Shape* bias);

// InstanceNormalization: X [N, C, D...], scale and B of shape [C].
struct InstanceNormGeometry {
  int64_t batch = 1, channels = 1, size = 1;  // size = Π D
};
StatusOr<InstanceNormGeometry> ResolveInstanceNorm(const Node& node, const Shape& x,
                                                   const Shape& scale, const Shape& bias);

}  // namespace finch
