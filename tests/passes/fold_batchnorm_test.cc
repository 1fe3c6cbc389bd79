// fold-batchnorm: structure and numerics on tiny graphs, one negative test per guard, and the
// shared models through the default pipeline.
//
// Numerics: the folded graph computes (W·s)·x + (b·s + t) where the original computes
// ((W·x + b) − μ)/√(σ²+ε)·γ + β; both in float32, with s and t rounded once from double. The
// results differ by a few float32 roundings of each term (≈ K·2⁻²⁴ relative for K-term sums of
// O(1) values), so outputs are compared with rtol = atol = 1e-5.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "graph/onnx/importer.h"
#include "graph/onnx/tensor_proto.h"
#include "graph/ops/fused.h"
#include "graph/passes/passes.h"
#include "graph/passes/pipeline.h"
#include "runtime/session.h"
#include "tests/util/test_util.h"

namespace finch {
namespace {

using testing::FloatAttr;
using testing::IntAttr;
using testing::IntsAttr;
using testing::StringAttr;

Tensor Random(Shape shape, std::mt19937& rng, float lo = -1.f, float hi = 1.f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(NumElements(shape));
  for (float& f : v) f = dist(rng);
  return Tensor::FromVector<float>(std::move(shape), v);
}

// Builds small graphs node by node; each node's output value is named after the node.
struct Builder {
  Graph g;
  std::mt19937 rng{1234};

  explicit Builder(int64_t opset = 13) { g.opset_imports[""] = opset; }
  ValueId Input(const std::string& name, const Shape& shape) {
    const ValueId v = g.AddValue(name, TensorType::Static(DataType::kFloat32, shape));
    g.inputs.push_back(v);
    return v;
  }
  ValueId Const(const std::string& name, Tensor t) {
    return g.AddConstant(name, std::make_shared<const Tensor>(std::move(t)));
  }
  ValueId Rand(const std::string& name, Shape shape, float lo = -1.f, float hi = 1.f) {
    return Const(name, Random(std::move(shape), rng, lo, hi));
  }
  ValueId Add(const std::string& op, const std::string& name, std::vector<ValueId> inputs,
              std::map<std::string, Attribute> attrs = {}, const std::string& domain = "",
              int outputs = 1) {
    Node n;
    n.name = name;
    n.op_type = op;
    n.domain = domain;
    n.inputs = std::move(inputs);
    n.attributes = std::move(attrs);
    for (int i = 0; i < outputs; ++i) {
      n.outputs.push_back(g.AddValue(i == 0 ? name : StrCat(name, ".", i)));
    }
    g.nodes.push_back(n);
    return n.outputs[0];
  }
  // BatchNormalization over `c` channels with random constant parameters.
  ValueId BN(const std::string& name, ValueId x, int64_t c, std::map<std::string, Attribute> a = {},
             int outputs = 1) {
    return Add("BatchNormalization", name,
               {x, Rand(name + ".gamma", {c}, 0.5f, 1.5f), Rand(name + ".beta", {c}),
                Rand(name + ".mean", {c}), Rand(name + ".var", {c}, 0.2f, 2.f)},
               std::move(a), "", outputs);
  }
  void Output(ValueId v) { g.outputs.push_back(v); }
  void Type(ValueId v, const Shape& shape) {
    g.values[v].type = TensorType::Static(DataType::kFloat32, shape);
  }
};

Attribute Strings(std::vector<std::string> s) {
  Attribute a;
  a.kind = Attribute::Kind::kStrings;
  a.strings = std::move(s);
  return a;
}

std::vector<std::string> FusedFromOf(const Node& n) {
  const Attribute* a = n.FindAttribute("fused_from");
  return a ? a->strings : std::vector<std::string>{};
}

const Node* FindNode(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

// Runs both graphs unoptimized on the same seeded inputs and compares every output.
void ExpectSameOutputs(const Graph& original, const Graph& rewritten) {
  std::mt19937 rng(99);
  std::vector<Tensor> inputs;
  for (ValueId v : original.inputs) {
    inputs.push_back(Random(original.values[v].type.static_shape(), rng));
  }
  SessionOptions unoptimized;
  unoptimized.threads = 1;
  unoptimized.optimize = false;
  auto a = Session::Create(original, unoptimized);
  auto b = Session::Create(rewritten, unoptimized);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  auto ya = (*a)->Run(inputs);
  auto yb = (*b)->Run(inputs);
  ASSERT_TRUE(ya.ok()) << ya.status().ToString();
  ASSERT_TRUE(yb.ok()) << yb.status().ToString();
  ASSERT_EQ(ya->size(), yb->size());
  for (size_t i = 0; i < ya->size(); ++i) {
    std::string why;
    EXPECT_TRUE(testing::AllClose((*yb)[i], (*ya)[i], 1e-5, 1e-5, &why))
        << "output " << i << ": " << why;
  }
}

// Same nodes (op, name, input and output names, attribute names), outputs and constants.
void ExpectIdentical(const Graph& a, const Graph& b) {
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  auto names = [](const Graph& g, const std::vector<ValueId>& vs) {
    std::vector<std::string> out;
    for (ValueId v : vs) out.push_back(v == kNoValue ? "" : g.values[v].name);
    return out;
  };
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    const Node &x = a.nodes[i], &y = b.nodes[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.op_type, y.op_type);
    EXPECT_EQ(names(a, x.inputs), names(b, y.inputs));
    EXPECT_EQ(names(a, x.outputs), names(b, y.outputs));
    EXPECT_EQ(x.attributes.size(), y.attributes.size());
    for (size_t k = 0; k < x.inputs.size(); ++k) {
      if (x.inputs[k] == kNoValue) continue;
      EXPECT_EQ(a.values[x.inputs[k]].constant, b.values[y.inputs[k]].constant);
    }
  }
  EXPECT_EQ(names(a, a.outputs), names(b, b.outputs));
}

void ExpectNoRewrite(const Graph& g) {
  auto r = FoldBatchNorm(g, PassContext{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rewrites, 0);
  ExpectIdentical(g, r->graph);
}

PassResult Fold(const Graph& g) {
  auto r = FoldBatchNorm(g, PassContext{});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : PassResult{g, -1};
}

TEST(FoldBatchNormPass, ConvWithBias) {
  Builder b;
  const ValueId x = b.Input("x", {2, 3, 7, 6});
  const ValueId c = b.Add("Conv", "conv", {x, b.Rand("w", {5, 3, 3, 3}), b.Rand("b", {5})},
                          {{"pads", IntsAttr({1, 1, 1, 1})}, {"strides", IntsAttr({2, 1})}});
  b.Output(b.BN("bn", c, 5, {{"epsilon", FloatAttr(1e-3f)}}));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"Conv", 1}}));
  const Node* conv = FindNode(r.graph, "conv");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(FusedFromOf(*conv), (std::vector<std::string>{"conv", "bn"}));
  EXPECT_EQ(r.graph.values[conv->outputs[0]].name, "bn");
  EXPECT_EQ(conv->outputs[0], r.graph.outputs[0]);
  EXPECT_EQ(conv->attributes.at("pads").ints, (std::vector<int64_t>{1, 1, 1, 1}));
  ExpectSameOutputs(b.g, r.graph);
}

