// ThreadPool: intra-op parallelism with static partitioning.
//
// ParallelFor splits [0, n) into contiguous chunks, one per thread, the same way every time, so
// a kernel whose chunks write disjoint outputs gives bit-identical results for any thread count.
// The calling thread takes the first chunk. Calls from different threads are serialized.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace finch {

class ThreadPool {
 public:
  // `threads` includes the caller; 1 means no worker threads.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }
  // Calls fn(begin, end) over a partition of [0, n) and waits for all chunks.
  void ParallelFor(int64_t n, const std::function<void(int64_t, int64_t)>& fn);
  // The same partition, also passing the chunk's index in [0, threads()): each chunk runs on
  // one thread, so the index selects that thread's slice of a kernel's scratch memory.
  void ParallelForChunks(int64_t n, const std::function<void(int, int64_t, int64_t)>& fn);

 private:
  void WorkerLoop(int index);

  std::vector<std::thread> workers_;
  std::mutex call_mutex_;  // one ParallelFor at a time
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(int, int64_t, int64_t)>* job_ = nullptr;
  int64_t job_n_ = 0;
  uint64_t generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
};

// Physical cores of this machine (logical CPUs / threads per core), at least 1.
int PhysicalCoreCount();

}  // namespace finch
