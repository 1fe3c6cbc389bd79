#include "runtime/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <utility>

namespace finch {

namespace {

// How long a thread polls before it blocks (workers) or yields (the caller). Long enough to
// bridge the gaps between the parallel loops of one run (a few µs), short enough not to burn a
// core that another process wants for long.
constexpr auto kSpinTime = std::chrono::microseconds(50);

// Polls `ready` for up to kSpinTime (reading the clock every 64 pauses); true when it became
// true.
template <typename Ready>
bool SpinUntil(Ready&& ready) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 1;; ++i) {
    if (ready()) return true;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    if ((i & 63) == 0 && std::chrono::steady_clock::now() - start > kSpinTime) return ready();
  }
}

std::pair<int64_t, int64_t> Chunk(int64_t n, int parts, int index) {
  const int64_t base = n / parts, extra = n % parts;
  const int64_t begin = index * base + std::min<int64_t>(index, extra);
  return {begin, begin + base + (index < extra ? 1 : 0)};
}

}  // namespace

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < std::max(1, threads); ++i) workers_.emplace_back([this, i] { WorkerLoop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::Dispatch(int64_t n, ChunkFn fn) {
  if (n <= 0) return;
  if (workers_.empty() || n == 1) {
    fn(0, 0, n);
    return;
  }
  std::lock_guard<std::mutex> call_lock(call_mutex_);
  job_ = &fn;
  job_n_ = n;
  done_.store(0, std::memory_order_relaxed);
  // 32 bits of generation (wrapping), 32 of claimed chunks.
  const uint64_t generation = ((state_.load(std::memory_order_relaxed) >> 32) + 1) & 0xffffffffu;
  {
    // Under the mutex so that a worker deciding to sleep sees either the new generation or
    // the notification.
    std::lock_guard<std::mutex> lock(mutex_);
    state_.store(generation << 32, std::memory_order_release);
    if (sleepers_ > 0) wake_.notify_all();
  }
  RunChunks(generation);
  // Every chunk is claimed; wait for the ones workers are still running (a worker descheduled
  // mid-chunk gets the core back by our yielding).
  auto all_done = [this] { return done_.load(std::memory_order_acquire) == threads(); };
  if (!SpinUntil(all_done)) {
    while (!all_done()) std::this_thread::yield();
  }
  job_ = nullptr;
}

void ThreadPool::RunChunks(uint64_t generation) {
  const int parts = threads();
  uint64_t s = state_.load(std::memory_order_acquire);
  while ((s >> 32) == generation && static_cast<int>(s & 0xffffffffu) < parts) {
    if (!state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel)) continue;
    // Claimed: the caller cannot finish this job, nor publish another, before this chunk is
    // done, so the job is read only now (a worker that claims nothing never reads it).
    const int chunk = static_cast<int>(s & 0xffffffffu);
    auto [begin, end] = Chunk(job_n_, parts, chunk);
    if (begin < end) (*job_)(chunk, begin, end);
    done_.fetch_add(1, std::memory_order_release);
    s = state_.load(std::memory_order_acquire);
  }
}

void ThreadPool::WorkerLoop(int) {
  uint64_t seen = 0;
  auto current = [this] { return state_.load(std::memory_order_acquire) >> 32; };
  for (;;) {
    // Spin for the next job, then sleep.
    auto job_or_stop = [&] { return current() != seen || stop_.load(); };
    if (!SpinUntil(job_or_stop)) {
      std::unique_lock<std::mutex> lock(mutex_);
      ++sleepers_;
      wake_.wait(lock, job_or_stop);
      --sleepers_;
    }
    if (stop_.load()) return;
    seen = current();
    RunChunks(seen);
  }
}

int PhysicalCoreCount() {
  // Count distinct (physical id, core id) pairs; fall back to the logical count.
  std::ifstream in("/proc/cpuinfo");
  std::set<std::pair<std::string, std::string>> cores;
  std::string line, phys = "0";
  while (std::getline(in, line)) {
    auto value = [&] { return line.substr(line.find(':') + 1); };
    if (line.rfind("physical id", 0) == 0) phys = value();
    if (line.rfind("core id", 0) == 0) cores.insert({phys, value()});
  }
  int logical = static_cast<int>(std::thread::hardware_concurrency());
  int n = cores.empty() ? logical : static_cast<int>(cores.size());
  return std::max(1, n);
}

}  // namespace finch
