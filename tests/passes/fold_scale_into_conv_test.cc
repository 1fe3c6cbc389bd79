// fold-scale-into-conv: structure and numerics on tiny graphs and one negative test per guard.
//
// Numerics: the folded Conv computes Σ (W·s)·x + (b + Σ W·t) where the original computes
// Σ W·(x·s + t) + b, both in float32 with W·s and the new bias rounded once from double. They
// differ by a few float32 roundings per term (≈ K·2⁻²⁴ relative for K-term sums of O(1)
// values), so outputs are compared with rtol = atol = 1e-5.
#include <gtest/gtest.h>

#include <random>

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
  auto r = FoldScaleIntoConv(g, PassContext{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rewrites, 0);
  ExpectIdentical(g, r->graph);
}

PassResult Fold(const Graph& g) {
  auto r = FoldScaleIntoConv(g, PassContext{});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : PassResult{g, -1};
}

TEST(FoldScaleIntoConvPass, MulAddIntoConv) {
  Builder b;
  const ValueId x = b.Input("x", {2, 3, 6, 5});
  const ValueId m = b.Add("Mul", "mul", {x, b.Rand("s", {3, 1, 1})});
  const ValueId a = b.Add("Add", "add", {m, b.Rand("t", {3, 1, 1})});
  b.Output(b.Add("Conv", "conv", {a, b.Rand("w", {5, 3, 3, 3}), b.Rand("b", {5})},
                 {{"strides", IntsAttr({2, 1})}}));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"Conv", 1}}));
  const Node& conv = r.graph.nodes[0];
  EXPECT_EQ(conv.name, "mul");
  EXPECT_EQ(FusedFromOf(conv), (std::vector<std::string>{"mul", "add", "conv"}));
  EXPECT_EQ(conv.inputs[0], r.graph.inputs[0]);
  EXPECT_EQ(r.graph.values[conv.outputs[0]].name, "conv");
  ExpectSameOutputs(b.g, r.graph);
}

// What fold-batchnorm leaves for a BN that follows no Conv, absorbed by the Conv after it.
TEST(FoldScaleIntoConvPass, AfterBatchNormScaleShift) {
  Builder b;
  const ValueId x = b.Input("x", {1, 4, 5, 5});
  const ValueId bn = b.BN("bn", x, 4);
  b.Output(b.Add("Conv", "conv", {bn, b.Rand("w", {3, 4, 1, 1})}));
  auto step1 = FoldBatchNorm(b.g, PassContext{});
  ASSERT_TRUE(step1.ok());
  EXPECT_EQ(CountOps(step1->graph),
            (std::map<std::string, int>{{"Add", 1}, {"Conv", 1}, {"Mul", 1}}));
  const PassResult r = Fold(step1->graph);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"Conv", 1}}));
  EXPECT_EQ(FusedFromOf(r.graph.nodes[0]),
            (std::vector<std::string>{"bn.scale", "bn.shift", "conv"}));
  ExpectSameOutputs(b.g, r.graph);
}

TEST(FoldScaleIntoConvPass, GroupedConvWithBatchDimScaleAndScalarShift) {
  Builder b;
  const ValueId x = b.Input("x", {1, 6, 5, 5});
  const ValueId m = b.Add("Mul", "mul", {b.Rand("s", {1, 6, 1, 1}), x});  // constant first
  const ValueId a = b.Add("Add", "add", {m, b.Const("t", Tensor::Scalar<float>(0.37f))});
  b.Output(b.Add("Conv", "conv", {a, b.Rand("w", {4, 3, 2, 2}), b.Rand("b", {4})},
                 {{"group", IntAttr(2)}}));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"Conv", 1}}));
  ExpectSameOutputs(b.g, r.graph);
}

TEST(FoldScaleIntoConvPass, DepthwiseAddThenMul1d) {
  Builder b;
  const ValueId x = b.Input("x", {2, 5, 8});
  const ValueId a = b.Add("Add", "add", {x, b.Rand("t", {5, 1})});
  const ValueId m = b.Add("Mul", "mul", {a, b.Rand("s", {5, 1})});
  b.Output(b.Add("Conv", "conv", {m, b.Rand("w", {5, 1, 3})}, {{"group", IntAttr(5)}}));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"Conv", 1}}));
  EXPECT_TRUE(r.graph.nodes[0].has_input(2));  // the shift became a bias
  ExpectSameOutputs(b.g, r.graph);
}

// A scale alone commutes with zero padding.
TEST(FoldScaleIntoConvPass, MulAloneIntoPaddedConv) {
  Builder b;
  const ValueId x = b.Input("x", {1, 3, 5, 5});
  const ValueId m = b.Add("Mul", "mul", {x, b.Rand("s", {3, 1, 1})});
  b.Output(
      b.Add("Conv", "conv", {m, b.Rand("w", {4, 3, 3, 3})}, {{"pads", IntsAttr({1, 1, 1, 1})}}));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_FALSE(r.graph.nodes[0].has_input(2));  // no bias needed
  ExpectSameOutputs(b.g, r.graph);
}

// In a padded Conv the Mul after the Add still folds; the Add stays.
TEST(FoldScaleIntoConvPass, OnlyTrailingMulIntoPaddedConv) {
  Builder b;
  const ValueId x = b.Input("x", {1, 3, 5, 5});
  const ValueId a = b.Add("Add", "add", {x, b.Rand("t", {3, 1, 1})});
  const ValueId m = b.Add("Mul", "mul", {a, b.Rand("s", {3, 1, 1})});
  b.Output(b.Add("Conv", "conv", {m, b.Rand("w", {4, 3, 3, 3})},
                 {{"auto_pad", StringAttr("SAME_UPPER")}}));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"Add", 1}, {"Conv", 1}}));
  ExpectSameOutputs(b.g, r.graph);
}

