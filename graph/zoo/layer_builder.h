// LayerBuilder: appends layers with seeded random weights to a Graph, the way the zoo networks
// (graph/zoo/mobilenetv2.h) and the kernel calibration (runtime/kernel_calibration.h) build
// theirs. Every weight is drawn from its own stream, seeded from (seed, tensor name) (see
// random_weights.h), so a tensor's values depend on nothing else.
//
// Weight distributions:
//   Conv weight  N(0, 2 / fan_in), fan_in = Cin/group · kh · kw (Kaiming-normal, fan_in mode:
//     with fixed BN statistics it keeps E[x²] about constant through Conv -> ReLU pairs);
//     Conv bias (when asked for) N(0, 0.05²).
//   BN gamma 1 + 0.1·N, beta 0.05·N, running mean 0.05·N, running var U[0.75, 1.25): close to
//     the identity but different per channel, so folding BN into Conv is tested for real.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/ir.h"

namespace finch::zoo {

inline constexpr float kBnEpsilon = 1e-5f;

class LayerBuilder {
 public:
  // `opset` decides how Clip takes its bounds (attributes before 11, inputs since).
  LayerBuilder(Graph* graph, uint64_t seed, int64_t opset)
      : g_(*graph), seed_(seed), opset_(opset) {}

  // A graph input of static shape (float32).
  ValueId Input(const std::string& name, const Shape& shape);

  // Conv with square `kernel`, `stride`, "same" padding (kernel−1)/2 each side, `groups`; a bias
  // input when `bias`.
  ValueId Conv(const std::string& name, ValueId x, int64_t cin, int64_t cout, int64_t kernel,
               int64_t stride, int64_t groups, bool bias = false);
  ValueId BatchNorm(const std::string& name, ValueId x, int64_t channels);
  // ReLU6 = Clip(x, 0, 6).
  ValueId Relu6(const std::string& name, ValueId x);
  // SiLU as torch exports it: Mul(x, Sigmoid(x)), nodes <name>.sigmoid and <name>.
  ValueId SiLU(const std::string& name, ValueId x);

  // Appends a node whose single output value is named `output` (default: the node's name).
  Node& AddNode(const std::string& name, const std::string& op, std::vector<ValueId> inputs,
                const std::string& output = "");
  ValueId Normal(const std::string& name, const Shape& shape, double mean, double stddev);
  ValueId Uniform(const std::string& name, const Shape& shape, double lo, double hi);

  static Attribute Int(int64_t i);
  static Attribute Float(float f);
  static Attribute Ints(std::vector<int64_t> ints);

  Graph& graph() { return g_; }

 private:
  Graph& g_;
  uint64_t seed_;
  int64_t opset_;
  ValueId clip_min_ = kNoValue;
  ValueId clip_max_ = kNoValue;
};

}  // namespace finch::zoo
