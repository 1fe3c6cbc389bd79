#include "graph/zoo/mobilenetv2.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "graph/zoo/layer_builder.h"

namespace finch::zoo {
namespace {

// One stage of the paper's Table 2: expansion t, output channels c, repeats n, first stride s.
struct Stage {
  int64_t t, c, n, s;
};
constexpr Stage kStages[] = {{1, 16, 1, 1},  {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                             {6, 96, 3, 1},  {6, 160, 3, 2}, {6, 320, 1, 1}};
constexpr int64_t kStemChannels = 32;
constexpr int64_t kLastChannels = 1280;

// Adds MobileNetV2's blocks, naming everything after torchvision's modules. The weight
// distributions are LayerBuilder's (graph/zoo/layer_builder.h); the classifier's weight and bias
// are N(0, 0.01²) (torchvision: weight N(0, 0.01²), bias 0).
class Builder : public LayerBuilder {
 public:
  Builder(Graph* graph, const MobileNetV2Options& options)
      : LayerBuilder(graph, options.seed, options.opset) {}

  // torchvision's Conv2dNormActivation: Conv (no bias) -> BN -> ReLU6, modules .0 .1 .2.
  ValueId ConvBnRelu6(const std::string& prefix, ValueId x, int64_t cin, int64_t cout,
                      int64_t kernel, int64_t stride, int64_t groups) {
    x = Conv(prefix + ".0", x, cin, cout, kernel, stride, groups);
    x = BatchNorm(prefix + ".1", x, cout);
    return Relu6(prefix + ".2", x);
  }

  // torchvision's InvertedResidual as features.<index>.
  ValueId InvertedResidual(int index, ValueId x, int64_t cin, int64_t cout, int64_t stride,
                           int64_t expand) {
    const std::string prefix = StrCat("features.", index, ".conv.");
    const int64_t hidden = cin * expand;
    int layer = 0;
    ValueId y = x;
    if (expand != 1) y = ConvBnRelu6(StrCat(prefix, layer++), y, cin, hidden, 1, 1, 1);
    y = ConvBnRelu6(StrCat(prefix, layer++), y, hidden, hidden, 3, stride, hidden);
    y = Conv(StrCat(prefix, layer++), y, hidden, cout, 1, 1, 1);
    y = BatchNorm(StrCat(prefix, layer++), y, cout);
    if (stride == 1 && cin == cout) {
      y = AddNode(StrCat("features.", index, ".add"), "Add", {x, y}).outputs[0];
    }
    return y;
  }

  ValueId Classifier(ValueId x, int64_t in_features, int64_t classes) {
    x = AddNode("avgpool", "GlobalAveragePool", {x}).outputs[0];
    Node& flatten = AddNode("flatten", "Flatten", {x});
    flatten.attributes["axis"] = Int(1);
    x = flatten.outputs[0];
    const ValueId w = Normal("classifier.1.weight", {classes, in_features}, 0.0, 0.01);
    const ValueId b = Normal("classifier.1.bias", {classes}, 0.0, 0.01);
    Node& gemm = AddNode("classifier.1", "Gemm", {x, w, b}, "logits");
    gemm.attributes["transB"] = Int(1);
    return gemm.outputs[0];
  }
};

Status CheckOptions(const MobileNetV2Options& o) {
  if (!std::isfinite(o.width) || o.width <= 0 || o.width > kMaxWidth) {
    return InvalidArgument("MobileNetV2: width ", o.width, " must be in (0, ", kMaxWidth, "]");
  }
  if (o.resolution < kMinResolution || o.resolution > kMaxResolution) {
    return InvalidArgument("MobileNetV2: resolution ", o.resolution, " must be in [",
                           kMinResolution, ", ", kMaxResolution, "] (the network downsamples by ",
                           "32)");
  }
  if (o.num_classes < 1 || o.num_classes > kMaxClasses) {
    return InvalidArgument("MobileNetV2: num_classes ", o.num_classes, " must be in [1, ",
                           kMaxClasses, "]");
  }
  if (o.opset < kMinOpset || o.opset > kMaxOpset) {
    return InvalidArgument("MobileNetV2: opset ", o.opset, " must be in [", kMinOpset, ", ",
                           kMaxOpset, "]");
  }
  return Status::Ok();
}

}  // namespace

int64_t MakeDivisible(double v, int64_t divisor) {
  // Python: max(divisor, int(v + divisor / 2) // divisor * divisor), then + divisor if < 0.9 v.
  const int64_t rounded = static_cast<int64_t>(v + static_cast<double>(divisor) / 2) / divisor;
  int64_t out = std::max(divisor, rounded * divisor);
  if (static_cast<double>(out) < 0.9 * v) out += divisor;
  return out;
}

StatusOr<Graph> MakeMobileNetV2(const MobileNetV2Options& options) {
  FINCH_RETURN_IF_ERROR(CheckOptions(options));
  Graph graph;
  graph.name = "mobilenetv2";
  graph.opset_imports[""] = options.opset;

  TensorType input_type;
  input_type.dtype = DataType::kFloat32;
  input_type.dims = std::vector<Dim>{Dim{-1, "N"}, Dim{3, ""}, Dim{options.resolution, ""},
                                     Dim{options.resolution, ""}};
  const ValueId input = graph.AddValue("input", input_type);
  graph.inputs.push_back(input);

  Builder b(&graph, options);
  int64_t channels = MakeDivisible(kStemChannels * options.width);
  ValueId x = b.ConvBnRelu6("features.0", input, 3, channels, 3, 2, 1);
  int index = 1;
  for (const Stage& stage : kStages) {
    const int64_t out = MakeDivisible(static_cast<double>(stage.c) * options.width);
    for (int64_t i = 0; i < stage.n; ++i) {
      x = b.InvertedResidual(index++, x, channels, out, i == 0 ? stage.s : 1, stage.t);
      channels = out;
    }
  }
  const int64_t last = MakeDivisible(kLastChannels * std::max(1.0, options.width));
  x = b.ConvBnRelu6(StrCat("features.", index), x, channels, last, 1, 1, 1);
  x = b.Classifier(x, last, options.num_classes);

  TensorType output_type;
  output_type.dtype = DataType::kFloat32;
  output_type.dims = std::vector<Dim>{Dim{-1, "N"}, Dim{options.num_classes, ""}};
  graph.values[x].type = output_type;
  graph.outputs.push_back(x);
  FINCH_RETURN_IF_ERROR(graph.TopologicalSort());  // checks every read value is defined
  return graph;
}

}  // namespace finch::zoo
