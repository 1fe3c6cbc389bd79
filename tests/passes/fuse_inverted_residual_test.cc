// fuse-inverted-residual on tiny graphs built in code: [FusedConv 1x1 expand] -> FusedConv
// depthwise -> [SqueezeExcite] -> FusedConv 1x1 project [+ residual Z], as fold-batchnorm,
// fuse-residual, fuse-activation and fuse-squeeze-excite leave a MobileNetV2 / EfficientNet block.
//
// Outputs are compared with rtol 1e-5: the InvertedResidual reference kernel composes the same
// reference kernels (1x1 conv, depthwise conv, squeeze-excite, residual add, activations) in the
// same float order, so today the results agree to the bit; the tolerance leaves room for a fast
// kernel that reorders the convolutions' sums (a few ulps on values of order 1).
#include <gtest/gtest.h>

#include "graph/ops/fused.h"
#include "graph/passes/passes.h"
#include "graph/passes/pipeline.h"
#include "tests/util/pass_test_util.h"
#include "tests/util/test_util.h"

namespace finch::testing {
namespace {

// A FusedConv's attributes as the earlier passes leave them; a Clip activation is ReLU6.
std::map<std::string, Attribute> ConvAttrs(int64_t kh, int64_t kw, int64_t stride,
                                           std::vector<int64_t> pads, int64_t group,
                                           const std::string& act,
                                           std::vector<std::string> fused_from) {
  return FusedConvAttrs(kh, kw, stride, std::move(pads), group, act,
                        act == "Clip" ? std::vector<float>{0.f, 6.f} : std::vector<float>{},
                        std::move(fused_from));
}

// The shape of one block; the defaults make a fusable MobileNetV2 block (expand, 3x3
// depthwise, project, no residual).
struct IrSpec {
  int64_t batch = 2, channels = 5, hidden = 11, out = 5, h = 7, w = 6;
  bool expand = true;
  int64_t k = 3, kw = 0;  // depthwise kernel k × kw (kw 0: square)
  int64_t dw_stride = 1;
  std::vector<int64_t> dw_pads;  // empty: k/2 everywhere
  bool dw_depthwise = true;      // false: a dense k×k conv (group 1)
  bool dw_weight_constant = true;
  bool se = false;
  int64_t se_reduced = 3;
  enum Residual { kNone, kBlockInput, kOtherTensor } residual = kNone;
  std::string expand_act = "Clip", dw_act = "Clip", project_act;
  int64_t expand_stride = 1, project_stride = 1, project_pad = 0;
  bool t_second_reader = false, d_second_reader = false, s_second_reader = false;
  bool project_plain_conv = false;  // the project as a plain Conv (nothing fused into it)
};

// Appends the block reading `x` to `b`; returns its output (named `output`).
ValueId AppendBlock(GraphBuilder& b, ValueId x, const IrSpec& s, const std::string& p,
                    const std::string& output) {
  ValueId t = x;
  if (s.expand) {
    t = b.Op("FusedConv", p + "expand",
             {x, b.Weight(p + "w_expand", {s.hidden, s.channels, 1, 1}),
              b.Weight(p + "b_expand", {s.hidden})},
             ConvAttrs(1, 1, s.expand_stride, {0, 0, 0, 0}, 1, s.expand_act,
                       {p + "expand", p + "expand_bn", p + "expand_act"}),
             kFinchDomain);
  }
  const int64_t kw = s.kw ? s.kw : s.k;
  const std::vector<int64_t> pads =
      s.dw_pads.empty() ? std::vector<int64_t>{s.k / 2, kw / 2, s.k / 2, kw / 2} : s.dw_pads;
  const Shape w_dw = {s.hidden, s.dw_depthwise ? 1 : s.hidden, s.k, kw};
  const ValueId d =
      b.Op("FusedConv", p + "dw",
           {t, s.dw_weight_constant ? b.Weight(p + "w_dw", w_dw) : b.StaticInput(p + "w_dw", w_dw),
            b.Weight(p + "b_dw", {s.hidden})},
           ConvAttrs(s.k, kw, s.dw_stride, pads, s.dw_depthwise ? s.hidden : 1, s.dw_act,
                     {p + "dw", p + "dw_bn", p + "dw_act"}),
           kFinchDomain);
  ValueId se_out = d;
  if (s.se) {
    std::map<std::string, Attribute> attrs = {
        {"activation", StringAttr("SiLU")},
        {"gate_activation", StringAttr("Sigmoid")},
        {"fused_from", StringsAttr({p + "se.pool", p + "se.fc1", p + "se.fc2", p + "se.mul"})}};
    se_out = b.Op(
        "SqueezeExcite", p + "se.pool",
        {d, b.Weight(p + "w_se1", {s.se_reduced, s.hidden, 1, 1}),
         b.Weight(p + "b_se1", {s.se_reduced}),
         b.Weight(p + "w_se2", {s.hidden, s.se_reduced, 1, 1}), b.Weight(p + "b_se2", {s.hidden})},
        attrs, kFinchDomain);
  }
  std::vector<ValueId> in = {se_out, b.Weight(p + "w_project", {s.out, s.hidden, 1, 1}),
                             b.Weight(p + "b_project", {s.out})};
  std::vector<std::string> fused = {p + "project", p + "project_bn"};
  if (s.residual != IrSpec::kNone) {
    const int64_t oh = (s.h + 2 * (s.k / 2) - s.k) / s.dw_stride + 1;
    const int64_t ow = (s.w + 2 * (kw / 2) - kw) / s.dw_stride + 1;
    in.push_back(
        s.residual == IrSpec::kBlockInput ? x : b.StaticInput(p + "z", {s.batch, s.out, oh, ow}));
    fused.push_back(p + "add");
  }
  const int64_t pp = s.project_pad;
  std::map<std::string, Attribute> attrs =
      ConvAttrs(1, 1, s.project_stride, {pp, pp, pp, pp}, 1, s.project_act, fused);
  if (s.project_plain_conv) attrs.erase("fused_from");
  const ValueId y = b.Op(s.project_plain_conv ? "Conv" : "FusedConv", p + "project", in, attrs,
                         s.project_plain_conv ? "" : kFinchDomain, 1, output);
  if (s.t_second_reader) b.Output(b.Op("Relu", p + "t_relu", {t}));
  if (s.d_second_reader) b.Output(b.Op("Relu", p + "d_relu", {d}));
  if (s.s_second_reader) b.Output(b.Op("Relu", p + "s_relu", {se_out}));
  return y;
}

Graph BuildIr(const IrSpec& s) {
  GraphBuilder b = FusedGraphBuilder(4321);
  const ValueId x = b.StaticInput("x", {s.batch, s.channels, s.h, s.w});
  const ValueId y = AppendBlock(b, x, s, "block.", "y");
  b.Output(y);
  return b.g;
}

void ExpectSameOutputs(const Graph& before, const Graph& after) {
  testing::ExpectSameOutputs(before, after, RandomInputs(before, 99), 1e-5, 1e-6);
}

PassResult RunPass(const Graph& g) { return ApplyPass(FuseInvertedResidual, g); }

void ExpectNoMatch(const IrSpec& spec) {
  const Graph g = BuildIr(spec);
  ExpectUnchanged(FuseInvertedResidual(g, PassContext{}), g);
}

// The name of input `i` of `node` ("" when absent).
std::string InputName(const Graph& g, const Node& node, int i) {
  return node.has_input(i) ? g.values[node.inputs[i]].name : "";
}

std::vector<int64_t> Ints(const Node& node, const std::string& name) {
  return node.GetInts(name, {}).value();
}

TEST(FuseInvertedResidualPass, FusesExpandDepthwiseProjectWithResidual) {
  IrSpec spec;
  spec.residual = IrSpec::kBlockInput;
  const Graph g = BuildIr(spec);
  const PassResult r = RunPass(g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"finch::InvertedResidual", 1}}));
  const std::vector<const Node*> ir = FindOps(r.graph, "InvertedResidual");
  ASSERT_EQ(ir.size(), 1u);
  const Node& n = *ir[0];
  EXPECT_EQ(n.name, "block.expand");
  EXPECT_EQ(n.FindAttribute("fused_from")->strings,
            (std::vector<std::string>{"block.expand", "block.expand_bn", "block.expand_act",
                                      "block.dw", "block.dw_bn", "block.dw_act", "block.project",
                                      "block.project_bn", "block.add"}));
  ASSERT_EQ(n.inputs.size(), static_cast<size_t>(kIrNumInputs));
  const std::vector<std::string> names = {
      "x", "block.w_expand",  "block.b_expand", "block.w_dw", "block.b_dw", "", "", "",
      "",  "block.w_project", "block.b_project"};
  for (int i = 0; i < kIrNumInputs; ++i) EXPECT_EQ(InputName(r.graph, n, i), names[i]) << i;
  EXPECT_EQ(r.graph.values[n.outputs[0]].name, "y");
  EXPECT_EQ(n.GetInt("residual", 0).value(), 1);
  EXPECT_EQ(Ints(n, "dw_strides"), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(Ints(n, "dw_pads"), (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(Ints(n, "dw_dilations"), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(n.GetString("expand_activation", "").value(), "Clip");
  EXPECT_EQ(n.GetFloats("expand_activation_params", {}).value(), (std::vector<float>{0, 6}));
  EXPECT_EQ(n.GetString("dw_activation", "").value(), "Clip");
  EXPECT_EQ(n.FindAttribute("project_activation"), nullptr);
  EXPECT_EQ(n.FindAttribute("se_activation"), nullptr);
  ExpectSameOutputs(g, r.graph);
}

// MobileNetV2's first block: the depthwise reads the block input directly.
TEST(FuseInvertedResidualPass, FusesBlockWithoutExpandStride2) {
  IrSpec spec;
  spec.expand = false;
  spec.channels = spec.hidden = 9;
  spec.out = 7;
  spec.dw_stride = 2;
  const Graph g = BuildIr(spec);
  const PassResult r = RunPass(g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"finch::InvertedResidual", 1}}));
  const Node& n = *FindOps(r.graph, "InvertedResidual")[0];
  EXPECT_EQ(n.name, "block.dw");
  EXPECT_FALSE(n.has_input(kIrExpandW));
  EXPECT_FALSE(n.has_input(kIrExpandB));
  EXPECT_EQ(InputName(r.graph, n, kIrX), "x");
  EXPECT_EQ(n.GetInt("residual", 1).value(), 0);
  EXPECT_EQ(Ints(n, "dw_strides"), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(n.FindAttribute("fused_from")->strings,
            (std::vector<std::string>{"block.dw", "block.dw_bn", "block.dw_act", "block.project",
                                      "block.project_bn"}));
  ExpectSameOutputs(g, r.graph);
}

// EfficientNet's MBConv: SiLU expand, 5x5 depthwise, squeeze-excite, residual.
TEST(FuseInvertedResidualPass, FusesBlockWithSqueezeExcite5x5) {
  IrSpec spec;
  spec.k = 5;
  spec.se = true;
  spec.expand_act = spec.dw_act = "SiLU";
  spec.residual = IrSpec::kBlockInput;
  const Graph g = BuildIr(spec);
  const PassResult r = RunPass(g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"finch::InvertedResidual", 1}}));
  const Node& n = *FindOps(r.graph, "InvertedResidual")[0];
  EXPECT_EQ(InputName(r.graph, n, kIrSeReduceW), "block.w_se1");
  EXPECT_EQ(InputName(r.graph, n, kIrSeReduceB), "block.b_se1");
  EXPECT_EQ(InputName(r.graph, n, kIrSeExpandW), "block.w_se2");
  EXPECT_EQ(InputName(r.graph, n, kIrSeExpandB), "block.b_se2");
  EXPECT_EQ(n.GetString("se_activation", "").value(), "SiLU");
  EXPECT_EQ(n.GetString("se_gate_activation", "").value(), "Sigmoid");
  EXPECT_EQ(n.GetString("dw_activation", "").value(), "SiLU");
  EXPECT_EQ(Ints(n, "dw_pads"), (std::vector<int64_t>{2, 2, 2, 2}));
  EXPECT_EQ(n.GetInt("residual", 0).value(), 1);
  const std::vector<std::string>& ff = n.FindAttribute("fused_from")->strings;
  ASSERT_EQ(ff.size(), 13u);  // expand 3, depthwise 3, squeeze-excite 4, project 3
  EXPECT_EQ(ff[6], "block.se.pool");
  EXPECT_EQ(ff[9], "block.se.mul");
  EXPECT_EQ(ff[12], "block.add");
  ExpectSameOutputs(g, r.graph);
}

