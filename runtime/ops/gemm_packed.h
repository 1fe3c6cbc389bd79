// Gemm, finch::FusedGemm and MatMul on the packed GEMM when B is a constant: packed once at
// plan time, bias and activation in the epilogue, rows split across threads.
#pragma once

#include <memory>

#include "kernels/common/activation.h"
#include "runtime/op_kernel.h"

namespace finch {

// Null (with the reason recorded in `build`) when the node does not fit: B not constant,
// not float32, transA, alpha != 1, a C that is not a bias row [N] / [1, N] with beta = 1, or
// shapes unknown at plan time.
std::unique_ptr<OpKernel> MakePackedGemmKernel(const KernelBuildContext& build,
                                               const kernels::Activation& act);

// MatMul A [..., M, K] · B [K, N] with a constant rank-2 B: the batch dims fold into the rows.
std::unique_ptr<OpKernel> MakePackedMatMulKernel(const KernelBuildContext& build);

}  // namespace finch
