// finch optimize MODEL -o OUT.onnx [--disable-pass NAME ...] [--dump-after NAME] [--list-passes]
#include <cstdio>
#include <set>

#include "graph/onnx/exporter.h"
#include "graph/onnx/importer.h"
#include "graph/passes/pipeline.h"
#include "runtime/node_evaluator.h"
#include "tools/commands.h"

namespace finch::cli {
namespace {

void PrintGraph(const Graph& g) {
  for (const Node& n : g.nodes) {
    std::string ins, outs;
    for (ValueId v : n.inputs) ins += (ins.empty() ? "" : ", ") + (v == kNoValue ? "" : g.values[v].name);
    for (ValueId v : n.outputs) outs += (outs.empty() ? "" : ", ") + (v == kNoValue ? "" : g.values[v].name);
    std::printf("    %-26s %-40s (%s) -> %s\n",
                (n.domain.empty() ? n.op_type : n.domain + "::" + n.op_type).c_str(),
                n.name.c_str(), ins.c_str(), outs.c_str());
  }
}

}  // namespace

Status OptimizeCommand(Args& args) {
  if (args.Has("list-passes")) {
    for (const PassInfo& p : OptimizationPipeline()) {
      std::printf("  %-24s %s\n", p.name.c_str(), p.description.c_str());
    }
    return args.CheckAllUsed();
  }
  const std::string out = args.Get("output");
  const std::vector<std::string> disabled = args.GetAll("disable-pass");
  const std::string dump_after = args.Get("dump-after");
  FINCH_RETURN_IF_ERROR(args.CheckAllUsed());
  if (args.positional().size() != 1 || out.empty()) {
    return InvalidArgument("usage: finch optimize MODEL -o OUT.onnx [--disable-pass NAME ...] "
                           "[--dump-after NAME] [--list-passes]");
  }
  if (!dump_after.empty()) FINCH_RETURN_IF_ERROR(CheckPassName(dump_after));
  FINCH_ASSIGN_OR_RETURN(Graph graph, LoadOnnxModel(args.positional()[0]));

  PipelineOptions options;
  options.disabled.insert(disabled.begin(), disabled.end());
  options.after_pass = [&](const PassInfo& pass, const Graph& g, int, bool) {
    if (pass.name != dump_after) return;
    std::printf("graph after %s (%zu nodes):\n", pass.name.c_str(), g.nodes.size());
    PrintGraph(g);
  };
  std::vector<PassRecord> records;
  FINCH_ASSIGN_OR_RETURN(Graph optimized,
                         RunPipeline(graph, RuntimePassContext(), options, &records));

  std::printf("pipeline (%zu passes):\n", records.size());
  std::printf("  %-24s %9s %7s\n", "pass", "rewrites", "nodes");
  std::printf("  %-24s %9s %7zu\n", "(input)", "", graph.nodes.size());
  for (const PassRecord& r : records) {
    if (r.enabled) {
      std::printf("  %-24s %9d %7zu\n", r.name.c_str(), r.rewrites, r.nodes_after);
    } else {
      std::printf("  %-24s %9s %7zu\n", r.name.c_str(), "disabled", r.nodes_after);
    }
  }
  const auto before = CountOps(graph), after = CountOps(optimized);
  std::set<std::string> ops;
  for (const auto& [op, n] : before) ops.insert(op);
  for (const auto& [op, n] : after) ops.insert(op);
  std::printf("nodes by op type:\n  %-28s %7s %7s\n", "op", "before", "after");
  for (const std::string& op : ops) {
    auto b = before.find(op), a = after.find(op);
    std::printf("  %-28s %7d %7d\n", op.c_str(), b == before.end() ? 0 : b->second,
                a == after.end() ? 0 : a->second);
  }
  std::printf("  %-28s %7zu %7zu\n", "total", graph.nodes.size(), optimized.nodes.size());
  FINCH_RETURN_IF_ERROR(SaveOnnxModel(optimized, out));
  std::printf("wrote %s\n", out.c_str());
  return Status::Ok();
}

}  // namespace finch::cli
