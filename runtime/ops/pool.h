// Pool geometry -> kernel parameters, shared by the NCHW and NHWC pooling kernels.
#pragma once

#include "graph/ops/pool.h"
#include "kernels/pool/pool_params.h"
#include "runtime/kernel_registry.h"

namespace finch {

kernels::PoolParams ToPoolParams(const PoolGeometry& g);

// The finch-domain channels-last pools (runtime/ops/pool_nhwc.cc).
void RegisterNhwcPoolKernels(KernelRegistry& r);

}  // namespace finch
