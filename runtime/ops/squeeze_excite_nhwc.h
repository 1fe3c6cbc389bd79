// finch::SqueezeExcite with layout NHWC.
#pragma once

#include <memory>

#include "kernels/common/activation.h"
#include "runtime/op_kernel.h"

namespace finch {

StatusOr<std::unique_ptr<OpKernel>> MakeNhwcSqueezeExciteKernel(const KernelBuildContext& build,
                                                                 const kernels::Activation& act,
                                                                 const kernels::Activation& gate);

}  // namespace finch
