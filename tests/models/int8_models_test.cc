// The ONNX Model Zoo's int8 MobileNetV2 (../shared/pretrained/mobilenetv2-12-int8: QLinearConv
// ×52, com.microsoft QLinearAdd ×11 and QLinearGlobalAveragePool, QLinearMatMul, Quantize- and
// DequantizeLinear, a Shape → Gather → Unsqueeze → Concat → Reshape on uint8) against ONNX
// Runtime's outputs on its uint8-weight twin (../shared/README.md), two ways: on the reference
// kernels (no passes, no channels-last lowering: the graph as imported) and with the default
// session (pipeline and lowering, whatever fast kernels they choose). Each must give the same
// argmax per row and max |finch − ref| ≤ kMaxOutputSteps steps of the output's quantization
// scale (read from the final DequantizeLinear).
//
// The bound, measured: finch's reference kernels reproduce ONNX Runtime's outputs bit for bit on
// both images (0 steps): their requantization is float32 as ONNX Runtime's is. Changing only
// the requantization arithmetic to float64 — just as valid; it rounds differently the handful of
// values that lie within a float32 error of a .5 tie, about one per million in the early layers
// — gives 10 steps on both images with the same argmax: one flipped rounding early in the
// network grows through the later layers (to 99 steps in the 1280-channel layer before the
// pooling). So "a few steps" is not the scale of a rounding difference here: an early flip costs
// about 10. kMaxOutputSteps = 16 accepts any correct integer arithmetic whose requantization
// rounds some ties differently (10 measured, with margin). It catches wrong plumbing — a wrong
// scale, zero point, layout or per-channel index moves the logits far more (measured: every
// channel using w_scale[0] gives 189 steps) — but not a wrong tie rule alone (rounding ties away
// from zero measured 10 and 0 steps): the hand-checked ties of tests/ops/quantize_test.cc pin
// that. The measured steps are printed. Skips with a message when ../shared is absent.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "graph/onnx/tensor_proto.h"
#include "graph/passes/pipeline.h"
#include "tests/util/test_util.h"

namespace finch::testing {
namespace {

constexpr double kMaxOutputSteps = 16;

int64_t ArgMax(const Tensor& t, int64_t row) {
  const int64_t cols = t.num_elements() / t.dim(0);
  const float* p = t.data<float>() + row * cols;
  return std::max_element(p, p + cols) - p;
}

// The scale of the DequantizeLinear that produces the graph's first output; 0 if there is none.
float OutputScale(const Graph& g) {
  for (const Node& n : g.nodes) {
    if (n.op_type != "DequantizeLinear" || n.outputs.empty() || g.outputs.empty() ||
        n.outputs[0] != g.outputs[0] || n.inputs.size() < 2) {
      continue;
    }
    const Value& scale = g.values[n.inputs[1]];
    if (scale.constant && scale.constant->dtype() == DataType::kFloat32) {
      return scale.constant->data<float>()[0];
    }
  }
  return 0.f;
}

// true: the default session; false: the reference kernels only.
class Int8Model : public ::testing::TestWithParam<bool> {};

TEST_P(Int8Model, MobileNetV2MatchesOnnxRuntime) {
  const std::string shared = SharedDir();
  if (shared.empty()) GTEST_SKIP() << "../shared is absent (a plain clone): skipping model checks";
  const std::string dir = shared + "/pretrained/mobilenetv2-12-int8";
  if (ListDirs(dir).empty()) GTEST_SKIP() << dir << " is absent: skipping";
  SessionOptions options{1};
  options.optimize = GetParam();
  options.lower = GetParam();
  auto session = Session::Load(dir + "/model.onnx", options);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  const std::map<std::string, int> ops = CountOps((*session)->graph());
  std::string counts;
  for (const auto& [op, n] : ops) counts += StrCat(" ", op, "=", n);
  std::printf("mobilenetv2-12-int8 (%s):%s\n", GetParam() ? "default session" : "reference",
              counts.c_str());
  // The reference graph keeps every QLinearConv; the default session runs them channels-last.
  const std::string conv = GetParam() ? "finch::QLinearConv" : "QLinearConv";
  EXPECT_EQ(ops.count(conv) ? ops.at(conv) : 0, 52);
  const float step = OutputScale((*session)->graph());
  ASSERT_GT(step, 0.f) << "no DequantizeLinear with a constant scale produces the output";

  int sets = 0;
  for (const std::string& set : ListDirs(dir)) {
    if (set.rfind("test_data_set_", 0) != 0) continue;
    auto input = ReadTensorFile(dir + "/" + set + "/input_0.pb");
    auto want = ReadTensorFile(dir + "/" + set + "/output_0.pb");
    ASSERT_TRUE(input.ok()) << input.status().ToString();
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    const auto start = std::chrono::steady_clock::now();
    auto got = (*session)->Run({*input});
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    ASSERT_TRUE(got.ok()) << set << ": " << got.status().ToString();
    const Tensor& out = (*got)[0];
    ASSERT_EQ(out.shape(), want->shape()) << set;
    const double steps = MaxAbsDiff(out, *want) / step;
    std::printf(
        "  %s: max |finch - ref| = %.3g = %.2f output steps of %.6g (bound %.0f); "
        "run %.0f ms (1 thread)\n",
        set.c_str(), MaxAbsDiff(out, *want), steps, step, kMaxOutputSteps, ms);
    EXPECT_LE(steps, kMaxOutputSteps) << set;
    for (int64_t r = 0; r < out.dim(0); ++r) {
      EXPECT_EQ(ArgMax(out, r), ArgMax(*want, r)) << set << " row " << r;
    }
    ++sets;
  }
  EXPECT_GT(sets, 0) << "no test_data_set_* in " << dir;
}

INSTANTIATE_TEST_SUITE_P(Models, Int8Model, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return std::string(info.param ? "default" : "reference");
                         });

}  // namespace
}  // namespace finch::testing
