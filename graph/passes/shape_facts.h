// Shape facts for passes: the shape of every value as a function of the graph's symbolic input
// dimensions (a batch "N", say), so a pass can ask "do these two values always have the same
// shape?" before the batch is known.
//
// The graph is inferred twice, with every symbolic or unknown input dimension set to one probe
// value and then to another (two primes no model uses as a real size). Shapes in these graphs
// are affine in the symbolic dims (batch passes through convolutions and elementwise ops), so
// two values that agree at both probes agree for every batch. Small shape-computing subgraphs
// (Shape -> Gather -> Concat) are evaluated along the way with the context's evaluator.
// Anything that cannot be inferred is unknown, and a pass must then not rely on it.
#pragma once

#include <optional>
#include <vector>

#include "graph/ir.h"
#include "graph/passes/pass.h"

namespace finch {

class ShapeFacts {
 public:
  static ShapeFacts Compute(const Graph& graph, const PassContext& ctx);

  // Both values have static shapes at both probes, and equal ones.
  bool SameShape(ValueId a, ValueId b) const;
  // The shape at the first probe, if known (symbolic dims show as the probe value).
  std::optional<Shape> ProbeShape(ValueId v) const;

 private:
  std::vector<std::vector<TensorType>> probes_;  // [probe][value]
};

}  // namespace finch
