// The last candidate of every channels-last op: its NCHW kernel between two transposes.
//
// Slow (two copies of every activation, any element type) but exact and complete, so the layout pass may convert
// an op whatever its attributes: a shape or attribute the NHWC kernels do not cover still runs.
#pragma once

#include <memory>
#include <vector>

#include "runtime/op_kernel.h"

namespace finch {

// `build` is an NHWC node; `nchw_factory` builds the NCHW kernel of the same node without its
// layout attribute. `layout_inputs` are the inputs in NHWC (the others pass through).
StatusOr<std::unique_ptr<OpKernel>> MakeNchwFallbackKernel(const KernelBuildContext& build,
                                                           const KernelFactory& nchw_factory,
                                                           const std::vector<int>& layout_inputs);

}  // namespace finch
