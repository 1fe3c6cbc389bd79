// Checks one counted run (RunOptions::count_macs, kernels/common/mac_counter.h) step by step
// against the cost model (graph/cost/cost_model.h). Shared by tests/runtime/mac_count_test.cc
// (small graphs, also on the scalar path) and tests/models/mac_count_test.cc (the shared models).
//
// Per step, with A the analytic MACs, P the padding taps of the node's convolutions (counted
// here by brute force over every output and tap) and E, Q the executed and skipped-padding
// multiply-adds the kernels reported:
//   - a kernel that multiplies the zero padding (im2col + GEMM) or whose work is counted as
//     requested (oneDNN) reports Q = 0 and E = A;
//   - every other kernel skips the padding taps: Q = P and E = A − P;
//   - a step without MACs reports E = Q = 0 (no kernel counts work it does not do).
// The one place where kernels genuinely run more than A: the banded fused inverted-residual
// kernel on several threads. Each thread expands the input rows its first band needs, and the
// k − stride rows it shares with the previous thread's last band are expanded by both threads
// (within one thread, consecutive bands reuse those rows). So there E − (A − P) is a whole
// number of expanded rows (W · C_in · C_hidden multiply-adds each), at most
// (threads − 1) · (k − stride) of them; on one thread, or in the staged schedule, it is 0.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "graph/cost/cost_model.h"
#include "graph/ops/conv.h"
#include "graph/ops/fused.h"
#include "graph/ops/layout.h"
#include "runtime/session.h"

namespace finch::testing {

// Σ over outputs o < out of the taps k < kernel whose input o·stride − pad + k·dilation lies in
// [0, in): one dimension's valid taps (a window's are the product over dimensions).
inline int64_t BruteForceValidTaps(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                                   int64_t pad, int64_t dilation) {
  int64_t n = 0;
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t k = 0; k < kernel; ++k) {
      const int64_t i = o * stride - pad + k * dilation;
      if (i >= 0 && i < in) ++n;
    }
  }
  return n;
}

// Geometry of a node's convolutions, as far as the checks need it.
struct ConvWork {
  int64_t padding_taps = 0;       // P: multiply-adds of the node's convolutions on zero padding
  bool banded_candidate = false;  // an inverted-residual block with an expand stage
  int64_t expanded_row_macs = 0;  // W · C_in · C_hidden: one expanded input row
  int64_t shared_rows = 0;        // max(0, k − stride): rows two adjacent bands share
};

inline ConvWork ConvWorkOf(const Node& node, const std::vector<TensorType>& types) {
  ConvWork w;
  // Static input shapes, X seen in NCHW (the geometry resolvers' layout); null where unknown.
  const bool nhwc = IsNhwc(node);
  std::vector<Shape> in(std::max<size_t>(node.inputs.size(), kIrNumInputs));
  std::vector<const Shape*> shape(in.size(), nullptr);
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (node.inputs[i] == kNoValue || !types[node.inputs[i]].is_static()) continue;
    in[i] = types[node.inputs[i]].static_shape();
    if (i == 0 && nhwc) in[i] = NhwcToNchw(in[i]);
    shape[i] = &in[i];
  }
  const bool conv = (node.domain.empty() && node.op_type == "Conv") ||
                    (node.domain == kFinchDomain && node.op_type == "FusedConv");
  if (conv && shape[0] && shape[1]) {
    auto g = ResolveConv(node, *shape[0], *shape[1], shape[2]);
    if (!g.ok()) return w;
    int64_t valid = 1, all = 1;
    for (size_t d = 0; d < g->window.in.size(); ++d) {
      valid *=
          BruteForceValidTaps(g->window.in[d], g->window.out[d], g->window.kernel[d],
                              g->window.stride[d], g->window.pad_begin[d], g->window.dilation[d]);
      all *= g->window.out[d] * g->window.kernel[d];
    }
    w.padding_taps = g->batch * g->out_channels * (g->in_channels / g->groups) * (all - valid);
  }
  if (node.domain == kFinchDomain && node.op_type == "InvertedResidual") {
    shape.resize(kIrNumInputs);
    auto g = ResolveInvertedResidual(node, shape);
    if (!g.ok()) return w;
    const int64_t valid = BruteForceValidTaps(g->in_h, g->out_h, g->kernel_h, g->stride_h,
                                              g->pad_top, g->dilation_h) *
                          BruteForceValidTaps(g->in_w, g->out_w, g->kernel_w, g->stride_w,
                                              g->pad_left, g->dilation_w);
    w.padding_taps =
        g->batch * g->hidden_channels * (g->out_h * g->out_w * g->kernel_h * g->kernel_w - valid);
    w.banded_candidate = g->expand;
    w.expanded_row_macs = g->in_w * g->in_channels * g->hidden_channels;
    w.shared_rows = std::max<int64_t>(0, (g->kernel_h - 1) * g->dilation_h + 1 - g->stride_h);
  }
  return w;
}

