// layout-nhwc (graph/passes/layout_nhwc.cc) on small graphs built in code: where the pass puts
// Transpose nodes, which ops it moves channels-last (and into the finch domain), how it permutes
// the constants of binary ops, what it leaves alone. Every graph also runs through Session with
// the lowering on and off: the pass chooses how the graph runs, never what it computes, so the
// outputs must agree (rtol 1e-5: the NHWC kernels may sum a convolution in another order).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "graph/ops/fused.h"
#include "graph/ops/layout.h"
#include "graph/passes/layout.h"
#include "runtime/session.h"
#include "tests/util/graph_builder.h"
#include "tests/util/pass_test_util.h"
#include "tests/util/test_util.h"

namespace finch::testing {
namespace {

std::map<std::string, Attribute> Conv3x3Attrs() {
  return {{"pads", IntsAttr({1, 1, 1, 1})}, {"kernel_shape", IntsAttr({3, 3})}};
}

PassResult Lower(const Graph& g) { return ApplyPass(ConvertLayoutToNhwc, g); }

const std::string& NameOf(const Graph& g, ValueId v) { return g.values[v].name; }

std::vector<int64_t> PermOf(const Node& n) { return n.GetInts("perm", {}).value(); }

// The Transpose nodes of `g` with permutation `perm`.
std::vector<const Node*> Transposes(const Graph& g, const std::vector<int64_t>& perm) {
  std::vector<const Node*> found;
  for (const Node* n : FindOps(g, "Transpose")) {
    if (PermOf(*n) == perm) found.push_back(n);
  }
  return found;
}

int CountNhwcNodes(const Graph& g) {
  int count = 0;
  for (const Node& n : g.nodes) count += IsNhwc(n) ? 1 : 0;
  return count;
}

std::vector<Tensor> RunWith(const Graph& g, const SessionOptions& options,
                            const std::vector<Tensor>& inputs) {
  auto s = Session::Create(g, options);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return {};
  auto out = (*s)->Run(inputs);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? std::move(out).value() : std::vector<Tensor>();
}

// Runs `g` through Session with the lowering off and on (with and without the optimization
// pipeline) on the same random inputs: every output agrees within rtol 1e-5 (atol 1e-5 of the
// output's largest magnitude, for elements that cancel to about 0). With the lowering on, the
// session's graph has NHWC nodes exactly when the pass rewrote something.
void ExpectLoweringKeepsOutputs(const Graph& g, bool expect_nhwc = true, uint32_t seed = 7) {
  const std::vector<Tensor> inputs = RandomInputs(g, seed);
  for (bool optimize : {false, true}) {
    SCOPED_TRACE(optimize ? "optimize on" : "optimize off");
    SessionOptions plain;
    plain.threads = 1;
    plain.optimize = optimize;
    plain.lower = false;
    SessionOptions lowered = plain;
    lowered.lower = true;
    auto s = Session::Create(g, lowered);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(CountNhwcNodes((*s)->graph()) > 0, expect_nhwc);
    const std::vector<Tensor> want = RunWith(g, plain, inputs);
    const std::vector<Tensor> got = RunWith(g, lowered, inputs);
    ASSERT_EQ(want.size(), g.outputs.size());
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      std::string why;
      EXPECT_TRUE(AllClose(got[i], want[i], 1e-5, 1e-5 * MaxAbs(want[i]) + 1e-7, &why))
          << "output " << i << ": " << why;
    }
  }
}

// x [1, 3, 8, 8] -> Conv 3x3 (4) -> Relu -> Conv 3x3 (5) -> y.
Graph ConvReluConv() {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1, 3, 8, 8});
  const ValueId c1 = b.Conv3x3(x, "c1", 3, 4, 11);
  const ValueId r = b.Op("Relu", "relu", {c1});
  b.Output(b.Op("Conv", "c2", {r, b.Random("c2.w", {5, 4, 3, 3}, 13), b.Random("c2.b", {5}, 14)},
                Conv3x3Attrs(), "", 1, "y"));
  return b.g;
}

