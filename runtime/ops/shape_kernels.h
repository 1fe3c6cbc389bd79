// Kernel registration per shape-op group; RegisterShapeKernels (shape.cc) calls them all.
#pragma once

#include <memory>
#include <string>

#include "runtime/kernel_registry.h"

namespace finch {

void RegisterShapeViewKernels(KernelRegistry& r);      // shape.cc
void RegisterShapeCopyKernels(KernelRegistry& r);      // shape_copy.cc
void RegisterShapeGenerateKernels(KernelRegistry& r);  // shape_generate.cc
void RegisterShapeNdKernels(KernelRegistry& r);        // shape_nd.cc
void RegisterShapePadKernels(KernelRegistry& r);       // shape_pad.cc

// A factory's result from a lambda kernel.
template <typename Fn>
StatusOr<std::unique_ptr<OpKernel>> LambdaKernelOf(std::string name, Fn fn) {
  return std::unique_ptr<OpKernel>(MakeKernel(std::move(name), std::move(fn)));
}

// Copies `in`'s bytes into `out` (same element count and type), for the ops that only change
// the shape. An Internal error when the sizes differ (inference and the kernel disagree).
Status CopyTensorBytes(const Node& node, const Tensor& in, Tensor& out);

// Internal unless `out` was allocated with shape `want` (inference and the kernel disagree).
Status CheckOutputShape(const Node& node, const Tensor& out, const Shape& want);

}  // namespace finch
