// The cost model against hand-computed layers and the published counts of whole networks.
#include "graph/cost/cost_model.h"

#include <gtest/gtest.h>

#include "graph/onnx/importer.h"
#include "graph/ops/fused.h"
#include "graph/passes/pipeline.h"
#include "graph/zoo/mobilenetv2.h"
#include "runtime/session.h"
#include "tests/util/graph_builder.h"
#include "tests/util/test_util.h"

namespace finch {
namespace {

using testing::FloatsAttr;
using testing::GraphBuilder;
using testing::IntAttr;
using testing::IntsAttr;
using testing::StringAttr;

// A session for `graph` planned for its declared input shapes (batch 1), and the cost of the
// graph it runs.
struct Costed {
  std::unique_ptr<Session> session;
  ModelCost cost;
};

// The model's costs, with the optimization pipeline or not; without the layout lowering, whose
// transposes the node counts below do not expect (CostModel.LayoutDoesNotChangeMacs covers it).
Costed CostWithSession(Graph graph, bool optimize, bool lower = false) {
  SessionOptions options;
  options.threads = 1;
  options.optimize = optimize;
  options.lower = lower;
  auto session = Session::Create(std::move(graph), options);
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  if (!session.ok()) return {};
  Costed c{std::move(*session), {}};
  std::vector<Shape> shapes;
  for (size_t i = 0; i < c.session->graph().inputs.size(); ++i) {
    shapes.push_back(c.session->DefaultInputShape(i));
  }
  auto plan = c.session->PlanFor(shapes);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  if (!plan.ok()) return c;
  c.cost = CostOf(c.session->graph(), (*plan)->types, (*plan)->constants);
  for (const NodeCostEntry& e : c.cost.nodes) EXPECT_TRUE(e.known) << e.why;
  return c;
}

ModelCost Cost(Graph graph, bool optimize = false) {
  return CostWithSession(std::move(graph), optimize).cost;
}

// The cost of the only node that runs.
NodeCost OnlyNode(const ModelCost& m) {
  std::vector<NodeCost> run;
  for (const NodeCostEntry& e : m.nodes) {
    if (!e.folded) run.push_back(e.cost);
  }
  EXPECT_EQ(run.size(), 1u);
  return run.empty() ? NodeCost() : run[0];
}

std::map<std::string, Attribute> ConvAttrs(int64_t k, int64_t stride, int64_t pad,
                                           int64_t group = 1) {
  return {{"kernel_shape", IntsAttr({k, k})},
          {"strides", IntsAttr({stride, stride})},
          {"pads", IntsAttr({pad, pad, pad, pad})},
          {"group", IntAttr(group)}};
}

TEST(CostModel, Conv3x3On56) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1, 256, 56, 56});
  b.g.outputs.push_back(
      b.Op("Conv", "c", {x, b.Random("w", {256, 256, 3, 3}, 1)}, ConvAttrs(3, 1, 1)));
  const NodeCost c = OnlyNode(Cost(b.g));
  EXPECT_EQ(c.macs, 1849688064);  // 256 · 56 · 56 · 256 · 9
  EXPECT_EQ(c.flops(), 2.0 * 1849688064);
  EXPECT_EQ(c.params, 589824);
  EXPECT_EQ(c.weight_bytes, 589824 * 4);
  EXPECT_EQ(c.input_bytes, 256 * 56 * 56 * 4);
  EXPECT_EQ(c.output_bytes, 256 * 56 * 56 * 4);
  EXPECT_EQ(c.other_ops, 0);  // no bias
  EXPECT_EQ(c.kind, "conv");
  EXPECT_DOUBLE_EQ(c.intensity(), 2.0 * 1849688064 / (589824 * 4 + 2 * 256 * 56 * 56 * 4));
}

