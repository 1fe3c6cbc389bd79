#include "runtime/kernel_registry.h"

namespace finch {

void KernelRegistry::Register(const std::string& domain, const std::string& op_type,
                              KernelFactory factory) {
  entries_.push_back(Entry{domain, op_type, std::move(factory)});
}

const KernelFactory* KernelRegistry::Find(const std::string& domain,
                                          const std::string& op_type) const {
  for (const Entry& e : entries_) {
    if (e.domain == domain && e.op_type == op_type) return &e.factory;
  }
  return nullptr;
}

const KernelRegistry& GlobalKernels() {
  static const KernelRegistry* registry = [] {
    auto* r = new KernelRegistry;
    RegisterConvKernels(*r);
    RegisterPoolKernels(*r);
    RegisterGemmKernels(*r);
    RegisterNormalizationKernels(*r);
    RegisterElementwiseKernels(*r);
    RegisterReduceKernels(*r);
    RegisterShapeKernels(*r);
    RegisterFusedKernels(*r);
    RegisterMiscKernels(*r);
    RegisterResizeKernels(*r);
    RegisterConvTransposeKernels(*r);
    RegisterQuantizeKernels(*r);
    RegisterQLinearConvNhwcKernels(*r);
    RegisterTransformerKernels(*r);
    return r;
  }();
  return *registry;
}

}  // namespace finch
