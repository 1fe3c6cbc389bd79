// Session: input checks, unsupported ops, re-planning for a new batch size, threads.
#include "runtime/session.h"

#include <gtest/gtest.h>

#include <atomic>

#include "runtime/thread_pool.h"
#include "tests/util/test_util.h"

namespace finch {
namespace {

using testing::IntsAttr;

// x[N,1,3,3] -> Conv with a constant 1x1x2x2 all-ones weight (a 2x2 box sum).
Graph BoxSumGraph() {
  Graph g;
  g.opset_imports[""] = 13;
  TensorType in;
  in.dtype = DataType::kFloat32;
  in.dims = std::vector<Dim>{{-1, "N"}, {1, ""}, {3, ""}, {3, ""}};
  ValueId x = g.AddValue("x", in);
  g.inputs.push_back(x);
  ValueId w = g.AddConstant(
      "w", std::make_shared<const Tensor>(Tensor::FromVector<float>({1, 1, 2, 2}, {1, 1, 1, 1})));
  ValueId y = g.AddValue("y");
  g.outputs.push_back(y);
  Node conv;
  conv.name = "box";
  conv.op_type = "Conv";
  conv.inputs = {x, w};
  conv.outputs = {y};
  conv.attributes["kernel_shape"] = IntsAttr({2, 2});
  g.nodes.push_back(conv);
  return g;
}

TEST(Session, RunsAndReplansForNewBatch) {
  auto session = Session::Create(BoxSumGraph(), SessionOptions{1});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  std::vector<float> v(18);
  for (int i = 0; i < 18; ++i) v[i] = static_cast<float>(i);
  for (int64_t batch : {1, 2}) {
    Tensor x = Tensor::FromVector<float>({batch, 1, 3, 3}, v);
    auto out = (*session)->Run({x});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    const Tensor& y = (*out)[0];
    ASSERT_EQ(y.shape(), Shape({batch, 1, 2, 2}));
    // Image 0 = 0..8: box sums 0+1+3+4=8, 1+2+4+5=12, 3+4+6+7=20, 4+5+7+8=24.
    EXPECT_EQ(testing::ToFloats(y)[0], 8.f);
    EXPECT_EQ(testing::ToFloats(y)[3], 24.f);
    if (batch == 2) {
      EXPECT_EQ(testing::ToFloats(y)[4], 8.f + 4 * 9);
    }
  }
}

TEST(Session, WrongInputsNamed) {
  auto session = Session::Create(BoxSumGraph(), SessionOptions{1});
  ASSERT_TRUE(session.ok());
  auto none = (*session)->Run({});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("the model has 1 inputs, 0 were given"),
            std::string::npos);
  auto wrong_type = (*session)->Run({Tensor::FromVector<int64_t>({1, 1, 3, 3}, {})});
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_NE(wrong_type.status().message().find(
                "input \"x\" expects float32[N,1,3,3], got int64[1,1,3,3]"),
            std::string::npos)
      << wrong_type.status().message();
  auto wrong_shape = (*session)->Run({Tensor::FromVector<float>({1, 1, 4, 3}, {})});
  ASSERT_FALSE(wrong_shape.ok());
  EXPECT_NE(wrong_shape.status().message().find("got float32[1,1,4,3]"), std::string::npos);
  auto wrong_rank = (*session)->Run({Tensor::FromVector<float>({9}, {})});
  ASSERT_FALSE(wrong_rank.ok());
}

TEST(Session, UnsupportedOpNamesOpDomainNodeAndOpset) {
  Graph g = testing::SingleNodeGraph("FancyOp", {{2}});
  g.nodes[0].domain = "com.example";
  g.opset_imports["com.example"] = 3;
  auto session = Session::Create(g);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kUnimplemented);
  const std::string& m = session.status().message();
  EXPECT_NE(m.find("com.example::FancyOp"), std::string::npos) << m;
  EXPECT_NE(m.find("opset 3"), std::string::npos) << m;
  EXPECT_NE(m.find("FancyOp \"n\""), std::string::npos) << m;
  EXPECT_NE(m.find("Supported ops: "), std::string::npos) << m;
  EXPECT_NE(m.find("Conv"), std::string::npos) << m;
}

TEST(Session, BadAttributeIsAnErrorNotACrash) {
  Graph g = BoxSumGraph();
  g.nodes[0].attributes["strides"] = IntsAttr({0, 1});
  auto session = Session::Create(g);
  ASSERT_FALSE(session.ok());
  EXPECT_NE(session.status().message().find("Conv \"box\""), std::string::npos)
      << session.status().message();
  Graph g2 = BoxSumGraph();
  g2.nodes[0].attributes["kernel_shape"] = IntsAttr({3, 3, 3});
  auto s2 = Session::Create(g2);
  ASSERT_FALSE(s2.ok());
  EXPECT_NE(s2.status().message().find("kernel_shape has 3 dims"), std::string::npos)
      << s2.status().message();
}

TEST(ThreadPool, CoversRangeExactlyOnce) {
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    for (int64_t n : {0, 1, 2, 7, 1000}) {
      std::vector<std::atomic<int>> hits(n);
      for (auto& h : hits) h = 0;
      pool.ParallelFor(n, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) ++hits[i];
      });
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[i], 1) << threads << " threads, n=" << n;
    }
  }
}

}  // namespace
}  // namespace finch
