// finch zoo NAME [options] -o FILE.onnx: writes a model of the zoo with seeded random weights.
#include <cstdio>

#include "graph/file_util.h"
#include "graph/onnx/exporter.h"
#include "graph/zoo/mobilenetv2.h"
#include "tools/commands.h"

namespace finch::cli {
namespace {

constexpr char kKnownModels[] = "mobilenetv2";
constexpr char kUsage[] =
    "usage: finch zoo mobilenetv2 [--width W] [--resolution R] [--classes K] [--seed S] "
    "[--opset N] -o FILE.onnx";

// Parameters as torchvision counts them: every float constant except BatchNorm's running
// statistics (buffers, not parameters) and the shared Clip bounds.
int64_t CountParameters(const Graph& graph) {
  std::vector<bool> is_param(graph.values.size(), false);
  for (const Node& node : graph.nodes) {
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const ValueId v = node.inputs[i];
      if (v == kNoValue || !graph.values[v].constant) continue;
      if (node.op_type == "Clip" || (node.op_type == "BatchNormalization" && i >= 3)) continue;
      is_param[v] = true;
    }
  }
  int64_t params = 0;
  for (size_t v = 0; v < graph.values.size(); ++v) {
    if (is_param[v]) params += graph.values[v].constant->num_elements();
  }
  return params;
}

StatusOr<Graph> MakeMobileNetV2FromArgs(Args& args) {
  zoo::MobileNetV2Options o;
  FINCH_ASSIGN_OR_RETURN(o.width, args.GetDouble("width", o.width));
  FINCH_ASSIGN_OR_RETURN(o.resolution, args.GetInt("resolution", o.resolution));
  FINCH_ASSIGN_OR_RETURN(o.num_classes, args.GetInt("classes", o.num_classes));
  FINCH_ASSIGN_OR_RETURN(int64_t seed, args.GetInt("seed", 0));
  FINCH_ASSIGN_OR_RETURN(o.opset, args.GetInt("opset", o.opset));
  FINCH_RETURN_IF_ERROR(args.CheckAllUsed());
  if (!(o.width > 0) || o.width > zoo::kMaxWidth) {
    return InvalidArgument("--width ", o.width, " must be in (0, ", zoo::kMaxWidth, "]");
  }
  if (o.resolution < zoo::kMinResolution || o.resolution > zoo::kMaxResolution) {
    return InvalidArgument("--resolution ", o.resolution, " must be in [", zoo::kMinResolution,
                           ", ", zoo::kMaxResolution, "]");
  }
  if (o.num_classes < 1 || o.num_classes > zoo::kMaxClasses) {
    return InvalidArgument("--classes ", o.num_classes, " must be in [1, ", zoo::kMaxClasses, "]");
  }
  if (o.opset < zoo::kMinOpset || o.opset > zoo::kMaxOpset) {
    return InvalidArgument("--opset ", o.opset, " must be in [", zoo::kMinOpset, ", ",
                           zoo::kMaxOpset, "]");
  }
  if (seed < 0) return InvalidArgument("--seed ", seed, " must be >= 0");
  o.seed = static_cast<uint64_t>(seed);
  return zoo::MakeMobileNetV2(o);
}

}  // namespace

Status ZooCommand(Args& args) {
  if (args.Has("help")) {
    std::printf("%s\n", kUsage);
    return Status::Ok();
  }
  if (args.positional().size() != 1) return InvalidArgument(kUsage);
  const std::string& name = args.positional()[0];
  const std::string output = args.Get("output");
  Graph graph;
  if (name == "mobilenetv2") {
    FINCH_ASSIGN_OR_RETURN(graph, MakeMobileNetV2FromArgs(args));
  } else {
    return InvalidArgument("unknown zoo model \"", name, "\"; known models: ", kKnownModels);
  }
  if (output.empty()) return InvalidArgument("no output file: add -o FILE.onnx\n", kUsage);
  FINCH_RETURN_IF_ERROR(SaveOnnxModel(graph, output));
  FINCH_ASSIGN_OR_RETURN(int64_t bytes, FileSize(output));
  std::printf("wrote %s: %s, %lld parameters, %zu nodes, opset %lld, %lld bytes\n",
              output.c_str(), name.c_str(), static_cast<long long>(CountParameters(graph)),
              graph.nodes.size(), static_cast<long long>(graph.opset()),
              static_cast<long long>(bytes));
  return Status::Ok();
}

}  // namespace finch::cli
