// Builds small graphs in code for pass and op tests, and fills tensors with seeded random values.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/tensor.h"
#include "tests/util/test_util.h"

namespace finch::testing {

// `shape` filled with uniform floats in [lo, hi) drawn from `rng` (the stream advances, so
// consecutive calls give different tensors).
inline Tensor RandomTensor(const Shape& shape, std::mt19937& rng, float lo = -1.f, float hi = 1.f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(NumElements(shape));
  for (float& f : v) f = dist(rng);
  return Tensor::FromVector<float>(shape, v);
}

// `shape` filled from a fresh stream seeded with `seed`: uniform floats in [-1, 1), or for
// int32 those floats ×10 truncated toward zero (values in -9..9).
inline Tensor RandomTensor(const Shape& shape, uint32_t seed, DataType dtype = DataType::kFloat32) {
  std::mt19937 rng(seed);
  const Tensor f = RandomTensor(shape, rng);
  if (dtype == DataType::kInt32) {
    const float* v = f.data<float>();
    std::vector<int32_t> iv(f.num_elements());
    for (size_t i = 0; i < iv.size(); ++i) iv[i] = static_cast<int32_t>(v[i] * 10);
    return Tensor::FromVector<int32_t>(shape, iv);
  }
  return f;
}

class GraphBuilder {
 public:
  // How Op names a node's outputs.
  enum class OutputNaming {
    kNodeOut,   // "<node>_out", then "<node>_out1", "<node>_out2"...
    kNodeName,  // "<node>", then "<node>.1", "<node>.2"...
  };

  explicit GraphBuilder(int64_t opset = 13, OutputNaming naming = OutputNaming::kNodeOut)
      : naming_(naming) {
    g.opset_imports[""] = opset;
  }

  // An input whose first dim is the symbol "N" (when symbolic_batch) and whose other dims are
  // `dims` (dims[0] is then ignored).
  ValueId Input(const std::string& name, const Shape& dims, DataType dtype = DataType::kFloat32,
                bool symbolic_batch = true) {
    TensorType t;
    t.dtype = dtype;
    t.dims.emplace();
    for (size_t i = 0; i < dims.size(); ++i) {
      Dim d;
      if (i == 0 && symbolic_batch) {
        d.param = "N";
      } else {
        d.value = dims[i];
      }
      t.dims->push_back(d);
    }
    const ValueId v = g.AddValue(name, t);
    g.inputs.push_back(v);
    return v;
  }
  // An input of static shape `shape`.
  ValueId StaticInput(const std::string& name, const Shape& shape,
                      DataType dtype = DataType::kFloat32) {
    const ValueId v = g.AddValue(name, TensorType::Static(dtype, shape));
    g.inputs.push_back(v);
    return v;
  }
  ValueId Const(const std::string& name, Tensor t) {
    return g.AddConstant(name, std::make_shared<const Tensor>(std::move(t)));
  }
  // A constant from its own stream: RandomTensor(shape, seed).
  ValueId Random(const std::string& name, const Shape& shape, uint32_t seed) {
    return Const(name, RandomTensor(shape, seed));
  }
  // A constant drawn from the builder's stream `rng` (uniform in [lo, hi)).
  ValueId Weight(const std::string& name, const Shape& shape, float lo = -1.f, float hi = 1.f) {
    return Const(name, RandomTensor(shape, rng, lo, hi));
  }
  // A node with `num_outputs` outputs, named by the builder's OutputNaming unless `output` names
  // the first; returns the first.
  ValueId Op(const std::string& op, const std::string& name, std::vector<ValueId> inputs,
             std::map<std::string, Attribute> attributes = {}, const std::string& domain = "",
             int num_outputs = 1, const std::string& output = "") {
    Node n;
    n.name = name;
    n.op_type = op;
    n.domain = domain;
    n.inputs = std::move(inputs);
    n.attributes = std::move(attributes);
    for (int i = 0; i < num_outputs; ++i) {
      n.outputs.push_back(g.AddValue(i == 0 && !output.empty() ? output : OutputName(name, i)));
    }
    const ValueId out = n.outputs[0];
    g.nodes.push_back(std::move(n));
    return out;
  }
  // Conv 3x3, pad 1, `cin` -> `cout` channels, weight (and bias) from Random(seed, seed + 1).
  ValueId Conv3x3(ValueId x, const std::string& name, int64_t cin, int64_t cout, uint32_t seed,
                  bool bias = true) {
    std::vector<ValueId> in = {x, Random(name + ".w", {cout, cin, 3, 3}, seed)};
    if (bias) in.push_back(Random(name + ".b", {cout}, seed + 1));
    return Op("Conv", name, in,
              {{"pads", IntsAttr({1, 1, 1, 1})}, {"kernel_shape", IntsAttr({3, 3})}});
  }
  // BatchNormalization over `c` channels with parameters drawn from `rng`: γ in [0.5, 1.5),
  // β and μ in [-1, 1), σ² in [0.2, 2).
  ValueId BatchNorm(const std::string& name, ValueId x, int64_t c,
                    std::map<std::string, Attribute> attributes = {}, int num_outputs = 1) {
    return Op("BatchNormalization", name,
              {x, Weight(name + ".gamma", {c}, 0.5f, 1.5f), Weight(name + ".beta", {c}),
               Weight(name + ".mean", {c}), Weight(name + ".var", {c}, 0.2f, 2.f)},
              std::move(attributes), "", num_outputs);
  }
  void Output(ValueId v) { g.outputs.push_back(v); }
  void SetStaticType(ValueId v, const Shape& shape, DataType dtype = DataType::kFloat32) {
    g.values[v].type = TensorType::Static(dtype, shape);
  }

  Graph g;
  std::mt19937 rng{1234};

 private:
  std::string OutputName(const std::string& node, int i) const {
    if (naming_ == OutputNaming::kNodeName) {
      return i == 0 ? node : node + "." + std::to_string(i);
    }
    return i == 0 ? node + "_out" : node + "_out" + std::to_string(i);
  }

  OutputNaming naming_;
};

}  // namespace finch::testing
