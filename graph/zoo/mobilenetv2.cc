#include "graph/zoo/mobilenetv2.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "graph/zoo/random_weights.h"

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
constexpr float kBnEpsilon = 1e-5f;

// Adds nodes and seeded weights to a graph, naming everything after torchvision's modules.
//
// Weight distributions (all seeded per tensor, see random_weights.h):
//   Conv weight  N(0, 2 / fan_in), fan_in = Cin/group · kh · kw (Kaiming-normal, fan_in mode).
//     torchvision uses fan_out mode, which is fine in training because BatchNorm normalizes
//     with batch statistics; with fixed running statistics (ours) fan_out would shrink the
//     activations by ~Cout per depthwise layer. fan_in keeps E[x²] about constant through
//     Conv -> ReLU6 pairs (ReLU halves it, the gain 2 restores it), so 52 layers stay in range.
//   BN gamma 1 + 0.1·N, beta 0.05·N, running mean 0.05·N, running var U[0.75, 1.25): close to
//     the identity but different per channel, so folding BN into Conv is tested for real.
//   Gemm weight and bias N(0, 0.01²) (torchvision: weight N(0, 0.01²), bias 0).
class Builder {
 public:
  Builder(Graph* graph, const MobileNetV2Options& options) : g_(*graph), options_(options) {}

  ValueId Conv(const std::string& name, ValueId x, int64_t cin, int64_t cout, int64_t kernel,
               int64_t stride, int64_t groups) {
    const int64_t fan_in = cin / groups * kernel * kernel;
    const ValueId w = Normal(name + ".weight", {cout, cin / groups, kernel, kernel}, 0.0,
                             std::sqrt(2.0 / static_cast<double>(fan_in)));
    const int64_t pad = (kernel - 1) / 2;
    Node& node = AddNode(name, "Conv", {x, w});
    node.attributes["kernel_shape"] = Ints({kernel, kernel});
    node.attributes["strides"] = Ints({stride, stride});
    node.attributes["pads"] = Ints({pad, pad, pad, pad});
    node.attributes["dilations"] = Ints({1, 1});
    node.attributes["group"] = Int(groups);
    return node.outputs[0];
  }

  ValueId BatchNorm(const std::string& name, ValueId x, int64_t channels) {
    const ValueId scale = Normal(name + ".weight", {channels}, 1.0, 0.1);
    const ValueId bias = Normal(name + ".bias", {channels}, 0.0, 0.05);
    const ValueId mean = Normal(name + ".running_mean", {channels}, 0.0, 0.05);
    const ValueId var = Uniform(name + ".running_var", {channels}, 0.75, 1.25);
    Node& node = AddNode(name, "BatchNormalization", {x, scale, bias, mean, var});
    Attribute eps;
    eps.kind = Attribute::Kind::kFloat;
    eps.f = kBnEpsilon;
    node.attributes["epsilon"] = eps;
    return node.outputs[0];
  }

  // ReLU6 = Clip(x, 0, 6): min and max are inputs since opset 11, attributes before.
  ValueId Relu6(const std::string& name, ValueId x) {
    if (options_.opset < 11) {
      Node& node = AddNode(name, "Clip", {x});
      node.attributes["min"] = Float(0.f);
      node.attributes["max"] = Float(6.f);
      return node.outputs[0];
    }
    if (clip_min_ == kNoValue) {
      clip_min_ = g_.AddConstant("relu6.min", std::make_shared<const Tensor>(Tensor::Scalar(0.f)));
      clip_max_ = g_.AddConstant("relu6.max", std::make_shared<const Tensor>(Tensor::Scalar(6.f)));
    }
    return AddNode(name, "Clip", {x, clip_min_, clip_max_}).outputs[0];
  }

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

 private:
  // Appends a node whose single output value is named `output` (default: the node's name).
  Node& AddNode(const std::string& name, const std::string& op, std::vector<ValueId> inputs,
                const std::string& output = "") {
    Node node;
    node.name = name;
    node.op_type = op;
    node.inputs = std::move(inputs);
    node.outputs.push_back(g_.AddValue(output.empty() ? name : output));
    g_.nodes.push_back(std::move(node));
    return g_.nodes.back();
  }

  ValueId Normal(const std::string& name, const Shape& shape, double mean, double stddev) {
    WeightRng rng(options_.seed, name);
    std::vector<float> v(static_cast<size_t>(NumElements(shape)));
    for (float& x : v) x = static_cast<float>(mean + stddev * rng.Normal());
    return g_.AddConstant(name, std::make_shared<const Tensor>(Tensor::FromVector(shape, v)));
  }

  ValueId Uniform(const std::string& name, const Shape& shape, double lo, double hi) {
    WeightRng rng(options_.seed, name);
    std::vector<float> v(static_cast<size_t>(NumElements(shape)));
    for (float& x : v) x = static_cast<float>(lo + (hi - lo) * rng.Uniform());
    return g_.AddConstant(name, std::make_shared<const Tensor>(Tensor::FromVector(shape, v)));
  }

  static Attribute Int(int64_t i) {
    Attribute a;
    a.kind = Attribute::Kind::kInt;
    a.i = i;
    return a;
  }
  static Attribute Float(float f) {
    Attribute a;
    a.kind = Attribute::Kind::kFloat;
    a.f = f;
    return a;
  }
  static Attribute Ints(std::vector<int64_t> ints) {
    Attribute a;
    a.kind = Attribute::Kind::kInts;
    a.ints = std::move(ints);
    return a;
  }

  Graph& g_;
  const MobileNetV2Options& options_;
  ValueId clip_min_ = kNoValue;
  ValueId clip_max_ = kNoValue;
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
