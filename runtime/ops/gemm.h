// Gemm on the reference kernel, shared by Gemm and finch::FusedGemm.
#pragma once

#include "graph/ops/gemm.h"
#include "graph/tensor.h"

namespace finch {

// out = alpha · op(a) · op(b) + beta · c (c broadcast; null when absent).
Status RunGemmRef(const Node& node, const GemmAttributes& attrs, const Tensor& a, const Tensor& b,
                  const Tensor* c, Tensor* out);

}  // namespace finch