TEST(LayoutNhwcPass, ConvReluConvTransposesOnceInOnceOut) {
  const Graph g = ConvReluConv();
  const PassResult r = Lower(g);
  // Two convs, the Relu between them: three nodes moved channels-last.
  EXPECT_EQ(r.rewrites, 3);
  const Graph& out = r.graph;
  ASSERT_EQ(FindOps(out, "Transpose").size(), 2u);
  const std::vector<const Node*> in = Transposes(out, {0, 2, 3, 1});
  const std::vector<const Node*> back = Transposes(out, {0, 3, 1, 2});
  ASSERT_EQ(in.size(), 1u);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(NameOf(out, in[0]->inputs[0]), "x");
  EXPECT_EQ(NameOf(out, in[0]->outputs[0]), "x.nhwc");
  EXPECT_EQ(out.values[in[0]->outputs[0]].type.static_shape(), (Shape{1, 8, 8, 3}));

  const std::vector<const Node*> convs = FindOps(out, "FusedConv");
  ASSERT_EQ(convs.size(), 2u);
  for (const Node* c : convs) {
    EXPECT_EQ(c->domain, kFinchDomain) << c->name;
    EXPECT_EQ(c->GetString(kLayoutAttribute, "").value(), "NHWC") << c->name;
  }
  EXPECT_TRUE(FindOps(out, "Conv").empty());
  const Node* c1 = FindNode(out, "c1");
  const Node* c2 = FindNode(out, "c2");
  ASSERT_NE(c1, nullptr);
  ASSERT_NE(c2, nullptr);
  EXPECT_EQ(FusedFromOf(*c1), (std::vector<std::string>{"c1"}));
  EXPECT_EQ(NameOf(out, c1->inputs[0]), "x.nhwc");
  // Weights keep ONNX's OIHW layout and their names.
  EXPECT_EQ(NameOf(out, c1->inputs[1]), "c1.w");
  EXPECT_EQ(out.values[c1->inputs[1]].constant->shape(), (Shape{4, 3, 3, 3}));

  const Node* relu = FindNode(out, "relu");
  ASSERT_NE(relu, nullptr);
  EXPECT_EQ(relu->domain, "");
  EXPECT_EQ(relu->op_type, "Relu");
  EXPECT_FALSE(IsNhwc(*relu));
  EXPECT_EQ(NameOf(out, relu->inputs[0]), "c1_out.nhwc");
  EXPECT_EQ(NameOf(out, relu->outputs[0]), "relu_out.nhwc");
  EXPECT_EQ(NameOf(out, c2->inputs[0]), "relu_out.nhwc");
  EXPECT_EQ(NameOf(out, c2->outputs[0]), "y.nhwc");

  EXPECT_EQ(NameOf(out, back[0]->inputs[0]), "y.nhwc");
  ASSERT_EQ(out.outputs.size(), 1u);
  EXPECT_EQ(NameOf(out, out.outputs[0]), "y");
  EXPECT_EQ(back[0]->outputs[0], out.outputs[0]);
  EXPECT_EQ(out.opset(kFinchDomain), 1);
  ExpectLoweringKeepsOutputs(g);
}

TEST(LayoutNhwcPass, SessionRunsThePassUnlessDisabled) {
  const Graph g = ConvReluConv();
  SessionOptions options;
  options.threads = 1;
  options.optimize = false;
  auto lowered = Session::Create(g, options);
  ASSERT_TRUE(lowered.ok()) << lowered.status().ToString();
  EXPECT_EQ(CountNhwcNodes((*lowered)->graph()), 2);
  EXPECT_EQ(FindOps((*lowered)->graph(), "Transpose").size(), 2u);

  options.disabled_passes = {"layout-nhwc"};
  auto disabled = Session::Create(g, options);
  ASSERT_TRUE(disabled.ok()) << disabled.status().ToString();
  EXPECT_EQ(CountNhwcNodes((*disabled)->graph()), 0);
  EXPECT_TRUE(FindOps((*disabled)->graph(), "Transpose").empty());

  options.disabled_passes.clear();
  options.lower = false;
  auto off = Session::Create(g, options);
  ASSERT_TRUE(off.ok()) << off.status().ToString();
  EXPECT_EQ(CountNhwcNodes((*off)->graph()), 0);
}