TEST(FoldBatchNormPass, DepthwiseConvWithoutBiasGetsOne) {
  Builder b;
  const ValueId x = b.Input("x", {1, 7, 5, 5});
  const ValueId c = b.Add("Conv", "dw", {x, b.Rand("w", {7, 1, 3, 3})},
                          {{"group", IntAttr(7)}, {"pads", IntsAttr({1, 1, 1, 1})}});
  b.Output(b.BN("bn", c, 7));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  ASSERT_EQ(r.graph.nodes.size(), 1u);
  const Node& conv = r.graph.nodes[0];
  ASSERT_TRUE(conv.has_input(2));
  EXPECT_EQ(r.graph.values[conv.inputs[2]].constant->shape(), Shape{7});
  ExpectSameOutputs(b.g, r.graph);
}

TEST(FoldBatchNormPass, GroupedConv1d) {
  Builder b;
  const ValueId x = b.Input("x", {2, 6, 9});
  const ValueId c =
      b.Add("Conv", "conv", {x, b.Rand("w", {9, 2, 3}), b.Rand("b", {9})}, {{"group", IntAttr(3)}});
  b.Output(b.BN("bn", c, 9));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"Conv", 1}}));
  ExpectSameOutputs(b.g, r.graph);
}

TEST(FoldBatchNormPass, FusedConvWithoutActivationExtendsFusedFrom) {
  Builder b;
  b.g.opset_imports[kFinchDomain] = 1;
  const ValueId x = b.Input("x", {1, 3, 6, 6});
  const ValueId c = b.Add("FusedConv", "fc", {x, b.Rand("w", {5, 3, 3, 3}), b.Rand("b", {5})},
                          {{"fused_from", Strings({"a", "b"})}}, kFinchDomain);
  b.Output(b.BN("bn", c, 5));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"finch::FusedConv", 1}}));
  EXPECT_EQ(FusedFromOf(r.graph.nodes[0]), (std::vector<std::string>{"a", "b", "bn"}));
  ExpectSameOutputs(b.g, r.graph);
}

