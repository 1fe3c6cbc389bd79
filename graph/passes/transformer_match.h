// Matching helpers of the transformer passes (fuse-layer-norm, fuse-gelu, fuse-matmul-bias,
// fuse-attention): small elementwise nodes of the default domain, scalar constants, and the
// value chains torch exports these blocks as.
#pragma once

#include <optional>

#include "graph/ir.h"
#include "graph/passes/rewrite.h"
#include "graph/passes/shape_facts.h"

namespace finch {

// `node` is `op` of the default domain with `inputs` inputs (all present) and one output, and
// the opset has numpy broadcasting (≥ 7).
bool IsPlainOp(Rewriter& rw, const Node& node, const char* op, size_t inputs);

// The float value of `v` when it is a float32 constant of one element and rank ≤ 1 (so it
// broadcasts without changing the other operand's shape), else nullopt.
std::optional<float> ScalarConstant(Rewriter& rw, ValueId v);

// For a binary node reading `v` once: the index (0 or 1) of its other input, else -1.
int OtherInput(const Node& node, ValueId v);

// The single live node reading `v` if `v` is not a graph output and is read by exactly that
// node, else -1.
int SoleReader(Rewriter& rw, ValueId v);

// |got − want| ≤ 1e-6·|want|: a constant written in float of a real number (√2, √(2/π)).
bool CloseTo(float got, double want);

// ShapeFacts of a pass's input graph, computed on first use (most graphs have no candidate).
// Values a pass added (ids past the input graph's) are unknown.
class LazyShapeFacts {
 public:
  LazyShapeFacts(const Graph& graph, const PassContext& ctx) : graph_(graph), ctx_(ctx) {}
  // The shape at the first probe (graph/passes/shape_facts.h: symbolic dims show as 1009).
  std::optional<Shape> ProbeShape(ValueId v);

 private:
  const Graph& graph_;
  const PassContext& ctx_;
  std::optional<ShapeFacts> facts_;
};

// The rank of `v`: its declared type's, a constant's, else the probe's; nullopt when unknown.
std::optional<int64_t> RankOf(Rewriter& rw, ValueId v, LazyShapeFacts& facts);

}  // namespace finch