// An NCHW intermediate that exists only as its NHWC twin is still fetchable by its name, as
// graph/passes/layout_nhwc.cc promises ("Session::Run fetches an NCHW name through its NHWC twin
// when only that exists"), in NCHW; `finch compare` relies on it to match intermediates.
TEST(LayoutNhwcPass, FetchesAnIntermediateThroughItsNhwcTwin) {
  const Graph g = ConvReluConv();
  const std::vector<Tensor> inputs = RandomInputs(g, 3);
  RunOptions fetch;
  fetch.fetch = {"relu_out"};
  std::map<std::string, Tensor> fetched[2];
  for (int lower = 0; lower < 2; ++lower) {
    SessionOptions options;
    options.threads = 1;
    options.optimize = false;
    options.lower = lower == 1;
    auto s = Session::Create(g, options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    RunProfile profile;
    auto out = (*s)->Run(inputs, fetch, &profile);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    fetched[lower] = profile.fetched;
  }
  ASSERT_EQ(fetched[1].count("relu_out"), 1u);
  const Tensor& got = fetched[1].at("relu_out");
  EXPECT_EQ(got.shape(), (Shape{1, 4, 8, 8}));
  std::string why;
  EXPECT_TRUE(AllClose(got, fetched[0].at("relu_out"), 1e-5, 1e-6, &why)) << why;
}

// A conv output that is both a graph output and read by the next conv: converted back once for
// the output, read NHWC by the conv.
TEST(LayoutNhwcPass, ValueReadInBothLayoutsIsConvertedOnce) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1, 3, 6, 6});
  const ValueId c1 = b.Conv3x3(x, "c1", 3, 4, 21);
  b.Output(c1);
  b.Output(b.Conv3x3(c1, "c2", 4, 4, 23));
  const Graph g = b.g;
  const PassResult r = Lower(g);
  EXPECT_EQ(r.rewrites, 2);
  EXPECT_EQ(Transposes(r.graph, {0, 2, 3, 1}).size(), 1u);
  EXPECT_EQ(Transposes(r.graph, {0, 3, 1, 2}).size(), 2u);
  EXPECT_EQ(NameOf(r.graph, FindNode(r.graph, "c2")->inputs[0]), "c1_out.nhwc");
  ASSERT_EQ(r.graph.outputs.size(), 2u);
  EXPECT_EQ(NameOf(r.graph, r.graph.outputs[0]), "c1_out");
  EXPECT_EQ(NameOf(r.graph, r.graph.outputs[1]), "c2_out");
  ExpectLoweringKeepsOutputs(g);
}

TEST(LayoutNhwcPass, AddOfTwoNhwcValuesStaysNhwc) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {2, 3, 5, 5});
  const ValueId a = b.Conv3x3(x, "a", 3, 6, 31);
  const ValueId c = b.Conv3x3(x, "c", 3, 6, 33);
  const ValueId sum = b.Op("Add", "add", {a, c});
  b.Output(b.Conv3x3(sum, "d", 6, 2, 35));
  const Graph g = b.g;
  const PassResult r = Lower(g);
  EXPECT_EQ(r.rewrites, 4);
  // x is transposed once for both convs that read it.
  EXPECT_EQ(Transposes(r.graph, {0, 2, 3, 1}).size(), 1u);
  EXPECT_EQ(Transposes(r.graph, {0, 3, 1, 2}).size(), 1u);
  const Node* add = FindNode(r.graph, "add");
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add->domain, "");
  EXPECT_EQ(NameOf(r.graph, add->inputs[0]), "a_out.nhwc");
  EXPECT_EQ(NameOf(r.graph, add->inputs[1]), "c_out.nhwc");
  EXPECT_EQ(NameOf(r.graph, add->outputs[0]), "add_out.nhwc");
  ExpectLoweringKeepsOutputs(g);
}

// Conv -> Add(bias [C, 1, 1]) -> Mul(scalar) -> Sub(full [C, H, W]) -> y.
TEST(LayoutNhwcPass, BinaryOpConstantsArePermuted) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1, 3, 2, 3});
  const ValueId conv = b.Conv3x3(x, "conv", 3, 4, 41);
  const std::vector<float> bias = {1.5f, -2.f, 3.25f, 0.5f};
  const ValueId add =
      b.Op("Add", "add", {conv, b.Const("bias", Tensor::FromVector<float>({4, 1, 1}, bias))});
  const ValueId mul = b.Op("Mul", "mul", {add, b.Const("scale", Tensor::Scalar<float>(0.75f))});
  const std::vector<float> full = Iota(4 * 2 * 3);  // [C=4, H=2, W=3]: element (c,h,w) = 6c+3h+w
  b.Output(b.Op("Sub", "sub", {mul, b.Const("full", Tensor::FromVector<float>({4, 2, 3}, full))},
                {}, "", 1, "y"));
  const Graph g = b.g;
  const PassResult r = Lower(g);
  EXPECT_EQ(r.rewrites, 4);
  const Graph& out = r.graph;
  EXPECT_EQ(FindOps(out, "Transpose").size(), 2u);

  const Node* add_n = FindNode(out, "add");
  ASSERT_NE(add_n, nullptr);
  const Value& bias_nhwc = out.values[add_n->inputs[1]];
  EXPECT_EQ(bias_nhwc.name, "bias.nhwc");
  ASSERT_NE(bias_nhwc.constant, nullptr);
  EXPECT_EQ(bias_nhwc.constant->shape(), (Shape{1, 1, 1, 4}));
  EXPECT_EQ(ToFloats(*bias_nhwc.constant), bias);

  const Node* mul_n = FindNode(out, "mul");
  ASSERT_NE(mul_n, nullptr);
  const Value& scale_nhwc = out.values[mul_n->inputs[1]];
  ASSERT_NE(scale_nhwc.constant, nullptr);
  EXPECT_EQ(scale_nhwc.constant->shape(), (Shape{1, 1, 1, 1}));
  EXPECT_EQ(ToFloats(*scale_nhwc.constant), (std::vector<float>{0.75f}));

  const Node* sub_n = FindNode(out, "sub");
  ASSERT_NE(sub_n, nullptr);
  const Value& full_nhwc = out.values[sub_n->inputs[1]];
  ASSERT_NE(full_nhwc.constant, nullptr);
  EXPECT_EQ(full_nhwc.constant->shape(), (Shape{1, 2, 3, 4}));
  std::vector<float> want;  // [H, W, C]: element (h, w, c) = 6c + 3h + w
  for (int h = 0; h < 2; ++h) {
    for (int w = 0; w < 3; ++w) {
      for (int c = 0; c < 4; ++c) want.push_back(6.f * c + 3.f * h + w);
    }
  }
  EXPECT_EQ(ToFloats(*full_nhwc.constant), want);
  // The original constants have no reader left.
  EXPECT_EQ(out.FindValue("bias"), kNoValue);
  EXPECT_EQ(out.FindValue("full"), kNoValue);
  EXPECT_EQ(NameOf(out, out.outputs[0]), "y");
  ExpectLoweringKeepsOutputs(g);
}

