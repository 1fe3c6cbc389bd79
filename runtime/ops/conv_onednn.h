// oneDNN's convolution (kernels/onednn/conv_onednn.h) as a dispatch candidate of Conv (NCHW),
// finch::FusedConv NCHW and finch::FusedConv NHWC. FINCH_DISABLE_ONEDNN=1 (read at each plan
// build) or FINCH_DISABLE_ISA=avx2 switch the candidate off: finch's own kernels run.
#pragma once

#include <memory>
#include <string>

#include "kernels/common/activation.h"
#include "runtime/op_kernel.h"

namespace finch {

// A oneDNN kernel for the node in `build`, y = act(conv(x, w) + b [+ z]) with z the node's input
// 3 when present: 2-D, float32, static shapes, W (and B) known at plan time. Otherwise, or
// when oneDNN declines the geometry, null, with the reason recorded as a Skip of `name`.
// `nhwc`: x, z and y are channels-last (the node's layout = "NHWC").
std::unique_ptr<OpKernel> MakeOneDnnConvKernel(const KernelBuildContext& build,
                                               const kernels::Activation& act, bool nhwc,
                                               const std::string& name);

}  // namespace finch
