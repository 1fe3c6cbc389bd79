// Shape facts for passes: the shape of every value as a function of the graph's symbolic input
// dimensions (a batch "N", say), so a pass can ask "do these two values always have the same
// shape?" before the batch is known.
//
// The graph is inferred three times, with every symbolic or unknown input dimension set to a
// probe value: two large primes no model uses as a real size, and a small one. Shapes and shape
// arithmetic in these graphs are affine in the symbolic dims (a batch passes through
// convolutions, elementwise ops, Reshape targets), so values that agree at all probes agree for
// every batch. Small shape-computing subgraphs (Shape -> Gather -> Concat) are evaluated along
// the way with the context's evaluator; a value that comes out the same at every probe does not
// depend on the symbolic dims and can be folded. Anything that cannot be inferred is unknown,
// and a pass must then not rely on it.
#pragma once

#include <memory>
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
  // The value of v when it was computed at every probe and came out the same (same type,
  // shape and bytes): a constant whatever the symbolic dims. Null otherwise.
  std::shared_ptr<const Tensor> InvariantValue(ValueId v) const;

 private:
  struct Probe {
    std::vector<TensorType> types;                      // per value
    std::vector<std::shared_ptr<const Tensor>> values;  // per value, where computed
  };
  std::vector<Probe> probes_;
};

}  // namespace finch
