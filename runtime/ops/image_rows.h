// Work split by (image, output row), the unit every channels-last kernel parallelises over, or
// by tasks of a kernel's own choosing (tiles of pixels, blocks of rows).
#pragma once

#include <algorithm>
#include <cstdint>

#include "runtime/op_kernel.h"
#include "runtime/thread_pool.h"

namespace finch {

// Calls fn(chunk, n, r0, r1) for runs of output rows [r0, r1) of image n that together cover
// the batch·rows items once, split into one contiguous run of items per thread (a thread's run
// may span images: it is cut at image boundaries). `chunk` indexes the thread's scratch. Runs on
// the calling thread alone without a pool, with one thread, or when `threads_planned` (the
// thread count the kernel's scratch was sized for) is below the pool's.
template <typename Fn>
void ForImageRows(KernelContext& ctx, int threads_planned, int64_t batch, int64_t rows, Fn&& fn) {
  auto run = [&](int chunk, int64_t begin, int64_t end) {
    while (begin < end) {
      const int64_t n = begin / rows, r0 = begin % rows;
      const int64_t r1 = std::min(rows, r0 + (end - begin));
      fn(chunk, n, r0, r1);
      begin += r1 - r0;
    }
  };
  const int64_t work = batch * rows;
  if (ctx.pool && ctx.threads() > 1 && ctx.threads() <= threads_planned && work > 1) {
    ctx.pool->ParallelForChunks(work, run);
  } else {
    run(0, 0, work);
  }
}

// Calls fn(chunk, begin, end) over runs of tasks [0, tasks) that together cover each task once,
// one run per thread; `chunk` indexes the thread's scratch. The same fallbacks to the calling
// thread as ForImageRows.
template <typename Fn>
void ForTaskChunks(KernelContext& ctx, int threads_planned, int64_t tasks, Fn&& fn) {
  if (ctx.pool && ctx.threads() > 1 && ctx.threads() <= threads_planned && tasks > 1) {
    ctx.pool->ParallelForChunks(tasks, fn);
  } else {
    fn(0, 0, tasks);
  }
}

}  // namespace finch