TEST(FoldBatchNormPass, GemmWithAlphaBetaAndBroadcastC) {
  for (int trans_b = 0; trans_b < 2; ++trans_b) {
    for (const Shape& c_shape : {Shape{5}, Shape{4, 1}, Shape{}, Shape{4, 5}}) {
      SCOPED_TRACE(StrCat("transB ", trans_b, " C ", ShapeToString(c_shape)));
      Builder b;
      const ValueId a = b.Input("a", {4, 7});
      const ValueId w = b.Rand("w", trans_b ? Shape{5, 7} : Shape{7, 5});
      const ValueId gm = b.Add(
          "Gemm", "gemm", {a, w, b.Rand("c", c_shape)},
          {{"alpha", FloatAttr(0.7f)}, {"beta", FloatAttr(1.3f)}, {"transB", IntAttr(trans_b)}});
      b.Output(b.BN("bn", gm, 5));
      const PassResult r = Fold(b.g);
      EXPECT_EQ(r.rewrites, 1);
      EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"Gemm", 1}}));
      EXPECT_EQ(FusedFromOf(r.graph.nodes[0]), (std::vector<std::string>{"gemm", "bn"}));
      EXPECT_EQ(r.graph.nodes[0].attributes.at("beta").f, 1.f);
      ExpectSameOutputs(b.g, r.graph);
    }
  }
}

TEST(FoldBatchNormPass, GemmWithoutC) {
  Builder b;
  const ValueId a = b.Input("a", {3, 7});
  b.Output(b.BN("bn", b.Add("Gemm", "gemm", {a, b.Rand("w", {7, 5})}), 5));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  ASSERT_EQ(r.graph.nodes.size(), 1u);
  EXPECT_TRUE(r.graph.nodes[0].has_input(2));
  ExpectSameOutputs(b.g, r.graph);
}

TEST(FoldBatchNormPass, MatMul2dBecomesGemm) {
  Builder b;
  const ValueId a = b.Input("a", {4, 7});
  b.Output(b.BN("bn", b.Add("MatMul", "mm", {a, b.Rand("w", {7, 5})}), 5));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"Gemm", 1}}));
  EXPECT_EQ(r.graph.nodes[0].name, "mm");
  EXPECT_EQ(FusedFromOf(r.graph.nodes[0]), (std::vector<std::string>{"mm", "bn"}));
  EXPECT_EQ(r.graph.values[r.graph.nodes[0].outputs[0]].name, "bn");
  ExpectSameOutputs(b.g, r.graph);
}

TEST(FoldBatchNormPass, StandaloneBecomesScaleAndShift) {
  for (const Shape& shape : {Shape{2, 5, 4, 3}, Shape{3, 5}, Shape{2, 5, 3, 2, 2}}) {
    SCOPED_TRACE(ShapeToString(shape));
    Builder b;
    const ValueId x = b.Input("x", shape);
    b.Output(b.BN("bn", x, 5));
    const PassResult r = Fold(b.g);
    EXPECT_EQ(r.rewrites, 1);
    EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"Add", 1}, {"Mul", 1}}));
    const Node* mul = FindNode(r.graph, "bn.scale");
    const Node* add = FindNode(r.graph, "bn.shift");
    ASSERT_NE(mul, nullptr);
    ASSERT_NE(add, nullptr);
    Shape want = {5};
    want.resize(shape.size() - 1, 1);
    EXPECT_EQ(r.graph.values[mul->inputs[1]].constant->shape(), want);
    EXPECT_EQ(r.graph.values[add->inputs[1]].constant->shape(), want);
    EXPECT_EQ(add->inputs[0], mul->outputs[0]);
    EXPECT_EQ(add->outputs[0], r.graph.outputs[0]);
    EXPECT_EQ(r.graph.values[add->outputs[0]].name, "bn");
    ExpectSameOutputs(b.g, r.graph);
  }
}

// A BN after a Conv it may not fold into still becomes a scale + shift when x's rank is known.
TEST(FoldBatchNormPass, AfterSharedConvBecomesScaleAndShift) {
  Builder b;
  const ValueId x = b.Input("x", {1, 3, 5, 5});
  const ValueId c = b.Add("Conv", "conv", {x, b.Rand("w", {5, 3, 1, 1})});
  b.Type(c, {1, 5, 5, 5});
  b.Output(b.BN("bn", c, 5));
  b.Output(b.Add("Relu", "relu", {c}));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph),
            (std::map<std::string, int>{{"Add", 1}, {"Conv", 1}, {"Mul", 1}, {"Relu", 1}}));
  ExpectSameOutputs(b.g, r.graph);
}

