#include "graph/zoo/mobilenetv2.h"

#include <algorithm>
#include <string>

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
// distributions are LayerBuilder's (graph/zoo/layer_builder.h); the classifier's are
// FinishClassifier's (graph/zoo/zoo_common.h).
class Builder : public LayerBuilder {
 public:
  Builder(Graph* graph, const MobileNetV2Options& options)
      : LayerBuilder(graph, options.seed, options.opset), standard_(options.standard) {}

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
    y = ConvBnRelu6(StrCat(prefix, layer++), y, hidden, hidden, 3, stride, standard_ ? 1 : hidden);
    y = Conv(StrCat(prefix, layer++), y, hidden, cout, 1, 1, 1);
    y = BatchNorm(StrCat(prefix, layer++), y, cout);
    if (stride == 1 && cin == cout) {
      y = AddNode(StrCat("features.", index, ".add"), "Add", {x, y}).outputs[0];
    }
    return y;
  }

 private:
  bool standard_;
};

// Conv and classifier weights: what the file holds, up to BN's few per channel.
int64_t WeightElements(const MobileNetV2Options& o) {
  int64_t channels = MakeDivisible(kStemChannels * o.width);
  int64_t n = channels * 3 * 3 * 3;
  for (const Stage& stage : kStages) {
    const int64_t out = MakeDivisible(static_cast<double>(stage.c) * o.width);
    for (int64_t i = 0; i < stage.n; ++i) {
      const int64_t hidden = channels * stage.t;
      if (stage.t != 1) n += channels * hidden;
      n += hidden * (o.standard ? hidden : 1) * 3 * 3 + hidden * out;
      channels = out;
    }
  }
  const int64_t last = MakeDivisible(kLastChannels * std::max(1.0, o.width));
  return n + last * (channels + o.num_classes);
}

Status CheckOptions(const MobileNetV2Options& o) {
  FINCH_RETURN_IF_ERROR(CheckMultiplier("MobileNetV2", "width", o.width, kMaxWidth));
  FINCH_RETURN_IF_ERROR(CheckCommonOptions("MobileNetV2", o.resolution, o.num_classes, o.opset));
  return CheckWeightCount("MobileNetV2", WeightElements(o));
}

}  // namespace

StatusOr<Graph> MakeMobileNetV2(const MobileNetV2Options& options) {
  FINCH_RETURN_IF_ERROR(CheckOptions(options));
  ValueId input = kNoValue;
  Graph graph = ImageClassifierGraph(options.standard ? "mobilenetv2_standard" : "mobilenetv2",
                                     options.opset, options.resolution, &input);
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
  FINCH_RETURN_IF_ERROR(FinishClassifier(b, x, last, options.num_classes, "classifier.1"));
  if (options.fold_bn) return FoldBatchNorms(graph);
  return graph;
}

}  // namespace finch::zoo