TEST(CostModel, DepthwiseSeparableOn56) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1, 256, 56, 56});
  const ValueId d = b.Op("Conv", "dw", {x, b.Random("wd", {256, 1, 3, 3}, 1)},
                         ConvAttrs(3, 1, 1, 256));
  b.g.outputs.push_back(b.Op("Conv", "pw", {d, b.Random("wp", {256, 256, 1, 1}, 2),
                                            b.Random("bp", {256}, 3)},
                             ConvAttrs(1, 1, 0)));
  const ModelCost m = Cost(b.g);
  ASSERT_EQ(m.nodes.size(), 2u);
  EXPECT_EQ(m.nodes[0].cost.kind, "depthwise");
  EXPECT_EQ(m.nodes[0].cost.macs, 7225344);  // 256 · 3136 · 9
  EXPECT_EQ(m.nodes[1].cost.kind, "pointwise");
  EXPECT_EQ(m.nodes[1].cost.macs, 205520896);  // 256 · 256 · 3136
  EXPECT_EQ(m.nodes[1].cost.other_ops, 256 * 3136);  // the bias
  EXPECT_EQ(m.macs, 212746240);
  EXPECT_EQ(m.params, 256 * 9 + 256 * 256 + 256);
}

TEST(CostModel, Gemm) {
  GraphBuilder b;
  const ValueId a = b.StaticInput("a", {8, 512});
  b.g.outputs.push_back(b.Op("Gemm", "fc",
                             {a, b.Random("w", {1000, 512}, 1), b.Random("bias", {1000}, 2)},
                             {{"transB", IntAttr(1)}}));
  const NodeCost c = OnlyNode(Cost(b.g));
  EXPECT_EQ(c.macs, 8 * 1000 * 512);
  EXPECT_EQ(c.params, 1000 * 512 + 1000);
  EXPECT_EQ(c.other_ops, 8 * 1000);
  EXPECT_EQ(c.kind, "gemm");
  EXPECT_EQ(c.input_bytes, 8 * 512 * 4);
  EXPECT_EQ(c.output_bytes, 8 * 1000 * 4);
}

TEST(CostModel, BatchedMatMulOfTwoActivationsHasNoParams) {
  GraphBuilder b;
  const ValueId q = b.StaticInput("q", {2, 3, 4, 5});
  const ValueId k = b.StaticInput("k", {2, 3, 5, 6});
  b.g.outputs.push_back(b.Op("MatMul", "qk", {q, k}));
  const NodeCost c = OnlyNode(Cost(b.g));
  EXPECT_EQ(c.macs, 2 * 3 * 4 * 6 * 5);
  EXPECT_EQ(c.params, 0);
  EXPECT_EQ(c.weight_bytes, 0);
  EXPECT_EQ(c.input_bytes, (120 + 180) * 4);
  EXPECT_EQ(c.kind, "matmul");
}

TEST(CostModel, GroupedConvBatch2) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {2, 64, 28, 28});
  b.g.outputs.push_back(
      b.Op("Conv", "g", {x, b.Random("w", {128, 16, 3, 3}, 1)}, ConvAttrs(3, 1, 1, 4)));
  const NodeCost c = OnlyNode(Cost(b.g));
  EXPECT_EQ(c.macs, 2LL * 128 * 28 * 28 * 16 * 9);
  EXPECT_EQ(c.params, 128 * 16 * 9);
  EXPECT_EQ(c.kind, "conv");
}

TEST(CostModel, StrideTwoDepthwise) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1, 96, 112, 112});
  b.g.outputs.push_back(
      b.Op("Conv", "dw", {x, b.Random("w", {96, 1, 3, 3}, 1)}, ConvAttrs(3, 2, 1, 96)));
  const NodeCost c = OnlyNode(Cost(b.g));
  EXPECT_EQ(c.macs, 96 * 56 * 56 * 9);  // the output is 56 x 56
  EXPECT_EQ(c.output_bytes, 96 * 56 * 56 * 4);
  EXPECT_EQ(c.kind, "depthwise");
  EXPECT_EQ(c.depthwise_macs, c.macs);
  EXPECT_EQ(c.depthwise_variant, "k3s2");
}

