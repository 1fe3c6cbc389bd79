#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include "graph/zoo/mobilenetv2.h"
#include "graph/zoo/random_weights.h"
#include "runtime/session.h"
#include "tests/util/test_util.h"

namespace finch::zoo {
namespace {

// Facts about a generated network, computed here from the nodes and their attributes alone
// (not from finch's shape inference), as a check independent of the code under test.
struct Census {
  int64_t params = 0;  // conv weights, BN scale + bias, Gemm weight + bias (torchvision's count)
  int64_t macs = 0;    // Conv: out elems · Cin/group · kh · kw; Gemm: M · N · K
  std::map<std::string, int> ops;
  std::set<std::string> blocks;  // "features.<k>.conv" prefixes
  Shape output;
  std::string error;  // the first inconsistency found (channels, shapes)
};

Census Count(const Graph& g, int64_t batch) {
  Census c;
  std::map<ValueId, Shape> shape;
  const TensorType& in = g.values[g.inputs[0]].type;
  shape[g.inputs[0]] = {batch, (*in.dims)[1].value, (*in.dims)[2].value, (*in.dims)[3].value};
  auto constant = [&](ValueId v) -> const Tensor& { return *g.values[v].constant; };
  for (const Node& n : g.nodes) {
    ++c.ops[n.op_type];
    const Shape& x = shape[n.inputs[0]];
    Shape y = x;
    if (n.op_type == "Conv") {
      const Shape& w = constant(n.inputs[1]).shape();
      const int64_t group = n.FindAttribute("group")->i;
      const auto& k = n.FindAttribute("kernel_shape")->ints;
      const auto& s = n.FindAttribute("strides")->ints;
      const auto& p = n.FindAttribute("pads")->ints;
      if (w[1] * group != x[1] && c.error.empty()) {
        c.error = StrCat(n.Describe(), ": weight ", ShapeToString(w), " group ", group,
                         " does not fit input ", ShapeToString(x));
      }
      y = {x[0], w[0], (x[2] + p[0] + p[2] - k[0]) / s[0] + 1,
           (x[3] + p[1] + p[3] - k[1]) / s[1] + 1};
      c.macs += NumElements(y) * w[1] * k[0] * k[1];
      c.params += NumElements(w);
      const size_t dot = n.name.find(".conv.");
      if (dot != std::string::npos) c.blocks.insert(n.name.substr(0, dot + 5));
    } else if (n.op_type == "BatchNormalization") {
      c.params += constant(n.inputs[1]).num_elements() + constant(n.inputs[2]).num_elements();
      if (constant(n.inputs[1]).num_elements() != x[1] && c.error.empty()) {
        c.error = StrCat(n.Describe(), ": scale does not fit input ", ShapeToString(x));
      }
    } else if (n.op_type == "Add") {
      if (shape[n.inputs[1]] != x && c.error.empty()) {
        c.error = StrCat(n.Describe(), ": adds ", ShapeToString(x), " and ",
                         ShapeToString(shape[n.inputs[1]]));
      }
    } else if (n.op_type == "GlobalAveragePool") {
      y = {x[0], x[1], 1, 1};
    } else if (n.op_type == "Flatten") {
      y = {x[0], x[1] * x[2] * x[3]};
    } else if (n.op_type == "Gemm") {
      const Shape& w = constant(n.inputs[1]).shape();  // [N, K]: transB = 1
      if (w[1] != x[1] && c.error.empty()) c.error = "Gemm weight does not fit";
      y = {x[0], w[0]};
      c.macs += x[0] * w[0] * w[1];
      c.params += NumElements(w) + constant(n.inputs[2]).num_elements();
    }
    shape[n.outputs[0]] = y;
  }
  c.output = shape[g.outputs[0]];
  return c;
}

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

}  // namespace
}  // namespace finch::zoo
