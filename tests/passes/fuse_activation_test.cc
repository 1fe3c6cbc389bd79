// fuse-activation: Conv/Gemm (+ finch's fused forms) followed by an activation become one
// finch::FusedConv / finch::FusedGemm. Each pattern is checked for structure and run against
// the unfused graph; each guard has a negative test (0 rewrites, identical graph); the shared
// models run through the default pipeline against ONNX Runtime's outputs.
//
// Tolerance: the reference fused kernels compose the same float operations in the same order as
// the separate ops (conv, + Z, activation), so the outputs agree to the last bit in practice;
// rtol 1e-5 only leaves room for a compiler contracting a multiply-add differently in the two
// translation units.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <set>

#include "graph/onnx/tensor_proto.h"
#include "graph/ops/fused.h"
#include "graph/passes/passes.h"
#include "graph/passes/pipeline.h"
#include "runtime/node_evaluator.h"
#include "tests/util/test_util.h"

namespace finch {
namespace {

using testing::FloatAttr;
using testing::IntAttr;
using testing::IntsAttr;

Tensor RandomTensor(const Shape& shape, uint32_t seed, DataType dtype = DataType::kFloat32) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(NumElements(shape));
  for (float& x : v) x = dist(rng);
  if (dtype == DataType::kInt32) {
    std::vector<int32_t> iv(v.size());
    for (size_t i = 0; i < v.size(); ++i) iv[i] = static_cast<int32_t>(v[i] * 10);
    return Tensor::FromVector<int32_t>(shape, iv);
  }
  return Tensor::FromVector<float>(shape, v);
}

// Builds small graphs: node outputs are named "<node>_out".
class Builder {
 public:
  explicit Builder(int64_t opset = 13) { g.opset_imports[""] = opset; }

  // An input whose first dim is the symbol "N" and whose other dims are `dims`.
  ValueId Input(const std::string& name, const Shape& dims, DataType dtype = DataType::kFloat32,
                bool symbolic_batch = true) {
    TensorType t;
    t.dtype = dtype;
    t.dims.emplace();
    for (size_t i = 0; i < dims.size(); ++i) {
      Dim d;
      if (i == 0 && symbolic_batch)
        d.param = "N";
      else
        d.value = dims[i];
      t.dims->push_back(d);
    }
    const ValueId v = g.AddValue(name, t);
    g.inputs.push_back(v);
    return v;
  }
  ValueId Const(const std::string& name, Tensor t) {
    return g.AddConstant(name, std::make_shared<const Tensor>(std::move(t)));
  }
  ValueId Random(const std::string& name, const Shape& shape, uint32_t seed) {
    return Const(name, RandomTensor(shape, seed));
  }
  ValueId Op(const std::string& op, const std::string& name, std::vector<ValueId> inputs,
             std::map<std::string, Attribute> attributes = {}, const std::string& domain = "") {
    Node n;
    n.name = name;
    n.op_type = op;
    n.domain = domain;
    n.inputs = std::move(inputs);
    n.attributes = std::move(attributes);
    const ValueId out = g.AddValue(name + "_out");
    n.outputs = {out};
    g.nodes.push_back(std::move(n));
    return out;
  }
  void Output(ValueId v) { g.outputs.push_back(v); }