TEST(FoldScaleIntoConvPass, FusedConvKeepsActivationAndResidual) {
  Builder b;
  b.g.opset_imports[kFinchDomain] = 1;
  const ValueId x = b.Input("x", {1, 3, 4, 4});
  const ValueId z = b.Input("z", {1, 5, 4, 4});
  const ValueId m = b.Add("Mul", "mul", {x, b.Rand("s", {3, 1, 1})});
  const ValueId a = b.Add("Add", "add", {m, b.Rand("t", {3, 1, 1})});
  b.Output(b.Add("FusedConv", "fc", {a, b.Rand("w", {5, 3, 1, 1}), b.Rand("b", {5}), z},
                 {{"activation", StringAttr("Relu")}, {"fused_from", Strings({"c", "r"})}},
                 kFinchDomain));
  const PassResult r = Fold(b.g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"finch::FusedConv", 1}}));
  const Node& fc = r.graph.nodes[0];
  EXPECT_EQ(FusedFromOf(fc), (std::vector<std::string>{"mul", "add", "c", "r"}));
  EXPECT_EQ(fc.attributes.at("activation").s, "Relu");
  EXPECT_EQ(fc.inputs[3], z);
  ExpectSameOutputs(b.g, r.graph);
}

// Guards.

TEST(FoldScaleIntoConvPass, KeepsShiftBeforePaddedConv) {
  Builder b;
  const ValueId x = b.Input("x", {1, 3, 5, 5});
  const ValueId m = b.Add("Mul", "mul", {x, b.Rand("s", {3, 1, 1})});
  const ValueId a = b.Add("Add", "add", {m, b.Rand("t", {3, 1, 1})});
  b.Output(
      b.Add("Conv", "conv", {a, b.Rand("w", {4, 3, 3, 3})}, {{"pads", IntsAttr({0, 1, 0, 1})}}));
  ExpectNoRewrite(b.g);
}

TEST(FoldScaleIntoConvPass, KeepsShiftBeforeSamePaddedConv) {
  Builder b;
  const ValueId x = b.Input("x", {1, 3, 5, 5});
  const ValueId a = b.Add("Add", "add", {x, b.Rand("t", {3, 1, 1})});
  b.Output(b.Add("Conv", "conv", {a, b.Rand("w", {4, 3, 3, 3})},
                 {{"auto_pad", StringAttr("SAME_LOWER")}}));
  ExpectNoRewrite(b.g);
}

TEST(FoldScaleIntoConvPass, KeepsConvWithNonConstantWeight) {
  Builder b;
  const ValueId x = b.Input("x", {1, 3, 5, 5});
  const ValueId w = b.Input("w", {4, 3, 1, 1});
  const ValueId m = b.Add("Mul", "mul", {x, b.Rand("s", {3, 1, 1})});
  b.Output(b.Add("Conv", "conv", {m, w}));
  ExpectNoRewrite(b.g);
}

TEST(FoldScaleIntoConvPass, KeepsNonConstantScale) {
  Builder b;
  const ValueId x = b.Input("x", {1, 3, 5, 5});
  const ValueId s = b.Input("s", {3, 1, 1});
  const ValueId m = b.Add("Mul", "mul", {x, s});
  b.Output(b.Add("Conv", "conv", {m, b.Rand("w", {4, 3, 1, 1})}));
  ExpectNoRewrite(b.g);
}

TEST(FoldScaleIntoConvPass, KeepsScaleThatVariesAlongSpace) {
  for (const Shape& shape : {Shape{3, 5, 1}, Shape{1, 5}, Shape{1, 1, 3, 1, 1}}) {
    SCOPED_TRACE(ShapeToString(shape));
    Builder b;
    const ValueId x = b.Input("x", {1, 3, 5, 5});
    const ValueId m = b.Add("Mul", "mul", {x, b.Rand("s", shape)});
    b.Output(b.Add("Conv", "conv", {m, b.Rand("w", {4, 3, 1, 1})}));
    ExpectNoRewrite(b.g);
  }
}

// A [1, C, 1, 1] scale could broadcast an input of lower rank up to the Conv's rank.
TEST(FoldScaleIntoConvPass, KeepsFullRankScaleOnUndeclaredInput) {
  Builder b;
  const ValueId x = b.Input("x", {1, 3, 5, 5});
  const ValueId r = b.Add("Relu", "relu", {x});  // rank not declared
  const ValueId m = b.Add("Mul", "mul", {r, b.Rand("s", {1, 3, 1, 1})});
  b.Output(b.Add("Conv", "conv", {m, b.Rand("w", {4, 3, 1, 1})}));
  ExpectNoRewrite(b.g);
}

TEST(FoldScaleIntoConvPass, KeepsScaledValueWithAnotherReader) {
  Builder b;
  const ValueId x = b.Input("x", {1, 3, 5, 5});
  const ValueId m = b.Add("Mul", "mul", {x, b.Rand("s", {3, 1, 1})});
  b.Output(b.Add("Conv", "conv", {m, b.Rand("w", {4, 3, 1, 1})}));
  b.Output(m);
  ExpectNoRewrite(b.g);
}

}  // namespace
}  // namespace finch