// Exp-class activations are transcendentals, fused or not: SiLU as Sigmoid + Mul on
// [1, 8, 5, 5] is one sigmoid per element, and stays one when fused into the conv's epilogue.
TEST(CostModel, TranscendentalsFollowTheActivation) {
  for (bool optimize : {false, true}) {
    SCOPED_TRACE(optimize ? "fused" : "unfused");
    GraphBuilder b;
    const ValueId x = b.StaticInput("x", {1, 4, 5, 5});
    const ValueId y = b.Op("Conv", "conv", {x, b.Random("w", {8, 4, 1, 1}, 1)}, ConvAttrs(1, 1, 0));
    const ValueId s = b.Op("Sigmoid", "sigmoid", {y});
    b.g.outputs.push_back(b.Op("Mul", "silu", {y, s}));
    const ModelCost m = Cost(b.g, optimize);
    EXPECT_EQ(m.transcendentals, 8 * 5 * 5);
  }
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {2, 3, 7});
  b.g.outputs.push_back(b.Op("Softmax", "softmax", {x}, {{"axis", IntAttr(-1)}}));
  b.g.outputs.push_back(b.Op("Relu", "relu", {x}));
  const ModelCost m = Cost(b.g);
  EXPECT_EQ(m.transcendentals, 2 * 3 * 7);  // Relu is not one
}

TEST(CostModel, ConvTransposeCountsOverTheInput) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1, 4, 5, 5});
  b.g.outputs.push_back(b.Op("ConvTranspose", "up", {x, b.Random("w", {4, 2, 3, 3}, 1)},
                             {{"strides", IntsAttr({2, 2})}}));
  const NodeCost c = OnlyNode(Cost(b.g));
  EXPECT_EQ(c.macs, 4 * 25 * 2 * 9);
  EXPECT_EQ(c.kind, "conv_transpose");
}

TEST(CostModel, PoolsAndDataMovement) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1, 8, 8, 8});
  const ValueId p = b.Op("MaxPool", "pool", {x},
                         {{"kernel_shape", IntsAttr({3, 3})}, {"strides", IntsAttr({2, 2})}});
  const ValueId g = b.Op("GlobalAveragePool", "gap", {p});
  const ValueId f = b.Op("Flatten", "flat", {g});
  b.g.outputs.push_back(b.Op("Relu", "relu", {f}));
  const ModelCost m = Cost(b.g);
  ASSERT_EQ(m.nodes.size(), 4u);
  EXPECT_EQ(m.nodes[0].cost.kind, "pool");
  EXPECT_EQ(m.nodes[0].cost.other_ops, 9 * 8 * 3 * 3);  // window · outputs
  EXPECT_EQ(m.nodes[1].cost.other_ops, 8 * 3 * 3);      // every input once
  EXPECT_EQ(m.nodes[2].cost.kind, "data");
  EXPECT_EQ(m.nodes[2].cost.other_ops, 0);
  EXPECT_EQ(m.nodes[3].cost.kind, "elementwise");
  EXPECT_EQ(m.nodes[3].cost.other_ops, 8);
  EXPECT_EQ(m.macs, 0);
}

TEST(CostModel, BatchNormStatisticsAreWeightsButNotParams) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1, 16, 4, 4});
  b.g.outputs.push_back(b.BatchNorm("bn", x, 16));
  const NodeCost c = OnlyNode(Cost(b.g));
  EXPECT_EQ(c.params, 32);
  EXPECT_EQ(c.weight_bytes, 64 * 4);
  EXPECT_EQ(c.kind, "norm");
}

TEST(CostModel, SharedWeightCountsOnce) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1, 4, 6, 6});
  const ValueId w = b.Random("w", {4, 4, 3, 3}, 1);
  const ValueId y = b.Op("Conv", "c1", {x, w}, ConvAttrs(3, 1, 1));
  b.g.outputs.push_back(b.Op("Conv", "c2", {y, w}, ConvAttrs(3, 1, 1)));
  const ModelCost m = Cost(b.g);
  EXPECT_EQ(m.nodes[0].cost.params + m.nodes[1].cost.params, 2 * 144);
  EXPECT_EQ(m.params, 144);
  EXPECT_EQ(m.weight_bytes, 144 * 4);
}