// TF-style asymmetric padding (SAME for stride 2) and a project activation.
TEST(FuseInvertedResidualPass, FusesAsymmetricPadsAndProjectActivation) {
  IrSpec spec;
  spec.dw_stride = 2;
  spec.dw_pads = {0, 0, 1, 1};
  spec.project_act = "Relu";
  spec.se = true;
  const Graph g = BuildIr(spec);
  const PassResult r = RunPass(g);
  EXPECT_EQ(r.rewrites, 1);
  const Node& n = *FindOps(r.graph, "InvertedResidual")[0];
  EXPECT_EQ(Ints(n, "dw_pads"), (std::vector<int64_t>{0, 0, 1, 1}));
  EXPECT_EQ(n.GetString("project_activation", "").value(), "Relu");
  ExpectSameOutputs(g, r.graph);
}

// A project with nothing fused into it stays a plain Conv; it is the block's project all the same.
TEST(FuseInvertedResidualPass, FusesPlainConvProject) {
  IrSpec spec;
  spec.project_plain_conv = true;
  spec.se = true;
  const Graph g = BuildIr(spec);
  const PassResult r = RunPass(g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"finch::InvertedResidual", 1}}));
  const Node& n = *FindOps(r.graph, "InvertedResidual")[0];
  EXPECT_EQ(n.FindAttribute("fused_from")->strings.back(), "block.project");
  EXPECT_EQ(n.FindAttribute("project_activation"), nullptr);
  ExpectSameOutputs(g, r.graph);
}

