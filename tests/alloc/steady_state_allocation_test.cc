// A run in steady state allocates only what it returns: the plan's RunState (arena, tensor
// views, value table, kernel context) is built by the first run and reused, and the thread
// pool calls kernels by reference. This binary replaces the global operator new to count
// allocations, which is why it is a test executable of its own.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "graph/zoo/mobilenetv2.h"
#include "runtime/session.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

// Every plain form of new and delete, so that each allocation and its release meet in malloc
// and free (a sanitizer's allocator replaces the forms left out, and would see mismatches).
void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace finch {
namespace {

// Allocations of one Run after `warmup` runs.
long AllocationsPerRun(const Session& session, const std::vector<Tensor>& inputs, int warmup) {
  for (int i = 0; i < warmup; ++i) {
    auto out = session.Run(inputs);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
  }
  const long before = g_allocations.load();
  auto out = session.Run(inputs);
  const long after = g_allocations.load();
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return after - before;
}

TEST(SteadyStateAllocation, MobileNetV2RunAllocatesOnlyItsOutput) {
  zoo::MobileNetV2Options z;
  z.width = 0.5;
  z.resolution = 96;
  auto graph = zoo::MakeMobileNetV2(z);
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  for (int threads : {1, 2}) {
    for (bool optimize : {true, false}) {
      SessionOptions options;
      options.threads = threads;
      options.optimize = optimize;
      auto session = Session::Create(*graph, options);
      ASSERT_TRUE(session.ok()) << session.status().ToString();
      auto input = Tensor::Allocate(DataType::kFloat32, {1, 3, 96, 96});
      ASSERT_TRUE(input.ok());
      const std::vector<Tensor> inputs = {*input};
      // The returned vector, and the one output: its storage, its control block, its shape.
      const long allowed = 1 + 3 * static_cast<long>((*session)->output_names().size()) + 1;
      const long n = AllocationsPerRun(**session, inputs, 2);
      EXPECT_LE(n, allowed) << "threads " << threads << ", optimize " << optimize;
      std::printf("threads %d, optimize %d: %ld allocations per run (allowed %ld)\n", threads,
                  optimize, n, allowed);
    }
  }
}

}  // namespace
}  // namespace finch