// A binary op with a non-constant NCHW input stays NCHW (its NHWC input is converted back).
TEST(LayoutNhwcPass, BinaryOpWithAnNchwInputStaysNchw) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1, 3, 4, 4});
  const ValueId z = b.StaticInput("z", {1, 4, 4, 4});
  const ValueId conv = b.Conv3x3(x, "conv", 3, 4, 43);
  b.Output(b.Op("Add", "add", {conv, z}));
  const Graph g = b.g;
  const PassResult r = Lower(g);
  EXPECT_EQ(r.rewrites, 1);
  const Node* add = FindNode(r.graph, "add");
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(NameOf(r.graph, add->inputs[0]), "conv_out");
  EXPECT_EQ(NameOf(r.graph, add->inputs[1]), "z");
  ExpectLoweringKeepsOutputs(g);
}

TEST(LayoutNhwcPass, ConcatOverChannelsBecomesAxis3) {
  for (int64_t axis : {1, -3}) {
    SCOPED_TRACE(axis);
    GraphBuilder b;
    const ValueId x = b.StaticInput("x", {1, 3, 5, 4});
    const ValueId a = b.Conv3x3(x, "a", 3, 2, 51);
    const ValueId c = b.Conv3x3(x, "c", 3, 5, 53);
    const ValueId cat = b.Op("Concat", "cat", {a, c}, {{"axis", IntAttr(axis)}});
    b.Output(b.Conv3x3(cat, "d", 7, 3, 55));
    const Graph g = b.g;
    const PassResult r = Lower(g);
    EXPECT_EQ(r.rewrites, 4);
    const Node* n = FindNode(r.graph, "cat");
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(n->GetInt("axis", 0).value(), 3);
    EXPECT_EQ(NameOf(r.graph, n->outputs[0]), "cat_out.nhwc");
    EXPECT_EQ(FindOps(r.graph, "Transpose").size(), 2u);
    ExpectLoweringKeepsOutputs(g);
  }
}

// Concat over H stays NCHW: its inputs are converted back.
TEST(LayoutNhwcPass, ConcatOverSpaceStaysNchw) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1, 3, 5, 4});
  const ValueId a = b.Conv3x3(x, "a", 3, 2, 57);
  const ValueId c = b.Conv3x3(x, "c", 3, 2, 59);
  b.Output(b.Op("Concat", "cat", {a, c}, {{"axis", IntAttr(2)}}));
  const Graph g = b.g;
  const PassResult r = Lower(g);
  EXPECT_EQ(r.rewrites, 2);
  EXPECT_EQ(FindNode(r.graph, "cat")->GetInt("axis", 0).value(), 2);
  EXPECT_EQ(Transposes(r.graph, {0, 3, 1, 2}).size(), 2u);
  ExpectLoweringKeepsOutputs(g);
}

