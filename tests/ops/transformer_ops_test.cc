// finch::LayerNormalization, finch::Gelu and finch::FusedMatMul (graph/ops/transformer.h):
// hand-checked values, agreement with the ONNX ops they stand for, the packed and reference
// paths of FusedMatMul, and bad input (the Status code, the node and the fault in the message).
// The suites go through kernel dispatch: run them with FINCH_DISABLE_ISA=avx2 too.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "graph/ops/fused.h"
#include "runtime/session.h"
#include "tests/util/graph_builder.h"
#include "tests/util/test_util.h"

namespace finch {
namespace {

using testing::AllClose;
using testing::ExpectNear;
using testing::ExpectRejected;
using testing::FloatAttr;
using testing::IntAttr;
using testing::RandomTensor;
using testing::RunGraph;
using testing::SingleNodeGraph;
using testing::StringAttr;
using testing::ToFloats;

// One finch-domain node "n" with static float inputs x0, x1, ... and output y0.
Graph FinchNode(const std::string& op, const std::vector<Shape>& inputs,
                std::map<std::string, Attribute> attrs = {}) {
  Graph g = SingleNodeGraph(op, inputs, 1, std::move(attrs), 14);
  g.nodes[0].domain = kFinchDomain;
  g.opset_imports[kFinchDomain] = 1;
  return g;
}

void ExpectClose(const Tensor& got, const Tensor& want, double rtol, double atol) {
  std::string why;
  EXPECT_TRUE(AllClose(got, want, rtol, atol, &why)) << why;
}

// ---- LayerNormalization ---------------------------------------------------------------------

TEST(TransformerOps, LayerNormHandChecked) {
  // Row {1, 2, 3, 4}: μ = 2.5, σ² = 1.25; row {0, 0, 4, 4}: μ = 2, σ = 2, normalized ±1.
  const Tensor x = Tensor::FromVector<float>({2, 4}, {1, 2, 3, 4, 0, 0, 4, 4});
  const Tensor scale = Tensor::FromVector<float>({4}, {1, 2, 1, 2});
  const Tensor bias = Tensor::FromVector<float>({4}, {0, 0, 1, 1});
  auto out =
      RunGraph(FinchNode("LayerNormalization", {{2, 4}, {4}, {4}}, {{"epsilon", FloatAttr(0.f)}}),
               {x, scale, bias});
  ASSERT_EQ(out.size(), 1u);
  const float s = 1.f / std::sqrt(1.25f);
  ExpectNear(out[0], {-1.5f * s, -0.5f * s * 2, 0.5f * s + 1, 1.5f * s * 2 + 1, -1, -2, 2, 3},
             1e-6f);
  // No Scale and no B: the plain normalization.
  out = RunGraph(FinchNode("LayerNormalization", {{2, 4}}, {{"epsilon", FloatAttr(0.f)}}), {x});
  ExpectNear(out[0], {-1.5f * s, -0.5f * s, 0.5f * s, 1.5f * s, -1, -1, 1, 1}, 1e-6f);
  // B without Scale (input 1 omitted).
  Graph g = FinchNode("LayerNormalization", {{2, 4}, {4}}, {{"epsilon", FloatAttr(0.f)}});
  g.nodes[0].inputs = {g.nodes[0].inputs[0], kNoValue, g.nodes[0].inputs[1]};
  out = RunGraph(g, {x, bias});
  ExpectNear(out[0], {-1.5f * s, -0.5f * s, 0.5f * s + 1, 1.5f * s + 1, -1, -1, 2, 2}, 1e-6f);
}

TEST(TransformerOps, LayerNormMatchesOnnxLayerNormalization) {
  // Against the default domain's LayerNormalization-17 (double statistics), over axis −1 and
  // −2, odd sizes, rows with a large offset.
  struct Case {
    Shape x, scale;
    int64_t axis;
  } cases[] = {
      {{3, 197, 192}, {192}, -1}, {{2, 5, 7}, {5, 7}, -2}, {{4, 33}, {33}, -1}, {{1, 1}, {1}, -1}};
  uint32_t seed = 11;
  for (const Case& c : cases) {
    SCOPED_TRACE(ShapeToString(c.x));
    Tensor x = RandomTensor(c.x, seed++);
    float* xd = x.mutable_data<float>();
    for (int64_t i = 0; i < x.num_elements(); ++i) xd[i] = xd[i] * 3 + 10;
    const Tensor scale = RandomTensor(c.scale, seed++), bias = RandomTensor(c.scale, seed++);
    std::map<std::string, Attribute> attrs = {{"axis", IntAttr(c.axis)},
                                              {"epsilon", FloatAttr(1e-5f)}};
    auto got =
        RunGraph(FinchNode("LayerNormalization", {c.x, c.scale, c.scale}, attrs), {x, scale, bias});
    auto want = RunGraph(SingleNodeGraph("LayerNormalization", {c.x, c.scale, c.scale}, 1, attrs),
                         {x, scale, bias});
    ASSERT_EQ(got.size(), 1u);
    ASSERT_EQ(want.size(), 1u);
    ExpectClose(got[0], want[0], 1e-5, 1e-5);
  }
}

TEST(TransformerOps, LayerNormRejectsBadInput) {
  ExpectRejected(FinchNode("LayerNormalization", {{2, 4}, {4}}, {{"axis", IntAttr(2)}}),
                 StatusCode::kInvalidArgument, "axis 2 is out of range");
  ExpectRejected(FinchNode("LayerNormalization", {{2, 4}, {3}}), StatusCode::kInvalidArgument,
                 "input 1 (Scale) has shape [3]");
  ExpectRejected(FinchNode("LayerNormalization", {{2, 4}, {4}, {2, 4}}),
                 StatusCode::kInvalidArgument, "input 2 (B) has shape [2,4]");
  ExpectRejected(FinchNode("LayerNormalization", {{2, 4}}, {{"epsilon", FloatAttr(-1.f)}}),
                 StatusCode::kInvalidArgument, "epsilon -1 is negative");
  Graph ints = SingleNodeGraph("LayerNormalization", {{2, 4}}, 1, {}, 14, DataType::kInt32);
  ints.nodes[0].domain = kFinchDomain;
  ints.opset_imports[kFinchDomain] = 1;
  ExpectRejected(ints, StatusCode::kUnimplemented, "only float32");
}

// ---- Gelu -----------------------------------------------------------------------------------

TEST(TransformerOps, GeluBothForms) {
  std::vector<float> xs;
  for (int i = -24; i <= 24; ++i) xs.push_back(i / 4.f);
  const Tensor x = Tensor::FromVector<float>({7, 7}, xs);
  for (const char* approximate : {"none", "tanh"}) {
    SCOPED_TRACE(approximate);
    auto out =
        RunGraph(FinchNode("Gelu", {{7, 7}}, {{"approximate", StringAttr(approximate)}}), {x});
    ASSERT_EQ(out.size(), 1u);
    std::vector<float> want;
    for (float v : xs) {
      const double d = v;
      want.push_back(
          static_cast<float>(std::string(approximate) == "none"
                                 ? 0.5 * d * std::erfc(-d / std::sqrt(2.0))
                                 : 0.5 * d *
                                       (1 + std::tanh(std::sqrt(2 / 3.14159265358979323846) *
                                                      (d + 0.044715 * d * d * d)))));
    }
    ExpectNear(out[0], want, 2e-6f);
  }
  // The default is the erf form: GELU(1) = Φ(1).
  auto out = RunGraph(FinchNode("Gelu", {{1}}), {Tensor::FromVector<float>({1}, {1.f})});
  ExpectNear(out[0], {0.8413447f}, 1e-6f);
}

TEST(TransformerOps, GeluRejectsBadApproximation) {
  ExpectRejected(FinchNode("Gelu", {{2}}, {{"approximate", StringAttr("fast")}}),
                 StatusCode::kInvalidArgument, "approximate is \"fast\"");
}

// ---- FusedMatMul ----------------------------------------------------------------------------

// Y = act(A·B + bias) in double.
std::vector<float> MatMulBiasGelu(const Tensor& a, const Tensor& b, const Tensor& bias, bool gelu) {
  const int64_t k = b.dim(0), n = b.dim(1), rows = a.num_elements() / k;
  std::vector<float> y;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < n; ++j) {
      double acc = bias.data<float>()[j];
      for (int64_t p = 0; p < k; ++p) {
        acc += double{a.data<float>()[r * k + p]} * b.data<float>()[p * n + j];
      }
      if (gelu) acc = 0.5 * acc * std::erfc(-acc / std::sqrt(2.0));
      y.push_back(static_cast<float>(acc));
    }
  }
  return y;
}

