// The shared models (../shared/README.md) against ONNX Runtime 1.30's outputs, three ways:
// unfused (the graph as imported, reference kernels), with the pipeline up to the conv-level
// fusions (BN folding, FusedConv), and with the default pipeline. Each must give
// max |finch − ref| ≤ 1e-4 · max(1, max |ref|) and the same argmax per row on every
// test_data_set (batch 1 and batch 2), and the passes must have fused what they should:
//   - MobileNetV2: no BatchNormalization, Clip or Add left after the conv-level fusions, and
//     17 finch::InvertedResidual nodes after the default pipeline — the first block (t = 1:
//     depthwise + project, no expand) and 16 blocks of expansion 6 (stage repeats 2,3,4,3,3,1);
//   - EfficientNet-B0: no BatchNormalization, Sigmoid or Add left after the conv-level fusions
//     (SiLU and the SE gates fused; the 16 SE Muls remain), then 16 InvertedResidual nodes —
//     seven MBConv stages repeating 1,2,2,3,3,4,1, the first without expand — and no
//     standalone SqueezeExcite.
// Prints the op counts and errors. Skips with a message when ../shared is absent.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "graph/onnx/tensor_proto.h"
#include "graph/passes/pipeline.h"
#include "tests/util/test_util.h"

namespace finch::testing {
namespace {

int64_t ArgMax(const Tensor& t, int64_t row) {
  const int64_t cols = t.num_elements() / t.dim(0);
  const float* p = t.data<float>() + row * cols;
  return std::max_element(p, p + cols) - p;
}

int Count(const std::map<std::string, int>& counts, const std::string& op) {
  auto it = counts.find(op);
  return it == counts.end() ? 0 : it->second;
}

enum class Mode { kUnfused, kConvFusions, kDefault };

struct ModelCase {
  std::string dir;  // under ../shared
  Mode mode;
  std::map<std::string, int> expect;  // op -> exact count in the graph that runs
};

std::string Name(const ModelCase& c) {
  std::string name = c.dir.substr(c.dir.find('/') + 1);
  name += c.mode == Mode::kUnfused ? "_unfused" : c.mode == Mode::kConvFusions ? "_convfused"
                                                                                : "_optimized";
  for (char& ch : name) {
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

void PrintTo(const ModelCase& c, std::ostream* os) { *os << Name(c); }

class SharedModel : public ::testing::TestWithParam<ModelCase> {};

TEST_P(SharedModel, MatchesOnnxRuntime) {
  const std::string shared = SharedDir();
  if (shared.empty()) GTEST_SKIP() << "../shared is absent (a plain clone): skipping model checks";
  const ModelCase& c = GetParam();
  const std::string dir = shared + "/" + c.dir;
  SessionOptions options{1};
  options.optimize = c.mode != Mode::kUnfused;
  if (c.mode == Mode::kConvFusions) {
    options.disabled_passes = {"fuse-squeeze-excite", "fuse-inverted-residual"};
  }
  auto session = Session::Load(dir + "/model.onnx", options);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  const std::map<std::string, int> ops = CountOps((*session)->graph());
  std::string counts;
  for (const auto& [op, n] : ops) counts += StrCat(" ", op, "=", n);
  std::printf("%s (%s):%s\n", c.dir.c_str(), Name(c).c_str(), counts.c_str());
  for (const auto& [op, n] : c.expect) EXPECT_EQ(Count(ops, op), n) << op;

  int sets = 0;
  for (const std::string& set : ListDirs(dir)) {
    if (set.rfind("test_data_set_", 0) != 0) continue;
    auto input = ReadTensorFile(dir + "/" + set + "/input_0.pb");
    auto want = ReadTensorFile(dir + "/" + set + "/output_0.pb");
    ASSERT_TRUE(input.ok()) << input.status().ToString();
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    auto got = (*session)->Run({*input});
    ASSERT_TRUE(got.ok()) << set << ": " << got.status().ToString();
    const Tensor& out = (*got)[0];
    ASSERT_EQ(out.shape(), want->shape()) << set;
    const double tol = 1e-4 * std::max(1.0, MaxAbs(*want));
    const double diff = MaxAbsDiff(out, *want);
    std::printf("  %s: max |finch - ref| = %.3g (tolerance %.3g)\n", set.c_str(), diff, tol);
    EXPECT_LE(diff, tol) << set;
    for (int64_t r = 0; r < out.dim(0); ++r) {
      EXPECT_EQ(ArgMax(out, r), ArgMax(*want, r)) << set << " row " << r;
    }
    ++sets;
  }
  EXPECT_GT(sets, 0) << "no test_data_set_* in " << dir;
}

std::vector<ModelCase> Cases() {
  const std::map<std::string, int> none;
  const std::map<std::string, int> mnv2_conv = {
      {"BatchNormalization", 0}, {"Clip", 0}, {"Add", 0}, {"finch::InvertedResidual", 0}};
  const std::map<std::string, int> mnv2_default = {
      {"BatchNormalization", 0}, {"finch::InvertedResidual", 17}, {"Conv", 0}};
  const std::map<std::string, int> effnet_conv = {
      {"BatchNormalization", 0}, {"Sigmoid", 0}, {"Add", 0}, {"Mul", 16}};
  const std::map<std::string, int> effnet_default = {{"BatchNormalization", 0},
                                                     {"finch::InvertedResidual", 16},
                                                     {"finch::SqueezeExcite", 0},
                                                     {"Mul", 0}};
  std::vector<ModelCase> cases;
  for (const char* m : {"models/mobilenet_v2_op13", "models/mobilenet_v2_op13_bn",
                        "pretrained/mobilenetv2-12-fp32"}) {
    std::map<std::string, int> conv = mnv2_conv;
    // The model zoo's export ends in MatMul + Add (the classifier bias), not a residual; the
    // Add goes into a finch::FusedMatMul (fuse-matmul-bias).
    if (std::string(m).find("pretrained") == 0) conv["finch::FusedMatMul"] = 1;
    cases.push_back({m, Mode::kUnfused, none});
    cases.push_back({m, Mode::kConvFusions, conv});
    cases.push_back({m, Mode::kDefault, mnv2_default});
  }
  for (const char* m : {"models/efficientnet_b0_op13", "models/efficientnet_b0_op13_bn"}) {
    cases.push_back({m, Mode::kUnfused, none});
    cases.push_back({m, Mode::kConvFusions, effnet_conv});
    cases.push_back({m, Mode::kDefault, effnet_default});
  }
  for (const char* m : {"models/vit_tiny_op14", "pretrained/squeezenet1.1-fp32"}) {
    cases.push_back({m, Mode::kUnfused, none});
    cases.push_back({m, Mode::kDefault, none});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Models, SharedModel, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<ModelCase>& info) {
                           return Name(info.param);
                         });

}  // namespace
}  // namespace finch::testing
