// Whole networks give BIT-IDENTICAL outputs whatever the number of threads (1, 2, 3, 4), on
// the default path (optimization pipeline + the channels-last lowering). Every kernel splits its
// work by whole outputs (GEMM rows or column panels, image rows, tiles of pixels), never inside
// one output's sum, so the thread count must not change a single bit; this checks the promise
// end to end, where a kernel that reduces across threads (or a schedule that depends on the
// thread count) would show.
//
// Models: finch's own MobileNetV2 (zoo, seeded random weights; every block a fused NHWC
// InvertedResidual) and, when ../shared exists, the exported EfficientNet-B0 (squeeze-excite
// in the blocks, SiLU everywhere).
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "graph/onnx/importer.h"
#include "graph/onnx/tensor_proto.h"
#include "graph/zoo/mobilenetv2.h"
#include "runtime/cpu_features.h"
#include "runtime/session.h"
#include "tests/util/graph_builder.h"
#include "tests/util/test_util.h"

namespace finch::testing {
namespace {

bool BitIdentical(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.raw_data(), b.raw_data(), a.byte_size()) == 0;
}

// Runs `graph` on `input` with 1, 2, 3 and 4 threads (lowering on): every output of every run
// equals the 1-thread run's bit for bit. Returns the 1-thread outputs.
std::vector<Tensor> ExpectThreadCountInvariant(const Graph& graph, const Tensor& input) {
  std::vector<Tensor> first;
  for (int threads : {1, 2, 3, 4}) {
    SessionOptions options;
    options.threads = threads;
    options.lower = true;
    auto s = Session::Create(graph, options);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (!s.ok()) return {};
    EXPECT_EQ((*s)->threads(), threads);
    auto out = (*s)->Run({input});
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    if (!out.ok()) return {};
    if (threads == 1) {
      first = std::move(out).value();
      continue;
    }
    EXPECT_EQ(out->size(), first.size());
    for (size_t i = 0; i < first.size() && i < out->size(); ++i) {
      EXPECT_TRUE(BitIdentical((*out)[i], first[i]))
          << "output " << i << ": threads " << threads << " vs 1, max |diff| "
          << MaxAbsDiff((*out)[i], first[i]);
    }
  }
  return first;
}

// Without AVX2/FMA (FINCH_DISABLE_ISA=avx2, the unit_scalar ctest entry) every kernel is the
// scalar reference, about 10x slower: the 224x224 networks are cut down to keep the suite short.
bool HaveAvx2() {
  const CpuFeatures& f = GetCpuFeatures();
  return f.avx2 && f.fma;
}

int CountOp(const Graph& g, const std::string& op) {
  int n = 0;
  for (const Node& node : g.nodes) n += node.op_type == op ? 1 : 0;
  return n;
}

// MobileNetV2 width 0.5 at 96x96, batch 2: every kernel of the network (stem im2col, fused
// blocks staged and banded, the 1x1 head, the pool, the classifier GEMM) in well under a second.
TEST(ThreadIdentity, ZooMobileNetV2) {
  zoo::MobileNetV2Options o;
  o.width = 0.5;
  o.resolution = 96;
  o.num_classes = 100;
  o.seed = 7;
  auto g = zoo::MakeMobileNetV2(o);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  {  // the default path really is the fused channels-last one
    auto s = Session::Create(*g, SessionOptions{1});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(CountOp((*s)->graph(), "InvertedResidual"), 17);
    for (const Node& n : (*s)->graph().nodes) {
      if (n.op_type == "InvertedResidual") {
        EXPECT_EQ(n.GetString("layout", "").value(), "NHWC") << n.name;
      }
    }
  }
  std::mt19937 rng(11);
  const Tensor x = RandomTensor({2, 3, 96, 96}, rng);
  const std::vector<Tensor> y = ExpectThreadCountInvariant(*g, x);
  ASSERT_EQ(y.size(), 1u);
  EXPECT_EQ(y[0].shape(), (Shape{2, 100}));
}

// The same network at 224x224 (a single image): the big early layers are where the fused blocks
// cut their images into bands and where the GEMMs split by rows.
TEST(ThreadIdentity, ZooMobileNetV2At224) {
  if (!HaveAvx2()) {
    GTEST_SKIP() << "no AVX2/FMA: the reference kernels are covered at 96x96 (ZooMobileNetV2)";
  }
  zoo::MobileNetV2Options o;
  o.width = 1.0;
  o.resolution = 224;
  o.seed = 3;
  auto g = zoo::MakeMobileNetV2(o);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  std::mt19937 rng(12);
  const std::vector<Tensor> y =
      ExpectThreadCountInvariant(*g, RandomTensor({1, 3, 224, 224}, rng));
  ASSERT_EQ(y.size(), 1u);
}

TEST(ThreadIdentity, SharedEfficientNetB0) {
  const std::string shared = SharedDir();
  if (shared.empty()) GTEST_SKIP() << "../shared is absent (a plain clone): skipping EfficientNet";
  const std::string dir = shared + "/models/efficientnet_b0_op13";
  auto g = LoadOnnxModel(dir + "/model.onnx");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  if (!HaveAvx2()) {
    // The scalar path at 96x96 (global pooling makes the network resolution-free).
    g->values[g->inputs[0]].type = TensorType::Static(DataType::kFloat32, {1, 3, 96, 96});
    std::mt19937 rng(13);
    const std::vector<Tensor> y = ExpectThreadCountInvariant(*g, RandomTensor({1, 3, 96, 96}, rng));
    ASSERT_EQ(y.size(), 1u);
    return;
  }
  auto x = ReadTensorFile(dir + "/test_data_set_0/input_0.pb");
  ASSERT_TRUE(x.ok()) << x.status().ToString();
  const std::vector<Tensor> y = ExpectThreadCountInvariant(*g, *x);
  ASSERT_EQ(y.size(), 1u);
}

}  // namespace
}  // namespace finch::testing
