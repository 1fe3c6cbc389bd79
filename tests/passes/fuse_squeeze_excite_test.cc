// fuse-squeeze-excite on tiny graphs built in code: GlobalAveragePool -> FusedConv 1x1 + act ->
// FusedConv 1x1 + gate -> Mul, as fold-batchnorm and fuse-activation leave it.
//
// Outputs are compared with rtol 1e-5: the SqueezeExcite reference kernel composes the same
// reference kernels (global average pool, 1x1 conv, activation, broadcast Mul) in the same
// float order, so today the results agree to the bit; the tolerance leaves room for a fast
// kernel that reorders the 1x1 convs' sums (a few ulps on values of order 1).
#include <gtest/gtest.h>

#include <random>

#include "graph/ops/fused.h"
#include "graph/passes/passes.h"
#include "graph/passes/pipeline.h"
#include "tests/util/test_util.h"

namespace finch::testing {
namespace {

class GraphBuilder {
 public:
  explicit GraphBuilder(uint32_t seed) : rng_(seed) {
    g_.opset_imports[""] = 13;
    g_.opset_imports[kFinchDomain] = 1;
  }
  ValueId Input(const std::string& name, const Shape& shape) {
    const ValueId v = g_.AddValue(name, TensorType::Static(DataType::kFloat32, shape));
    g_.inputs.push_back(v);
    return v;
  }
  ValueId Weight(const std::string& name, const Shape& shape) {
    return g_.AddConstant(name, std::make_shared<const Tensor>(Random(shape)));
  }
  ValueId Add(const std::string& op, const std::string& domain, const std::string& name,
              const std::vector<ValueId>& inputs, std::map<std::string, Attribute> attrs = {},
              const std::string& output = "") {
    Node n;
    n.op_type = op;
    n.domain = domain;
    n.name = name;
    n.inputs = inputs;
    n.attributes = std::move(attrs);
    n.outputs = {g_.AddValue(output.empty() ? name + "_out" : output)};
    g_.nodes.push_back(std::move(n));
    return g_.nodes.back().outputs[0];
  }
  void Output(ValueId v) { g_.outputs.push_back(v); }
  Tensor Random(const Shape& shape) {
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    std::vector<float> data(NumElements(shape));
    for (float& f : data) f = u(rng_);
    return Tensor::FromVector(shape, data);
  }
  Graph& graph() { return g_; }