TEST(CostModel, DynamicShapeIsAnErrorNamingTheNode) {
  Node n;
  n.name = "c";
  n.op_type = "Conv";
  TensorType x;
  x.dtype = DataType::kFloat32;
  x.dims.emplace(4);  // rank only
  const auto c = NodeCostOf(n, {x, TensorType::Static(DataType::kFloat32, {4, 4, 3, 3})},
                            {nullptr, nullptr}, {x});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("Conv \"c\""), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("static"), std::string::npos);
}

// QLinearConv: the Conv's MACs as int8 work, one requantization per output as other_ops; the
// int8 weight and int32 bias are params, scales and zero points weight bytes only. By hand:
// x [1, 8, 10, 10], w [16, 8, 3, 3], pad 1: 16·100·8·9 = 115,200 MACs; params 1152 + 16.
TEST(CostModel, QLinearConvIsInt8Work) {
  Node n;
  n.name = "q";
  n.op_type = "QLinearConv";
  n.attributes["pads"] = IntsAttr({1, 1, 1, 1});
  const Tensor xs = Tensor::Scalar<float>(0.1f), zp = Tensor::Scalar<uint8_t>(128);
  auto w = Tensor::Allocate(DataType::kInt8, {16, 8, 3, 3});
  auto ws = Tensor::Allocate(DataType::kFloat32, {16});
  auto wz = Tensor::Allocate(DataType::kInt8, {16});
  auto b = Tensor::Allocate(DataType::kInt32, {16});
  ASSERT_TRUE(w.ok() && ws.ok() && wz.ok() && b.ok());
  const TensorType x = TensorType::Static(DataType::kUint8, {1, 8, 10, 10});
  const TensorType y = TensorType::Static(DataType::kUint8, {1, 16, 10, 10});
  auto type = [](const Tensor& t) { return TensorType::Static(t.dtype(), t.shape()); };
  const auto c = NodeCostOf(
      n, {x, type(xs), type(zp), type(*w), type(*ws), type(*wz), type(xs), type(zp), type(*b)},
      {nullptr, &xs, &zp, &*w, &*ws, &*wz, &xs, &zp, &*b}, {y});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->macs, 115200);
  EXPECT_EQ(c->kind, "int8_conv");
  EXPECT_EQ(c->params, 16 * 8 * 9 + 16);
  EXPECT_EQ(c->other_ops, 1600);  // requantization of 16·10·10 outputs
  EXPECT_EQ(c->weight_bytes, 1152 + 16 * 4 + 16 * 4 + 16 + 4 + 1 + 4 + 1);
  EXPECT_EQ(c->input_bytes, 800);
  EXPECT_EQ(c->output_bytes, 1600);
}