// Two blocks in a row: the second block's input is the first block's output.
TEST(FuseInvertedResidualPass, FusesConsecutiveBlocks) {
  GraphBuilder b = FusedGraphBuilder(77);
  IrSpec first;
  first.expand = false;
  first.channels = first.hidden = 7;
  first.out = 5;
  IrSpec second;
  second.residual = IrSpec::kBlockInput;
  const ValueId x = b.StaticInput("x", {first.batch, first.channels, first.h, first.w});
  const ValueId y1 = AppendBlock(b, x, first, "b1.", "y1");
  b.Output(AppendBlock(b, y1, second, "b2.", "y2"));
  const Graph g = b.g;
  const PassResult r = RunPass(g);
  EXPECT_EQ(r.rewrites, 2);
  EXPECT_EQ(CountOps(r.graph), (std::map<std::string, int>{{"finch::InvertedResidual", 2}}));
  ExpectSameOutputs(g, r.graph);
}

// An expand whose output is read elsewhere is not part of the block: the block starts at the
// depthwise (X = the expand's output), and the expand stays a FusedConv.
TEST(FuseInvertedResidualPass, ExpandOutputReadElsewhereStaysOutside) {
  IrSpec spec;
  spec.t_second_reader = true;
  const Graph g = BuildIr(spec);
  const PassResult r = RunPass(g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph),
            (std::map<std::string, int>{
                {"finch::InvertedResidual", 1}, {"finch::FusedConv", 1}, {"Relu", 1}}));
  const Node& n = *FindOps(r.graph, "InvertedResidual")[0];
  EXPECT_FALSE(n.has_input(kIrExpandW));
  EXPECT_EQ(InputName(r.graph, n, kIrX), "block.expand_out");
  ExpectSameOutputs(g, r.graph);
}

