// fuse-matmul-bias on small graphs built in code: MatMul by a constant [K, N] with the bias Add
// in either operand order, a [1, 1, N] bias, a finch::Gelu or Relu after it, or only the
// activation, becomes one finch::FusedMatMul matching the unfused outputs; one negative case per
// guard leaves the graph unchanged.
#include <gtest/gtest.h>

#include "graph/ops/fused.h"
#include "graph/passes/passes.h"
#include "runtime/node_evaluator.h"
#include "tests/util/pass_test_util.h"
#include "tests/util/test_util.h"

namespace finch::testing {
namespace {

constexpr int64_t kK = 19, kN = 17;

struct MmSpec {
  bool bias = true;
  bool bias_first = false;  // Add(b, m)
  Shape bias_shape = {kN};
  std::string act;  // "", "Gelu" (finch), "Relu"
  // Guards.
  bool b_input = false;  // B fed at run time
  bool m_second_reader = false;
  bool z_second_reader = false;  // the biased value also read elsewhere (activation not fused)
  int64_t a_rank = 3;
};

Graph BuildMm(const MmSpec& s) {
  GraphBuilder b(14);
  b.g.opset_imports[kFinchDomain] = 1;
  const ValueId a = s.a_rank == 3 ? b.Input("a", {0, 7, kK}) : b.Input("a", {0, kK});
  const ValueId w = s.b_input ? b.StaticInput("w", {kK, kN}) : b.Weight("w", {kK, kN});
  ValueId y = b.Op("MatMul", "mm", {a, w});
  const ValueId m = y;
  if (s.bias) {
    const ValueId bias = b.Weight("bias", s.bias_shape);
    y = b.Op("Add", "mm.bias",
             s.bias_first ? std::vector<ValueId>{bias, y} : std::vector<ValueId>{y, bias});
  }
  const ValueId z = y;
  if (s.act == "Gelu") {
    y = b.Op("Gelu", "mm.gelu", {y}, {{"fused_from", StringsAttr({"d", "e", "a", "m", "h"})}},
             kFinchDomain);
  } else if (!s.act.empty()) {
    y = b.Op(s.act, "mm.act", {y});
  }
  b.Output(y);
  if (s.m_second_reader) b.Output(b.Op("Neg", "m_neg", {m}));
  if (s.z_second_reader) b.Output(b.Op("Neg", "z_neg", {z}));
  return b.g;
}

std::vector<Tensor> Inputs(const Graph& g, const MmSpec& s) {
  std::vector<Tensor> in = {RandomTensor(s.a_rank == 3 ? Shape{2, 7, kK} : Shape{3, kK}, 9)};
  if (s.b_input) in.push_back(RandomTensor({kK, kN}, 10));
  return in;
}

void ExpectFused(const MmSpec& s, const std::string& activation, size_t replaced) {
  SCOPED_TRACE(::testing::Message() << "bias " << s.bias << " first " << s.bias_first << " shape "
                                    << ShapeToString(s.bias_shape) << " act " << s.act);
  const Graph g = BuildMm(s);
  const PassResult r = ApplyPass(FuseMatMulBias, g, RuntimePassContext());
  ASSERT_EQ(r.rewrites, 1);
  const std::vector<const Node*> fused = FindOps(r.graph, "FusedMatMul");
  ASSERT_EQ(fused.size(), 1u);
  const Node& f = *fused[0];
  EXPECT_EQ(f.domain, kFinchDomain);
  EXPECT_EQ(f.name, "mm");
  EXPECT_EQ(f.GetString("activation", "").value(), activation);
  ASSERT_EQ(f.inputs.size(), s.bias ? 3u : 2u);
  if (s.bias) {
    EXPECT_EQ(r.graph.values[f.inputs[2]].constant->shape(), (Shape{kN}));
  }
  EXPECT_EQ(FusedFromOf(f).size(), replaced);
  ExpectSameOutputs(g, r.graph, Inputs(g, s), 1e-5, 1e-5);
}

void ExpectNotFused(const MmSpec& s) {
  const Graph g = BuildMm(s);
  ExpectUnchanged(FuseMatMulBias(g, RuntimePassContext()), g);
}

TEST(FuseMatMulBiasPass, BiasAndActivation) {
  ExpectFused({}, "", 2);
  MmSpec s;
  s.bias_first = true;
  ExpectFused(s, "", 2);
  s = {};
  s.bias_shape = {1, 1, kN};
  ExpectFused(s, "", 2);
  s = {};
  s.act = "Gelu";
  ExpectFused(s, "Gelu", 7);  // the Gelu's own fused_from: 5 nodes
  s = {};
  s.act = "Relu";
  ExpectFused(s, "Relu", 3);
  s = {};
  s.bias = false;
  s.act = "Relu";
  ExpectFused(s, "Relu", 2);
  s = {};
  s.a_rank = 2;
  s.bias_shape = {1, kN};
  ExpectFused(s, "", 2);
}

TEST(FuseMatMulBiasPass, ActivationNotFusedWhenTheBiasedValueHasAnotherReader) {
  MmSpec s;
  s.act = "Relu";
  s.z_second_reader = true;
  const Graph g = BuildMm(s);
  const PassResult r = ApplyPass(FuseMatMulBias, g, RuntimePassContext());
  ASSERT_EQ(r.rewrites, 1);
  EXPECT_NE(FindOp(r.graph, "Relu"), nullptr);
  EXPECT_EQ(FindOp(r.graph, "FusedMatMul")->GetString("activation", "").value(), "");
  ExpectSameOutputs(g, r.graph, Inputs(g, s), 1e-5, 1e-5);
}

TEST(FuseMatMulBiasPass, Guards) {
  ExpectNotFused(MmSpec{false});  // a plain MatMul: nothing to fuse
  MmSpec s;
  s.b_input = true;
  ExpectNotFused(s);
  s = {};
  s.m_second_reader = true;
  ExpectNotFused(s);
  s = {};
  s.bias_shape = {7, kN};  // a matrix, not a bias row
  ExpectNotFused(s);
  s = {};
  s.a_rank = 2;
  s.bias_shape = {1, 1, kN};  // would broadcast the [M, N] product to rank 3
  ExpectNotFused(s);
  s = {};
  s.bias_shape = {kN, 1};
  ExpectNotFused(s);
}

}  // namespace
}  // namespace finch::testing
