#include "graph/zoo/efficientnet.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "graph/zoo/layer_builder.h"

namespace finch::zoo {
namespace {

constexpr char kModel[] = "EfficientNet";

// B0's stages (the paper's Table 1, torchvision's bneck_conf rows).
constexpr EfficientNetStage kB0Stages[] = {
    {1, 3, 1, 32, 16, 1},  {6, 3, 2, 16, 24, 2},   {6, 5, 2, 24, 40, 2},  {6, 3, 2, 40, 80, 3},
    {6, 5, 1, 80, 112, 3}, {6, 5, 2, 112, 192, 4}, {6, 3, 1, 192, 320, 1}};
constexpr int64_t kHeadExpansion = 4;  // head channels = 4 · the last stage's output

// The geometry of one MBConv block.
struct Block {
  int64_t in, out, expanded, squeeze, kernel, stride;
};

Block BlockOf(const EfficientNetStage& s, int64_t index_in_stage) {
  Block b;
  b.in = index_in_stage == 0 ? s.in : s.out;
  b.out = s.out;
  b.expanded = MakeDivisible(static_cast<double>(b.in * s.expand));
  b.squeeze = std::max<int64_t>(1, b.in / 4);
  b.kernel = s.kernel;
  b.stride = index_in_stage == 0 ? s.stride : 1;
  return b;
}

// Conv weights + the classifier's: what the file holds, up to BN's few per channel.
int64_t WeightElements(const std::vector<EfficientNetStage>& stages, bool standard,
                       int64_t classes) {
  int64_t n = stages.front().in * 3 * 3 * 3;
  for (const EfficientNetStage& s : stages) {
    for (int64_t i = 0; i < s.repeats; ++i) {
      const Block b = BlockOf(s, i);
      const int64_t dw_in = standard ? b.expanded : 1;
      if (b.expanded != b.in) n += b.in * b.expanded;
      n += b.expanded * dw_in * b.kernel * b.kernel + 2 * b.expanded * b.squeeze +
           b.expanded * b.out;
    }
  }
  const int64_t last = stages.back().out;
  return n + last * kHeadExpansion * (last + classes);
}

class Builder : public LayerBuilder {
 public:
  Builder(Graph* graph, const EfficientNetOptions& options, float bn_epsilon)
      : LayerBuilder(graph, options.seed, options.opset),
        bn_epsilon_(bn_epsilon),
        standard_(options.standard) {}

  // torchvision's Conv2dNormActivation: Conv (no bias) -> BN [-> SiLU], modules .0 .1 .2.
  ValueId ConvBnSiLU(const std::string& prefix, ValueId x, int64_t cin, int64_t cout,
                     int64_t kernel, int64_t stride, int64_t groups, bool activation = true) {
    x = Conv(prefix + ".0", x, cin, cout, kernel, stride, groups);
    x = BatchNorm(prefix + ".1", x, cout);
    graph().nodes.back().attributes["epsilon"] = Float(bn_epsilon_);
    return activation ? SiLU(prefix + ".2", x) : x;
  }

  // torchvision's SqueezeExcitation: x · Sigmoid(fc2(SiLU(fc1(avgpool(x))))), the scale first
  // in the Mul as torch exports it.
  ValueId SqueezeExcite(const std::string& prefix, ValueId x, int64_t channels, int64_t squeeze) {
    ValueId s = AddNode(prefix + ".avgpool", "GlobalAveragePool", {x}).outputs[0];
    s = Conv(prefix + ".fc1", s, channels, squeeze, 1, 1, 1, /*bias=*/true);
    s = SiLU(prefix + ".activation", s);
    s = Conv(prefix + ".fc2", s, squeeze, channels, 1, 1, 1, /*bias=*/true);
    s = AddNode(prefix + ".scale_activation", "Sigmoid", {s}).outputs[0];
    return AddNode(prefix + ".mul", "Mul", {s, x}).outputs[0];
  }