// Conv -> GlobalAveragePool -> Flatten -> Gemm: the pool runs NHWC, the transpose back moves
// after it (on [N, 1, 1, C], a copy of C values per image).
TEST(LayoutNhwcPass, GlobalAveragePoolAfterConv) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {2, 3, 7, 7});
  const ValueId conv = b.Conv3x3(x, "conv", 3, 8, 61);
  const ValueId pool = b.Op("GlobalAveragePool", "gap", {conv});
  const ValueId flat = b.Op("Flatten", "flatten", {pool}, {{"axis", IntAttr(1)}});
  b.Output(b.Op("Gemm", "fc", {flat, b.Random("fc.w", {5, 8}, 63), b.Random("fc.b", {5}, 64)},
                {{"transB", IntAttr(1)}}));
  const Graph g = b.g;
  const PassResult r = Lower(g);
  EXPECT_EQ(r.rewrites, 2);
  const Node* gap = FindNode(r.graph, "gap");
  ASSERT_NE(gap, nullptr);
  EXPECT_EQ(gap->domain, kFinchDomain);
  EXPECT_TRUE(IsNhwc(*gap));
  EXPECT_EQ(NameOf(r.graph, gap->inputs[0]), "conv_out.nhwc");
  const std::vector<const Node*> back = Transposes(r.graph, {0, 3, 1, 2});
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0]->inputs[0], gap->outputs[0]);
  EXPECT_EQ(FindNode(r.graph, "flatten")->domain, "");
  ExpectLoweringKeepsOutputs(g);
}

// A GlobalAveragePool of a graph input (no NHWC producer) is not worth a transpose.
TEST(LayoutNhwcPass, GlobalAveragePoolOfNchwInputStaysNchw) {
  GraphBuilder b;
  b.Output(b.Op("GlobalAveragePool", "gap", {b.StaticInput("x", {1, 3, 4, 4})}));
  const Graph g = b.g;
  ExpectUnchanged(ConvertLayoutToNhwc(g, PassContext{}), g);
  ExpectLoweringKeepsOutputs(g, /*expect_nhwc=*/false);
}

TEST(LayoutNhwcPass, BatchNormalizationAfterConv) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {2, 3, 6, 5});
  const ValueId conv = b.Conv3x3(x, "conv", 3, 7, 71, /*bias=*/false);
  const ValueId bn = b.BatchNorm("bn", conv, 7);
  b.Output(b.Op("Relu", "relu", {bn}));
  const Graph g = b.g;
  const PassResult r = Lower(g);
  EXPECT_EQ(r.rewrites, 3);
  const Node* n = FindNode(r.graph, "bn");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->domain, kFinchDomain);
  EXPECT_EQ(n->op_type, "BatchNormalization");
  EXPECT_TRUE(IsNhwc(*n));
  EXPECT_EQ(NameOf(r.graph, n->inputs[0]), "conv_out.nhwc");
  EXPECT_EQ(NameOf(r.graph, n->inputs[1]), "bn.gamma");
  EXPECT_EQ(FusedFromOf(*n), (std::vector<std::string>{"bn"}));
  EXPECT_EQ(FindOps(r.graph, "Transpose").size(), 2u);
  // Without the pipeline BatchNormalization is not folded into the conv: the NHWC kernel runs.
  ExpectLoweringKeepsOutputs(g);
}

TEST(LayoutNhwcPass, MaxPool2dIsConvertedEvenWithoutConv) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1, 5, 7, 7});
  b.Output(b.Op("MaxPool", "pool", {x},
                {{"kernel_shape", IntsAttr({3, 3})}, {"strides", IntsAttr({2, 2})},
                 {"pads", IntsAttr({1, 1, 1, 1})}}));
  const Graph g = b.g;
  const PassResult r = Lower(g);
  EXPECT_EQ(r.rewrites, 1);
  const Node* n = FindNode(r.graph, "pool");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->domain, kFinchDomain);
  EXPECT_TRUE(IsNhwc(*n));
  ExpectLoweringKeepsOutputs(g);
}

// A MaxPool whose input is declared rank 2 is left alone: the error (a 2-D kernel on a rank-2
// tensor) is the one the unlowered graph gives.
TEST(LayoutNhwcPass, MaxPoolWithRank2InputIsNotConverted) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {4, 4});
  b.Output(b.Op("MaxPool", "n", {x}, {{"kernel_shape", IntsAttr({2, 2})}}));
  const Graph g = b.g;
  ExpectUnchanged(ConvertLayoutToNhwc(g, PassContext{}), g);
  SessionOptions options;
  options.optimize = false;
  auto lowered = Session::Create(g, options);
  options.lower = false;
  auto plain = Session::Create(g, options);
  ASSERT_FALSE(plain.ok());
  ASSERT_FALSE(lowered.ok());
  EXPECT_EQ(lowered.status().code(), plain.status().code());
  EXPECT_EQ(lowered.status().message(), plain.status().message());
}

// A 1-D MaxPool (rank-3 input) stays NCHW and runs.
TEST(LayoutNhwcPass, MaxPool1dIsNotConverted) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1, 3, 9});
  b.Output(b.Op("MaxPool", "pool", {x}, {{"kernel_shape", IntsAttr({3})}}));
  const Graph g = b.g;
  ExpectUnchanged(ConvertLayoutToNhwc(g, PassContext{}), g);
  ExpectLoweringKeepsOutputs(g, /*expect_nhwc=*/false);
}

