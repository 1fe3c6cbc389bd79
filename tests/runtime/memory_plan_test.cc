// The memory planner: values whose lifetimes overlap never share bytes, reuse happens, and the
// arena stays close to the lower bound (the most bytes live at once).
#include "runtime/memory_plan.h"

#include <gtest/gtest.h>

#include "graph/zoo/mobilenetv2.h"
#include "runtime/session.h"
#include "tests/util/graph_builder.h"
#include "tests/util/test_util.h"

namespace finch {
namespace {

// For every pair of planned values: lifetimes overlap => address ranges do not.
void ExpectNoConflicts(const Graph& g, const Plan& plan) {
  struct Live {
    ValueId v;
    int64_t lo, hi;
    int first, last;
  };
  std::vector<Live> live;
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    for (ValueId v : g.nodes[plan.steps[s].node].outputs) {
      if (v == kNoValue || plan.memory.offset[v] < 0) continue;
      const int64_t bytes = NumElements(plan.types[v].static_shape()) *
                            static_cast<int64_t>(DataTypeSize(plan.types[v].dtype));
      live.push_back({v, plan.memory.offset[v], plan.memory.offset[v] + bytes,
                      static_cast<int>(s), std::max(static_cast<int>(s), plan.last_use[v])});
    }
  }
  for (size_t i = 0; i < live.size(); ++i) {
    for (size_t j = i + 1; j < live.size(); ++j) {
      const Live& a = live[i];
      const Live& b = live[j];
      const bool time = !(a.last < b.first || b.last < a.first);
      const bool space = a.lo < b.hi && b.lo < a.hi;
      EXPECT_FALSE(time && space) << g.values[a.v].name << " and " << g.values[b.v].name;
    }
    EXPECT_LE(static_cast<size_t>(live[i].hi), plan.memory.arena_bytes);
  }
}

TEST(MemoryPlan, ChainReusesBuffers) {
  // x -> Relu -> a -> Neg -> b -> Sigmoid -> c -> Tanh -> y: a and c can share.
  testing::GraphBuilder builder;
  const ValueId x = builder.Input("x", {1, 1000}, DataType::kFloat32, false);
  const ValueId a = builder.Op("Relu", "a", {x});
  const ValueId b = builder.Op("Neg", "b", {a});
  const ValueId c = builder.Op("Sigmoid", "c", {b});
  builder.Output(builder.Op("Tanh", "y", {c}));
  auto session = Session::Create(builder.g, SessionOptions{1, false});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto plan = (*session)->PlanFor({{1, 1000}});
  ASSERT_TRUE(plan.ok());
  const MemoryPlan& mp = (*plan)->memory;
  EXPECT_EQ(mp.total_bytes, 3u * 4000 + 3 * 32);  // three 4000-byte values, 64-byte aligned
  EXPECT_EQ(mp.arena_bytes, 2u * 4032);
  EXPECT_EQ(mp.offset[a], mp.offset[c]);
  EXPECT_NE(mp.offset[a], mp.offset[b]);
  ExpectNoConflicts((*session)->graph(), **plan);
  // And it computes the right thing, twice (the second run reuses the arena).
  for (int run = 0; run < 2; ++run) {
    auto out = (*session)->Run({Tensor::FromVector<float>({1, 1000}, std::vector<float>(1000, 2.f))});
    ASSERT_TRUE(out.ok());
    EXPECT_FLOAT_EQ((*out)[0].data<float>()[999], std::tanh(1.f / (1.f + std::exp(2.f))));
  }
}

TEST(MemoryPlan, MobileNetV2ArenaNearLowerBound) {
  auto graph = zoo::MakeMobileNetV2({});
  ASSERT_TRUE(graph.ok());
  for (bool optimize : {false, true}) {
    auto session = Session::Create(*graph, SessionOptions{1, optimize});
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    auto plan = (*session)->PlanFor({{1, 3, 224, 224}});
    ASSERT_TRUE(plan.ok());
    const MemoryPlan& mp = (*plan)->memory;
    std::printf("MobileNetV2 (%s): arena %zu bytes, lower bound %zu, no reuse %zu\n",
                optimize ? "optimized" : "unfused", mp.arena_bytes, mp.lower_bound,
                mp.total_bytes);
    EXPECT_GE(mp.arena_bytes, mp.lower_bound);
    EXPECT_LE(mp.arena_bytes, mp.lower_bound * 5 / 4);  // within 25% of the bound
    // Real reuse: 152 unfused nodes leave much to share, the 22 fused ones less.
    EXPECT_LT(mp.arena_bytes * (optimize ? 1 : 4), mp.total_bytes);
    ExpectNoConflicts((*session)->graph(), **plan);
  }
}

}  // namespace
}  // namespace finch