  // torchvision's MBConv as features.<stage>.<index>.
  ValueId MBConv(const std::string& name, ValueId x, const Block& b) {
    const std::string prefix = name + ".block.";
    int layer = 0;
    ValueId y = x;
    if (b.expanded != b.in) {
      y = ConvBnSiLU(StrCat(prefix, layer++), y, b.in, b.expanded, 1, 1, 1);
    }
    y = ConvBnSiLU(StrCat(prefix, layer++), y, b.expanded, b.expanded, b.kernel, b.stride,
                   standard_ ? 1 : b.expanded);
    y = SqueezeExcite(StrCat(prefix, layer++), y, b.expanded, b.squeeze);
    y = ConvBnSiLU(StrCat(prefix, layer++), y, b.expanded, b.out, 1, 1, 1, /*activation=*/false);
    if (b.stride == 1 && b.in == b.out) y = AddNode(name + ".add", "Add", {x, y}).outputs[0];
    return y;
  }

 private:
  float bn_epsilon_;
  bool standard_;
};

}  // namespace

StatusOr<EfficientNetScaling> ResolveScaling(const EfficientNetOptions& o) {
  if (o.phi < 0 || o.phi > kEfficientNetMaxPhi) {
    return InvalidArgument(kModel, ": phi ", o.phi, " must be in [0, ", kEfficientNetMaxPhi,
                           "] (B0..B7)");
  }
  EfficientNetScaling s = kEfficientNetTable[o.phi];
  // 0 keeps the row's value; anything else (negative, NaN) must pass the range checks.
  if (o.width != 0) {
    FINCH_RETURN_IF_ERROR(CheckMultiplier(kModel, "width", o.width, kMaxWidth));
    s.width = o.width;
  }
  if (o.depth != 0) {
    FINCH_RETURN_IF_ERROR(CheckMultiplier(kModel, "depth", o.depth, kMaxDepth));
    s.depth = o.depth;
  }
  if (o.resolution != 0) s.resolution = o.resolution;
  FINCH_RETURN_IF_ERROR(CheckCommonOptions(kModel, s.resolution, o.num_classes, o.opset));
  return s;
}

std::vector<EfficientNetStage> EfficientNetStages(double width, double depth) {
  std::vector<EfficientNetStage> stages;
  for (EfficientNetStage s : kB0Stages) {
    s.in = MakeDivisible(static_cast<double>(s.in) * width);
    s.out = MakeDivisible(static_cast<double>(s.out) * width);
    s.repeats = static_cast<int64_t>(std::ceil(static_cast<double>(s.repeats) * depth));
    stages.push_back(s);
  }
  return stages;
}

StatusOr<Graph> MakeEfficientNet(const EfficientNetOptions& options) {
  FINCH_ASSIGN_OR_RETURN(const EfficientNetScaling scaling, ResolveScaling(options));
  const std::vector<EfficientNetStage> stages = EfficientNetStages(scaling.width, scaling.depth);
  FINCH_RETURN_IF_ERROR(
      CheckWeightCount(kModel, WeightElements(stages, options.standard, options.num_classes)));

  ValueId input = kNoValue;
  Graph graph = ImageClassifierGraph(StrCat("efficientnet_b", options.phi), options.opset,
                                     scaling.resolution, &input);
  Builder b(&graph, options, scaling.bn_epsilon);
  ValueId x = b.ConvBnSiLU("features.0", input, 3, stages.front().in, 3, 2, 1);
  int stage_index = 1;
  for (const EfficientNetStage& stage : stages) {
    for (int64_t i = 0; i < stage.repeats; ++i) {
      x = b.MBConv(StrCat("features.", stage_index, ".", i), x, BlockOf(stage, i));
    }
    ++stage_index;
  }
  const int64_t last = kHeadExpansion * stages.back().out;
  x = b.ConvBnSiLU(StrCat("features.", stage_index), x, stages.back().out, last, 1, 1, 1);
  FINCH_RETURN_IF_ERROR(FinishClassifier(b, x, last, options.num_classes, "classifier.1"));
  if (options.fold_bn) return FoldBatchNorms(graph);
  return graph;
}

}  // namespace finch::zoo
