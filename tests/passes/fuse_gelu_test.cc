// fuse-gelu on small graphs built in code: the erf form in its three product orders (torch's
// Mul(Mul(x, t), 0.5) among them) with Div(x, √2) or Mul(x, 1/√2), and the tanh form with
// Pow(x, 3) or Mul(x, Mul(x, x)), become one finch::Gelu matching the unfused outputs; one
// negative case per guard leaves the graph unchanged.
#include <gtest/gtest.h>

#include <cmath>

#include "graph/ops/fused.h"
#include "graph/passes/passes.h"
#include "runtime/node_evaluator.h"
#include "tests/util/pass_test_util.h"
#include "tests/util/test_util.h"

namespace finch::testing {
namespace {

enum class Order { kTorch, kHalfT, kHalfX };  // (x·t)·½, x·(t·½), (x·½)·t

struct GeluSpec {
  bool tanh = false;
  Order order = Order::kTorch;
  bool mul_inv_sqrt2 = false;  // erf form: Mul(x, 1/√2) instead of Div(x, √2)
  bool pow_cube = true;        // tanh form: Pow(x, 3) instead of Mul(x, Mul(x, x))
  bool half_as_div = false;    // Div(·, 2) instead of Mul(·, 0.5)
  bool swapped = false;        // constants first in Mul/Add
  // Guards.
  float sqrt2 = static_cast<float>(std::sqrt(2.0));
  float one = 1.f, half = 0.5f, kappa = 0.044715f;
  bool erf_output = false;    // the Erf/Tanh output is also a graph output
  bool other_x = false;       // the final product takes another tensor instead of x
  bool div_reversed = false;  // Div(√2, x)
};

Graph BuildGelu(const GeluSpec& s) {
  GraphBuilder b(14);
  const ValueId x = b.Input("x", {0, 6, 7});
  const ValueId x2 = s.other_x ? b.Input("x2", {0, 6, 7}) : kNoValue;
  auto c = [&](const std::string& name, float v) {
    return b.Const(name, Tensor::FromVector<float>({}, {v}));
  };
  auto mul = [&](const std::string& name, ValueId a, ValueId k) {  // k: the constant side
    return b.Op("Mul", name, s.swapped ? std::vector<ValueId>{k, a} : std::vector<ValueId>{a, k});
  };
  ValueId e;
  if (!s.tanh) {
    ValueId u;
    if (s.mul_inv_sqrt2) {
      u = mul("g.scale", x, c("inv_sqrt2", 1.f / s.sqrt2));
    } else {
      u = b.Op("Div", "g.scale",
               s.div_reversed ? std::vector<ValueId>{c("sqrt2", s.sqrt2), x}
                              : std::vector<ValueId>{x, c("sqrt2", s.sqrt2)});
    }
    e = b.Op("Erf", "g.erf", {u});
  } else {
    const ValueId cube = s.pow_cube ? b.Op("Pow", "g.cube", {x, c("three", 3.f)})
                                    : b.Op("Mul", "g.cube", {x, b.Op("Mul", "g.square", {x, x})});
    const ValueId inner = b.Op("Add", "g.inner", {x, mul("g.kappa", cube, c("kappa", s.kappa))});
    e = b.Op("Tanh", "g.erf", {mul("g.beta", inner, c("beta", std::sqrt(2.f / 3.14159265f)))});
  }
  const ValueId t = b.Op("Add", "g.add_one",
                         s.swapped ? std::vector<ValueId>{c("one", s.one), e}
                                   : std::vector<ValueId>{e, c("one", s.one)});
  auto halve = [&](const std::string& name, ValueId v) {
    return s.half_as_div ? b.Op("Div", name, {v, c("two", 1.f / s.half)})
                         : mul(name, v, c("half", s.half));
  };
  const ValueId xx = s.other_x ? x2 : x;
  ValueId y = kNoValue;
  switch (s.order) {
    case Order::kTorch:
      y = halve("g.half", b.Op("Mul", "g.mul", {xx, t}));
      break;
    case Order::kHalfT:
      y = b.Op("Mul", "g.mul", {xx, halve("g.half", t)});
      break;
    case Order::kHalfX:
      y = b.Op("Mul", "g.mul", {halve("g.half", xx), t});
      break;
  }
  b.Output(y);
  if (s.erf_output) b.Output(e);
  return b.g;
}

std::vector<Tensor> Inputs(const Graph& g) {
  std::vector<Tensor> in;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    Tensor t = RandomTensor({2, 6, 7}, 5 + static_cast<uint32_t>(i));
    float* d = t.mutable_data<float>();
    for (int64_t j = 0; j < t.num_elements(); ++j) d[j] *= 4;  // GELU's interesting range
    in.push_back(std::move(t));
  }
  return in;
}

void ExpectFused(const GeluSpec& s, size_t replaced) {
  SCOPED_TRACE(::testing::Message()
               << "tanh " << s.tanh << " order " << static_cast<int>(s.order) << " mul 1/√2 "
               << s.mul_inv_sqrt2 << " pow " << s.pow_cube << " half as Div " << s.half_as_div
               << " swapped " << s.swapped);
  const Graph g = BuildGelu(s);
  const PassResult r = ApplyPass(FuseGelu, g, RuntimePassContext());
  ASSERT_EQ(r.rewrites, 1);
  ASSERT_EQ(r.graph.nodes.size(), 1u);
  const Node& gelu = r.graph.nodes[0];
  EXPECT_EQ(gelu.op_type, "Gelu");
  EXPECT_EQ(gelu.domain, kFinchDomain);
  EXPECT_EQ(gelu.GetString("approximate", "").value(), s.tanh ? "tanh" : "none");
  EXPECT_EQ(FusedFromOf(gelu).size(), replaced);
  EXPECT_EQ(r.graph.values[gelu.outputs[0]].name, g.values[g.outputs[0]].name);
  ExpectSameOutputs(g, r.graph, Inputs(g), 1e-5, 1e-6);
}

void ExpectNotFused(const GeluSpec& s) {
  const Graph g = BuildGelu(s);
  ExpectUnchanged(FuseGelu(g, RuntimePassContext()), g);
}

TEST(FuseGeluPass, ErfForms) {
  for (Order order : {Order::kTorch, Order::kHalfT, Order::kHalfX}) {
    for (int variant = 0; variant < 8; ++variant) {
      GeluSpec s;
      s.order = order;
      s.mul_inv_sqrt2 = (variant & 1) != 0;
      s.half_as_div = (variant & 2) != 0;
      s.swapped = (variant & 4) != 0;
      ExpectFused(s, 5);
    }
  }
}

TEST(FuseGeluPass, TanhForms) {
  for (Order order : {Order::kTorch, Order::kHalfX}) {
    for (bool pow : {true, false}) {
      GeluSpec s;
      s.tanh = true;
      s.order = order;
      s.pow_cube = pow;
      ExpectFused(s, pow ? 8u : 9u);
    }
  }
}

TEST(FuseGeluPass, Guards) {
  GeluSpec s;
  s.sqrt2 = 1.5f;
  ExpectNotFused(s);  // not √2
  s = {};
  s.one = 2.f;
  ExpectNotFused(s);
  s = {};
  s.half = 0.25f;
  ExpectNotFused(s);
  s = {};
  s.tanh = true;
  s.kappa = 0.05f;
  ExpectNotFused(s);
  s = {};
  s.erf_output = true;
  ExpectNotFused(s);  // an intermediate with a second reader
  s = {};
  s.other_x = true;
  ExpectNotFused(s);  // y = x2 · 0.5 · (1 + erf(x/√2))
  s = {};
  s.div_reversed = true;
  ExpectNotFused(s);
  s = {};
  s.order = Order::kHalfX;
  s.other_x = true;
  ExpectNotFused(s);
}

}  // namespace
}  // namespace finch::testing
