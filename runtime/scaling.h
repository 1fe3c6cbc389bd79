// Scaling sweeps over the zoo's networks (issue 9): `finch scale` and `finch fit`.
//
// A variant is a zoo network at one setting (EfficientNet-B<φ>, MobileNetV2 at width × resolution,
// MobileNetV1, each optionally with standard convs in place of the depthwise ones). Each is built
// in memory with seeded weights and becomes a Session (pass pipeline and NHWC lowering, as `finch
// run` would run it); its report has
//   params      torchvision's count on the network as built (conv and Gemm weights and biases,
//               BN scale and shift; graph/cost/cost_model.h), before BN is folded
//   macs        the cost model's multiply-adds at batch 1 (FLOPs = 2 × MACs)
//   peak activation  the memory planner's arena for batch 1 (runtime/memory_plan.h)
//   predicted   Σ over the plan's steps of the roofline prediction (runtime/roofline.h) on a
//               machine model (this CPU's, from `finch machine`; tests pass a made-up one)
//   measured    the median wall time of Session::Run over `runs` runs after ~200 ms of warm-up
//
// Measurement budget: a variant gets RunsFor(predicted) timed runs, about kMeasureBudgetMs of
// predicted time and at least kMinRuns (median of 3), at most the caller's maximum, so B7
// (~75 GFLOP per image) costs a few runs where MobileNetV2 0.35/96 gets the maximum.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/status.h"
#include "graph/tensor.h"
#include "runtime/machine_model.h"
#include "runtime/session.h"

namespace finch {

enum class ScaleFamily { kEfficientNet, kMobileNetV2, kMobileNetV1 };

// "efficientnet", "mobilenetv2", "mobilenetv1".
const char* FamilyName(ScaleFamily family);
// InvalidArgument listing the known names for anything else.
StatusOr<ScaleFamily> ParseFamily(const std::string& name);

struct ScaleVariant {
  ScaleFamily family = ScaleFamily::kEfficientNet;
  int phi = 0;         // EfficientNet: the row of the B0..B7 table (width, depth, resolution)
  double width = 1.0;  // MobileNets: the channel multiplier; EfficientNet: the row's (display)
  double depth = 1.0;  // EfficientNet: the row's (display)
  int64_t resolution = 224;
  bool standard = false;  // full convs in place of the depthwise ones

