#include "graph/zoo/mobilenetv1.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "graph/zoo/layer_builder.h"

namespace finch::zoo {
namespace {

constexpr char kModel[] = "MobileNetV1";
constexpr int64_t kStemChannels = 32;
constexpr int64_t kMinChannels = 8;  // TF-slim's min_depth

// The 13 depthwise-separable layers of Table 1: output channels, stride.
struct Layer {
  int64_t channels, stride;
};
constexpr Layer kLayers[] = {{64, 1},  {128, 2}, {128, 1}, {256, 2}, {256, 1},  {512, 2}, {512, 1},
                             {512, 1}, {512, 1}, {512, 1}, {512, 1}, {1024, 2}, {1024, 1}};

class Builder : public LayerBuilder {
 public:
  Builder(Graph* graph, const MobileNetV1Options& options)
      : LayerBuilder(graph, options.seed, options.opset) {}

  // Conv (no bias) -> BN -> ReLU as modules .0 .1 .2.
  ValueId ConvBnRelu(const std::string& prefix, ValueId x, int64_t cin, int64_t cout,
                     int64_t kernel, int64_t stride, int64_t groups) {
    x = Conv(prefix + ".0", x, cin, cout, kernel, stride, groups);
    x = BatchNorm(prefix + ".1", x, cout);
    return AddNode(prefix + ".2", "Relu", {x}).outputs[0];
  }
};

int64_t WeightElements(const MobileNetV1Options& o) {
  int64_t cin = MobileNetV1Channels(kStemChannels, o.width);
  int64_t n = cin * 3 * 3 * 3;
  for (const Layer& layer : kLayers) {
    const int64_t cout = MobileNetV1Channels(layer.channels, o.width);
    n += o.standard ? cin * cout * 9 : cin * 9 + cin * cout;
    cin = cout;
  }
  return n + cin * o.num_classes;
}

}  // namespace

int64_t MobileNetV1Channels(int64_t c, double alpha) {
  return std::max<int64_t>(kMinChannels,
                           static_cast<int64_t>(std::floor(static_cast<double>(c) * alpha)));
}

StatusOr<Graph> MakeMobileNetV1(const MobileNetV1Options& options) {
  FINCH_RETURN_IF_ERROR(CheckMultiplier(kModel, "width", options.width, kMaxWidth));
  FINCH_RETURN_IF_ERROR(
      CheckCommonOptions(kModel, options.resolution, options.num_classes, options.opset));
  FINCH_RETURN_IF_ERROR(CheckWeightCount(kModel, WeightElements(options)));

  ValueId input = kNoValue;
  Graph graph = ImageClassifierGraph(options.standard ? "mobilenetv1_standard" : "mobilenetv1",
                                     options.opset, options.resolution, &input);
  Builder b(&graph, options);
  int64_t channels = MobileNetV1Channels(kStemChannels, options.width);
  ValueId x = b.ConvBnRelu("features.0", input, 3, channels, 3, 2, 1);
  int index = 1;
  for (const Layer& layer : kLayers) {
    const int64_t out = MobileNetV1Channels(layer.channels, options.width);
    const std::string name = StrCat("features.", index++);
    if (options.standard) {
      x = b.ConvBnRelu(name + ".conv", x, channels, out, 3, layer.stride, 1);
    } else {
      x = b.ConvBnRelu(name + ".dw", x, channels, channels, 3, layer.stride, channels);
      x = b.ConvBnRelu(name + ".pw", x, channels, out, 1, 1, 1);
    }
    channels = out;
  }
  FINCH_RETURN_IF_ERROR(FinishClassifier(b, x, channels, options.num_classes, "classifier"));
  if (options.fold_bn) return FoldBatchNorms(graph);
  return graph;
}

}  // namespace finch::zoo