// Kernels that run the padding's multiply-adds (im2col rows hold zeros there) or whose count is
// the work requested (oneDNN: its inside cannot be seen).
inline bool CountsPaddingAsExecuted(const std::string& kernel) {
  return kernel.find("im2col") != std::string::npos || kernel.find("onednn") != std::string::npos;
}

struct MacTotals {
  int64_t analytic = 0;   // Σ A over the steps
  int64_t executed = 0;   // Σ E
  int64_t padding = 0;    // Σ Q
  int64_t recompute = 0;  // Σ of the banded kernel's shared rows run twice (threads > 1)
  int compute_steps = 0;  // steps with A > 0
};

// One counted run of `session` on `inputs`, every step checked as the header comment says
// (gtest expectations naming the node and kernel). `what` labels the failures.
inline MacTotals CheckCountedRun(const Session& session, const std::vector<Tensor>& inputs,
                                 const std::string& what) {
  MacTotals totals;
  std::vector<Shape> shapes;
  for (const Tensor& t : inputs) shapes.push_back(t.shape());
  auto plan = session.PlanFor(shapes);
  EXPECT_TRUE(plan.ok()) << what << ": " << plan.status().ToString();
  if (!plan.ok()) return totals;
  const Graph& graph = session.graph();
  const ModelCost cost = CostOf(graph, (*plan)->types, (*plan)->constants);

  RunOptions options;
  options.count_macs = true;
  RunProfile profile;
  auto outputs = session.Run(inputs, options, &profile);
  EXPECT_TRUE(outputs.ok()) << what << ": " << outputs.status().ToString();
  if (!outputs.ok()) return totals;
  EXPECT_EQ(profile.steps.size(), (*plan)->steps.size()) << what;
  if (profile.steps.size() != (*plan)->steps.size()) return totals;

  const int threads = session.threads();
  for (size_t s = 0; s < profile.steps.size(); ++s) {
    const RunProfile::Step& step = profile.steps[s];
    const Node& node = graph.nodes[(*plan)->steps[s].node];
    const NodeCostEntry& entry = cost.nodes[(*plan)->steps[s].node];
    const std::string where =
        what + ", step " + std::to_string(s) + " " + node.Describe() + " on " + step.kernel;
    EXPECT_TRUE(entry.known) << where << ": " << entry.why;
    const int64_t analytic = entry.cost.macs;
    const ConvWork work = ConvWorkOf(node, (*plan)->types);
    const int64_t padding =
        analytic > 0 && !CountsPaddingAsExecuted(step.kernel) ? work.padding_taps : 0;
    totals.analytic += analytic;
    totals.executed += step.macs;
    totals.padding += step.padding_macs;
    if (analytic > 0) ++totals.compute_steps;

    EXPECT_EQ(step.padding_macs, padding) << where;
    const int64_t extra = step.macs - (analytic - padding);
    const bool banded =
        work.banded_candidate && threads > 1 && step.kernel.find("banded") != std::string::npos;
    if (!banded) {
      EXPECT_EQ(extra, 0) << where << ": executed " << step.macs << " + padding "
                          << step.padding_macs << " vs analytic " << analytic;
      continue;
    }
    // The expanded rows two threads' bands share, run by both (see the header comment).
    EXPECT_GE(extra, 0) << where;
    EXPECT_EQ(extra % work.expanded_row_macs, 0) << where << ": " << extra;
    EXPECT_LE(extra / work.expanded_row_macs, (threads - 1) * work.shared_rows) << where;
    totals.recompute += extra;
  }
  return totals;
}

}  // namespace finch::testing