// An inverted-residual block (1x1 expand + Clip, 3x3 depthwise + Clip, optional SE, 1x1
// project, residual add) as separate nodes, or as one finch::InvertedResidual with the same
// weights.
Graph InvertedResidualBlock(bool fused, bool se) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1, 16, 14, 14});
  const ValueId we = b.Random("we", {96, 16, 1, 1}, 1), be = b.Random("be", {96}, 2);
  const ValueId wd = b.Random("wd", {96, 1, 3, 3}, 3), bd = b.Random("bd", {96}, 4);
  const ValueId ws1 = b.Random("ws1", {24, 96, 1, 1}, 5), bs1 = b.Random("bs1", {24}, 6);
  const ValueId ws2 = b.Random("ws2", {96, 24, 1, 1}, 7), bs2 = b.Random("bs2", {96}, 8);
  const ValueId wp = b.Random("wp", {16, 96, 1, 1}, 9), bp = b.Random("bp", {16}, 10);
  if (fused) {
    std::vector<ValueId> in = {x, we, be, wd, bd, kNoValue, kNoValue, kNoValue, kNoValue, wp, bp};
    std::map<std::string, Attribute> attrs = {
        {"dw_strides", IntsAttr({1, 1})},       {"dw_pads", IntsAttr({1, 1, 1, 1})},
        {"expand_activation", StringAttr("Clip")}, {"expand_activation_params", FloatsAttr({0, 6})},
        {"dw_activation", StringAttr("Clip")},  {"dw_activation_params", FloatsAttr({0, 6})},
        {"residual", IntAttr(1)}};
    if (se) {
      in[kIrSeReduceW] = ws1;
      in[kIrSeReduceB] = bs1;
      in[kIrSeExpandW] = ws2;
      in[kIrSeExpandB] = bs2;
      attrs["se_activation"] = StringAttr("Relu");
      attrs["se_gate_activation"] = StringAttr("Sigmoid");
    }
    b.g.opset_imports[kFinchDomain] = 1;
    b.g.outputs.push_back(b.Op("InvertedResidual", "ir", in, attrs, kFinchDomain));
    return b.g;
  }
  const ValueId lo = b.Const("lo", Tensor::Scalar(0.f)), hi = b.Const("hi", Tensor::Scalar(6.f));
  ValueId t = b.Op("Conv", "expand", {x, we, be}, ConvAttrs(1, 1, 0));
  t = b.Op("Clip", "expand_act", {t, lo, hi});
  t = b.Op("Conv", "dw", {t, wd, bd}, ConvAttrs(3, 1, 1, 96));
  t = b.Op("Clip", "dw_act", {t, lo, hi});
  if (se) {
    ValueId s = b.Op("GlobalAveragePool", "se_pool", {t});
    s = b.Op("Conv", "se_reduce", {s, ws1, bs1}, ConvAttrs(1, 1, 0));
    s = b.Op("Relu", "se_act", {s});
    s = b.Op("Conv", "se_expand", {s, ws2, bs2}, ConvAttrs(1, 1, 0));
    s = b.Op("Sigmoid", "se_gate", {s});
    t = b.Op("Mul", "se_scale", {t, s});
  }
  t = b.Op("Conv", "project", {t, wp, bp}, ConvAttrs(1, 1, 0));
  b.g.outputs.push_back(b.Op("Add", "residual", {t, x}));
  return b.g;
}

TEST(CostModel, FusedInvertedResidualEqualsItsParts) {
  for (bool se : {false, true}) {
    SCOPED_TRACE(se ? "with SE" : "without SE");
    const ModelCost parts = Cost(InvertedResidualBlock(false, se));
    const ModelCost fused = Cost(InvertedResidualBlock(true, se));
    const int64_t hw = 14 * 14;
    const int64_t macs = 16 * 96 * hw + 96 * hw * 9 + (se ? 2 * 96 * 24 : 0) + 96 * 16 * hw;
    EXPECT_EQ(parts.macs, macs);
    EXPECT_EQ(fused.macs, macs);
    EXPECT_EQ(fused.params, parts.params);
    EXPECT_EQ(fused.weight_bytes, parts.weight_bytes);
    EXPECT_EQ(fused.other_ops, parts.other_ops);
    EXPECT_EQ(OnlyNode(fused).kind, "inverted_residual");
    // The SE gate is the only exp-class function: one sigmoid per channel.
    EXPECT_EQ(fused.transcendentals, se ? 96 : 0);
    EXPECT_EQ(parts.transcendentals, fused.transcendentals);
    EXPECT_EQ(OnlyNode(fused).depthwise_macs, 96 * hw * 9);
    EXPECT_EQ(OnlyNode(fused).depthwise_variant, "k3s1");
    // Fusion keeps the intermediates in cache: the fused node moves fewer activation bytes.
    EXPECT_LT(fused.input_bytes + fused.output_bytes, parts.input_bytes + parts.output_bytes);
  }
}

