// `finch optimize` writes ONNX that finch loads again: the optimized zoo MobileNetV2 survives
// export and re-import with its fused nodes, and runs to the same bits.
#include <gtest/gtest.h>

#include "graph/onnx/exporter.h"
#include "graph/onnx/importer.h"
#include "graph/passes/pipeline.h"
#include "graph/zoo/mobilenetv2.h"
#include "runtime/node_evaluator.h"
#include "tests/util/test_util.h"

namespace finch {
namespace {

TEST(OptimizeRoundTrip, FusedGraphExportsAndRunsIdentically) {
  zoo::MobileNetV2Options opts;
  opts.width = 0.5;
  opts.resolution = 64;
  opts.num_classes = 17;
  auto graph = zoo::MakeMobileNetV2(opts);
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  std::vector<PassRecord> records;
  auto optimized = RunPipeline(*graph, RuntimePassContext(), PipelineOptions(), &records);
  ASSERT_TRUE(optimized.ok()) << optimized.status().ToString();
  const auto ops = CountOps(*optimized);
  EXPECT_EQ(ops.at("finch::InvertedResidual"), 17);
  EXPECT_EQ(ops.count("BatchNormalization"), 0u);

  auto bytes = SerializeOnnxModel(*optimized);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto reloaded = ParseOnnxModel(*bytes, "/tmp");
  ASSERT_TRUE(reloaded.ok()) << reloaded.status().ToString();
  EXPECT_EQ(CountOps(*reloaded), ops);

  std::vector<float> values(2 * 3 * 64 * 64);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>((i * 37) % 101) / 50.f - 1;
  Tensor x = Tensor::FromVector<float>({2, 3, 64, 64}, values);
  auto direct = Session::Create(*optimized, SessionOptions{1, false});
  auto again = Session::Create(*reloaded, SessionOptions{1, false});
  auto unfused = Session::Create(*graph, SessionOptions{1, false});
  ASSERT_TRUE(direct.ok() && again.ok() && unfused.ok());
  auto a = (*direct)->Run({x});
  auto b = (*again)->Run({x});
  auto u = (*unfused)->Run({x});
  ASSERT_TRUE(a.ok() && b.ok() && u.ok());
  ASSERT_EQ((*a)[0].shape(), Shape({2, 17}));
  EXPECT_EQ(testing::ToFloats((*a)[0]), testing::ToFloats((*b)[0]));
  // Against the unfused graph: BN folding reassociates, so not bit-identical.
  EXPECT_LE(testing::MaxAbsDiff((*a)[0], (*u)[0]), 1e-4 * std::max(1.0, testing::MaxAbs((*u)[0])));
}

}  // namespace
}  // namespace finch
