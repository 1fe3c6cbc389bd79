// MobileNetV2 (Sandler et al. 2018, Table 2) built in code, exactly as torchvision builds it,
// with seeded random weights: a model for tests, benchmarks and `finch zoo mobilenetv2`.
//
//   input float32[N,3,R,R]
//   features.0      Conv 3x3 s2 -> BN -> ReLU6                       (32·w channels)
//   features.1..17  17 inverted residual blocks, stages (t, c, n, s):
//                   (1,16,1,1) (6,24,2,2) (6,32,3,2) (6,64,4,2) (6,96,3,1) (6,160,3,2) (6,320,1,1)
//                   [1x1 expand -> BN -> ReLU6, when t != 1]
//                   -> 3x3 depthwise (stride s on a stage's first block) -> BN -> ReLU6
//                   -> 1x1 project -> BN, + the block input when stride 1 and channels match
//   features.18     Conv 1x1 -> BN -> ReLU6                          (1280·max(1,w) channels)
//   avgpool, flatten, classifier.1 (Gemm, transB=1)                  -> logits float32[N,K]
//
// Channel counts are torchvision's _make_divisible(c·w, 8). Convs have no bias; BatchNorm stays
// a separate node (epsilon 1e-5) so passes that fold it have work to do; ReLU6 is Clip(0, 6).
// Dropout (an identity at inference) is omitted. Node and weight names follow torchvision's
// module names: "features.1.conv.0.0", "features.1.conv.0.0.weight", "features.1.conv.2.bias".
//
// `standard`: the baseline with the same layout but every 3x3 depthwise conv replaced by a full
// 3x3 conv hidden -> hidden (group 1), as EfficientNet's (graph/zoo/efficientnet.h): the convs'
// MACs and weights grow by the hidden width, so the depthwise factorisation's savings can be
// measured (1.0/224: 3,504,872 -> 44,050,952 params, 300,774,272 -> 5,549,139,968 MACs).
// `fold_bn` folds BN into the convs (zoo_common.h: FoldBatchNorms).
#pragma once

#include <cstdint>
#include <string>

#include "graph/ir.h"
#include "graph/status.h"
#include "graph/zoo/zoo_common.h"  // the option limits, MakeDivisible

namespace finch::zoo {

struct MobileNetV2Options {
  double width = 1.0;        // channel multiplier, in (0, 4]
  int64_t resolution = 224;  // input height and width, 32..4096
  int64_t num_classes = 1000;
  uint64_t seed = 0;
  int64_t opset = 13;     // 7..21; below 11 Clip takes min/max as attributes
  bool standard = false;  // full 3x3 convs in place of the depthwise ones
  bool fold_bn = false;   // fold BN into the convs
};

// The network with seeded weights. InvalidArgument naming the option for values out of range,
// or when the weights would not fit an ONNX file (the standard-conv network at width 4).
StatusOr<Graph> MakeMobileNetV2(const MobileNetV2Options& options);

}  // namespace finch::zoo
