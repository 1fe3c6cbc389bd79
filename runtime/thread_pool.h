// ThreadPool: intra-op parallelism with static partitioning.
//
// ParallelFor splits [0, n) into contiguous chunks, one per thread, the same way every time, so
// a kernel whose chunks write disjoint outputs gives bit-identical results for any thread count.
// The calling thread takes the first chunk. Calls from different threads are serialized.
//
// A network runs hundreds of parallel loops of 10–200 µs each, so waking a sleeping thread
// (tens of µs on a VM) would eat the gain: workers spin on the job word for a while after each
// job (50 µs) before they block on a condition variable. Chunks are claimed, not assigned:
// the caller, done with its own chunk, runs any chunk no worker has started, so a worker that
// is asleep or descheduled by another process delays nothing. Which thread runs chunk i never
// changes what chunk i computes.
#pragma once

#include <atomic>
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
  // Calls fn(begin, end) over a partition of [0, n) and waits for all chunks. `fn` is called by
  // reference (never copied, nothing allocated).
  template <typename Fn>
  void ParallelFor(int64_t n, Fn&& fn) {
    auto chunked = [&fn](int, int64_t begin, int64_t end) { fn(begin, end); };
    Dispatch(n, ChunkFn(chunked));
  }
  // The same partition, also passing the chunk's index in [0, threads()): each chunk runs on
  // one thread, so the index selects that thread's slice of a kernel's scratch memory.
  template <typename Fn>
  void ParallelForChunks(int64_t n, Fn&& fn) {
    Dispatch(n, ChunkFn(fn));
  }

 private:
  // A non-owning reference to a callable void(int chunk, int64_t begin, int64_t end).
  class ChunkFn {
   public:
    template <typename Fn>
    explicit ChunkFn(Fn& fn)
        : object_(&fn), call_([](void* o, int c, int64_t b, int64_t e) {
            (*static_cast<Fn*>(o))(c, b, e);
          }) {}
    void operator()(int c, int64_t b, int64_t e) const { call_(object_, c, b, e); }

   private:
    void* object_;
    void (*call_)(void*, int, int64_t, int64_t);
  };

  void Dispatch(int64_t n, ChunkFn fn);
  void WorkerLoop(int index);  // index: unused (chunks are claimed); kept for debugging

  // Claims chunks of job `generation` until none is left.
  void RunChunks(uint64_t generation);

  std::vector<std::thread> workers_;
  std::mutex call_mutex_;  // one ParallelFor at a time
  // The job: written by the caller before it publishes a new generation in state_ (release),
  // read by workers after they see it (acquire).
  const ChunkFn* job_ = nullptr;
  int64_t job_n_ = 0;
  // generation << 32 | chunks claimed so far. A chunk is claimed by a compare-and-swap that
  // also checks the generation, so a late worker can never claim a chunk of a newer job.
  std::atomic<uint64_t> state_{0};
  std::atomic<int> done_{0};  // chunks of the current job finished
  std::atomic<bool> stop_{false};
  std::mutex mutex_;  // guards sleeping on wake_
  std::condition_variable wake_;
  int sleepers_ = 0;  // workers blocked on wake_ (under mutex_)
};

// Physical cores of this machine (logical CPUs / threads per core), at least 1.
int PhysicalCoreCount();

}  // namespace finch
