#include "runtime/kernel_registry.h"

namespace finch {

void RegisterPoolKernels(KernelRegistry& r) {}

}  // namespace finch
