// EfficientNet's parameter and MAC counts from its scaled stages alone, without drawing a weight:
// what `finch scale` needs to take a compound-scaling step apart (scale depth, then width, then
// resolution, one at a time) at any multipliers, B7-sized ones included, in microseconds.
//
// The arithmetic is the zoo network's (graph/zoo/efficientnet.h) in closed form, counted by the
// cost model's convention (graph/cost/cost_model.h):
//   spatial   out = floor((in + 2·((k−1)/2) − k) / s) + 1  ("same" padding, floor: R = 240 gives
//             120, 60, 30, 15, 8, 4 through the stride-2 stages)
//   stem      H1² · C0 · 3 · 3²
//   block     [H² · in · hidden, when hidden ≠ in]  expand 1x1
//             + Ho² · hidden · k² (· hidden when standard)  depthwise (or full) k×k
//             + 2 · hidden · squeeze  squeeze-excite's two 1x1 convs on the pooled vector
//             + Ho² · hidden · out  project 1x1
//   head      H² · C7 · 4·C7, classifier 4·C7 · classes
// Params are torchvision's count: conv and Gemm weights and biases, BN scale and shift.
#pragma once

#include <cstdint>

namespace finch::zoo {

struct NetworkCount {
  int64_t params = 0;
  int64_t macs = 0;
  int64_t blocks = 0;  // MBConv blocks: Σ repeats
};

// The counts at batch 1. `width`, `depth` > 0; `resolution` >= 32 (zoo_common.h's limits, which
// the callers check); `standard`: full k×k convs in place of the depthwise ones.
NetworkCount EfficientNetCount(double width, double depth, int64_t resolution,
                               int64_t num_classes = 1000, bool standard = false);

}  // namespace finch::zoo
