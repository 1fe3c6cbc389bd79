// One-node graphs of the quantized ops for tests: each input is fed at run time (data, like a
// model's activations), a constant (scales, zero points, weights, like a model's initializers)
// or omitted.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "graph/ops/quantize.h"
#include "tests/util/test_util.h"

namespace finch::quant_test {

struct Arg {
  std::optional<Tensor> tensor;  // nullopt: an omitted optional input
  bool fed = false;
};
inline Arg Fed(Tensor t) { return Arg{std::move(t), true}; }
inline Arg Const(Tensor t) { return Arg{std::move(t), false}; }
inline Arg None() { return Arg{}; }

// A graph and the tensors to feed it, in graph-input order.
struct QuantCase {
  Graph g;
  std::vector<Tensor> feeds;
  operator const Graph&() const { return g; }  // NOLINT: for ExpectRejected
};

// One node "n" of `op` (QLinearAdd and QLinearGlobalAveragePool in com.microsoft) over `args`,
// with `num_outputs` graph outputs.
inline QuantCase QuantNode(const std::string& op, const std::vector<Arg>& args,
                           std::map<std::string, Attribute> attributes = {}, int64_t opset = 13,
                           int num_outputs = 1) {
  QuantCase c;
  c.g.opset_imports[""] = opset;
  Node node;
  node.name = "n";
  node.op_type = op;
  if (op == "QLinearAdd" || op == "QLinearGlobalAveragePool") {
    node.domain = kMicrosoftDomain;
    c.g.opset_imports[kMicrosoftDomain] = 1;
  }
  node.attributes = std::move(attributes);
  for (size_t i = 0; i < args.size(); ++i) {
    const Arg& a = args[i];
    if (!a.tensor) {
      node.inputs.push_back(kNoValue);
    } else if (a.fed) {
      const ValueId v =
          c.g.AddValue(StrCat("x", i), TensorType::Static(a.tensor->dtype(), a.tensor->shape()));
      c.g.inputs.push_back(v);
      node.inputs.push_back(v);
      c.feeds.push_back(*a.tensor);
    } else {
      node.inputs.push_back(
          c.g.AddConstant(StrCat("c", i), std::make_shared<const Tensor>(*a.tensor)));
    }
  }
  for (int i = 0; i < num_outputs; ++i) {
    const ValueId v = c.g.AddValue(StrCat("y", i));
    c.g.outputs.push_back(v);
    node.outputs.push_back(v);
  }
  c.g.nodes.push_back(std::move(node));
  return c;
}

// Runs the case on one thread, on the reference kernels only (no passes, no channels-last
// lowering) when `reference`, else as a default session would; fails the test on error.
inline std::vector<Tensor> RunQuantWith(const QuantCase& c, bool reference) {
  SessionOptions options{1};
  options.optimize = !reference;
  options.lower = !reference;
  const char* how = reference ? "reference kernels: " : "default session: ";
  auto session = Session::Create(c.g, options);
  EXPECT_TRUE(session.ok()) << how << session.status().ToString();
  if (!session.ok()) return {};
  auto out = (*session)->Run(c.feeds);
  EXPECT_TRUE(out.ok()) << how << out.status().ToString();
  if (!out.ok()) return {};
  return std::move(out).value();
}

// The case's outputs on the reference kernels, after checking that a default session (passes,
// lowering, fast kernels) gives the same bytes.
inline std::vector<Tensor> RunQuant(const QuantCase& c) {
  std::vector<Tensor> ref = RunQuantWith(c, true);
  const std::vector<Tensor> def = RunQuantWith(c, false);
  if (ref.size() == def.size()) {
    for (size_t i = 0; i < ref.size(); ++i) {
      EXPECT_EQ(def[i].dtype(), ref[i].dtype()) << "output " << i;
      EXPECT_EQ(def[i].shape(), ref[i].shape()) << "output " << i;
      if (def[i].byte_size() == ref[i].byte_size() && ref[i].byte_size() > 0) {
        EXPECT_EQ(std::memcmp(def[i].raw_data(), ref[i].raw_data(), ref[i].byte_size()), 0)
            << "output " << i << ": the default session differs from the reference kernels";
      }
    }
  }
  return ref;
}

// QuantizeLinear(DequantizeLinear(a) + DequantizeLinear(b)): what QLinearAdd means, as three
// standard ops (opset 13), a and b fed.
inline QuantCase DequantizeAddQuantize(const Tensor& a, float as, uint8_t azp, const Tensor& b,
                                       float bs, uint8_t bzp, float cs, uint8_t czp) {
  QuantCase c;
  Graph& g = c.g;
  g.opset_imports[""] = 13;
  auto input = [&](const char* name, const Tensor& t) {
    const ValueId v = g.AddValue(name, TensorType::Static(t.dtype(), t.shape()));
    g.inputs.push_back(v);
    c.feeds.push_back(t);
    return v;
  };
  auto constant = [&](const std::string& name, Tensor t) {
    return g.AddConstant(name, std::make_shared<const Tensor>(std::move(t)));
  };
  auto node = [&](const char* op, const char* name, std::vector<ValueId> in) {
    Node n;
    n.name = name;
    n.op_type = op;
    n.inputs = std::move(in);
    n.outputs.push_back(g.AddValue(StrCat(name, "_out")));
    g.nodes.push_back(n);
    return n.outputs[0];
  };
  const ValueId va = input("a", a), vb = input("b", b);
  const ValueId da =
      node("DequantizeLinear", "dqa",
           {va, constant("as", Tensor::Scalar(as)), constant("azp", Tensor::Scalar(azp))});
  const ValueId db =
      node("DequantizeLinear", "dqb",
           {vb, constant("bs", Tensor::Scalar(bs)), constant("bzp", Tensor::Scalar(bzp))});
  const ValueId sum = node("Add", "add", {da, db});
  g.outputs.push_back(
      node("QuantizeLinear", "q",
           {sum, constant("cs", Tensor::Scalar(cs)), constant("czp", Tensor::Scalar(czp))}));
  return c;
}

}  // namespace finch::quant_test
