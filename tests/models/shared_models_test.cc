// The shared models against ONNX Runtime 1.30's outputs (../shared/README.md):
// max |finch − ref| ≤ 1e-4 · max(1, max |ref|) and the same argmax per row, for every
// test_data_set (batch 1 and batch 2). Skips with a message when ../shared is absent.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "graph/onnx/tensor_proto.h"
#include "tests/util/test_util.h"

namespace finch::testing {
namespace {

int64_t ArgMax(const Tensor& t, int64_t row) {
  const int64_t cols = t.num_elements() / t.dim(0);
  const float* p = t.data<float>() + row * cols;
  return std::max_element(p, p + cols) - p;
}

void CheckModelFolder(const std::string& dir) {
  auto session = Session::Load(dir + "/model.onnx");
  ASSERT_TRUE(session.ok()) << session.status().ToString();
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
    std::printf("%s/%s: max |finch - ref| = %.3g (tolerance %.3g)\n", dir.c_str(), set.c_str(),
                diff, tol);
    EXPECT_LE(diff, tol) << set;
    for (int64_t r = 0; r < out.dim(0); ++r) {
      EXPECT_EQ(ArgMax(out, r), ArgMax(*want, r)) << set << " row " << r;
    }
    ++sets;
  }
  EXPECT_GT(sets, 0) << "no test_data_set_* in " << dir;
}

class SharedModel : public ::testing::TestWithParam<std::string> {};

TEST_P(SharedModel, MatchesOnnxRuntime) {
  const std::string shared = SharedDir();
  if (shared.empty()) GTEST_SKIP() << "../shared is absent (a plain clone): skipping model checks";
  CheckModelFolder(shared + "/" + GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    Models, SharedModel,
    ::testing::Values("models/mobilenet_v2_op13", "models/mobilenet_v2_op13_bn",
                      "models/efficientnet_b0_op13", "models/efficientnet_b0_op13_bn",
                      "models/vit_tiny_op14", "pretrained/mobilenetv2-12-fp32",
                      "pretrained/squeezenet1.1-fp32"),
    [](const ::testing::TestParamInfo<std::string>& info) {
      std::string name = info.param.substr(info.param.find('/') + 1);
      for (char& c : name) {
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

}  // namespace
}  // namespace finch::testing
