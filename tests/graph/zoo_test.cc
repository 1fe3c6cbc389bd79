#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include "graph/zoo/mobilenetv1.h"
#include "graph/zoo/mobilenetv2.h"
#include "graph/zoo/random_weights.h"
#include "runtime/session.h"
#include "tests/graph/zoo_test_util.h"
#include "tests/util/test_util.h"

namespace finch::zoo {
namespace {

TEST(ZooMobileNetV2, MakeDivisibleMatchesTorchvision) {
  EXPECT_EQ(MakeDivisible(32), 32);
  EXPECT_EQ(MakeDivisible(16), 16);
  EXPECT_EQ(MakeDivisible(3), 8);      // at least the divisor
  EXPECT_EQ(MakeDivisible(12), 16);    // int(12 + 4) // 8 * 8
  EXPECT_EQ(MakeDivisible(11.9), 16);  // rounds to 8, below 0.9 · 11.9: one step up
  EXPECT_EQ(MakeDivisible(19.9), 24);  // int(23.9) // 8 * 8 = 16 < 17.9: one step up
  EXPECT_EQ(MakeDivisible(20), 24);
  EXPECT_EQ(MakeDivisible(1280 * 1.4), 1792);
}

TEST(ZooMobileNetV2, MatchesTorchvisionCounts) {
  auto g = MakeMobileNetV2({});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  const Census c = Count(*g, 1);
  EXPECT_EQ(c.error, "");
  EXPECT_EQ(c.params, 3504872);
  EXPECT_EQ(c.macs, 300774272);
  EXPECT_EQ(c.blocks.size(), 17u);
  EXPECT_EQ(c.ops.at("Conv"), 52);
  EXPECT_EQ(c.ops.at("BatchNormalization"), 52);
  EXPECT_EQ(c.ops.at("Clip"), 35);
  EXPECT_EQ(c.ops.at("Add"), 10);
  EXPECT_EQ(c.ops.at("GlobalAveragePool"), 1);
  EXPECT_EQ(c.ops.at("Flatten"), 1);
  EXPECT_EQ(c.ops.at("Gemm"), 1);
  EXPECT_EQ(c.ops.size(), 7u);
  EXPECT_EQ(c.output, (Shape{1, 1000}));
}

TEST(ZooMobileNetV2, GraphInterfaceAndNames) {
  auto g = MakeMobileNetV2({});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->opset(), 13);
  ASSERT_EQ(g->inputs.size(), 1u);
  ASSERT_EQ(g->outputs.size(), 1u);
  EXPECT_EQ(g->values[g->inputs[0]].name, "input");
  EXPECT_EQ(g->values[g->inputs[0]].type.ToString(), "float32[N,3,224,224]");
  EXPECT_EQ(g->values[g->outputs[0]].name, "logits");
  EXPECT_EQ(g->values[g->outputs[0]].type.ToString(), "float32[N,1000]");
  std::set<std::string> names;
  for (const Node& n : g->nodes) names.insert(n.name);
  EXPECT_EQ(names.size(), g->nodes.size()) << "node names are unique";
  for (const char* name : {"features.0.0", "features.0.1", "features.0.2", "features.1.conv.0.0",
                           "features.1.conv.1", "features.1.conv.2", "features.2.conv.0.0",
                           "features.2.conv.1.0", "features.2.conv.2", "features.2.conv.3",
                           "features.3.add", "features.17.conv.3", "features.18.0",
                           "classifier.1"}) {
    EXPECT_EQ(names.count(name), 1u) << name;
  }
  for (const char* name : {"features.0.0.weight", "features.0.1.running_var",
                           "features.17.conv.2.weight", "classifier.1.bias"}) {
    EXPECT_NE(g->FindValue(name), kNoValue) << name;
  }
  // Depthwise: group = channels, stride 2 on the first block of a stride-2 stage only.
  const Node* dw2 = nullptr;
  const Node* dw3 = nullptr;
  for (const Node& n : g->nodes) {
    if (n.name == "features.2.conv.1.0") dw2 = &n;
    if (n.name == "features.3.conv.1.0") dw3 = &n;
  }
  ASSERT_TRUE(dw2 && dw3);
  EXPECT_EQ(dw2->FindAttribute("group")->i, 96);
  EXPECT_EQ(dw2->FindAttribute("strides")->ints, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(dw3->FindAttribute("group")->i, 144);
  EXPECT_EQ(dw3->FindAttribute("strides")->ints, (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(dw3->FindAttribute("pads")->ints, (std::vector<int64_t>{1, 1, 1, 1}));
  // Convs have no bias; BN epsilon 1e-5; Clip bounds 0 and 6 as inputs (opset 13).
  for (const Node& n : g->nodes) {
    if (n.op_type == "Conv") {
      EXPECT_EQ(n.inputs.size(), 2u) << n.name;
    }
    if (n.op_type == "BatchNormalization") {
      EXPECT_EQ(n.FindAttribute("epsilon")->f, 1e-5f);
    }
    if (n.op_type == "Clip") {
      ASSERT_EQ(n.inputs.size(), 3u);
      EXPECT_EQ(g->values[n.inputs[1]].constant->data<float>()[0], 0.f);
      EXPECT_EQ(g->values[n.inputs[2]].constant->data<float>()[0], 6.f);
    }
  }
}

TEST(ZooMobileNetV2, WidthAndResolutionVariants) {
  MobileNetV2Options o;
  o.width = 0.5;
  o.resolution = 160;
  o.num_classes = 10;
  auto g = MakeMobileNetV2(o);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  const Census c = Count(*g, 2);
  EXPECT_EQ(c.error, "");
  EXPECT_EQ(c.ops.at("Conv"), 52);
  EXPECT_EQ(c.output, (Shape{2, 10}));
  EXPECT_EQ(g->values[g->FindValue("features.0.0.weight")].constant->shape(),
            (Shape{16, 3, 3, 3}));
  // The last conv never narrows below 1280.
  EXPECT_EQ(g->values[g->FindValue("features.18.0.weight")].constant->shape(),
            (Shape{1280, 160, 1, 1}));

  o.width = 1.4;
  o.resolution = 33;  // not a multiple of 32: the floors of the stride-2 convs
  auto wide = MakeMobileNetV2(o);
  ASSERT_TRUE(wide.ok()) << wide.status().ToString();
  EXPECT_EQ(Count(*wide, 1).error, "");
  EXPECT_EQ(wide->values[wide->FindValue("features.18.0.weight")].constant->shape(),
            (Shape{1792, 448, 1, 1}));
}

TEST(ZooMobileNetV2, OldOpsetUsesClipAttributes) {
  MobileNetV2Options o;
  o.opset = 10;
  auto g = MakeMobileNetV2(o);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->opset(), 10);
  for (const Node& n : g->nodes) {
    if (n.op_type != "Clip") continue;
    EXPECT_EQ(n.inputs.size(), 1u);
    EXPECT_EQ(n.FindAttribute("min")->f, 0.f);
    EXPECT_EQ(n.FindAttribute("max")->f, 6.f);
  }
}

bool SameConstants(const Graph& a, const Graph& b) {
  if (a.values.size() != b.values.size()) return false;
  for (size_t v = 0; v < a.values.size(); ++v) {
    const auto& ta = a.values[v].constant;
    const auto& tb = b.values[v].constant;
    if (!ta != !tb) return false;
    if (!ta) continue;
    if (ta->shape() != tb->shape() ||
        std::memcmp(ta->raw_data(), tb->raw_data(), ta->byte_size()) != 0) {
      return false;
    }
  }
  return true;
}

TEST(ZooMobileNetV2, SeedDeterminesWeights) {
  MobileNetV2Options o;
  o.seed = 42;
  auto a = MakeMobileNetV2(o);
  auto b = MakeMobileNetV2(o);
  o.seed = 43;
  auto c = MakeMobileNetV2(o);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_TRUE(SameConstants(*a, *b));
  EXPECT_FALSE(SameConstants(*a, *c));
  // Every weight tensor differs between seeds, not just some.
  const Tensor& wa = *a->values[a->FindValue("features.5.conv.1.0.weight")].constant;
  const Tensor& wc = *c->values[c->FindValue("features.5.conv.1.0.weight")].constant;
  EXPECT_NE(std::memcmp(wa.raw_data(), wc.raw_data(), wa.byte_size()), 0);
}

// Pins the generator: the same values on every machine and standard library. If this fails
// after a toolchain change, weights of every seeded model changed with it.
TEST(ZooMobileNetV2, WeightRngIsPinned) {
  WeightRng rng(0, "features.0.0.weight");
  const double u = rng.Uniform();
  const double z = rng.Normal();
  EXPECT_EQ(static_cast<float>(u), 0x1.380adep-2f) << std::hexfloat << static_cast<float>(u);
  EXPECT_EQ(static_cast<float>(z), -0x1.303f12p-1f) << std::hexfloat << static_cast<float>(z);
}

TEST(ZooMobileNetV2, WeightRngMoments) {
  WeightRng rng(7, "moments");
  const int n = 200000;
  double sum = 0, sum2 = 0, usum = 0;
  for (int i = 0; i < n; ++i) {
    const double z = rng.Normal();
    sum += z;
    sum2 += z * z;
    usum += rng.Uniform();
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sum2 / n, 1.0, 0.02);
  EXPECT_NEAR(usum / n, 0.5, 0.005);
}

TEST(ZooMobileNetV2, BadOptionsAreInvalidArgument) {
  struct Case {
    MobileNetV2Options options;
    const char* needle;
  };
  std::vector<Case> cases;
  MobileNetV2Options o;
  o.width = 0;
  cases.push_back({o, "width 0"});
  o.width = -1;
  cases.push_back({o, "width -1"});
  o.width = std::nan("");
  cases.push_back({o, "width"});
  o.width = 100;
  cases.push_back({o, "width 100"});
  o = {};
  o.resolution = 31;
  cases.push_back({o, "resolution 31"});
  o = {};
  o.num_classes = 0;
  cases.push_back({o, "num_classes 0"});
  o = {};
  o.opset = 6;
  cases.push_back({o, "opset 6"});
  for (const Case& c : cases) {
    auto g = MakeMobileNetV2(c.options);
    ASSERT_FALSE(g.ok()) << c.needle;
    EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument) << c.needle;
    EXPECT_NE(g.status().message().find(c.needle), std::string::npos) << g.status().message();
  }
}

// Needs Clip, Add, BatchNormalization, GlobalAveragePool, Flatten and Gemm kernels.
TEST(ZooMobileNetV2, RunsEndToEnd) {
  auto g = MakeMobileNetV2({});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto session = Session::Create(std::move(g).value());
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto input = Tensor::Allocate(DataType::kFloat32, {1, 3, 224, 224});
  ASSERT_TRUE(input.ok());
  WeightRng rng(1, "input");
  float* x = input->mutable_data<float>();
  for (int64_t i = 0; i < input->num_elements(); ++i) x[i] = static_cast<float>(rng.Normal());
  auto out = (*session)->Run({*input});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 1u);
  const Tensor& logits = (*out)[0];
  ASSERT_EQ(logits.shape(), (Shape{1, 1000}));
  double max_abs = 0;
  for (int64_t i = 0; i < logits.num_elements(); ++i) {
    ASSERT_TRUE(std::isfinite(logits.data<float>()[i])) << "logit " << i;
    max_abs = std::max(max_abs, std::fabs(static_cast<double>(logits.data<float>()[i])));
  }
  // Activations neither vanish nor explode through 52 layers.
  EXPECT_GT(max_abs, 1e-3);
  EXPECT_LT(max_abs, 1e3);
}

// MobileNetV1 against the paper (Howard et al. 2017). Its counts leave BN out: multiply-adds of
// the convolutions and the FC layer, parameters of their weights and the FC bias. The paper
// rounds params to 0.1 M and mult-adds to 1 M (not consistently: 290.7 M is printed 290), so
// params must round to the printed figure and MACs fall within 0.5% of it.
TEST(ZooMobileNetV1, MatchesThePaper) {
  struct Case {
    double alpha;
    int64_t resolution;
    double paper_params_m, paper_macs_m;  // Table 6 (width) and Table 7 (resolution)
  };
  const Case cases[] = {{1.0, 224, 4.2, 569}, {0.75, 224, 2.6, 325}, {0.5, 224, 1.3, 149},
                        {0.25, 224, 0.5, 41},  {1.0, 192, 4.2, 418},  {1.0, 160, 4.2, 290},
                        {1.0, 128, 4.2, 186}};
  for (const Case& k : cases) {
    SCOPED_TRACE(StrCat("alpha ", k.alpha, " resolution ", k.resolution));
    MobileNetV1Options o;
    o.width = k.alpha;
    o.resolution = k.resolution;
    auto g = MakeMobileNetV1(o);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    const Census c = Count(*g, 1);
    EXPECT_EQ(c.error, "");
    const double params_m = static_cast<double>(c.params - c.bn_params) / 1e6;
    EXPECT_NEAR(std::round(params_m * 10) / 10, k.paper_params_m, 1e-9) << params_m;
    EXPECT_NEAR(static_cast<double>(c.macs) / 1e6 / k.paper_macs_m, 1.0, 0.005);
  }
  // 1.0/224 exactly, by hand: conv weights + FC weights and bias (+ BN's 2 per channel).
  auto g = MakeMobileNetV1({});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  const Census c = Count(*g, 1);
  EXPECT_EQ(c.params - c.bn_params, 4210088);
  EXPECT_EQ(c.bn_params, 21888);
  EXPECT_EQ(c.macs, 568740352);
  EXPECT_EQ(c.ops.at("Conv"), 27);
  EXPECT_EQ(c.ops.at("BatchNormalization"), 27);
  EXPECT_EQ(c.ops.at("Relu"), 27);
  EXPECT_EQ(c.ops.at("Gemm"), 1);
  EXPECT_EQ(c.output, (Shape{1, 1000}));
  // The cost model counts the same (BN scales and shifts included, as torchvision would).
  const ModelCost cost = CostModelOf(*g);
  EXPECT_EQ(cost.params, c.params);
  EXPECT_EQ(cost.macs, c.macs);
}

TEST(ZooMobileNetV1, LayersFollowTable1) {
  auto g = MakeMobileNetV1({});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  std::map<std::string, const Node*> nodes;
  for (const Node& n : g->nodes) nodes[n.name] = &n;
  EXPECT_EQ(nodes.size(), g->nodes.size()) << "node names are unique";
  const int64_t strides[] = {1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1};  // the last one: see header
  const int64_t outs[] = {64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024};
  int64_t cin = 32;
  for (int k = 1; k <= 13; ++k) {
    const Node& dw = *nodes.at(StrCat("features.", k, ".dw.0"));
    const Node& pw = *nodes.at(StrCat("features.", k, ".pw.0"));
    EXPECT_EQ(dw.FindAttribute("group")->i, cin) << k;
    const int64_t s = strides[k - 1];
    EXPECT_EQ(dw.FindAttribute("strides")->ints, (std::vector<int64_t>{s, s})) << k;
    EXPECT_EQ(g->values[pw.inputs[1]].constant->shape(), (Shape{outs[k - 1], cin, 1, 1})) << k;
    cin = outs[k - 1];
  }
  // 224 / 32 = 7 before the pool.
  const Census c = Count(*g, 1);
  EXPECT_EQ(c.conv_macs.at("features.13.pw.0"), 7 * 7 * 1024 * 1024);
  // Width 0.35 at an odd resolution: max(8, floor(c · 0.35)) channels, shapes consistent.
  MobileNetV1Options o;
  o.width = 0.35;
  o.resolution = 97;
  auto thin = MakeMobileNetV1(o);
  ASSERT_TRUE(thin.ok()) << thin.status().ToString();
  EXPECT_EQ(Count(*thin, 2).error, "");
  EXPECT_EQ(thin->values[thin->FindValue("features.0.0.weight")].constant->shape(),
            (Shape{11, 3, 3, 3}));
  EXPECT_EQ(MobileNetV1Channels(16, 0.25), 8);  // at least 8
  EXPECT_EQ(MobileNetV1Channels(1024, 0.35), 358);
}

// The paper's Table 4: the same layout with full 3x3 convs has 29.3 M params and 4866 M
// mult-adds; depthwise-separable layers cost 8 to 9 times less (Section 3.1).
TEST(ZooMobileNetV1, StandardConvBaselineMatchesTable4) {
  MobileNetV1Options o;
  o.standard = true;
  auto g = MakeMobileNetV1(o);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  const Census c = Count(*g, 1);
  EXPECT_EQ(c.error, "");
  EXPECT_EQ(c.params - c.bn_params, 29282120);
  EXPECT_EQ(c.macs, 4867293184);
  EXPECT_NEAR(static_cast<double>(c.params - c.bn_params) / 29.3e6, 1.0, 0.002);
  EXPECT_NEAR(static_cast<double>(c.macs) / 4866e6, 1.0, 0.001);
  EXPECT_EQ(c.ops.at("Conv"), 14);
  for (const Node& n : g->nodes) {
    if (n.op_type == "Conv") {
      EXPECT_EQ(n.FindAttribute("group")->i, 1) << n.name;
    }
  }
  EXPECT_NE(g->FindValue("features.12.conv.0.weight"), kNoValue);
  EXPECT_EQ(g->values[g->FindValue("features.12.conv.0.weight")].constant->shape(),
            (Shape{1024, 512, 3, 3}));
  auto separable = MakeMobileNetV1({});
  ASSERT_TRUE(separable.ok());
  const double ratio =
      static_cast<double>(c.macs) / static_cast<double>(Count(*separable, 1).macs);
  EXPECT_GT(ratio, 8.0);
  EXPECT_LT(ratio, 9.0);
}

// The file written for each variant loads back and runs like the in-memory graph; folding BN
// keeps the function.
TEST(ZooMobileNetV1, FilesRunAndFoldingKeepsTheFunction) {
  const Tensor x = RandomImage({1, 3, 128, 128}, 2);
  MobileNetV1Options o;
  o.resolution = 128;
  o.width = 0.5;
  o.seed = 9;
  auto plain = MakeMobileNetV1(o);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  const Tensor y = RunThroughFile(*plain, x);
  ASSERT_EQ(y.shape(), (Shape{1, 1000}));
  testing::ExpectEqualFloats(y, RunInMemory(*plain, x));
  EXPECT_GT(testing::MaxAbs(y), 1e-3);
  EXPECT_LT(testing::MaxAbs(y), 1e3);

  o.fold_bn = true;
  auto folded = MakeMobileNetV1(o);
  ASSERT_TRUE(folded.ok()) << folded.status().ToString();
  EXPECT_EQ(OpCounts(*folded).count("BatchNormalization"), 0u);
  EXPECT_NE(folded->FindValue("features.5.pw.0.bias"), kNoValue);
  const Tensor y_folded = RunThroughFile(*folded, x);
  EXPECT_LE(testing::MaxAbsDiff(y_folded, y), 1e-5 * std::max(1.0, testing::MaxAbs(y)));

  o.fold_bn = false;
  o.standard = true;
  auto standard = MakeMobileNetV1(o);
  ASSERT_TRUE(standard.ok()) << standard.status().ToString();
  EXPECT_EQ(RunThroughFile(*standard, x).shape(), (Shape{1, 1000}));
}

TEST(ZooMobileNetV1, BadOptionsAreInvalidArgument) {
  std::vector<std::pair<MobileNetV1Options, const char*>> cases;
  MobileNetV1Options o;
  o.width = 0;
  cases.push_back({o, "width 0 must be in (0, 4]"});
  o.width = 4.5;
  cases.push_back({o, "width 4.5"});
  o = {};
  o.resolution = 10;
  cases.push_back({o, "resolution 10 must be in [32, 4096]"});
  o = {};
  o.num_classes = -3;
  cases.push_back({o, "num_classes -3"});
  o = {};
  o.opset = 22;
  cases.push_back({o, "opset 22"});
  for (const auto& [options, needle] : cases) {
    auto g = MakeMobileNetV1(options);
    ASSERT_FALSE(g.ok()) << needle;
    EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument) << needle;
    EXPECT_NE(g.status().message().find(needle), std::string::npos) << g.status().message();
    EXPECT_EQ(g.status().message().rfind("MobileNetV1: ", 0), 0u) << g.status().message();
  }
}

}  // namespace
}  // namespace finch::zoo