 private:
  Graph g_;
  std::mt19937 rng_;
};

Attribute StringsAttr(std::vector<std::string> v) {
  Attribute a;
  a.kind = Attribute::Kind::kStrings;
  a.strings = std::move(v);
  return a;
}
Attribute FloatsAttr(std::vector<float> v) {
  Attribute a;
  a.kind = Attribute::Kind::kFloats;
  a.floats = std::move(v);
  return a;
}

// A FusedConv's attributes as fuse-activation leaves them.
std::map<std::string, Attribute> ConvAttrs(int64_t k, int64_t stride, int64_t pad, int64_t group,
                                           const std::string& act, std::vector<float> params,
                                           std::vector<std::string> fused_from) {
  std::map<std::string, Attribute> a = {{"kernel_shape", IntsAttr({k, k})},
                                        {"strides", IntsAttr({stride, stride})},
                                        {"pads", IntsAttr({pad, pad, pad, pad})},
                                        {"dilations", IntsAttr({1, 1})},
                                        {"group", IntAttr(group)},
                                        {"fused_from", StringsAttr(std::move(fused_from))}};
  if (!act.empty()) a["activation"] = StringAttr(act);
  if (!params.empty()) a["activation_params"] = FloatsAttr(std::move(params));
  return a;
}

// The shape of one squeeze-excite test graph; the defaults make a fusable one.
struct SeSpec {
  int64_t channels = 5, reduced = 3, h = 4, w = 3, batch = 2;
  bool gate_first = false;  // Mul(g, x) instead of Mul(x, g)
  bool biases = true;
  bool w1_constant = true;
  int64_t k1 = 1, pad1 = 0, group1 = 1, stride2 = 1;
  std::string act = "SiLU", gate = "Sigmoid";
  std::vector<float> gate_params;
  bool mul_other_tensor = false;   // Mul(x2, g): x2 is another input
  bool pooled_is_output = false;   // s is also a graph output
  bool mid_second_reader = false;  // m also read by a Relu that is a graph output
  bool x_second_reader = false;    // x also read by a Relu (allowed)
  bool fc1_plain_conv = false;     // the first conv as a plain Conv (no activation fused)
};

Graph BuildSe(const SeSpec& s) {
  GraphBuilder b(1234);
  const Shape xs = {s.batch, s.channels, s.h, s.w};
  const ValueId x = b.Input("x", xs);
  const ValueId x2 = s.mul_other_tensor ? b.Input("x2", xs) : kNoValue;
  const ValueId w1 = s.w1_constant ? b.Weight("w1", {s.reduced, s.channels / s.group1, s.k1, s.k1})
                                   : b.Input("w1", {s.reduced, s.channels / s.group1, s.k1, s.k1});
  const ValueId b1 = s.biases ? b.Weight("b1", {s.reduced}) : kNoValue;
  const ValueId w2 = b.Weight("w2", {s.channels, s.reduced, 1, 1});
  const ValueId b2 = s.biases ? b.Weight("b2", {s.channels}) : kNoValue;
  const ValueId pooled = b.Add("GlobalAveragePool", "", "se.pool", {x});
  std::vector<ValueId> in1 = {pooled, w1}, in2;
  if (s.biases) in1.push_back(b1);
  std::map<std::string, Attribute> attrs1 =
      ConvAttrs(s.k1, 1, s.pad1, s.group1, s.act, {}, {"se.fc1", "se.act"});
  if (s.fc1_plain_conv) {
    attrs1.erase("fused_from");
    attrs1.erase("activation");
  }
  const ValueId mid = b.Add(s.fc1_plain_conv ? "Conv" : "FusedConv",
                            s.fc1_plain_conv ? "" : kFinchDomain, "se.fc1", in1, attrs1);
  in2 = {mid, w2};
  if (s.biases) in2.push_back(b2);
  const ValueId g =
      b.Add("FusedConv", kFinchDomain, "se.fc2", in2,
            ConvAttrs(1, s.stride2, 0, 1, s.gate, s.gate_params, {"se.fc2", "se.gate"}));
  const ValueId other = s.mul_other_tensor ? x2 : x;
  const ValueId y = b.Add(
      "Mul", "", "se.mul",
      s.gate_first ? std::vector<ValueId>{g, other} : std::vector<ValueId>{other, g}, {}, "y");
  b.Output(y);
  if (s.pooled_is_output) b.Output(pooled);
  if (s.mid_second_reader) b.Output(b.Add("Relu", "", "mid_relu", {mid}));
  if (s.x_second_reader) b.Output(b.Add("Relu", "", "x_relu", {x}));
  return b.graph();
}

std::vector<Tensor> Inputs(const Graph& g, uint32_t seed) {
  GraphBuilder r(seed);
  std::vector<Tensor> inputs;
  for (ValueId v : g.inputs) inputs.push_back(r.Random(g.values[v].type.static_shape()));
  return inputs;
}

void ExpectSameOutputs(const Graph& before, const Graph& after) {
  const std::vector<Tensor> inputs = Inputs(before, 99);
  auto s1 = Session::Create(before, SessionOptions{1, false});
  auto s2 = Session::Create(after, SessionOptions{1, false});
  ASSERT_TRUE(s1.ok()) << s1.status().ToString();
  ASSERT_TRUE(s2.ok()) << s2.status().ToString();
  auto want = (*s1)->Run(inputs);
  auto got = (*s2)->Run(inputs);
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), want->size());
  for (size_t i = 0; i < got->size(); ++i) {
    std::string why;
    EXPECT_TRUE(AllClose((*got)[i], (*want)[i], 1e-5, 1e-6, &why)) << "output " << i << ": " << why;
  }
}