TEST(TransformerOps, FusedMatMulPackedAndReference) {
  // A [2, 7, 19] (rows 14: two 6-row tiles and a tail), B [19, 17] (a panel and one column).
  const Shape as = {2, 7, 19}, bs = {19, 17};
  const Tensor a = RandomTensor(as, 1), b = RandomTensor(bs, 2), bias = RandomTensor({17}, 3);
  for (bool gelu : {false, true}) {
    for (bool constant_b : {true, false}) {
      SCOPED_TRACE(::testing::Message() << "gelu " << gelu << " constant B " << constant_b);
      testing::GraphBuilder g(14);
      const ValueId av = g.StaticInput("a", as);
      const ValueId bv = constant_b ? g.Const("b", b) : g.StaticInput("b", bs);
      const ValueId cv = g.Const("bias", bias);
      std::map<std::string, Attribute> attrs;
      if (gelu) attrs["activation"] = StringAttr("Gelu");
      g.Output(g.Op("FusedMatMul", "n", {av, bv, cv}, attrs, kFinchDomain));
      g.g.opset_imports[kFinchDomain] = 1;
      std::vector<Tensor> in = {a};
      if (!constant_b) in.push_back(b);
      auto out = RunGraph(g.g, in);
      ASSERT_EQ(out.size(), 1u);
      EXPECT_EQ(out[0].shape(), (Shape{2, 7, 17}));
      ExpectNear(out[0], MatMulBiasGelu(a, b, bias, gelu), 2e-5f);
    }
  }
}

TEST(TransformerOps, FusedMatMulRejectsBadInput) {
  ExpectRejected(FinchNode("FusedMatMul", {{2, 4}, {3, 5}}), StatusCode::kInvalidArgument,
                 "B has shape [3,5]");
  ExpectRejected(FinchNode("FusedMatMul", {{2, 4}, {4, 5}, {4}}), StatusCode::kInvalidArgument,
                 "bias has shape [4]");
  ExpectRejected(FinchNode("FusedMatMul", {{2, 4}, {4, 5}}, {{"activation", StringAttr("Swish")}}),
                 StatusCode::kInvalidArgument, "activation \"Swish\"");
  ExpectRejected(FinchNode("FusedMatMul", {{}, {4, 5}}), StatusCode::kInvalidArgument,
                 "A is a scalar");
}

}  // namespace
}  // namespace finch