  Graph g;
};

// A [N, 3, 7, 7] -> Conv 3x3 pad 1 -> [N, 5, 7, 7] graph; returns the conv output.
ValueId AddConv(Builder& b, ValueId x, const std::string& name, int64_t cin, int64_t cout,
                uint32_t seed, bool bias = true) {
  std::vector<ValueId> in = {x, b.Random(name + ".w", {cout, cin, 3, 3}, seed)};
  if (bias) in.push_back(b.Random(name + ".b", {cout}, seed + 1));
  return b.Op("Conv", name, in,
              {{"pads", IntsAttr({1, 1, 1, 1})}, {"kernel_shape", IntsAttr({3, 3})}});
}

Attribute StringsAttr(std::vector<std::string> v) {
  Attribute a;
  a.kind = Attribute::Kind::kStrings;
  a.strings = std::move(v);
  return a;
}

// Everything a pass could change, as text.
std::string Dump(const Graph& g) {
  std::string s;
  auto name = [&](ValueId v) { return v == kNoValue ? std::string("-") : g.values[v].name; };
  for (const Node& n : g.nodes) {
    s += n.domain + "::" + n.op_type + " " + n.name + " (";
    for (ValueId v : n.inputs) s += name(v) + ",";
    s += ") -> (";
    for (ValueId v : n.outputs) s += name(v) + ",";
    s += ") {";
    for (const auto& [k, a] : n.attributes) s += k + ":" + AttributeKindName(a.kind) + ",";
    s += "}\n";
  }
  s += "inputs:";
  for (ValueId v : g.inputs) s += name(v) + ",";
  s += " outputs:";
  for (ValueId v : g.outputs) s += name(v) + ",";
  s += StrCat(" values:", g.values.size());
  return s;
}

StatusOr<PassResult> RunPass(const Graph& g) { return FuseActivation(g, RuntimePassContext()); }

// Runs `original` and `rewritten` unoptimized on the same inputs; outputs must agree.
void ExpectSameOutputs(const Graph& original, const Graph& rewritten,
                       const std::vector<Tensor>& inputs) {
  auto s0 = Session::Create(original, SessionOptions{1, false});
  auto s1 = Session::Create(rewritten, SessionOptions{1, false});
  ASSERT_TRUE(s0.ok()) << s0.status().ToString();
  ASSERT_TRUE(s1.ok()) << s1.status().ToString();
  auto want = (*s0)->Run(inputs);
  auto got = (*s1)->Run(inputs);
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(want->size(), got->size());
  for (size_t i = 0; i < want->size(); ++i) {
    std::string why;
    EXPECT_TRUE(testing::AllClose((*got)[i], (*want)[i], 1e-5, 1e-6, &why)) << why;
  }
}

const Node* FindNode(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

std::vector<std::string> FusedFromOf(const Node& n) {
  const Attribute* a = n.FindAttribute("fused_from");
  return a ? a->strings : std::vector<std::string>{};
}

void ExpectUnchanged(const Graph& g) {
  auto r = RunPass(g);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rewrites, 0);
  EXPECT_EQ(Dump(r->graph), Dump(g));
}

// ---- Conv + each activation -------------------------------------------------------------

struct ActCase {
  std::string label;
  int64_t opset;
  std::string op;
  std::map<std::string, Attribute> attributes;
  std::vector<float> clip_inputs;  // opset >= 11 Clip: {min} or {min, max}; NaN = absent
  std::string want_name;
  std::vector<float> want_params;
};

class ConvActivation : public ::testing::TestWithParam<ActCase> {};

TEST_P(ConvActivation, FusesAndMatches) {
  const ActCase& c = GetParam();
  Builder b(c.opset);
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  const ValueId a = AddConv(b, x, "conv", 3, 5, 11);
  std::vector<ValueId> in = {a};
  for (size_t i = 0; i < c.clip_inputs.size(); ++i) {
    in.push_back(std::isnan(c.clip_inputs[i])
                     ? kNoValue
                     : b.Const(StrCat("bound", i), Tensor::Scalar<float>(c.clip_inputs[i])));
  }
  b.Output(b.Op(c.op, "act", in, c.attributes));

  auto r = RunPass(b.g);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rewrites, 1);
  const Graph& g = r->graph;
  auto counts = CountOps(g);
  EXPECT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts["finch::FusedConv"], 1);
  const Node* fused = FindNode(g, "conv");
  ASSERT_NE(fused, nullptr);
  EXPECT_EQ(fused->domain, kFinchDomain);
  EXPECT_EQ(FusedFromOf(*fused), std::vector<std::string>({"conv", "act"}));
  EXPECT_EQ(g.values[fused->outputs[0]].name, "act_out");
  EXPECT_EQ(g.values[g.outputs[0]].name, "act_out");
  EXPECT_EQ(fused->inputs.size(), 3u);
  ASSERT_NE(fused->FindAttribute("pads"), nullptr);
  EXPECT_EQ(fused->FindAttribute("pads")->ints, std::vector<int64_t>({1, 1, 1, 1}));
  EXPECT_EQ(fused->GetString("activation", "").value(), c.want_name);
  EXPECT_EQ(fused->GetFloats("activation_params", {}).value(), c.want_params);
  EXPECT_EQ(g.opset(kFinchDomain), 1);
  // Inputs centred so every activation sees both signs and Clip's bounds bite.
  Tensor input = RandomTensor({2, 3, 7, 7}, 5);
  ExpectSameOutputs(b.g, g, {input});
}

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kLowest = std::numeric_limits<float>::lowest();
const float kMax = std::numeric_limits<float>::max();

