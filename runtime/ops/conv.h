// Conv geometry -> reference-kernel parameters, shared by Conv and the fused convolutions.
#pragma once

#include "graph/ops/conv.h"
#include "kernels/conv/conv_ref.h"

namespace finch {

kernels::ConvParams ToConvParams(const ConvGeometry& g);

}  // namespace finch