// W fed at run time, declared rank 4: the conv is converted; its kernel is the reference (the
// fast paths pack the weights at plan time).
TEST(LayoutNhwcPass, ConvWithRuntimeWeightsIsConvertedAndRunsOnTheReference) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1, 4, 6, 6});
  const ValueId w = b.StaticInput("w", {3, 4, 3, 3});
  b.Output(b.Op("Conv", "conv", {x, w}, Conv3x3Attrs(), "", 1, "y"));
  const Graph g = b.g;
  const PassResult r = Lower(g);
  EXPECT_EQ(r.rewrites, 1);
  const Node* n = FindNode(r.graph, "conv");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->op_type, "FusedConv");
  EXPECT_TRUE(IsNhwc(*n));
  // The weight input keeps its name and layout; no transpose is added for it.
  EXPECT_EQ(NameOf(r.graph, n->inputs[1]), "w");
  EXPECT_EQ(FindOps(r.graph, "Transpose").size(), 2u);
  ExpectLoweringKeepsOutputs(g);

  SessionOptions options;
  options.threads = 1;
  options.optimize = false;
  auto s = Session::Create(g, options);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  RunProfile profile;
  auto out = (*s)->Run(RandomInputs(g, 5), RunOptions{}, &profile);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  bool found = false;
  for (const RunProfile::Step& step : profile.steps) {
    if (step.op_type != "finch::FusedConv") continue;
    found = true;
    EXPECT_EQ(step.kernel, "conv_nhwc_f32_ref");
  }
  EXPECT_TRUE(found);
}

// A 1-D conv (W of rank 3) stays NCHW.
TEST(LayoutNhwcPass, Conv1dIsNotConverted) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1, 2, 9});
  b.Output(b.Op("Conv", "conv", {x, b.Random("w", {3, 2, 3}, 81)},
                {{"kernel_shape", IntsAttr({3})}}));
  const Graph g = b.g;
  ExpectUnchanged(ConvertLayoutToNhwc(g, PassContext{}), g);
  ExpectLoweringKeepsOutputs(g, /*expect_nhwc=*/false);
}

// Pools after a conv (their input NHWC) and alone, over the window attributes, at opsets 11, 13
// and 19: the finch-domain pools follow one opset's semantics (kFinchPoolOpset), which must
// agree with the model's for every attribute the model's opset has.
TEST(LayoutNhwcPass, PoolsAgreeWithTheReference) {
  struct PoolCase {
    const char* op;
    std::map<std::string, Attribute> attrs;
  };
  const std::vector<PoolCase> cases = {
      {"MaxPool", {{"kernel_shape", IntsAttr({2, 2})}, {"strides", IntsAttr({2, 2})}}},
      {"MaxPool",
       {{"kernel_shape", IntsAttr({3, 3})}, {"strides", IntsAttr({2, 2})},
        {"pads", IntsAttr({1, 1, 1, 1})}}},
      {"MaxPool",
       {{"kernel_shape", IntsAttr({3, 3})}, {"dilations", IntsAttr({2, 2})},
        {"pads", IntsAttr({0, 1, 1, 0})}}},
      {"MaxPool",
       {{"kernel_shape", IntsAttr({3, 2})}, {"strides", IntsAttr({2, 3})},
        {"ceil_mode", IntAttr(1)}}},
      {"MaxPool",
       {{"kernel_shape", IntsAttr({3, 3})}, {"strides", IntsAttr({2, 2})},
        {"auto_pad", StringAttr("SAME_UPPER")}}},
      {"AveragePool",
       {{"kernel_shape", IntsAttr({3, 3})}, {"strides", IntsAttr({2, 2})},
        {"pads", IntsAttr({1, 1, 1, 1})}}},
      {"AveragePool",
       {{"kernel_shape", IntsAttr({3, 3})}, {"pads", IntsAttr({1, 0, 2, 1})},
        {"count_include_pad", IntAttr(1)}}},
      {"AveragePool",
       {{"kernel_shape", IntsAttr({3, 3})}, {"strides", IntsAttr({2, 2})},
        {"pads", IntsAttr({1, 1, 1, 1})}, {"ceil_mode", IntAttr(1)}}},
      {"AveragePool",
       {{"kernel_shape", IntsAttr({2, 2})}, {"strides", IntsAttr({2, 2})},
        {"ceil_mode", IntAttr(1)}, {"count_include_pad", IntAttr(1)}}},
      {"AveragePool",
       {{"kernel_shape", IntsAttr({3, 3})}, {"auto_pad", StringAttr("SAME_LOWER")},
        {"strides", IntsAttr({2, 2})}}},
  };
  for (int64_t opset : {11, 13, 19}) {
    for (size_t i = 0; i < cases.size(); ++i) {
      for (bool after_conv : {true, false}) {
        SCOPED_TRACE(StrCat(cases[i].op, " case ", i, " opset ", opset,
                            after_conv ? " after a conv" : " alone"));
        GraphBuilder b(opset);
        ValueId x = b.StaticInput("x", {2, 5, 9, 8});
        if (after_conv) x = b.Conv3x3(x, "conv", 5, 6, 101);
        b.Output(b.Op(cases[i].op, "pool", {x}, cases[i].attrs));
        const Graph g = b.g;
        const PassResult r = Lower(g);
        EXPECT_EQ(r.rewrites, after_conv ? 2 : 1);
        const Node* pool = FindNode(r.graph, "pool");
        ASSERT_NE(pool, nullptr);
        EXPECT_TRUE(IsNhwc(*pool));
        ExpectLoweringKeepsOutputs(g);
      }
    }
  }
}