INSTANTIATE_TEST_SUITE_P(
    FuseActivationPass, ConvActivation,
    ::testing::Values(
        ActCase{"Relu", 13, "Relu", {}, {}, "Relu", {}},
        ActCase{"Relu6Inputs", 13, "Clip", {}, {0.f, 0.5f}, "Clip", {0.f, 0.5f}},
        ActCase{"ClipMaxOnly", 13, "Clip", {}, {kNaN, 0.25f}, "Clip", {kLowest, 0.25f}},
        ActCase{"ClipMinOnly", 12, "Clip", {}, {-0.25f}, "Clip", {-0.25f, kMax}},
        ActCase{"ClipNoBounds", 11, "Clip", {}, {}, "Clip", {kLowest, kMax}},
        ActCase{"ClipAttributes",
                10,
                "Clip",
                {{"min", FloatAttr(-0.5f)}, {"max", FloatAttr(0.5f)}},
                {},
                "Clip",
                {-0.5f, 0.5f}},
        ActCase{"Sigmoid", 13, "Sigmoid", {}, {}, "Sigmoid", {}},
        ActCase{"HardSwish", 14, "HardSwish", {}, {}, "HardSwish", {}},
        ActCase{"HardSigmoidDefaults", 13, "HardSigmoid", {}, {}, "HardSigmoid", {0.2f, 0.5f}},
        ActCase{"HardSigmoid",
                13,
                "HardSigmoid",
                {{"alpha", FloatAttr(0.3f)}, {"beta", FloatAttr(0.4f)}},
                {},
                "HardSigmoid",
                {0.3f, 0.4f}},
        ActCase{"LeakyReluDefault", 13, "LeakyRelu", {}, {}, "LeakyRelu", {0.01f}},
        ActCase{
            "LeakyRelu", 13, "LeakyRelu", {{"alpha", FloatAttr(0.25f)}}, {}, "LeakyRelu", {0.25f}}),
    [](const ::testing::TestParamInfo<ActCase>& info) { return info.param.label; });

// ---- SiLU: Sigmoid + Mul ----------------------------------------------------------------

void CheckSiLU(bool sigmoid_first_in_mul) {
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  const ValueId a = AddConv(b, x, "conv", 3, 5, 21);
  const ValueId s = b.Op("Sigmoid", "sig", {a});
  const ValueId y = b.Op(
      "Mul", "mul", sigmoid_first_in_mul ? std::vector<ValueId>{s, a} : std::vector<ValueId>{a, s});
  b.Output(y);
  auto r = RunPass(b.g);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rewrites, 1);
  const Graph& g = r->graph;
  EXPECT_EQ(CountOps(g), (std::map<std::string, int>{{"finch::FusedConv", 1}}));
  const Node& fused = g.nodes[0];
  EXPECT_EQ(fused.name, "conv");
  EXPECT_EQ(fused.GetString("activation", "").value(), "SiLU");
  EXPECT_EQ(fused.FindAttribute("activation_params"), nullptr);
  EXPECT_EQ(FusedFromOf(fused), std::vector<std::string>({"conv", "sig", "mul"}));
  EXPECT_EQ(g.values[fused.outputs[0]].name, "mul_out");
  ExpectSameOutputs(b.g, g, {RandomTensor({2, 3, 7, 7}, 6)});
}

TEST(FuseActivationPass, SiLUMulXSigmoid) { CheckSiLU(false); }
TEST(FuseActivationPass, SiLUMulSigmoidX) { CheckSiLU(true); }

// ---- fused producers, Gemm, chains ------------------------------------------------------

TEST(FuseActivationPass, FusedConvWithResidualTakesActivationAfterZ) {
  Builder b;
  const ValueId x = b.Input("x", {0, 5, 7, 7});
  const ValueId y =
      b.Op("FusedConv", "conv", {x, b.Random("w", {5, 5, 3, 3}, 31), b.Random("bias", {5}, 32), x},
           {{"pads", IntsAttr({1, 1, 1, 1})}, {"fused_from", StringsAttr({"conv", "add"})}},
           kFinchDomain);
  b.g.opset_imports[kFinchDomain] = 1;
  b.Output(b.Op("Relu", "relu", {y}));
  auto r = RunPass(b.g);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rewrites, 1);
  ASSERT_EQ(r->graph.nodes.size(), 1u);
  const Node& fused = r->graph.nodes[0];
  EXPECT_EQ(fused.inputs.size(), 4u);
  EXPECT_EQ(fused.GetString("activation", "").value(), "Relu");
  EXPECT_EQ(FusedFromOf(fused), std::vector<std::string>({"conv", "add", "relu"}));
  EXPECT_EQ(r->graph.values[fused.outputs[0]].name, "relu_out");
  ExpectSameOutputs(b.g, r->graph, {RandomTensor({2, 5, 7, 7}, 7)});
}

