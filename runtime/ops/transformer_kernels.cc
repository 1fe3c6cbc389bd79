#include "runtime/ops/transformer.h"

namespace finch {

void RegisterTransformerKernels(KernelRegistry& r) {
  RegisterLayerNormKernels(r);
  RegisterGeluKernels(r);
  RegisterFusedMatMulKernels(r);
  RegisterAttentionKernels(r);
}

}  // namespace finch
