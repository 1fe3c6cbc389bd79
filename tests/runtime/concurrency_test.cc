// Concurrency: one Session, many threads. Session::Run is documented thread-safe: plans are
// built under a mutex and cached, each run takes its own arena from the plan's pool, kernels are
// const, and concurrent runs share one ThreadPool whose ParallelFor calls are serialized.
//
// Eight threads run the same session at once, each on its own inputs and batch sizes (so that
// several plans are requested while others run), and every output must equal, bit for bit, the
// output a separate session computed sequentially for the same input. Two models: the zoo
// MobileNetV2 (static shapes: everything in the arena) and a tiny graph whose Reshape target is
// a run-time value (dynamic steps re-inferred and allocated per run, mixed with arena values).
// Run under TSan (tests/README.md) to catch races that happen not to change the outputs here.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "graph/zoo/mobilenetv2.h"
#include "runtime/session.h"
#include "tests/util/graph_builder.h"
#include "tests/util/test_util.h"

namespace finch {
namespace {

constexpr int kThreads = 8;

bool BitEqual(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         (a.byte_size() == 0 || std::memcmp(a.raw_data(), b.raw_data(), a.byte_size()) == 0);
}

// One job: the inputs of a run and the outputs a sequential session gave for them.
struct Job {
  std::vector<Tensor> inputs;
  std::vector<Tensor> want;
};

// Runs job (t + k·kThreads) for k = 0.. on thread t, `rounds` times over, from one session, and
// counts mismatches and errors. Threads start together (a spin barrier) to overlap plan builds.
void RunConcurrently(const Session& session, const std::vector<Job>& jobs, int rounds) {
  std::atomic<int> ready{0}, mismatches{0}, errors{0};
  std::vector<std::string> first_error(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ++ready;
      while (ready.load() < kThreads) std::this_thread::yield();
      for (int r = 0; r < rounds; ++r) {
        for (size_t j = t; j < jobs.size(); j += kThreads) {
          auto out = session.Run(jobs[j].inputs);
          if (!out.ok()) {
            if (errors++ == 0) first_error[t] = out.status().ToString();
            continue;
          }
          for (size_t o = 0; o < out->size(); ++o) {
            if (!BitEqual((*out)[o], jobs[j].want[o])) ++mismatches;
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  std::string why;
  for (const std::string& e : first_error) why += e;
  EXPECT_EQ(errors.load(), 0) << why;
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(Concurrency, MobileNetV2EightThreadsMatchSequential) {
  zoo::MobileNetV2Options o;
  o.width = 0.35;
  o.resolution = 96;
  o.num_classes = 100;
  auto graph = zoo::MakeMobileNetV2(o);
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  // Two intra-op threads: concurrent runs contend for the one pool.
  auto reference = Session::Create(*graph, SessionOptions{2});
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();

  std::vector<Job> jobs;
  for (int j = 0; j < 2 * kThreads; ++j) {
    const int64_t batch = 1 + j % 3;  // three plans, requested by several threads at once
    Job job;
    job.inputs.push_back(testing::RandomTensor({batch, 3, 96, 96}, 100 + j));
    auto want = (*reference)->Run(job.inputs);
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    job.want = std::move(want).value();
    jobs.push_back(std::move(job));
  }
  // A fresh session: its plans for batches 2 and 3 are built while other threads run.
  auto session = Session::Create(*graph, SessionOptions{2});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  RunConcurrently(**session, jobs, 2);
}

// x[N,4,6] -> Mul(2) -> a -> Reshape(a, target) -> r -> Add(r, r) -> Relu -> y, with
// target = shape + 0 computed from the int64 input `shape`: r and everything after it have
// shapes known only at run time (dynamic steps); `a` lives in the arena.
Graph DynamicReshapeGraph() {
  testing::GraphBuilder b;
  const ValueId x = b.Input("x", {0, 4, 6});
  const ValueId shape = b.StaticInput("shape", {2}, DataType::kInt64);
  const ValueId two = b.Const("two", Tensor::Scalar<float>(2.f));
  const ValueId zero = b.Const("zero", Tensor::Scalar<int64_t>(0));
  const ValueId a = b.Op("Mul", "double", {x, two});
  const ValueId target = b.Op("Add", "target", {shape, zero});
  const ValueId r = b.Op("Reshape", "reshape", {a, target});
  const ValueId s = b.Op("Add", "sum", {r, r});
  b.Output(b.Op("Relu", "relu", {s}));
  b.Output(a);
  return b.g;
}

TEST(Concurrency, DynamicReshapeEightThreadsMatchSequential) {
  const Graph g = DynamicReshapeGraph();
  auto reference = Session::Create(g, SessionOptions{2});
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();
  std::vector<Job> jobs;
  for (int j = 0; j < 4 * kThreads; ++j) {
    const int64_t batch = 1 + j % 4;
    // The same data as [N·4, 6], [N, 24] or [N·8, 3], chosen per job.
    const std::vector<std::vector<int64_t>> targets = {
        {batch * 4, 6}, {batch, 24}, {batch * 8, 3}};
    Job job;
    job.inputs.push_back(testing::RandomTensor({batch, 4, 6}, 500 + j));
    job.inputs.push_back(Tensor::FromVector<int64_t>({2}, targets[j % 3]));
    auto want = (*reference)->Run(job.inputs);
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    ASSERT_EQ((*want)[0].shape(), Shape(targets[j % 3].begin(), targets[j % 3].end()));
    job.want = std::move(want).value();
    jobs.push_back(std::move(job));
  }
  auto session = Session::Create(g, SessionOptions{2});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  RunConcurrently(**session, jobs, 200);
}

}  // namespace
}  // namespace finch