TEST(FuseActivationPass, GemmBecomesFusedGemm) {
  Builder b(13);
  const ValueId x = b.Input("x", {0, 7});
  const ValueId y =
      b.Op("Gemm", "fc", {x, b.Random("w", {5, 7}, 41), b.Random("c", {5}, 42)},
           {{"transB", IntAttr(1)}, {"alpha", FloatAttr(0.75f)}, {"beta", FloatAttr(1.5f)}});
  b.Output(b.Op("LeakyRelu", "lrelu", {y}, {{"alpha", FloatAttr(0.1f)}}));
  auto r = RunPass(b.g);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rewrites, 1);
  EXPECT_EQ(CountOps(r->graph), (std::map<std::string, int>{{"finch::FusedGemm", 1}}));
  const Node& fused = r->graph.nodes[0];
  EXPECT_EQ(fused.name, "fc");
  EXPECT_EQ(fused.GetInt("transB", 0).value(), 1);
  EXPECT_EQ(fused.GetFloat("alpha", 1).value(), 0.75f);
  EXPECT_EQ(fused.GetFloat("beta", 1).value(), 1.5f);
  EXPECT_EQ(fused.GetString("activation", "").value(), "LeakyRelu");
  EXPECT_EQ(FusedFromOf(fused), std::vector<std::string>({"fc", "lrelu"}));
  ExpectSameOutputs(b.g, r->graph, {RandomTensor({3, 7}, 8)});
}

TEST(FuseActivationPass, GemmWithoutCAtOpset11) {
  Builder b(11);
  const ValueId x = b.Input("x", {0, 7});
  const ValueId y = b.Op("Gemm", "fc", {x, b.Random("w", {7, 3}, 43)});
  b.Output(b.Op("Sigmoid", "sig", {y}));
  auto r = RunPass(b.g);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rewrites, 1);
  EXPECT_EQ(CountOps(r->graph), (std::map<std::string, int>{{"finch::FusedGemm", 1}}));
  ExpectSameOutputs(b.g, r->graph, {RandomTensor({3, 7}, 9)});
}

TEST(FuseActivationPass, ChainOfConvsEachTakesItsActivation) {
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  const ValueId r1 = b.Op("Relu", "relu1", {AddConv(b, x, "conv1", 3, 5, 51)});
  const ValueId c2 = AddConv(b, r1, "conv2", 5, 7, 53, /*bias=*/false);
  b.Output(b.Op(
      "Clip", "clip2",
      {c2, b.Const("lo", Tensor::Scalar<float>(0.f)), b.Const("hi", Tensor::Scalar<float>(6.f))}));
  auto r = RunPass(b.g);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rewrites, 2);
  EXPECT_EQ(CountOps(r->graph), (std::map<std::string, int>{{"finch::FusedConv", 2}}));
  const Node* conv2 = FindNode(r->graph, "conv2");
  ASSERT_NE(conv2, nullptr);
  EXPECT_EQ(conv2->inputs.size(), 2u);
  EXPECT_EQ(r->graph.values[conv2->inputs[0]].name, "relu1_out");
  ExpectSameOutputs(b.g, r->graph, {RandomTensor({2, 3, 7, 7}, 10)});
}

// ---- guards -----------------------------------------------------------------------------

TEST(FuseActivationPass, ProducerWithAnotherReaderIsKept) {
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  const ValueId a = AddConv(b, x, "conv", 3, 5, 61);
  b.Output(b.Op("Relu", "relu", {a}));
  b.Output(b.Op("Sigmoid", "sig", {a}));
  ExpectUnchanged(b.g);
}

TEST(FuseActivationPass, ProducerOutputThatIsAGraphOutputIsKept) {
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  const ValueId a = AddConv(b, x, "conv", 3, 5, 62);
  b.Output(b.Op("Relu", "relu", {a}));
  b.Output(a);
  ExpectUnchanged(b.g);
}

