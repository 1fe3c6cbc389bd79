// Which kernel factory serves each (domain, op type). One registration function per family
// file in runtime/ops/.
#pragma once

#include <string>
#include <vector>

#include "runtime/op_kernel.h"

namespace finch {

class KernelRegistry {
 public:
  void Register(const std::string& domain, const std::string& op_type, KernelFactory factory);
  const KernelFactory* Find(const std::string& domain, const std::string& op_type) const;

 private:
  struct Entry {
    std::string domain, op_type;
    KernelFactory factory;
  };
  std::vector<Entry> entries_;
};

const KernelRegistry& GlobalKernels();

void RegisterConvKernels(KernelRegistry& r);
void RegisterPoolKernels(KernelRegistry& r);
void RegisterGemmKernels(KernelRegistry& r);
void RegisterNormalizationKernels(KernelRegistry& r);
void RegisterElementwiseKernels(KernelRegistry& r);
void RegisterReduceKernels(KernelRegistry& r);
void RegisterShapeKernels(KernelRegistry& r);
void RegisterFusedKernels(KernelRegistry& r);  // the "finch" domain
void RegisterMiscKernels(KernelRegistry& r);
void RegisterResizeKernels(KernelRegistry& r);
void RegisterConvTransposeKernels(KernelRegistry& r);
void RegisterQuantizeKernels(KernelRegistry& r);
void RegisterQLinearConvNhwcKernels(KernelRegistry& r);  // finch::QLinearConv [NHWC]
// finch::LayerNormalization, Gelu, FusedMatMul, Attention (runtime/ops/transformer.h)
void RegisterTransformerKernels(KernelRegistry& r);

}  // namespace finch