// Likewise an expand with a stride is not a pointwise expand.
TEST(FuseInvertedResidualPass, StridedExpandStaysOutside) {
  IrSpec spec;
  spec.expand_stride = 2;
  const Graph g = BuildIr(spec);
  const PassResult r = RunPass(g);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(CountOps(r.graph),
            (std::map<std::string, int>{{"finch::InvertedResidual", 1}, {"finch::FusedConv", 1}}));
  EXPECT_FALSE(FindOps(r.graph, "InvertedResidual")[0]->has_input(kIrExpandW));
  ExpectSameOutputs(g, r.graph);
}

TEST(FuseInvertedResidualPass, GuardDepthwiseOutputReadElsewhere) {
  IrSpec spec;
  spec.d_second_reader = true;
  ExpectNoMatch(spec);
}

TEST(FuseInvertedResidualPass, GuardSqueezeExciteOutputReadElsewhere) {
  IrSpec spec;
  spec.se = true;
  spec.s_second_reader = true;
  ExpectNoMatch(spec);
}

TEST(FuseInvertedResidualPass, GuardDepthwiseKernel7x7) {
  IrSpec spec;
  spec.k = 7;
  ExpectNoMatch(spec);
}

TEST(FuseInvertedResidualPass, GuardDepthwiseKernel1x3) {
  IrSpec spec;
  spec.k = 1;
  spec.kw = 3;
  ExpectNoMatch(spec);
}

TEST(FuseInvertedResidualPass, GuardResidualOfAnotherTensor) {
  IrSpec spec;
  spec.residual = IrSpec::kOtherTensor;
  ExpectNoMatch(spec);
}

TEST(FuseInvertedResidualPass, GuardDepthwiseWeightNotConstant) {
  IrSpec spec;
  spec.dw_weight_constant = false;
  ExpectNoMatch(spec);
}

TEST(FuseInvertedResidualPass, GuardDenseConvIsNotDepthwise) {
  IrSpec spec;
  spec.dw_depthwise = false;
  ExpectNoMatch(spec);
}

TEST(FuseInvertedResidualPass, GuardProjectWithStride) {
  IrSpec spec;
  spec.project_stride = 2;
  ExpectNoMatch(spec);
}

TEST(FuseInvertedResidualPass, GuardProjectWithPads) {
  IrSpec spec;
  spec.project_pad = 1;
  ExpectNoMatch(spec);
}

}  // namespace
}  // namespace finch::testing
