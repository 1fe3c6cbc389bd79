// MobileNetV1 (Howard et al. 2017, Table 1) built in code with seeded random weights, and its
// standard-convolution baseline (the paper's Table 4): `finch zoo mobilenetv1`.
//
//   input float32[N,3,R,R]
//   features.0       Conv 3x3 s2 -> BN -> ReLU                        (32·α channels)
//   features.1..13   depthwise-separable pairs (output channels, stride of the depthwise):
//                    (64,1) (128,2) (128,1) (256,2) (256,1) (512,2) 5×(512,1) (1024,2) (1024,1)
//                    .dw: 3x3 depthwise (group = channels) -> BN -> ReLU
//                    .pw: 1x1 pointwise -> BN -> ReLU
//   avgpool, flatten, classifier (Gemm, transB=1)                    -> logits float32[N,K]
//
// The paper's Table 1 prints the last depthwise as "s2" on a 7x7 input although its output is
// 7x7 too; the reference implementation (and every port) uses stride 1 there, as here. Channels
// at width α are the reference implementation's (TF-slim mobilenet_v1) max(8, floor(c·α)).
// Activations are ReLU as in the paper (TF-slim uses ReLU6; the counts do not change).
//
// `standard`: every depthwise-separable pair replaced by one full 3x3 conv of the same input and
// output channels and stride, "features.<k>.conv" (Conv -> BN -> ReLU): the paper's Table 4
// baseline (29.3 M params, 4866 M mult-adds against 4.2 M and 569 M at α = 1, 224).
//
// Counts (the paper's: multiply-adds of the convolutions and the FC layer; params the conv and FC
// weights and the FC bias, no BN): 1.0/224 has 4,210,088 params (+ 21,888 BN scales and shifts)
// and 568,740,352 MACs. Convs have no bias; BatchNorm (epsilon 1e-5) stays a separate node unless
// `fold_bn`.
#pragma once

#include <cstdint>

#include "graph/ir.h"
#include "graph/status.h"
#include "graph/zoo/zoo_common.h"

namespace finch::zoo {

struct MobileNetV1Options {
  double width = 1.0;        // α, in (0, 4]
  int64_t resolution = 224;  // ρ·224, 32..4096
  int64_t num_classes = 1000;
  uint64_t seed = 0;
  int64_t opset = 13;     // 7..21
  bool standard = false;  // full 3x3 convs in place of the depthwise-separable pairs
  bool fold_bn = false;   // fold BN into the convs
};

// The channels of layer `c` at width `alpha`: max(8, floor(c·α)).
int64_t MobileNetV1Channels(int64_t c, double alpha);

// The network with seeded weights. InvalidArgument naming the option for values out of range.
StatusOr<Graph> MakeMobileNetV1(const MobileNetV1Options& options);

}  // namespace finch::zoo
