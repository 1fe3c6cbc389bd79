// Standard against depthwise-separable convolution at one layer shape, predicted and measured
// (issue 9's report, `finch scale standard-vs-separable`).
//
// A k×k convolution Cin -> Cout of stride s on an H×W image (output Ho×Wo) costs
//   standard    Ho·Wo · Cout · Cin · k²                    MACs, Cout·Cin·k² weights
//   separable   Ho·Wo · Cin · k²  +  Ho·Wo · Cin · Cout    (k×k depthwise, then 1x1 pointwise)
// so the saving is standard / separable = 1 / (1/Cout + 1/k²): 8-9× for k = 3 and wide layers.
// Time saves less. The depthwise conv does k² MACs per output element against the pointwise's
// Cin, so its arithmetic intensity is about 2 FLOP per byte (18 FLOPs per 8 bytes read and
// written at k = 3), below the DRAM ridge point: when its tensors do not fit the L2 it runs at
// the memory roof, not the FMA peak; when they do, its kernel still reaches a smaller share of
// the peak than the GEMM (k² FMAs per loaded vector, no reuse across output channels). Either
// way it takes a larger share of the time than of the FLOPs. The standard conv and the pair (each
// conv with bias and ReLU, fused into one step as in a network) run in graphs of their own, through
// a Session (pass pipeline, NHWC lowering, the kernel a network of that shape would get); a conv's
// time is the median of its step's time over the runs (the layout transposes at the graph's edges
// are not counted), its prediction the roofline's. The pair is measured twice: as two steps
// (fuse-inverted-residual off), which shows each conv's time, and as the one fused step a network
// runs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/cost/cost_model.h"
#include "graph/status.h"
#include "runtime/machine_model.h"
#include "runtime/roofline.h"

namespace finch {

struct LayerShape {
  std::string name;  // where the shape comes from, e.g. "MobileNetV1 features.7"
  int64_t cin = 0, cout = 0, hw = 0, kernel = 3, stride = 1;
};

// One conv of the comparison: its cost, prediction, measured median and the kernel that ran it.
struct ConvMeasure {
  NodeCost cost;
  RooflinePrediction pred;
  double ms = 0;
  std::string kernel;
};

struct LayerComparison {
  LayerShape shape;
  ConvMeasure standard, depthwise, pointwise;  // each conv a step of its own
  // The pair as a network runs it: the fuse-inverted-residual pass makes depthwise -> pointwise
  // one finch::InvertedResidual (no expand), whose kernel hands rows of the depthwise output to
  // the pointwise GEMM while they are in cache. has_fused is false when the pass did not apply.
  ConvMeasure fused;
  bool has_fused = false;
};

// The shapes of the report: the textbook 3×3 256→256 at 56², MobileNetV1's layers at each
// resolution, two MobileNetV2 blocks (expanded width -> projected width).
std::vector<LayerShape> RepresentativeLayers();

// Measures `shape` both ways with `threads` (0: physical cores): `runs` rounds that run each
// graph in turn (the standard conv, the pair as two steps, the pair fused), twice, timing the
// second run (caches warm, as for a layer inside a network), so that load from other processes
// hits them alike; medians over the rounds.
// InvalidArgument for a shape out of range (channels, size, kernel, stride must be positive; kernel
// odd).
StatusOr<LayerComparison> CompareLayer(const LayerShape& shape, const MachineModel& machine,
                                       int threads, int runs);

}  // namespace finch
