// fuse-layer-norm on small graphs built in code: torch's opset-14 LayerNorm export and its
// variants (Mul(d, d) for Pow, Mul by Reciprocal for Div, no γ/β, operands swapped, two
// trailing axes, positive axes, opset-18 axes input) become one finch::LayerNormalization whose
// outputs match the unfused graph's; one negative case per guard leaves the graph unchanged.
#include <gtest/gtest.h>

#include <cmath>

#include "graph/ops/fused.h"
#include "graph/passes/passes.h"
#include "graph/passes/pipeline.h"
#include "runtime/node_evaluator.h"
#include "tests/util/pass_test_util.h"
#include "tests/util/test_util.h"

namespace finch::testing {
namespace {

struct LnSpec {
  int64_t opset = 14;
  bool pow = true;          // Pow(d, 2), else Mul(d, d)
  bool reciprocal = false;  // Mul(d, Reciprocal(s)), else Div(d, s)
  bool eps = true, gamma = true, beta = true;
  bool swapped = false;  // Mul(γ, n) and Add(β, ·)
  std::vector<int64_t> axes = {-1};
  std::vector<int64_t> axes2;  // the second ReduceMean's, when different
  // Guards.
  float exponent = 2.f;
  float epsilon = 1e-5f;
  int64_t keepdims = 1;
  bool sub_other = false;       // Sub(x2, μ)
  bool d_third_reader = false;  // d also read by a Relu (a graph output)
  bool var_output = false;      // σ² also a graph output
  Shape gamma_shape;            // default [C] (or [H, C] with two axes)
  bool div_reversed = false;    // Div(s, d)
};

constexpr int64_t kH = 5, kC = 8;

Attribute Ints(std::vector<int64_t> v) { return IntsAttr(std::move(v)); }

Graph BuildLn(const LnSpec& s) {
  GraphBuilder b(s.opset);
  const ValueId x = b.Input("x", {0, kH, kC});  // [N, 5, 8]
  const ValueId x2 = s.sub_other ? b.Input("x2", {0, kH, kC}) : kNoValue;
  auto mean = [&](const std::string& name, ValueId in, const std::vector<int64_t>& axes) {
    std::map<std::string, Attribute> attrs = {{"keepdims", IntAttr(s.keepdims)}};
    std::vector<ValueId> ins = {in};
    if (s.opset >= 18) {
      ins.push_back(b.Const(
          name + ".axes", Tensor::FromVector<int64_t>({static_cast<int64_t>(axes.size())}, axes)));
    } else {
      attrs["axes"] = Ints(axes);
    }
    return b.Op("ReduceMean", name, ins, attrs);
  };
  auto scalar = [&](const std::string& name, float v) {
    return b.Const(name, Tensor::FromVector<float>({}, {v}));
  };
  const ValueId mu = mean("ln.mean", x, s.axes);
  const ValueId d = b.Op("Sub", "ln.sub", {s.sub_other ? x2 : x, mu});
  const ValueId sq = s.pow ? b.Op("Pow", "ln.pow", {d, scalar("two", s.exponent)})
                           : b.Op("Mul", "ln.square", {d, d});
  const ValueId var = mean("ln.var", sq, s.axes2.empty() ? s.axes : s.axes2);
  ValueId v = var;
  if (s.eps) v = b.Op("Add", "ln.add_eps", {var, scalar("eps", s.epsilon)});
  const ValueId sd = b.Op("Sqrt", "ln.sqrt", {v});
  ValueId n;
  if (s.reciprocal) {
    n = b.Op("Mul", "ln.mul_inv", {d, b.Op("Reciprocal", "ln.inv", {sd})});
  } else {
    n = b.Op("Div", "ln.div",
             s.div_reversed ? std::vector<ValueId>{sd, d} : std::vector<ValueId>{d, sd});
  }
  ValueId y = n;
  const Shape cshape = s.axes.size() == 2 ? Shape{kH, kC} : Shape{kC};
  if (s.gamma) {
    const ValueId g = b.Weight("gamma", s.gamma_shape.empty() ? cshape : s.gamma_shape, 0.5f, 1.5f);
    y = b.Op("Mul", "ln.mul", s.swapped ? std::vector<ValueId>{g, y} : std::vector<ValueId>{y, g});
  }
  if (s.beta) {
    const ValueId be = b.Weight("beta", cshape);
    y = b.Op("Add", "ln.add",
             s.swapped ? std::vector<ValueId>{be, y} : std::vector<ValueId>{y, be});
  }
  b.Output(y);
  if (s.d_third_reader) b.Output(b.Op("Relu", "d_relu", {d}));
  if (s.var_output) b.Output(var);
  return b.g;
}

std::vector<Tensor> Inputs(const Graph& g, uint32_t seed) {
  std::vector<Tensor> in;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    Tensor t = RandomTensor({2, kH, kC}, seed + static_cast<uint32_t>(i));
    float* d = t.mutable_data<float>();
    for (int64_t j = 0; j < t.num_elements(); ++j) d[j] = 3 * d[j] + 2;  // an offset row mean
    in.push_back(std::move(t));
  }
  return in;
}

void ExpectFused(const LnSpec& s, int64_t axis, size_t replaced) {
  SCOPED_TRACE(::testing::Message()
               << "opset " << s.opset << " pow " << s.pow << " reciprocal " << s.reciprocal
               << " eps/γ/β " << s.eps << s.gamma << s.beta << " swapped " << s.swapped << " axes "
               << ShapeToString(s.axes) << " γ shape " << ShapeToString(s.gamma_shape));
  const Graph g = BuildLn(s);
  const PassResult r = ApplyPass(FuseLayerNorm, g, RuntimePassContext());
  ASSERT_EQ(r.rewrites, 1);
  const std::vector<const Node*> ln = FindOps(r.graph, "LayerNormalization");
  ASSERT_EQ(ln.size(), 1u);
  EXPECT_EQ(ln[0]->domain, kFinchDomain);
  EXPECT_EQ(ln[0]->name, "ln.mean");
  EXPECT_EQ(ln[0]->GetInt("axis", 0).value(), axis);
  EXPECT_FLOAT_EQ(ln[0]->GetFloat("epsilon", -1).value(), s.eps ? s.epsilon : 0.f);
  EXPECT_EQ(FusedFromOf(*ln[0]).size(), replaced);
  EXPECT_EQ(r.graph.nodes.size(), 1u + (s.d_third_reader ? 1 : 0));
  EXPECT_EQ(r.graph.values[ln[0]->outputs[0]].name, g.values[g.outputs[0]].name);
  ExpectSameOutputs(g, r.graph, Inputs(g, 3), 1e-5, 1e-5);
}

void ExpectNotFused(const LnSpec& s) {
  const Graph g = BuildLn(s);
  ExpectUnchanged(FuseLayerNorm(g, RuntimePassContext()), g);
}

TEST(FuseLayerNormPass, TorchExport) { ExpectFused({}, -1, 9); }

TEST(FuseLayerNormPass, Variants) {
  LnSpec mul_square;
  mul_square.pow = false;
  ExpectFused(mul_square, -1, 9);
  LnSpec reciprocal;
  reciprocal.reciprocal = true;
  ExpectFused(reciprocal, -1, 10);
  LnSpec bare;
  bare.gamma = bare.beta = bare.eps = false;
  ExpectFused(bare, -1, 6);
  LnSpec swapped;
  swapped.swapped = true;
  ExpectFused(swapped, -1, 9);
  LnSpec gamma_only;
  gamma_only.beta = false;
  ExpectFused(gamma_only, -1, 8);
  LnSpec beta_only;
  beta_only.gamma = false;
  ExpectFused(beta_only, -1, 8);
  LnSpec two_axes;
  two_axes.axes = {-2, -1};
  ExpectFused(two_axes, -2, 9);
  LnSpec positive;
  positive.axes = {2};
  ExpectFused(positive, -1, 9);
  LnSpec opset18;
  opset18.opset = 18;
  ExpectFused(opset18, -1, 9);
  LnSpec gamma_leading_one;
  gamma_leading_one.gamma_shape = {1, kC};
  ExpectFused(gamma_leading_one, -1, 9);
  // A γ that does not fit (it would scale rows, not columns) ends the match before the Mul:
  // the normalization alone is fused.
  LnSpec gamma_bad;
  gamma_bad.gamma_shape = {kH, 1};
  gamma_bad.beta = false;
  const Graph g = BuildLn(gamma_bad);
  const PassResult r = ApplyPass(FuseLayerNorm, g, RuntimePassContext());
  ASSERT_EQ(r.rewrites, 1);
  EXPECT_NE(FindOp(r.graph, "Mul"), nullptr);
  ExpectSameOutputs(g, r.graph, Inputs(g, 3), 1e-5, 1e-5);
}

TEST(FuseLayerNormPass, Guards) {
  LnSpec s;
  s.exponent = 3.f;
  ExpectNotFused(s);  // Pow(d, 3)
  s = {};
  s.axes2 = {-2};
  ExpectNotFused(s);  // the variance over other axes
  s = {};
  s.axes = {0};
  ExpectNotFused(s);  // not trailing: axis 0 of rank 3
  s = {};
  s.axes = {-2};
  ExpectNotFused(s);  // a single non-last axis
  s = {};
  s.keepdims = 0;
  ExpectNotFused(s);
  s = {};
  s.sub_other = true;
  ExpectNotFused(s);  // the mean of x subtracted from another tensor
  s = {};
  s.d_third_reader = true;
  ExpectNotFused(s);
  s = {};
  s.var_output = true;
  ExpectNotFused(s);
  s = {};
  s.epsilon = -1e-5f;
  ExpectNotFused(s);
  s = {};
  s.div_reversed = true;
  ExpectNotFused(s);
  s = {};
  s.opset = 6;  // legacy broadcasting
  ExpectNotFused(s);
}

TEST(FuseLayerNormPass, InThePipeline) {
  // The whole pipeline: the node survives the later passes and runs on its kernel.
  const Graph g = BuildLn({});
  auto fused = RunPipeline(g, RuntimePassContext(), PipelineOptions{}, nullptr);
  ASSERT_TRUE(fused.ok()) << fused.status().ToString();
  EXPECT_NE(FindOp(*fused, "LayerNormalization"), nullptr);
  EXPECT_EQ(FindOp(*fused, "ReduceMean"), nullptr);
}

}  // namespace
}  // namespace finch::testing
