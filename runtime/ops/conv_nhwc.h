// The kernels of channels-last convolution (finch::FusedConv with layout NHWC).
#pragma once

#include <memory>

#include "graph/ops/conv.h"
#include "kernels/common/activation.h"
#include "kernels/conv/conv_nhwc.h"
#include "kernels/dwconv/dwconv_ref.h"
#include "runtime/op_kernel.h"

namespace finch {

// Picks the fastest kernel that applies to the node's shapes and constant weights (see
// conv_nhwc.cc for the candidates, in order) and records why faster ones were skipped.
StatusOr<std::unique_ptr<OpKernel>> MakeNhwcConvKernel(const KernelBuildContext& build,
                                                        const kernels::Activation& act);

// A resolved 2-D convolution's geometry as the channels-last kernels take it (act left empty);
// Internal error for another rank. Shared by the float and the 8-bit NHWC convolutions.
StatusOr<kernels::ConvNhwcParams> NhwcParamsOf(const Node& node, const ConvGeometry& g);
// A depthwise convolution's geometry (group = in_c = out_c) as the depthwise kernels take it.
kernels::DwConvParams ToDwConv(const kernels::ConvNhwcParams& p);

}  // namespace finch