// An attribute the model's opset does not have is an error with or without the lowering (the
// finch pools keep the model's opset in `onnx_opset`): at opset 8 a MaxPool with ceil_mode is
// rejected either way.
TEST(LayoutNhwcPass, PoolAttributesValidOnlyInLaterOpsetsStayInvalid) {
  GraphBuilder b(8);
  const ValueId x = b.StaticInput("x", {1, 2, 6, 6});
  b.Output(b.Op("MaxPool", "n", {x},
                {{"kernel_shape", IntsAttr({3, 3})}, {"strides", IntsAttr({2, 2})},
                 {"ceil_mode", IntAttr(1)}}));
  const Graph g = b.g;
  SessionOptions options;
  options.optimize = false;
  options.lower = false;
  auto plain = Session::Create(g, options);
  options.lower = true;
  auto lowered = Session::Create(g, options);
  EXPECT_FALSE(plain.ok());
  EXPECT_EQ(lowered.ok(), plain.ok())
      << "unlowered: " << plain.status().ToString() << "; lowered: "
      << (lowered.ok() ? "accepted" : lowered.status().ToString());
}

// AveragePool's dilations (opset 19): computed alike lowered or not; before opset 19 the
// attribute does not exist and both must agree on that too.
TEST(LayoutNhwcPass, AveragePoolDilations) {
  for (int64_t opset : {13, 19}) {
    SCOPED_TRACE(opset);
    GraphBuilder b(opset);
    const ValueId x = b.StaticInput("x", {1, 3, 9, 9});
    const ValueId conv = b.Conv3x3(x, "conv", 3, 4, 151);
    b.Output(b.Op("AveragePool", "n", {conv},
                  {{"kernel_shape", IntsAttr({3, 3})}, {"dilations", IntsAttr({2, 2})},
                   {"pads", IntsAttr({1, 1, 1, 1})}}));
    const Graph g = b.g;
    SessionOptions options;
    options.optimize = false;
    options.lower = false;
    auto plain = Session::Create(g, options);
    options.lower = true;
    auto lowered = Session::Create(g, options);
    ASSERT_EQ(lowered.ok(), plain.ok())
        << "unlowered: " << plain.status().ToString() << "; lowered: "
        << lowered.status().ToString();
    if (plain.ok()) ExpectLoweringKeepsOutputs(g);
  }
}

// finch::SqueezeExcite after a conv runs NHWC.
TEST(LayoutNhwcPass, SqueezeExciteAfterConv) {
  GraphBuilder b = FusedGraphBuilder(111);
  const ValueId x = b.StaticInput("x", {2, 3, 7, 6});
  const ValueId conv = b.Conv3x3(x, "conv", 3, 8, 113);
  std::map<std::string, Attribute> attrs = {{"activation", StringAttr("SiLU")},
                                            {"gate_activation", StringAttr("Sigmoid")}};
  b.Output(b.Op("SqueezeExcite", "se",
                {conv, b.Weight("w1", {3, 8, 1, 1}), b.Weight("b1", {3}),
                 b.Weight("w2", {8, 3, 1, 1}), b.Weight("b2", {8})},
                attrs, kFinchDomain));
  const Graph g = b.g;
  const PassResult r = Lower(g);
  EXPECT_EQ(r.rewrites, 2);
  const Node* se = FindNode(r.graph, "se");
  ASSERT_NE(se, nullptr);
  EXPECT_TRUE(IsNhwc(*se));
  EXPECT_EQ(NameOf(r.graph, se->inputs[0]), "conv_out.nhwc");
  EXPECT_EQ(NameOf(r.graph, se->inputs[1]), "w1");
  ExpectLoweringKeepsOutputs(g);
}

