// The conformance runner must be able to fail: a wrong value, shape or type in an expected
// output is reported as a failure, an unsupported op as unsupported.
#include <gtest/gtest.h>

#include <cstdlib>

#include "graph/onnx/tensor_proto.h"
#include "tests/util/test_util.h"

namespace finch::testing {
namespace {

TEST(ConformanceRunner, AllCloseDetectsMismatches) {
  Tensor a = Tensor::FromVector<float>({3}, {1.f, 2.f, 3.f});
  std::string why;
  EXPECT_TRUE(AllClose(a, Tensor::FromVector<float>({3}, {1.f, 2.0001f, 3.f}), 1e-3, 1e-7, &why));
  EXPECT_FALSE(AllClose(a, Tensor::FromVector<float>({3}, {1.f, 2.1f, 3.f}), 1e-3, 1e-7, &why));
  EXPECT_NE(why.find("flat index 1"), std::string::npos) << why;
  EXPECT_FALSE(AllClose(a, Tensor::FromVector<float>({1, 3}, {1.f, 2.f, 3.f}), 1e-3, 1e-7, &why));
  EXPECT_FALSE(AllClose(a, Tensor::FromVector<int64_t>({3}, {1, 2, 3}), 1e-3, 1e-7, &why));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FALSE(AllClose(a, Tensor::FromVector<float>({3}, {1.f, nan, 3.f}), 1e-3, 1e-7, &why));
  EXPECT_TRUE(AllClose(Tensor::FromVector<float>({1}, {nan}), Tensor::FromVector<float>({1}, {nan}),
                       1e-3, 1e-7, &why));
  EXPECT_FALSE(AllClose(Tensor::FromVector<int64_t>({2}, {1, 2}),
                        Tensor::FromVector<int64_t>({2}, {1, 3}), 0, 0, &why));
}

TEST(ConformanceRunner, AlteredExpectedOutputFails) {
  const std::string data = OnnxTestDataDir();
  if (data.empty()) GTEST_SKIP() << "libonnx-testdata is not installed";
  const std::string src = data + "/node/test_relu";
  char tmpl[] = "/tmp/finch_runner_XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  ASSERT_EQ(std::system(("cp -r " + src + "/. " + dir).c_str()), 0);
  EXPECT_EQ(RunOnnxTestFolder(dir, 1e-3, 1e-7).outcome, FolderOutcome::kPass);

  const std::string out_path = dir + "/test_data_set_0/output_0.pb";
  auto want = ReadTensorFile(out_path);
  ASSERT_TRUE(want.ok());
  auto changed = want->Clone();
  ASSERT_TRUE(changed.ok());
  changed->mutable_data<float>()[changed->num_elements() / 2] += 0.5f;
  ASSERT_TRUE(WriteTensorFile(*changed, "y", out_path).ok());
  const FolderResult r = RunOnnxTestFolder(dir, 1e-3, 1e-7);
  EXPECT_EQ(r.outcome, FolderOutcome::kFail);
  EXPECT_NE(r.message.find("differ"), std::string::npos) << r.message;
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace finch::testing
