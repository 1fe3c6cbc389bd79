// Kernels of the transformer ops of the finch domain (graph/ops/transformer.h,
// graph/ops/attention.h), one file each; RegisterTransformerKernels (kernel_registry.h) calls
// these.
#pragma once

#include "runtime/kernel_registry.h"

namespace finch {

void RegisterLayerNormKernels(KernelRegistry& r);    // layer_norm.cc
void RegisterGeluKernels(KernelRegistry& r);         // gelu.cc
void RegisterFusedMatMulKernels(KernelRegistry& r);  // fused_matmul.cc
void RegisterAttentionKernels(KernelRegistry& r);    // attention.cc

}  // namespace finch
