#include "graph/zoo/layer_builder.h"

#include <cmath>
#include <memory>

#include "graph/zoo/random_weights.h"

namespace finch::zoo {

ValueId LayerBuilder::Input(const std::string& name, const Shape& shape) {
  const ValueId v = g_.AddValue(name, TensorType::Static(DataType::kFloat32, shape));
  g_.inputs.push_back(v);
  return v;
}

ValueId LayerBuilder::Conv(const std::string& name, ValueId x, int64_t cin, int64_t cout,
                           int64_t kernel, int64_t stride, int64_t groups, bool bias) {
  const int64_t fan_in = cin / groups * kernel * kernel;
  std::vector<ValueId> inputs = {x, Normal(name + ".weight", {cout, cin / groups, kernel, kernel},
                                           0.0, std::sqrt(2.0 / static_cast<double>(fan_in)))};
  if (bias) inputs.push_back(Normal(name + ".bias", {cout}, 0.0, 0.05));
  const int64_t pad = (kernel - 1) / 2;
  Node& node = AddNode(name, "Conv", std::move(inputs));
  node.attributes["kernel_shape"] = Ints({kernel, kernel});
  node.attributes["strides"] = Ints({stride, stride});
  node.attributes["pads"] = Ints({pad, pad, pad, pad});
  node.attributes["dilations"] = Ints({1, 1});
  node.attributes["group"] = Int(groups);
  return node.outputs[0];
}

ValueId LayerBuilder::BatchNorm(const std::string& name, ValueId x, int64_t channels) {
  const ValueId scale = Normal(name + ".weight", {channels}, 1.0, 0.1);
  const ValueId bias = Normal(name + ".bias", {channels}, 0.0, 0.05);
  const ValueId mean = Normal(name + ".running_mean", {channels}, 0.0, 0.05);
  const ValueId var = Uniform(name + ".running_var", {channels}, 0.75, 1.25);
  Node& node = AddNode(name, "BatchNormalization", {x, scale, bias, mean, var});
  node.attributes["epsilon"] = Float(kBnEpsilon);
  return node.outputs[0];
}

ValueId LayerBuilder::Relu6(const std::string& name, ValueId x) {
  if (opset_ < 11) {
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

ValueId LayerBuilder::SiLU(const std::string& name, ValueId x) {
  const ValueId s = AddNode(name + ".sigmoid", "Sigmoid", {x}).outputs[0];
  return AddNode(name, "Mul", {x, s}).outputs[0];
}

Node& LayerBuilder::AddNode(const std::string& name, const std::string& op,
                            std::vector<ValueId> inputs, const std::string& output) {
  Node node;
  node.name = name;
  node.op_type = op;
  node.inputs = std::move(inputs);
  node.outputs.push_back(g_.AddValue(output.empty() ? name : output));
  g_.nodes.push_back(std::move(node));
  return g_.nodes.back();
}

ValueId LayerBuilder::Normal(const std::string& name, const Shape& shape, double mean,
                             double stddev) {
  WeightRng rng(seed_, name);
  std::vector<float> v(static_cast<size_t>(NumElements(shape)));
  for (float& x : v) x = static_cast<float>(mean + stddev * rng.Normal());
  return g_.AddConstant(name, std::make_shared<const Tensor>(Tensor::FromVector(shape, v)));
}

ValueId LayerBuilder::Uniform(const std::string& name, const Shape& shape, double lo,
                              double hi) {
  WeightRng rng(seed_, name);
  std::vector<float> v(static_cast<size_t>(NumElements(shape)));
  for (float& x : v) x = static_cast<float>(lo + (hi - lo) * rng.Uniform());
  return g_.AddConstant(name, std::make_shared<const Tensor>(Tensor::FromVector(shape, v)));
}

Attribute LayerBuilder::Int(int64_t i) {
  Attribute a;
  a.kind = Attribute::Kind::kInt;
  a.i = i;
  return a;
}

Attribute LayerBuilder::Float(float f) {
  Attribute a;
  a.kind = Attribute::Kind::kFloat;
  a.f = f;
  return a;
}

Attribute LayerBuilder::Ints(std::vector<int64_t> ints) {
  Attribute a;
  a.kind = Attribute::Kind::kInts;
  a.ints = std::move(ints);
  return a;
}

}  // namespace finch::zoo
