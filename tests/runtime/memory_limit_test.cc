// SessionOptions::memory_limit_bytes: the plan's estimate (constants + arena + static graph
// outputs) must fit; folded values are refused before they are allocated (in the plan and in
// the fold-constants pass); outputs of dynamic steps are checked when a run allocates them.
#include <gtest/gtest.h>

#include "runtime/session.h"
#include "tests/util/graph_builder.h"
#include "tests/util/test_util.h"

namespace finch {
namespace {

SessionOptions Limited(size_t bytes, bool optimize = false) {
  SessionOptions o{1, optimize};
  o.memory_limit_bytes = bytes;
  return o;
}

// x[1,1000] -> Add(c) -> a -> Relu -> b -> Tanh -> y, with c a 1000-float constant.
// Constants 4000 bytes; a and b are both live at the Relu: arena 2 · 4032 (64-byte aligned);
// the output y 4000 bytes: 16064 in all.
Graph Chain() {
  testing::GraphBuilder b;
  const ValueId x = b.Input("x", {1, 1000}, DataType::kFloat32, false);
  const ValueId c = b.Random("c", {1000}, 1);
  const ValueId a = b.Op("Add", "add", {x, c});
  const ValueId r = b.Op("Relu", "relu", {a});
  b.Output(b.Op("Tanh", "tanh", {r}));
  return b.g;
}

TEST(MemoryLimit, EstimateIsConstantsArenaAndOutputs) {
  auto session = Session::Create(Chain(), Limited(0));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto plan = (*session)->PlanFor({{1, 1000}});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ((*plan)->constant_bytes, 4000u);
  EXPECT_EQ((*plan)->memory.arena_bytes, 2u * 4032);
  EXPECT_EQ((*plan)->output_bytes, 4000u);
  EXPECT_EQ((*plan)->EstimatedBytes(), 16064u);
}

TEST(MemoryLimit, ExactFitPassesOneByteLessFailsNamingTheNumbers) {
  auto fits = Session::Create(Chain(), Limited(16064));
  ASSERT_TRUE(fits.ok()) << fits.status().ToString();
  auto out = (*fits)->Run({testing::RandomTensor({1, 1000}, 2)});
  EXPECT_TRUE(out.ok()) << out.status().ToString();

  auto over = Session::Create(Chain(), Limited(16063));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(over.status().message(),
            "memory limit of 16063 bytes exceeded: constants 4000 + activation arena 8064 + "
            "graph outputs 4000 = 16064 bytes");
}

TEST(MemoryLimit, ConstantsAloneOverTheLimit) {
  auto s = Session::Create(Chain(), Limited(3999));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(s.status().message().find("constants take 4000 bytes"), std::string::npos)
      << s.status().message();
}

// Expand(1.0, [1000, 1000]) folds to a 4 MB constant: refused before it is allocated, by the
// plan (no passes) and by the fold-constants pass.
Graph BigFold() {
  testing::GraphBuilder b;
  const ValueId x = b.Input("x", {1, 1}, DataType::kFloat32, false);
  const ValueId one = b.Const("one", Tensor::Scalar<float>(1.f));
  const ValueId shape = b.Const("shape", Tensor::FromVector<int64_t>({2}, {1000, 1000}));
  const ValueId big = b.Op("Expand", "big", {one, shape});
  b.Output(b.Op("Add", "add", {x, big}));
  return b.g;
}

TEST(MemoryLimit, FoldRefusedBeforeAllocating) {
  auto plan_fold = Session::Create(BigFold(), Limited(1 << 20));
  ASSERT_FALSE(plan_fold.ok());
  EXPECT_EQ(plan_fold.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(plan_fold.status().message().find(
                "Expand \"big\": folding it needs 4000000 bytes, which with the 20 bytes of "
                "constants so far exceeds the memory limit of 1048576 bytes"),
            std::string::npos)
      << plan_fold.status().message();

  auto pass_fold = Session::Create(BigFold(), Limited(1 << 20, /*optimize=*/true));
  ASSERT_FALSE(pass_fold.ok());
  EXPECT_EQ(pass_fold.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(pass_fold.status().message().find("Expand \"big\": evaluating it needs 4000000 "
                                              "bytes, more than the memory limit of 1048576"),
            std::string::npos)
      << pass_fold.status().message();

  EXPECT_TRUE(Session::Create(BigFold(), Limited(0)).ok());  // unlimited
  EXPECT_TRUE(Session::Create(BigFold(), Limited(16 << 20, true)).ok());
}

// x[1] -> Expand(x, shape) with `shape` fed at run time: the output's size is known only then.
TEST(MemoryLimit, DynamicOutputsCheckedAtRunTime) {
  testing::GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1});
  const ValueId shape = b.StaticInput("shape", {1}, DataType::kInt64);
  b.Output(b.Op("Expand", "expand", {x, shape}));
  auto session = Session::Create(b.g, Limited(1 << 20));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  const Tensor x1 = Tensor::FromVector<float>({1}, {3.f});
  auto small = (*session)->Run({x1, Tensor::FromVector<int64_t>({1}, {1000})});
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_EQ((*small)[0].shape(), Shape({1000}));
  auto big = (*session)->Run({x1, Tensor::FromVector<int64_t>({1}, {1 << 20})});
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(big.status().message().find("Expand \"expand\": output 0 (float32[1048576], known "
                                        "only at run time) needs 4194304 bytes"),
            std::string::npos)
      << big.status().message();
}

// A hostile static shape whose byte count would overflow is refused at inference, so the
// memory planner never adds up wrapped-around sizes.
TEST(MemoryLimit, HugeStaticOutputRefused) {
  testing::GraphBuilder b;
  const ValueId x = b.StaticInput("x", {1});
  const ValueId shape =
      b.Const("shape", Tensor::FromVector<int64_t>({2}, {int64_t{1} << 31, int64_t{1} << 30}));
  b.Output(b.Op("Relu", "relu", {b.Op("Expand", "expand", {x, shape})}));
  auto session = Session::Create(b.g, Limited(0));
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(session.status().message().find("Expand \"expand\": output 0 would be"),
            std::string::npos)
      << session.status().message();
}

}  // namespace
}  // namespace finch
