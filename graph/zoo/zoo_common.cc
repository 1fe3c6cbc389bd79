#include "graph/zoo/zoo_common.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "graph/passes/passes.h"

namespace finch::zoo {

int64_t MakeDivisible(double v, int64_t divisor) {
  // Python: max(divisor, int(v + divisor / 2) // divisor * divisor), then + divisor if < 0.9 v.
  const int64_t rounded = static_cast<int64_t>(v + static_cast<double>(divisor) / 2) / divisor;
  int64_t out = std::max(divisor, rounded * divisor);
  if (static_cast<double>(out) < 0.9 * v) out += divisor;
  return out;
}

Status CheckCommonOptions(const std::string& model, int64_t resolution, int64_t num_classes,
                          int64_t opset) {
  if (resolution < kMinResolution || resolution > kMaxResolution) {
    return InvalidArgument(model, ": resolution ", resolution, " must be in [", kMinResolution,
                           ", ", kMaxResolution, "] (the network downsamples by 32)");
  }
  if (num_classes < 1 || num_classes > kMaxClasses) {
    return InvalidArgument(model, ": num_classes ", num_classes, " must be in [1, ", kMaxClasses,
                           "]");
  }
  if (opset < kMinOpset || opset > kMaxOpset) {
    return InvalidArgument(model, ": opset ", opset, " must be in [", kMinOpset, ", ", kMaxOpset,
                           "]");
  }
  return Status::Ok();
}

Status CheckMultiplier(const std::string& model, const std::string& what, double value,
                       double max) {
  if (!std::isfinite(value) || value <= 0 || value > max) {
    return InvalidArgument(model, ": ", what, " ", value, " must be in (0, ", max, "]");
  }
  return Status::Ok();
}

Status CheckWeightCount(const std::string& model, int64_t weight_elements) {
  if (weight_elements > kMaxWeightElements) {
    return InvalidArgument(model, ": ", weight_elements, " weights (",
                           weight_elements * 4 / (int64_t{1} << 20),
                           " MiB) exceed the 2 GiB an ONNX file without external data can hold");
  }
  return Status::Ok();
}

Graph ImageClassifierGraph(const std::string& name, int64_t opset, int64_t resolution,
                           ValueId* input) {
  Graph graph;
  graph.name = name;
  graph.opset_imports[""] = opset;
  TensorType input_type;
  input_type.dtype = DataType::kFloat32;
  input_type.dims =
      std::vector<Dim>{Dim{-1, "N"}, Dim{3, ""}, Dim{resolution, ""}, Dim{resolution, ""}};
  *input = graph.AddValue("input", input_type);
  graph.inputs.push_back(*input);
  return graph;
}

Status FinishClassifier(LayerBuilder& b, ValueId x, int64_t in_features, int64_t classes,
                        const std::string& gemm_name) {
  x = b.AddNode("avgpool", "GlobalAveragePool", {x}).outputs[0];
  Node& flatten = b.AddNode("flatten", "Flatten", {x});
  flatten.attributes["axis"] = LayerBuilder::Int(1);
  x = flatten.outputs[0];
  const ValueId w = b.Normal(gemm_name + ".weight", {classes, in_features}, 0.0, 0.01);
  const ValueId bias = b.Normal(gemm_name + ".bias", {classes}, 0.0, 0.01);
  Node& gemm = b.AddNode(gemm_name, "Gemm", {x, w, bias}, "logits");
  gemm.attributes["transB"] = LayerBuilder::Int(1);

  Graph& graph = b.graph();
  const ValueId logits = gemm.outputs[0];
  TensorType output_type;
  output_type.dtype = DataType::kFloat32;
  output_type.dims = std::vector<Dim>{Dim{-1, "N"}, Dim{classes, ""}};
  graph.values[logits].type = output_type;
  graph.outputs.push_back(logits);
  return graph.TopologicalSort();  // checks every read value is defined
}

StatusOr<Graph> FoldBatchNorms(const Graph& graph) {
  FINCH_ASSIGN_OR_RETURN(PassResult folded, FoldBatchNorm(graph, PassContext{}));
  Graph out = std::move(folded.graph);
  // The pass names the weights it writes "<conv>.weight_bn" / "<conv>.bias_bn" beside the
  // originals, which it dropped; give them back the names torchvision's folded exports use. The
  // provenance it records belongs to fused nodes, not to Convs the generator meant to write.
  const std::string kSuffix = "_bn";
  for (Node& node : out.nodes) {
    if (node.op_type != "Conv") continue;
    node.attributes.erase("fused_from");
    for (size_t i = 1; i < node.inputs.size(); ++i) {
      std::string& name = out.values[node.inputs[i]].name;
      if (name.size() > kSuffix.size() &&
          name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0) {
        name.resize(name.size() - kSuffix.size());
      }
    }
  }
  for (const Node& node : out.nodes) {
    if (node.op_type == "BatchNormalization") {
      return Internal("folding BatchNormalization left ", node.Describe());
    }
  }
  return out;
}

}  // namespace finch::zoo