  // "B3", "0.75/160", "V1 1/224"; " std" appended for the standard-conv baseline.
  std::string Label() const;
};

// The lists `finch scale` and `finch fit` take ("0..7", "0,2,4", "0.35,0.5,1.4"): values
// separated by commas, ints also as an inclusive range a..b. `what` names the list in errors
// ("--phi"). InvalidArgument for an empty list or element, a value that does not parse, one out
// of [lo, hi] (numbers: (0, hi]), or values that do not increase.
StatusOr<std::vector<int64_t>> ParseIntList(const std::string& text, const std::string& what,
                                            int64_t lo, int64_t hi);
StatusOr<std::vector<double>> ParseNumberList(const std::string& text, const std::string& what,
                                              double hi);

// B<φ> for each φ (each in 0..7).
std::vector<ScaleVariant> EfficientNetVariants(const std::vector<int64_t>& phis,
                                               bool standard = false);
// The width × resolution grid, width-major (each width at every resolution, in list order).
std::vector<ScaleVariant> MobileNetV2Variants(const std::vector<double>& widths,
                                              const std::vector<int64_t>& resolutions,
                                              bool standard = false);
// `finch fit`'s search space: EfficientNet B0..B7, or MobileNetV2's published grid, widths
// {0.35, 0.5, 0.75, 1.0, 1.3, 1.4} × resolutions {96, 128, 160, 192, 224}.
std::vector<ScaleVariant> FamilyGrid(ScaleFamily family);

// The network, seeded weights (seed 0), BN as nodes. InvalidArgument from the zoo for settings
// out of range.
StatusOr<Graph> BuildVariant(const ScaleVariant& v);

// Params of `graph` as built: every constant the cost model counts as trainable (RoleOfConstant
// kParam), each tensor once.
int64_t GraphParams(const Graph& graph);

struct VariantReport {
  ScaleVariant variant;
  int64_t params = 0;
  int64_t macs = 0;
  int64_t depthwise_macs = 0;  // of macs, the depthwise convs' (0 in a standard variant)
  size_t peak_activation_bytes = 0;
  double predicted_ms = 0;
  double measured_ms = 0;            // median; 0 when not measured
  double measured_depthwise_ms = 0;  // median of the steps that are depthwise convs alone
  int runs = 0;                      // timed runs behind measured_ms (0: not measured)
  int threads = 1;
};

// A variant ready to be timed: its session, a deterministic input, and the analytic part of its
// report (params, MACs, peak activation, predicted).
struct PreparedVariant {
  std::unique_ptr<Session> session;
  std::vector<Tensor> inputs;
  std::vector<bool> depthwise_step;  // per plan step: a depthwise conv on its own
  VariantReport report;
};

// Builds `v`, creates its session with `threads` (0: physical cores) and predicts on `machine`.
StatusOr<PreparedVariant> PrepareVariant(const ScaleVariant& v, const MachineModel& machine,
                                         int threads);

inline constexpr double kMeasureBudgetMs = 2000;
inline constexpr int kMinRuns = 3;
// Untimed warm-up before a variant's timed runs: runs until kWarmupMs have passed (at least one,
// at most kMaxWarmupRuns).
inline constexpr double kWarmupMs = 200;
inline constexpr int kMaxWarmupRuns = 50;
// Timed runs for a variant predicted at `predicted_ms`: floor(kMeasureBudgetMs / predicted),
// clamped into [min(kMinRuns, max_runs), max_runs]; max_runs when nothing is predicted.
int RunsFor(double predicted_ms, int max_runs);

// Untimed warm-up runs (kWarmupMs), then `runs` timed ones (>= 1): fills report.measured_ms,
// measured_depthwise_ms and runs.
Status MeasureVariant(PreparedVariant& prepared, int runs);
// The same for several variants compared with each other, in rounds: the warm-up for each, then
// `rounds` rounds that run every variant once in turn, so that load from other processes on a
// shared machine hits them alike (as bench/compare_ort.sh does); the median per variant.
Status MeasureInterleaved(const std::vector<PreparedVariant*>& variants, int rounds);

// One step of compound scaling, B<from> -> B<to>, taken apart. The MAC factor is the product of
// three, applied in this order: depth (d_to at w_from, r_from), then width (w_to at r_from), then
// resolution (r_to), each measured on EfficientNetCount; beside each, what the published table's
// multipliers say it should be (d ratio, w² ratio, r² ratio), and the compound-scaling ideal
// (α·β²·γ²)^(to − from) ≈ 1.92 per step of φ.
struct GrowthStep {
  int from = 0, to = 0;
  double macs_factor = 0;   // MACs(B<to>) / MACs(B<from>), from the reports
  double ideal_factor = 0;  // (α·β²·γ²)^(to − from)
  double table_factor = 0;  // (d'/d)·(w'/w)²·(r'/r)² of the published rows
  double depth_factor = 0, depth_table = 0;
  double width_factor = 0, width_table = 0;
  double resolution_factor = 0, resolution_table = 0;
  int64_t blocks_from = 0, blocks_to = 0;  // MBConv blocks (repeats rounded up)
};

// The steps between consecutive EfficientNet reports (all must be EfficientNet, φ increasing).
StatusOr<std::vector<GrowthStep>> EfficientNetGrowth(const std::vector<VariantReport>& rows);

// `finch fit`: among `rows`, the largest by MACs whose predicted latency is at most `budget_ms`
// (ties: the faster), and its next-larger neighbour by MACs (the smallest above it; the smallest
// of all when none fits), -1 where there is none. InvalidArgument for a budget that is not a
// positive finite number or for no rows.
struct FitChoice {
  int chosen = -1;
  int next_larger = -1;
};
StatusOr<FitChoice> PickFit(const std::vector<VariantReport>& rows, double budget_ms);

}  // namespace finch