// Guards: each leaves the graph as it is (the BN input's rank is not declared, so the scale +
// shift fallback does not apply either).

TEST(FoldBatchNormPass, KeepsBnWithNonConstantParameter) {
  Builder b;
  const ValueId x = b.Input("x", {1, 3, 5, 5});
  const ValueId mean = b.Input("mean", {5});
  const ValueId c = b.Add("Conv", "conv", {x, b.Rand("w", {5, 3, 3, 3})});
  b.Output(b.Add("BatchNormalization", "bn",
                 {c, b.Rand("g", {5}), b.Rand("b", {5}), mean, b.Rand("v", {5}, 0.2f, 2.f)}));
  ExpectNoRewrite(b.g);
}

TEST(FoldBatchNormPass, KeepsConvOutputWithAnotherReader) {
  Builder b;
  const ValueId x = b.Input("x", {1, 3, 5, 5});
  const ValueId c = b.Add("Conv", "conv", {x, b.Rand("w", {5, 3, 3, 3})});
  b.Output(b.BN("bn", c, 5));
  b.Output(b.Add("Relu", "relu", {c}));
  ExpectNoRewrite(b.g);
}

TEST(FoldBatchNormPass, KeepsConvOutputThatIsAGraphOutput) {
  Builder b;
  const ValueId x = b.Input("x", {1, 3, 5, 5});
  const ValueId c = b.Add("Conv", "conv", {x, b.Rand("w", {5, 3, 3, 3})});
  b.Output(b.BN("bn", c, 5));
  b.Output(c);
  ExpectNoRewrite(b.g);
}

TEST(FoldBatchNormPass, KeepsConvWithNonConstantWeight) {
  Builder b;
  const ValueId x = b.Input("x", {1, 3, 5, 5});
  const ValueId w = b.Input("w", {5, 3, 3, 3});
  b.Output(b.BN("bn", b.Add("Conv", "conv", {x, w}), 5));
  ExpectNoRewrite(b.g);
}

TEST(FoldBatchNormPass, KeepsTrainingModeBn) {
  Builder b(15);
  const ValueId x = b.Input("x", {1, 3, 5, 5});
  const ValueId c = b.Add("Conv", "conv", {x, b.Rand("w", {5, 3, 3, 3})});
  b.Output(b.BN("bn", c, 5, {{"training_mode", IntAttr(1)}}));
  ExpectNoRewrite(b.g);
}

TEST(FoldBatchNormPass, KeepsBnWhoseStatisticOutputIsRead) {
  Builder b(9);
  const ValueId x = b.Input("x", {1, 3, 5, 5});
  const ValueId c = b.Add("Conv", "conv", {x, b.Rand("w", {5, 3, 3, 3})});
  b.Output(b.BN("bn", c, 5, {}, /*outputs=*/2));
  b.Output(b.g.FindValue("bn.1"));
  ExpectNoRewrite(b.g);
}

TEST(FoldBatchNormPass, KeepsFusedConvWithActivation) {
  Builder b;
  b.g.opset_imports[kFinchDomain] = 1;
  const ValueId x = b.Input("x", {1, 3, 6, 6});
  const ValueId c = b.Add("FusedConv", "fc", {x, b.Rand("w", {5, 3, 3, 3})},
                          {{"activation", StringAttr("Relu")}}, kFinchDomain);
  b.Output(b.BN("bn", c, 5));
  ExpectNoRewrite(b.g);
}

// MatMul with a 3-D A: the BN's channel axis 1 is not the MatMul's last axis (even though both
// have 5 here), so folding into B's columns would be wrong.
TEST(FoldBatchNormPass, KeepsMatMulWith3dInput) {
  Builder b;
  const ValueId a = b.Input("a", {2, 5, 7});
  b.Output(b.BN("bn", b.Add("MatMul", "mm", {a, b.Rand("w", {7, 5})}), 5));
  ExpectNoRewrite(b.g);
}

TEST(FoldBatchNormPass, SpatialZeroBeforeOpset9IsKept) {
  Builder b(7);
  const ValueId x = b.Input("x", {2, 5});
  b.Output(b.BN("bn", x, 5, {{"spatial", IntAttr(0)}}));
  ExpectNoRewrite(b.g);
}

// Before opset 7, Mul and Add do not broadcast without their `broadcast` attribute: a
// standalone BN stays a BN there.
TEST(FoldBatchNormPass, StandaloneBeforeOpset7IsKept) {
  Builder b(6);
  const ValueId x = b.Input("x", {2, 5, 3, 3});
  b.Output(b.BN("bn", x, 5));
  ExpectNoRewrite(b.g);
}

}  // namespace
}  // namespace finch
