// The fused channels-last inverted-residual block (finch::InvertedResidual, layout NHWC).
#pragma once

#include <memory>

#include "runtime/op_kernel.h"

namespace finch {

// Needs static shapes, weights known at plan time and an undilated depthwise stage;
// Unimplemented otherwise (the caller then falls back to the NCHW reference).
StatusOr<std::unique_ptr<OpKernel>> MakeNhwcInvertedResidualKernel(
    const KernelBuildContext& build);

}  // namespace finch
