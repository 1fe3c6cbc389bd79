// Not implemented yet: returns the graph unchanged (0 rewrites). Being written.
#include "graph/passes/passes.h"

namespace finch {

StatusOr<PassResult> FuseSqueezeExcite(const Graph& graph, const PassContext& ctx) {
  return PassResult{graph, 0};
}

}  // namespace finch
