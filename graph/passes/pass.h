// A graph pass: a pure function from graph to graph.
//
// A pass returns a new graph and the number of rewrites it made; a pattern that does not match
// is not an error (the graph comes back unchanged with 0 rewrites). Errors are reserved for
// graphs the pass cannot reason about at all. Passes never mutate their input: constants are
// shared (shared_ptr<const Tensor>), so copying a graph is cheap.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/status.h"

namespace finch {

// Runs one node on known inputs and returns its outputs. The runtime provides it (it owns the
// kernels); constant folding uses it. Null in a context without kernels: folding then skips.
using NodeEvaluator = std::function<StatusOr<std::vector<Tensor>>(
    const Node& node, int64_t opset, const std::vector<const Tensor*>& inputs)>;

struct PassContext {
  NodeEvaluator evaluate;
};

struct PassResult {
  Graph graph;
  int rewrites = 0;
};

using PassFn = std::function<StatusOr<PassResult>(const Graph&, const PassContext&)>;

struct PassInfo {
  std::string name;         // "fold-batchnorm": what --disable-pass takes
  std::string description;  // one line for `finch optimize --list-passes`
  PassFn run;
};

}  // namespace finch
