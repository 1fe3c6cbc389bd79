// QLinearMatMul with a constant 2-D B on the exact int8 QGEMM (kernels/int8/qgemm.h): B packed
// once; A's rows (every batch's, flattened) split across threads.
#pragma once

#include <memory>

#include "runtime/op_kernel.h"

namespace finch {

// The packed kernel when it applies — B a constant [K, N], every scale and zero point constant,
// A's per-tensor, B's per-tensor or per column, y's per-tensor — else null, with the reason
// recorded by build.Skip. Bit-identical to kernels/quant's reference (same multiplier
// a_scale · b_scale[n] / y_scale in float32, same requantization).
StatusOr<std::unique_ptr<OpKernel>> MakePackedQLinearMatMulKernel(const KernelBuildContext& build);

}  // namespace finch
