// The kernels of channels-last convolution (finch::FusedConv with layout NHWC).
#pragma once

#include <memory>

#include "kernels/common/activation.h"
#include "runtime/op_kernel.h"

namespace finch {

// Picks the fastest kernel that applies to the node's shapes and constant weights (see
// conv_nhwc.cc for the candidates, in order) and records why faster ones were skipped.
StatusOr<std::unique_ptr<OpKernel>> MakeNhwcConvKernel(const KernelBuildContext& build,
                                                        const kernels::Activation& act);

}  // namespace finch
