// The optimization pipeline: one explicit ordered list of named passes (no opaque levels).
// Any pass can be switched off by name.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "graph/passes/pass.h"

namespace finch {

// The passes in the order they run.
const std::vector<PassInfo>& OptimizationPipeline();

struct PipelineOptions {
  std::set<std::string> disabled;  // pass names
  // Called after every pass (enabled or not) with the graph as it is then.
  std::function<void(const PassInfo&, const Graph&, int rewrites, bool enabled)> after_pass;
};

struct PassRecord {
  std::string name;
  bool enabled = true;
  int rewrites = 0;
  size_t nodes_after = 0;
};

// Runs the pipeline. Fails on an unknown name in options.disabled (listing the known ones).
StatusOr<Graph> RunPipeline(const Graph& graph, const PassContext& ctx,
                            const PipelineOptions& options, std::vector<PassRecord>* records);

// Runs `passes` in order (the pipeline, or LoweringPasses() of graph/passes/layout.h).
StatusOr<Graph> RunPasses(const std::vector<PassInfo>& passes, const Graph& graph,
                          const PassContext& ctx, const PipelineOptions& options,
                          std::vector<PassRecord>* records);

// An error listing the known pass names (optimization and lowering) if `name` is not one.
Status CheckPassName(const std::string& name);

// Node counts by op type ("Conv": 52, "finch::FusedConv": 35).
std::map<std::string, int> CountOps(const Graph& graph);

}  // namespace finch
