// fuse-qdq on QDQ graphs written by graph/quantize/qdq_builder (the format `finch quantize`
// writes and ONNX Runtime reads) and on hand-edited variants that must not fuse.
//
// The fused QLinear ops compute in integers what the QDQ graph computes in float between a
// DequantizeLinear and a QuantizeLinear; the two differ only where the float result lands within
// rounding of a half step, so the dequantized outputs agree within one output step per
// quantization on the path (the bound below allows two).
#include <gtest/gtest.h>

#include <cmath>

#include "graph/passes/passes.h"
#include "graph/quantize/qdq_builder.h"
#include "tests/util/pass_test_util.h"
#include "tests/util/test_util.h"

namespace finch::testing {
namespace {

// x [1, 3, 6, 5] -> Conv 3x3 -> Relu -> c;  x2 = Conv 1x1(c) (no activation);
// Add(c, x2) -> a;  GAP(a) -> p;  Flatten(p) -> out (float, reads the dequantized p).
struct QdqCase {
  Graph float_graph;
  std::vector<QuantTarget> targets;
  std::map<std::string, ActivationQuant> params;
};

QdqCase MakeCase(const char* activation = "Relu") {
  GraphBuilder b(13, GraphBuilder::OutputNaming::kNodeName);
  const ValueId x = b.StaticInput("x", {1, 3, 6, 5});
  ValueId c = b.Conv3x3(x, "conv1", 3, 4, 7);
  if (std::string(activation) == "Relu") {
    c = b.Op("Relu", "relu1", {c});
  } else {
    c = b.Op("Clip", "clip1", {c, b.Const("lo", Tensor::Scalar<float>(0.f)),
                               b.Const("hi", Tensor::Scalar<float>(1.5f))});
  }
  const ValueId x2 = b.Op("Conv", "conv2", {c, b.Random("conv2.w", {4, 4, 1, 1}, 9)},
                          {{"kernel_shape", IntsAttr({1, 1})}});
  const ValueId a = b.Op("Add", "add", {c, x2});
  const ValueId p = b.Op("GlobalAveragePool", "gap", {a});
  b.Output(b.Op("Flatten", "flatten", {p}));
  QdqCase qc;
  qc.float_graph = b.g;
  qc.targets = FindQuantTargets(qc.float_graph);
  // Ranges wide enough for the random data (inputs in [-1, 1), weights in [-1, 1)).
  for (const QuantTarget& t : qc.targets) {
    for (const std::string& in : t.inputs) qc.params[in] = ChooseActivationQuant(-1.f, 1.f);
  }
  qc.params["relu1"] = qc.params["clip1"] = qc.params["conv1"] = ChooseActivationQuant(0.f, 1.5f);
  qc.params["conv2"] = ChooseActivationQuant(-8.f, 8.f);
  qc.params["add"] = ChooseActivationQuant(-8.f, 9.f);
  qc.params["gap"] = ChooseActivationQuant(-4.f, 4.f);
  return qc;
}

Graph Qdq(const QdqCase& qc) {
  auto g = BuildQdqGraph(qc.float_graph, qc.targets, qc.params, QdqOptions{true});
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  return g.ok() ? *g : Graph{};
}

TEST(FuseQdqPass, FindsTheTargetsAndAbsorbsTheRelu) {
  const QdqCase qc = MakeCase();
  ASSERT_EQ(qc.targets.size(), 4u);
  EXPECT_EQ(qc.targets[0].node, "conv1");
  EXPECT_EQ(qc.targets[0].activation, "relu1");
  EXPECT_EQ(qc.targets[0].output, "relu1");
  EXPECT_EQ(qc.targets[1].node, "conv2");
  EXPECT_EQ(qc.targets[1].activation, "");
  EXPECT_EQ(qc.targets[2].op_type, "Add");
  EXPECT_EQ(qc.targets[2].inputs, (std::vector<std::string>{"relu1", "conv2"}));
  EXPECT_EQ(qc.targets[3].op_type, "GlobalAveragePool");
}

TEST(FuseQdqPass, ConvAddPoolBecomeQLinearOpsWithTheSameResult) {
  const Graph qdq = Qdq(MakeCase());
  EXPECT_EQ(FindOps(qdq, "QuantizeLinear").size(), 5u);  // x, relu1, conv2, add, gap
  EXPECT_EQ(FindOp(qdq, "Relu"), nullptr);                // absorbed into conv1's range
  const PassResult fused = ApplyPass(FuseQdq, qdq);
  EXPECT_EQ(fused.rewrites, 4);
  const PassResult clean = ApplyPass(EliminateDeadNodes, fused.graph);
  EXPECT_EQ(FindOps(clean.graph, "QLinearConv").size(), 2u);
  EXPECT_EQ(FindOps(clean.graph, "QLinearAdd").size(), 1u);
  EXPECT_EQ(FindOps(clean.graph, "QLinearGlobalAveragePool").size(), 1u);
  EXPECT_EQ(FindOps(clean.graph, "Conv").size(), 0u);
  // Left: the input's Quantize, the pool output's Dequantize (read by the float Flatten).
  EXPECT_EQ(FindOps(clean.graph, "QuantizeLinear").size(), 1u);
  EXPECT_EQ(FindOps(clean.graph, "DequantizeLinear").size(), 1u);
  EXPECT_EQ(clean.graph.opset("com.microsoft"), 1);
  const Node* conv = FindNode(clean.graph, "conv1");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->op_type, "QLinearConv");
  // The builder already absorbed relu1 into the range: the QLinearConv covers Conv and Q.
  EXPECT_EQ(FusedFromOf(*conv), (std::vector<std::string>{"conv1", "relu1_QuantizeLinear"}));
  const double step = MakeCase().params.at("gap").scale;
  ExpectSameOutputs(qdq, clean.graph, RandomInputs(qdq, 3), 0, 2 * step);
}

// The activation kept as a node (as other quantizers write it): Conv -> Relu/Clip -> Q.
QdqCase KeepActivation(const char* activation, float lo, float hi) {
  QdqCase qc = MakeCase(activation);
  qc.targets[0].activation.clear();  // the builder then leaves the node in place
  const std::string act = std::string(activation) == "Relu" ? "relu1" : "clip1";
  qc.params[act] = ChooseActivationQuant(lo, hi);
  return qc;
}

TEST(FuseQdqPass, ClipIsAbsorbedOnlyWhenTheRangeImpliesIt) {
  // Range [0, 1.5] = the Clip's: uint8 saturation computes it; the Clip goes.
  QdqCase qc = KeepActivation("Clip", 0.f, 1.5f);
  Graph qdq = Qdq(qc);
  ASSERT_NE(FindOp(qdq, "Clip"), nullptr);
  PassResult fused = ApplyPass(FuseQdq, qdq);
  EXPECT_EQ(fused.rewrites, 4);
  EXPECT_EQ(FindOp(fused.graph, "Clip"), nullptr);
  ExpectSameOutputs(qdq, ApplyPass(EliminateDeadNodes, fused.graph).graph, RandomInputs(qdq, 4),
                    0, 2 * qc.params.at("gap").scale);
  // Range [0, 3]: values in (1.5, 3] would pass unclipped; the Conv stays float.
  qc = KeepActivation("Clip", 0.f, 3.f);
  fused = ApplyPass(FuseQdq, Qdq(qc));
  EXPECT_EQ(fused.rewrites, 3);
  ASSERT_NE(FindNode(fused.graph, "conv1"), nullptr);
  EXPECT_EQ(FindNode(fused.graph, "conv1")->op_type, "Conv");
}

TEST(FuseQdqPass, ReluIsAbsorbedOnlyWithTheZeroPointAtTheFloor) {
  QdqCase qc = KeepActivation("Relu", 0.f, 1.5f);  // zero point 0
  PassResult fused = ApplyPass(FuseQdq, Qdq(qc));
  EXPECT_EQ(fused.rewrites, 4);
  EXPECT_EQ(FindOp(fused.graph, "Relu"), nullptr);
  qc = KeepActivation("Relu", -0.5f, 1.5f);  // zero point 64: the Relu still clamps
  const Graph qdq = Qdq(qc);
  fused = ApplyPass(FuseQdq, qdq);
  EXPECT_EQ(fused.rewrites, 3);
  EXPECT_NE(FindOp(fused.graph, "Relu"), nullptr);
  EXPECT_EQ(FindNode(fused.graph, "conv1")->op_type, "Conv");
  ExpectSameOutputs(qdq, ApplyPass(EliminateDeadNodes, fused.graph).graph, RandomInputs(qdq, 5),
                    0, 2 * qc.params.at("gap").scale);
}

TEST(FuseQdqPass, ConvOutputReadTwiceIsNotFused) {
  const QdqCase qc = MakeCase();
  Graph qdq = Qdq(qc);
  // conv2's float output also becomes a graph output: the Conv must stay.
  qdq.outputs.push_back(qdq.FindValue("conv2"));
  const PassResult fused = ApplyPass(FuseQdq, qdq);
  const Node* conv2 = FindNode(fused.graph, "conv2");
  ASSERT_NE(conv2, nullptr);
  EXPECT_EQ(conv2->op_type, "Conv");
}

TEST(FuseQdqPass, BiasAtAnotherScaleOrWeightsOnAnotherAxisAreNotFused) {
  for (int variant = 0; variant < 2; ++variant) {
    Graph qdq = Qdq(MakeCase());
    for (Node& n : qdq.nodes) {
      if (n.op_type != "DequantizeLinear") continue;
      const std::string& in = qdq.values[n.inputs[0]].name;
      if (variant == 0 && in == "conv1.b_quantized") {
        // Scale the bias's dequantization by 2: no longer x_scale · w_scale.
        const Tensor* s = qdq.values[n.inputs[1]].constant.get();
        std::vector<float> v(s->data<float>(), s->data<float>() + s->num_elements());
        for (float& f : v) f *= 2;
        n.inputs[1] = qdq.AddConstant("bad_scale", std::make_shared<const Tensor>(
                                                       Tensor::FromVector<float>(s->shape(), v)));
      }
      if (variant == 1 && in == "conv1.w_quantized") n.attributes["axis"] = IntAttr(1);
    }
    const PassResult fused = ApplyPass(FuseQdq, qdq);
    const Node* conv1 = FindNode(fused.graph, "conv1");
    ASSERT_NE(conv1, nullptr) << variant;
    EXPECT_EQ(conv1->op_type, "Conv") << variant;
    EXPECT_EQ(fused.rewrites, 3) << variant;  // the others still fuse
  }
}

TEST(FuseQdqPass, FloatGraphIsUnchanged) {
  const QdqCase qc = MakeCase();
  ExpectUnchanged(FuseQdq(qc.float_graph, PassContext{}), qc.float_graph);
}

TEST(QdqBuilder, MissingRangeIsAnErrorNamingTheTensor) {
  QdqCase qc = MakeCase();
  qc.params.erase("conv2");
  auto g = BuildQdqGraph(qc.float_graph, qc.targets, qc.params, QdqOptions{true});
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("conv2"), std::string::npos) << g.status().ToString();
  qc = MakeCase();
  qc.float_graph.opset_imports[""] = 12;
  g = BuildQdqGraph(qc.float_graph, qc.targets, qc.params, QdqOptions{true});
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("opset >= 13"), std::string::npos);
}

}  // namespace
}  // namespace finch::testing
