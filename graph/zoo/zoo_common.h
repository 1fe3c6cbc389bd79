// Pieces every zoo network shares: the image input, the classifier head, the checks of the
// options all of them take, and folding BatchNormalization into the convolutions at build time.
#pragma once

#include <cstdint>
#include <string>

#include "graph/ir.h"
#include "graph/status.h"
#include "graph/zoo/layer_builder.h"

namespace finch::zoo {

// Limits of the options every zoo network takes (checked by the Make* functions, shown by the
// CLI).
inline constexpr double kMaxWidth = 4.0;
inline constexpr int64_t kMinResolution = 32;  // five stride-2 stages: 32 -> 1
inline constexpr int64_t kMaxResolution = 4096;
inline constexpr int64_t kMaxClasses = 1000000;
inline constexpr int64_t kMinOpset = 7;
inline constexpr int64_t kMaxOpset = 21;
// An ONNX file without external data is one protobuf message, which cannot exceed 2 GiB: a
// network with more float32 weights than this cannot be written, so it is refused before its
// weights are drawn.
inline constexpr int64_t kMaxWeightElements = int64_t{1} << 29;

// torchvision's _make_divisible: `v` rounded to the nearest multiple of `divisor` (at least
// `divisor`), bumped up one step if rounding lost more than 10%.
int64_t MakeDivisible(double v, int64_t divisor = 8);

// InvalidArgument "<model>: resolution R must be in [...]" (and likewise for num_classes and
// opset) for values out of range.
Status CheckCommonOptions(const std::string& model, int64_t resolution, int64_t num_classes,
                          int64_t opset);
// InvalidArgument "<model>: <what> W must be in (0, max]" unless 0 < value <= max (NaN fails).
Status CheckMultiplier(const std::string& model, const std::string& what, double value, double max);
// InvalidArgument when `weight_elements` exceeds kMaxWeightElements.
Status CheckWeightCount(const std::string& model, int64_t weight_elements);

// A graph named `name` importing the default domain at `opset`, with the image input
// "input" float32[N,3,R,R].
Graph ImageClassifierGraph(const std::string& name, int64_t opset, int64_t resolution,
                           ValueId* input);

// avgpool (GlobalAveragePool) -> flatten -> `gemm_name` (Gemm, transB = 1) writing "logits",
// declared float32[N,classes] and made the graph's output; then sorts the graph (which checks
// that every value read is defined). The classifier's weight and bias are N(0, 0.01²)
// (torchvision's MobileNetV2: weight N(0, 0.01²), bias 0).
Status FinishClassifier(LayerBuilder& b, ValueId x, int64_t in_features, int64_t classes,
                        const std::string& gemm_name);

// Folds every Conv -> BatchNormalization pair into the Conv (graph/passes/fold_batchnorm.cc:
// W' = W·γ/√(σ²+ε), b' = β − μ·γ/√(σ²+ε)), so the network computes the same function without
// BN nodes. The folded weights keep torchvision's names: "<conv>.weight" and "<conv>.bias".
StatusOr<Graph> FoldBatchNorms(const Graph& graph);

}  // namespace finch::zoo
