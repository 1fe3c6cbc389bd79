// Dispatch of the oneDNN convolution (runtime/ops/conv_onednn.cc) on the NCHW path: with the
// layout pass off (SessionOptions::lower = false) every 2-D Conv / finch::FusedConv whose
// weights are constant gets "conv_onednn_nchw", and the model's output matches the same graph
// with its weights fed as inputs (which the reference kernels run) within a tolerance; 1-D
// convolutions and run-time weights keep the reference, with the reason recorded.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "graph/ops/fused.h"
#include "kernels/onednn/conv_onednn.h"
#include "runtime/cpu_features.h"
#include "runtime/session.h"
#include "tests/util/graph_builder.h"
#include "tests/util/test_util.h"

namespace finch::testing {
namespace {

bool OneDnnExpected() {
  const CpuFeatures& f = GetCpuFeatures();
  const bool disabled = std::find(f.disabled_by_env.begin(), f.disabled_by_env.end(), "avx2") !=
                        f.disabled_by_env.end();
  return kernels::OneDnnConv::Available() && !disabled;
}

struct Model {
  Graph graph;
  std::vector<Tensor> inputs;
};

// x [2, 8, 12, 12] -> Conv 3x3 (8->16) -> Relu -> Conv 3x3 s2 group 4, pads [0,0,1,1] = c;
// Conv 3x3 dilation 2 (16->16) on c -> + c -> Clip [0, 6] -> y.
// With `weights_as_inputs` every weight and bias is a graph input fed at run time instead of a
// constant, so the reference kernels run.
Model Build(bool weights_as_inputs) {
  GraphBuilder b;
  b.g.opset_imports[kFinchDomain] = 1;
  Model m;
  const Shape xs = {2, 8, 12, 12};
  m.inputs.push_back(RandomTensor(xs, 7));
  const ValueId x = b.StaticInput("x", xs);
  uint32_t seed = 20;
  auto param = [&](const std::string& name, const Shape& shape) {
    Tensor t = RandomTensor(shape, seed++);
    if (!weights_as_inputs) return b.Const(name, t);
    m.inputs.push_back(t);
    return b.StaticInput(name, shape);
  };
  auto conv = [&](const std::string& name, ValueId in, const Shape& w, int64_t group,
                  int64_t stride, std::vector<int64_t> pads, int64_t dilation) {
    const std::vector<ValueId> ins = {in, param(name + ".w", w), param(name + ".b", {w[0]})};
    return b.Op("Conv", name, ins,
                {{"kernel_shape", IntsAttr({w[2], w[3]})},
                 {"strides", IntsAttr({stride, stride})},
                 {"dilations", IntsAttr({dilation, dilation})},
                 {"group", IntAttr(group)},
                 {"pads", IntsAttr(std::move(pads))}});
  };
  ValueId t = conv("a", x, {16, 8, 3, 3}, 1, 1, {1, 1, 1, 1}, 1);
  t = b.Op("Relu", "a.relu", {t});
  const ValueId c = conv("b", t, {16, 4, 3, 3}, 4, 2, {0, 0, 1, 1}, 1);
  ValueId d = conv("c", c, {16, 16, 3, 3}, 1, 1, {2, 2, 2, 2}, 2);
  d = b.Op("Add", "c.add", {d, c});
  d = b.Op("Clip", "c.clip", {d, b.Const("lo", Tensor::Scalar(0.f)),
                              b.Const("hi", Tensor::Scalar(6.f))});
  b.Output(d);
  m.graph = b.g;
  return m;
}

StatusOr<std::vector<Tensor>> RunModel(const Model& m, bool optimize, int threads,
                                  RunProfile* profile) {
  SessionOptions options;
  options.lower = false;
  options.optimize = optimize;
  options.threads = threads;
  FINCH_ASSIGN_OR_RETURN(std::unique_ptr<Session> s, Session::Create(m.graph, options));
  return s->Run(m.inputs, RunOptions{}, profile);
}

int CountConvs(const RunProfile& p, const std::string& kernel) {
  int n = 0;
  for (const RunProfile::Step& s : p.steps) {
    if ((s.op_type == "Conv" || s.op_type == "finch::FusedConv") && s.kernel == kernel) ++n;
  }
  return n;
}

TEST(OneDnnDispatch, NchwModelGetsOneDnnAndMatchesReference) {
  if (!OneDnnExpected()) GTEST_SKIP() << "oneDNN not available (or FINCH_DISABLE_ISA=avx2)";
  const Model constant = Build(false);
  const Model fed = Build(true);
  for (bool optimize : {false, true}) {
    SCOPED_TRACE(optimize ? "optimized (FusedConv NCHW)" : "unoptimized (Conv)");
    RunProfile ref_profile, profile;
    auto want = RunModel(fed, optimize, 1, &ref_profile);
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    auto got = RunModel(constant, optimize, 1, &profile);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(CountConvs(profile, "conv_onednn_nchw"), 3);
    EXPECT_EQ(CountConvs(ref_profile, "conv_onednn_nchw"), 0);
    if (optimize) {  // the fusion passes made FusedConvs with activation and residual
      int fused = 0;
      for (const auto& s : profile.steps) fused += s.op_type == "finch::FusedConv";
      EXPECT_GE(fused, 1);
    }
    std::string why;
    // Sums of 72 to 144 products of values in [-1, 1): a few ulps of reassociation.
    EXPECT_TRUE(AllClose((*got)[0], (*want)[0], 1e-5, 1e-5, &why)) << why;
    // And the same bits with 2 and 3 threads.
    for (int threads : {2, 3}) {
      auto threaded = RunModel(constant, optimize, threads, nullptr);
      ASSERT_TRUE(threaded.ok()) << threaded.status().ToString();
      EXPECT_EQ(std::memcmp((*threaded)[0].raw_data(), (*got)[0].raw_data(),
                            (*got)[0].byte_size()),
                0)
          << threads << " threads vs 1 differ, max |diff| "
          << MaxAbsDiff((*threaded)[0], (*got)[0]);
    }
  }
}

TEST(OneDnnDispatch, OneDimensionalConvKeepsTheReference) {
  GraphBuilder b;
  const Shape xs = {1, 4, 10};
  const ValueId x = b.StaticInput("x", xs);
  b.Output(b.Op("Conv", "conv1d", {x, b.Random("w", {6, 4, 3}, 3)},
                {{"kernel_shape", IntsAttr({3})}, {"pads", IntsAttr({1, 1})}}));
  SessionOptions options;
  options.lower = false;
  auto s = Session::Create(b.g, options);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  RunProfile profile;
  auto out = (*s)->Run({RandomTensor(xs, 4)}, RunOptions{}, &profile);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(CountConvs(profile, "conv_f32_ref"), 1);
}

}  // namespace
}  // namespace finch::testing