TEST(FuseActivationPass, ProducerWithAnActivationIsKept) {
  Builder b;
  const ValueId x = b.Input("x", {0, 5, 7, 7});
  const ValueId y =
      b.Op("FusedConv", "conv", {x, b.Random("w", {5, 5, 3, 3}, 63)},
           {{"pads", IntsAttr({1, 1, 1, 1})}, {"activation", testing::StringAttr("Relu")}},
           kFinchDomain);
  b.g.opset_imports[kFinchDomain] = 1;
  b.Output(b.Op("Sigmoid", "sig", {y}));
  ExpectUnchanged(b.g);
}

TEST(FuseActivationPass, ClipWithNonConstantBoundIsKept) {
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  const ValueId lo = b.Input("lo", {}, DataType::kFloat32, false);
  b.Output(b.Op("Clip", "clip", {AddConv(b, x, "conv", 3, 5, 64), lo}));
  ExpectUnchanged(b.g);
}

TEST(FuseActivationPass, ClipWithEmptyRangeIsKept) {
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  b.Output(b.Op("Clip", "clip",
                {AddConv(b, x, "conv", 3, 5, 65), b.Const("lo", Tensor::Scalar<float>(1.f)),
                 b.Const("hi", Tensor::Scalar<float>(-1.f))}));
  ExpectUnchanged(b.g);
}

TEST(FuseActivationPass, ClipWithNonFloatBoundIsKept) {
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  b.Output(b.Op("Clip", "clip",
                {AddConv(b, x, "conv", 3, 5, 66), b.Const("lo", Tensor::Scalar<double>(0.0))}));
  ExpectUnchanged(b.g);
}

TEST(FuseActivationPass, MulOfAnotherValueIsNotSiLU) {
  // Sigmoid(a) * b with b another value: a's two readers are Sigmoid and a Mul of a and the
  // sigmoid of something else.
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  const ValueId a = AddConv(b, x, "conv", 3, 5, 67);
  const ValueId other = b.Op("Sigmoid", "sig_other", {b.Input("x2", {0, 5, 7, 7})});
  const ValueId s = b.Op("Sigmoid", "sig", {a});
  b.Output(b.Op("Mul", "mul", {a, other}));
  b.Output(s);
  ExpectUnchanged(b.g);
}

TEST(FuseActivationPass, MulOfSigmoidAndOtherReaderIsNotSiLU) {
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  const ValueId a = AddConv(b, x, "conv", 3, 5, 68);
  const ValueId s = b.Op("Sigmoid", "sig", {a});
  const ValueId r = b.Op("Relu", "relu", {a});
  b.Output(b.Op("Mul", "mul", {r, s}));
  ExpectUnchanged(b.g);
}

TEST(FuseActivationPass, SiLUWhoseSigmoidHasAnotherReaderIsKept) {
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  const ValueId a = AddConv(b, x, "conv", 3, 5, 69);
  const ValueId s = b.Op("Sigmoid", "sig", {a});
  b.Output(b.Op("Mul", "mul", {a, s}));
  b.Output(s);
  ExpectUnchanged(b.g);
}

TEST(FuseActivationPass, IntegerGemmIsKept) {
  Builder b;
  const ValueId x = b.Input("x", {0, 7}, DataType::kInt32);
  const ValueId y = b.Op("Gemm", "fc",
                         {x, b.Const("w", RandomTensor({7, 5}, 70, DataType::kInt32)),
                          b.Const("c", RandomTensor({5}, 71, DataType::kInt32))});
  b.Output(b.Op("Relu", "relu", {y}));
  ExpectUnchanged(b.g);
}

TEST(FuseActivationPass, GemmBeforeOpset7IsKept) {
  Builder b(6);
  const ValueId x = b.Input("x", {0, 7});
  const ValueId y = b.Op("Gemm", "fc", {x, b.Random("w", {7, 5}, 72), b.Random("c", {5}, 73)},
                         {{"broadcast", IntAttr(1)}});
  b.Output(b.Op("Relu", "relu", {y}));
  ExpectUnchanged(b.g);
}

TEST(FuseActivationPass, OtherOpsAreNotActivations) {
  Builder b;
  const ValueId x = b.Input("x", {0, 3, 7, 7});
  b.Output(b.Op("Tanh", "tanh", {AddConv(b, x, "conv", 3, 5, 74)}));
  ExpectUnchanged(b.g);
}

}  // namespace
}  // namespace finch
