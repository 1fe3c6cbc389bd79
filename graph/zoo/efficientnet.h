// EfficientNet-B0..B7 (Tan & Le 2019) built in code, exactly as torchvision builds them, with
// seeded random weights: `finch zoo efficientnet`.
//
//   input float32[N,3,R,R]
//   features.0       Conv 3x3 s2 -> BN -> SiLU                       (round(32·w) channels)
//   features.1..7    seven stages of MBConv blocks, B0's (expand, kernel, stride, in, out, n):
//                    (1,3,1,32,16,1) (6,3,2,16,24,2) (6,5,2,24,40,2) (6,3,2,40,80,3)
//                    (6,5,1,80,112,3) (6,5,2,112,192,4) (6,3,1,192,320,1)
//                    block features.<s>.<j>.block.<l>:
//                    [1x1 expand -> BN -> SiLU, when the expanded width differs from the input]
//                    -> kxk depthwise (stride on a stage's first block) -> BN -> SiLU
//                    -> squeeze-excite: avgpool -> fc1 (1x1 Conv + bias) -> SiLU -> fc2 (1x1
//                       Conv + bias) -> Sigmoid -> Mul with the block's activation
//                    -> 1x1 project -> BN, + the block input when stride 1 and in == out
//   features.8       Conv 1x1 -> BN -> SiLU                          (4 · the last stage's width)
//   avgpool, flatten, classifier.1 (Gemm, transB=1)                  -> logits float32[N,K]
//
// Scaling (torchvision's MBConvConfig, the reference implementation's rounding):
//   channels  c' = _make_divisible(c·width, 8)   (MakeDivisible; stem, every stage's in and out)
//   repeats   n' = ceil(n·depth)
//   expanded  _make_divisible(in'·expand, 8); squeeze channels max(1, in' // 4) (in' = the
//             block's own input width, so later blocks of a stage squeeze out' // 4)
//   head      4 · out' of the last stage (1280 for B0)
// Compound scaling (the paper, eq. 3): depth d = α^φ, width w = β^φ, resolution r = γ^φ with
// α = 1.2, β = 1.1, γ = 1.15 found by grid search at φ = 1 under α·β²·γ² ≈ 2, so each step of φ
// about doubles the FLOPs (depth scales them by d, width and resolution by w² and r²). The
// released B1..B7 do not follow α^φ exactly (B7's depth is 3.1, not 1.2^7 ≈ 3.6): `phi` takes
// the published table below, where width and depth are torchvision's efficientnet_b0..b7
// builders (the same as the TensorFlow reference's efficientnet_params) and the resolution is
// the paper's and the TensorFlow reference's (torchvision evaluates its B2 weights at 288, not
// 260). BatchNorm epsilon is 1e-5 up to B4 and 1e-3 for B5..B7, as torchvision builds them.
//
// Convs have no bias except the squeeze-excite ones; BatchNorm stays a separate node unless
// `fold_bn`; SiLU is Mul(x, Sigmoid(x)) as torch exports it. Dropout and stochastic depth
// (identities at inference) are omitted. Names follow torchvision's modules like its ONNX export
// ("features.2.1.block.0.0", "features.2.1.block.2.fc1", weights "<module>.weight").
//
// `standard`: the baseline with the same layout but every depthwise kxk conv replaced by a full
// kxk conv hidden -> hidden (group 1), to measure what the depthwise factorisation saves.
#pragma once

#include <cstdint>
#include <vector>

#include "graph/ir.h"
#include "graph/status.h"
#include "graph/zoo/zoo_common.h"

namespace finch::zoo {

// The paper's compound-scaling coefficients (eq. 3).
inline constexpr double kCompoundAlpha = 1.2;   // depth
inline constexpr double kCompoundBeta = 1.1;    // width
inline constexpr double kCompoundGamma = 1.15;  // resolution
inline constexpr int kEfficientNetMaxPhi = 7;
inline constexpr double kMaxDepth = 8.0;

// One row of the B0..B7 table.
struct EfficientNetScaling {
  double width;
  double depth;
  int64_t resolution;
  float bn_epsilon;
};
// kEfficientNetTable[phi] is B<phi>.
inline constexpr EfficientNetScaling kEfficientNetTable[kEfficientNetMaxPhi + 1] = {
    {1.0, 1.0, 224, 1e-5f}, {1.0, 1.1, 240, 1e-5f}, {1.1, 1.2, 260, 1e-5f}, {1.2, 1.4, 300, 1e-5f},
    {1.4, 1.8, 380, 1e-5f}, {1.6, 2.2, 456, 1e-3f}, {1.8, 2.6, 528, 1e-3f}, {2.0, 3.1, 600, 1e-3f}};

struct EfficientNetOptions {
  int phi = 0;             // 0..7: the row of kEfficientNetTable
  double width = 0;        // > 0 overrides the row's width multiplier, in (0, 4]
  double depth = 0;        // > 0 overrides the row's depth multiplier, in (0, 8]
  int64_t resolution = 0;  // > 0 overrides the row's resolution, 32..4096
  int64_t num_classes = 1000;
  uint64_t seed = 0;
  int64_t opset = 13;  // 7..21
  bool fold_bn = false;  // fold BN into the convs (weights W·γ/√(σ²+ε), bias β − μ·γ/√(σ²+ε))
  bool standard = false;  // full convs in place of the depthwise ones
};

// One stage after scaling.
struct EfficientNetStage {
  int64_t expand, kernel, stride, in, out, repeats;
};

// The scaling `options` ask for: the row of `phi` with the explicit multipliers in its place.
// InvalidArgument naming the option when one is out of range.
StatusOr<EfficientNetScaling> ResolveScaling(const EfficientNetOptions& options);
// The seven stages at these multipliers (torchvision's rounding, above).
std::vector<EfficientNetStage> EfficientNetStages(double width, double depth);

// The network with seeded weights. InvalidArgument naming the option for values out of range,
// or when the weights would not fit an ONNX file (a standard-conv B4 and up).
StatusOr<Graph> MakeEfficientNet(const EfficientNetOptions& options);

}  // namespace finch::zoo