void ExpectSameGraph(const Graph& a, const Graph& b) {
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  for (size_t n = 0; n < a.nodes.size(); ++n) {
    EXPECT_EQ(a.nodes[n].name, b.nodes[n].name);
    EXPECT_EQ(a.nodes[n].op_type, b.nodes[n].op_type);
    EXPECT_EQ(a.nodes[n].domain, b.nodes[n].domain);
    EXPECT_EQ(a.nodes[n].inputs, b.nodes[n].inputs);
    EXPECT_EQ(a.nodes[n].outputs, b.nodes[n].outputs);
    EXPECT_EQ(a.nodes[n].attributes.size(), b.nodes[n].attributes.size());
  }
  ASSERT_EQ(a.values.size(), b.values.size());
  for (size_t v = 0; v < a.values.size(); ++v) EXPECT_EQ(a.values[v].name, b.values[v].name);
  EXPECT_EQ(a.inputs, b.inputs);
  EXPECT_EQ(a.outputs, b.outputs);
}

PassResult RunPass(const Graph& g) {
  auto r = FuseSqueezeExcite(g, PassContext{});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : PassResult{g, -1};
}

const Node* FindOp(const Graph& g, const std::string& op) {
  for (const Node& n : g.nodes) {
    if (n.op_type == op) return &n;
  }
  return nullptr;
}

void ExpectNoMatch(const SeSpec& spec) {
  const Graph g = BuildSe(spec);
  const PassResult r = RunPass(g);
  EXPECT_EQ(r.rewrites, 0);
  ExpectSameGraph(g, r.graph);
}

TEST(FuseSqueezeExcitePass, FusesGapConvConvMul) {
  const Graph g = BuildSe({});
  const PassResult r = RunPass(g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"finch::SqueezeExcite", 1}}));
  const Node* se = FindOp(r.graph, "SqueezeExcite");
  ASSERT_NE(se, nullptr);
  EXPECT_EQ(se->name, "se.pool");
  EXPECT_EQ(se->GetString("activation", "").value(), "SiLU");
  EXPECT_EQ(se->GetString("gate_activation", "").value(), "Sigmoid");
  EXPECT_EQ(
      se->FindAttribute("fused_from")->strings,
      (std::vector<std::string>{"se.pool", "se.fc1", "se.act", "se.fc2", "se.gate", "se.mul"}));
  ASSERT_EQ(se->inputs.size(), 5u);
  EXPECT_EQ(r.graph.values[se->inputs[0]].name, "x");
  EXPECT_EQ(r.graph.values[se->inputs[1]].name, "w1");
  EXPECT_EQ(r.graph.values[se->inputs[2]].name, "b1");
  EXPECT_EQ(r.graph.values[se->inputs[3]].name, "w2");
  EXPECT_EQ(r.graph.values[se->inputs[4]].name, "b2");
  EXPECT_EQ(r.graph.values[se->outputs[0]].name, "y");  // the Mul's value
  EXPECT_EQ(r.graph.values[r.graph.outputs[0]].name, "y");
  ExpectSameOutputs(g, r.graph);
}

TEST(FuseSqueezeExcitePass, GateFirstHardSigmoidAndOtherReadersOfX) {
  SeSpec spec;
  spec.gate_first = true;
  spec.act = "Relu";
  spec.gate = "HardSigmoid";
  spec.gate_params = {1.f / 6, 0.5f};
  spec.x_second_reader = true;
  spec.channels = 7;
  const Graph g = BuildSe(spec);
  const PassResult r = RunPass(g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph),
            (std::map<std::string, int>{{"finch::SqueezeExcite", 1}, {"Relu", 1}}));
  const Node* se = FindOp(r.graph, "SqueezeExcite");
  ASSERT_NE(se, nullptr);
  EXPECT_EQ(se->GetString("activation", "").value(), "Relu");
  EXPECT_EQ(se->GetString("gate_activation", "").value(), "HardSigmoid");
  EXPECT_EQ(se->GetFloats("gate_activation_params", {}).value(),
            (std::vector<float>{1.f / 6, 0.5f}));
  ExpectSameOutputs(g, r.graph);
}

