// The default pass pipeline on the shared models (../shared/models, ../shared/pretrained):
// the optimized graph still matches ONNX Runtime's outputs (max |finch − ref| ≤
// 1e-4 · max(1, max |ref|) and the same argmax per row, every test_data_set), and the passes
// fused what they should:
//   - MobileNetV2 (with or without explicit BatchNormalization): no BatchNormalization left and
//     17 finch::InvertedResidual nodes — the first block (t = 1: 3x3 depthwise + project, no
//     expand) and the 16 blocks of expansion 6 (stage repeats 2, 3, 4, 3, 3, 1);
//   - EfficientNet-B0: 16 finch::InvertedResidual nodes — its seven MBConv stages repeat
//     1, 2, 2, 3, 3, 4, 1 times = 16 blocks, the first (expand ratio 1) without an expand conv —
//     and no standalone finch::SqueezeExcite (every SE sits inside a block).
// Prints the op counts before and after the pipeline. Skips when ../shared is absent.
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

std::string FormatCounts(const std::map<std::string, int>& counts) {
  std::string s;
  int total = 0;
  for (const auto& [op, n] : counts) {
    s += StrCat(s.empty() ? "" : ", ", op, " ", n);
    total += n;
  }
  return StrCat(total, " nodes: ", s);
}

int Count(const std::map<std::string, int>& counts, const std::string& op) {
  auto it = counts.find(op);
  return it == counts.end() ? 0 : it->second;
}

struct ModelCase {
  std::string dir;             // under ../shared
  int inverted_residual = -1;  // expected finch::InvertedResidual nodes (-1: not checked)
  bool no_batchnorm = false;
  bool no_squeeze_excite = false;
};

class PipelineModels : public ::testing::TestWithParam<ModelCase> {};

TEST_P(PipelineModels, OptimizedMatchesReference) {
  const std::string shared = SharedDir();
  if (shared.empty()) GTEST_SKIP() << "../shared is absent (a plain clone): skipping model checks";
  const ModelCase& c = GetParam();
  const std::string dir = shared + "/" + c.dir;

  auto plain = Session::Load(dir + "/model.onnx", SessionOptions{1, false});
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  auto session = Session::Load(dir + "/model.onnx", SessionOptions{1});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  const std::map<std::string, int> before = CountOps((*plain)->graph());
  const std::map<std::string, int> after = CountOps((*session)->graph());
  std::printf("%s\n  before: %s\n  after:  %s\n", c.dir.c_str(), FormatCounts(before).c_str(),
              FormatCounts(after).c_str());
  for (const PassRecord& r : (*session)->pass_records()) {
    std::printf("    %-24s %3d rewrites, %4zu nodes after\n", r.name.c_str(), r.rewrites,
                r.nodes_after);
  }

  if (c.no_batchnorm) EXPECT_EQ(Count(after, "BatchNormalization"), 0);
  if (c.inverted_residual >= 0) {
    EXPECT_EQ(Count(after, "finch::InvertedResidual"), c.inverted_residual);
  }
  if (c.no_squeeze_excite) EXPECT_EQ(Count(after, "finch::SqueezeExcite"), 0);

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
    std::printf("  %s: max |optimized - ref| = %.3g (tolerance %.3g)\n", set.c_str(), diff, tol);
    EXPECT_LE(diff, tol) << set;
    for (int64_t r = 0; r < out.dim(0); ++r) {
      EXPECT_EQ(ArgMax(out, r), ArgMax(*want, r)) << set << " row " << r;
    }
    ++sets;
  }
  EXPECT_GT(sets, 0) << "no test_data_set_* in " << dir;
}

INSTANTIATE_TEST_SUITE_P(
    Shared, PipelineModels,
    ::testing::Values(ModelCase{"models/mobilenet_v2_op13", 17, true, true},
                      ModelCase{"models/mobilenet_v2_op13_bn", 17, true, true},
                      ModelCase{"models/efficientnet_b0_op13", 16, true, true},
                      ModelCase{"models/efficientnet_b0_op13_bn", 16, true, true},
                      ModelCase{"models/vit_tiny_op14", 0, true, true},
                      ModelCase{"pretrained/mobilenetv2-12-fp32", 17, true, true}),
    [](const ::testing::TestParamInfo<ModelCase>& info) {
      std::string name = info.param.dir.substr(info.param.dir.find('/') + 1);
      for (char& ch : name) {
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

}  // namespace
}  // namespace finch::testing