// Unary ops with extra inputs or attributes after an NHWC producer: Clip with min/max inputs,
// LeakyRelu, HardSigmoid; PRelu with a per-channel slope constant.
TEST(LayoutNhwcPass, UnaryOpsAndPReluFollowTheLayout) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1, 4, 5, 5});
  const ValueId conv = b.Conv3x3(x, "conv", 4, 6, 121);
  const ValueId clip = b.Op("Clip", "clip",
                            {conv, b.Const("lo", Tensor::Scalar<float>(-0.5f)),
                             b.Const("hi", Tensor::Scalar<float>(0.75f))});
  const ValueId leaky = b.Op("LeakyRelu", "leaky", {clip}, {{"alpha", FloatAttr(0.2f)}});
  const ValueId hs = b.Op("HardSigmoid", "hs", {leaky}, {{"alpha", FloatAttr(0.3f)}});
  const ValueId conv2 = b.Conv3x3(hs, "conv2", 6, 6, 123);
  b.Output(b.Op("PRelu", "prelu", {conv2, b.Random("slope", {6, 1, 1}, 125)}));
  const Graph g = b.g;
  const PassResult r = Lower(g);
  EXPECT_EQ(r.rewrites, 6);
  EXPECT_EQ(FindOps(r.graph, "Transpose").size(), 2u);
  EXPECT_EQ(NameOf(r.graph, FindNode(r.graph, "clip")->inputs[1]), "lo");
  EXPECT_EQ(r.graph.values[FindNode(r.graph, "prelu")->inputs[1]].constant->shape(),
            (Shape{1, 1, 1, 6}));
  ExpectLoweringKeepsOutputs(g);
}

// A Concat of an NHWC value and an NCHW graph input stays NCHW.
TEST(LayoutNhwcPass, ConcatOfMixedLayoutsStaysNchw) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1, 3, 4, 4});
  const ValueId z = b.StaticInput("z", {1, 2, 4, 4});
  const ValueId conv = b.Conv3x3(x, "conv", 3, 5, 131);
  b.Output(b.Op("Concat", "cat", {conv, z}, {{"axis", IntAttr(1)}}));
  const Graph g = b.g;
  const PassResult r = Lower(g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(FindNode(r.graph, "cat")->GetInt("axis", 0).value(), 1);
  EXPECT_EQ(NameOf(r.graph, FindNode(r.graph, "cat")->inputs[0]), "conv_out");
  ExpectLoweringKeepsOutputs(g);
}

// A conv whose input shape is known only at run time (after a Reshape to a shape fed as an
// input): converted (rank unknown), the step dynamic, the reference NHWC kernel at run time.
TEST(LayoutNhwcPass, ConvAfterRuntimeReshape) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1, 48});
  const ValueId shape = b.StaticInput("shape", {4}, DataType::kInt64);
  const ValueId r = b.Op("Reshape", "reshape", {x, shape});
  b.Output(b.Op("Conv", "conv", {r, b.Random("w", {2, 3, 3, 3}, 141)}, Conv3x3Attrs(), "", 1,
                "y"));
  const Graph g = b.g;
  const PassResult pr = Lower(g);
  EXPECT_EQ(pr.rewrites, 1);
  std::mt19937 rng(5);
  const std::vector<Tensor> inputs = {RandomTensor({1, 48}, rng),
                                      Tensor::FromVector<int64_t>({4}, {1, 3, 4, 4})};
  SessionOptions options;
  options.threads = 1;
  options.optimize = false;
  options.lower = false;
  const std::vector<Tensor> want = RunWith(g, options, inputs);
  options.lower = true;
  const std::vector<Tensor> got = RunWith(g, options, inputs);
  ASSERT_EQ(want.size(), 1u);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].shape(), (Shape{1, 2, 4, 4}));
  std::string why;
  EXPECT_TRUE(AllClose(got[0], want[0], 1e-5, 1e-6, &why)) << why;
}

TEST(LayoutNhwcPass, GraphWithoutConvIsUnchanged) {
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1, 3, 4, 4});
  const ValueId r = b.Op("Relu", "relu", {x});
  const ValueId a = b.Op("Add", "add", {r, b.Random("c", {3, 1, 1}, 91)});
  const ValueId p = b.Op("GlobalAveragePool", "gap", {a});
  b.Output(b.Op("Sigmoid", "sig", {p}));
  const Graph g = b.g;
  ExpectUnchanged(ConvertLayoutToNhwc(g, PassContext{}), g);
  ExpectLoweringKeepsOutputs(g, /*expect_nhwc=*/false);
}

}  // namespace
}  // namespace finch::testing