// A Conv without a bias adds nothing: the fused node gets zero bias constants.
TEST(FuseSqueezeExcitePass, MissingBiasesBecomeZeroConstants) {
  SeSpec spec;
  spec.biases = false;
  const Graph g = BuildSe(spec);
  const PassResult r = RunPass(g);
  EXPECT_EQ(r.rewrites, 1);
  const Node* se = FindOp(r.graph, "SqueezeExcite");
  ASSERT_NE(se, nullptr);
  ASSERT_EQ(se->inputs.size(), 5u);
  for (int i : {2, 4}) {
    const Tensor* bias = r.graph.values[se->inputs[i]].constant.get();
    ASSERT_NE(bias, nullptr);
    EXPECT_EQ(bias->shape(), (Shape{i == 2 ? spec.reduced : spec.channels}));
    for (float v : ToFloats(*bias)) EXPECT_EQ(v, 0.f);
  }
  ExpectSameOutputs(g, r.graph);
}

// A conv with no activation stays a plain Conv; it fuses all the same (activation "").
TEST(FuseSqueezeExcitePass, FusesPlainConvWithoutActivation) {
  SeSpec spec;
  spec.fc1_plain_conv = true;
  const Graph g = BuildSe(spec);
  const PassResult r = RunPass(g);
  EXPECT_EQ(r.rewrites, 1);
  const Node* se = FindOp(r.graph, "SqueezeExcite");
  ASSERT_NE(se, nullptr);
  EXPECT_EQ(se->FindAttribute("activation"), nullptr);
  EXPECT_EQ(se->FindAttribute("fused_from")->strings,
            (std::vector<std::string>{"se.pool", "se.fc1", "se.fc2", "se.gate", "se.mul"}));
  ExpectSameOutputs(g, r.graph);
}

TEST(FuseSqueezeExcitePass, GuardWeightNotConstant) {
  SeSpec spec;
  spec.w1_constant = false;
  ExpectNoMatch(spec);
}

TEST(FuseSqueezeExcitePass, GuardConvNot1x1WithPadding) {
  SeSpec spec;
  spec.k1 = 3;
  spec.pad1 = 1;  // 3x3 over the 1x1 pooled map: still [N, Cr, 1, 1], but not a pointwise conv
  ExpectNoMatch(spec);
}

TEST(FuseSqueezeExcitePass, GuardConvStride) {
  SeSpec spec;
  spec.stride2 = 2;
  ExpectNoMatch(spec);
}

TEST(FuseSqueezeExcitePass, GuardConvGroups) {
  SeSpec spec;
  spec.channels = 6;
  spec.group1 = 3;
  ExpectNoMatch(spec);
}

TEST(FuseSqueezeExcitePass, GuardPooledValueIsGraphOutput) {
  SeSpec spec;
  spec.pooled_is_output = true;
  ExpectNoMatch(spec);
}

TEST(FuseSqueezeExcitePass, GuardIntermediateWithOtherReader) {
  SeSpec spec;
  spec.mid_second_reader = true;
  ExpectNoMatch(spec);
}

TEST(FuseSqueezeExcitePass, GuardMulOfDifferentTensor) {
  SeSpec spec;
  spec.mul_other_tensor = true;
  ExpectNoMatch(spec);
}

TEST(FuseSqueezeExcitePass, GuardGateIsNotSigmoid) {
  SeSpec spec;
  spec.gate = "Relu";
  ExpectNoMatch(spec);
}

}  // namespace
}  // namespace finch::testing
