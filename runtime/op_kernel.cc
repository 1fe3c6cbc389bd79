#include "runtime/op_kernel.h"

#include <new>

#include "runtime/thread_pool.h"

namespace finch {

int KernelContext::threads() const { return pool ? pool->threads() : 1; }

void* KernelContext::Scratch(size_t bytes) {
  if (bytes == 0) return nullptr;
  if (scratch != nullptr && bytes <= scratch_bytes) return scratch;
  owned_scratch_.reset(new (std::nothrow) uint8_t[bytes + 64]);
  if (!owned_scratch_) return nullptr;
  const uintptr_t p = reinterpret_cast<uintptr_t>(owned_scratch_.get());
  return reinterpret_cast<void*>((p + 63) / 64 * 64);
}

}  // namespace finch