TEST(CostModel, PipelineFusesTheBlockWithoutChangingItsCost) {
  const ModelCost parts = Cost(InvertedResidualBlock(false, true));
  const Costed optimized_run = CostWithSession(InvertedResidualBlock(false, true), true);
  ASSERT_NE(optimized_run.session, nullptr);
  const std::map<std::string, int> ops = CountOps(optimized_run.session->graph());
  EXPECT_EQ(ops.count("finch::InvertedResidual"), 1u) << ::testing::PrintToString(ops);
  const ModelCost& optimized = optimized_run.cost;
  EXPECT_EQ(optimized.macs, parts.macs);
  EXPECT_EQ(optimized.params, parts.params);
}

TEST(CostModel, ZooMobileNetV2) {
  auto graph = zoo::MakeMobileNetV2({});
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  const ModelCost unfused = Cost(*graph);
  EXPECT_EQ(unfused.macs, 300774272);
  EXPECT_EQ(unfused.params, 3504872);  // torchvision's count: BN scale and bias included
  EXPECT_EQ(unfused.unknown_nodes, 0);
  const Costed fused_run = CostWithSession(*graph, true);
  ASSERT_NE(fused_run.session, nullptr);
  EXPECT_LT(fused_run.session->graph().nodes.size(), graph->nodes.size());
  const ModelCost& fused = fused_run.cost;
  EXPECT_EQ(fused.macs, 300774272);
  EXPECT_EQ(fused.params, 3487816);  // BN folded into conv biases
  EXPECT_EQ(fused.unknown_nodes, 0);
  // The same totals from the graph's own constants and the plan's types.
  const Costed again = CostWithSession(*graph, false);
  std::vector<Shape> shapes = {again.session->DefaultInputShape(0)};
  auto plan = again.session->PlanFor(shapes);
  ASSERT_TRUE(plan.ok());
  const ModelCost plain = CostOf(again.session->graph(), (*plan)->types);
  EXPECT_EQ(plain.macs, unfused.macs);
  EXPECT_EQ(plain.params, unfused.params);
}

// The channels-last lowering adds only transposes: the same MACs and params, fused or not.
TEST(CostModel, LayoutDoesNotChangeMacs) {
  auto graph = zoo::MakeMobileNetV2({});
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  for (bool optimize : {false, true}) {
    const Costed plain = CostWithSession(*graph, optimize, /*lower=*/false);
    const Costed lowered = CostWithSession(*graph, optimize, /*lower=*/true);
    ASSERT_NE(lowered.session, nullptr);
    EXPECT_GT(CountOps(lowered.session->graph())["Transpose"], 0);
    EXPECT_EQ(lowered.cost.macs, plain.cost.macs) << "optimize " << optimize;
    EXPECT_EQ(lowered.cost.params, plain.cost.params) << "optimize " << optimize;
    EXPECT_EQ(lowered.cost.unknown_nodes, 0) << "optimize " << optimize;
  }
}

ModelCost SharedModelCost(const std::string& name, bool optimize) {
  auto graph = LoadOnnxModel(testing::SharedDir() + "/models/" + name + "/model.onnx");
  EXPECT_TRUE(graph.ok()) << graph.status().ToString();
  if (!graph.ok()) return {};
  return Cost(std::move(*graph), optimize);
}

TEST(CostModel, SharedModels) {
  if (testing::SharedDir().empty()) GTEST_SKIP() << "../shared is absent";
  for (bool optimize : {false, true}) {
    SCOPED_TRACE(optimize ? "optimized" : "as imported");
    const ModelCost mnv2 = SharedModelCost("mobilenet_v2_op13", optimize);
    EXPECT_EQ(mnv2.macs, 300774272);
    EXPECT_EQ(mnv2.params, 3487816);
    const ModelCost mnv2_bn = SharedModelCost("mobilenet_v2_op13_bn", optimize);
    EXPECT_EQ(mnv2_bn.macs, 300774272);
    // This export gives every Conv a bias before its BN: 17,056 more than torchvision's
    // 3,504,872 as imported; BN folding merges them.
    EXPECT_EQ(mnv2_bn.params, optimize ? 3487816 : 3504872 + 17056);
    EXPECT_EQ(SharedModelCost("efficientnet_b0_op13", optimize).macs, 385814752);
  }
}

}  // namespace
}  // namespace finch
