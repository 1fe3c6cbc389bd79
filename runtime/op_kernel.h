// OpKernel: one node's chosen implementation, created once when a plan is built.
//
// A kernel factory parses and validates the node's attributes once and picks an implementation
// (today: the scalar reference kernels in kernels/; faster candidates come first in later
// families). Run() is const: one kernel object serves concurrent runs of a session, so any
// scratch memory comes from the run, never from the kernel.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/status.h"
#include "graph/tensor.h"

namespace finch {

class ThreadPool;

// What a kernel sees when it runs: its inputs (nullptr for an omitted optional input) and its
// outputs, already allocated with the shapes inference gave.
struct KernelContext {
  std::vector<const Tensor*> inputs;
  std::vector<Tensor*> outputs;  // nullptr for an omitted optional output
  ThreadPool* pool = nullptr;
  // The run's scratch for this step: OpKernel::scratch_bytes() bytes, 64-byte aligned, in the
  // arena (live only while the step runs). Null where no arena was planned (a node folded at
  // plan time, a dynamic step): Scratch() then allocates.
  void* scratch = nullptr;
  size_t scratch_bytes = 0;

  bool has_input(size_t i) const { return i < inputs.size() && inputs[i] != nullptr; }
  const Tensor& input(size_t i) const { return *inputs[i]; }
  Tensor& output(size_t i) const { return *outputs[i]; }
  int threads() const;
  // `bytes` of scratch (64-byte aligned): the planned region when it is large enough, else
  // memory owned by this context; null only when that allocation fails.
  void* Scratch(size_t bytes);

 private:
  std::unique_ptr<uint8_t[]> owned_scratch_;
};

class OpKernel {
 public:
  virtual ~OpKernel() = default;
  virtual Status Run(KernelContext& ctx) const = 0;
  // The implementation chosen, e.g. "conv_f32_ref" (shown by FINCH_VERBOSE=dispatch).
  virtual std::string name() const = 0;
  // Scratch memory one run of this kernel needs (all threads together); the plan reserves it
  // in the arena and passes it as KernelContext::scratch.
  virtual size_t scratch_bytes() const { return 0; }
  // Bytes the kernel itself holds for the session's lifetime (packed weights); counted with the
  // plan's constants against the memory limit.
  virtual size_t held_bytes() const { return 0; }
};

// What a factory sees when the plan is built.
struct KernelBuildContext {
  const Node& node;
  int64_t opset;
  const std::vector<TensorType>& inputs;
  const std::vector<const Tensor*>& constants;  // input values known at build time, else nullptr
  const std::vector<TensorType>& outputs;
  int threads = 1;  // the session's intra-op threads (kernels size per-thread scratch by it)
  // Faster candidates the factory passed over, each "name: why" (FINCH_VERBOSE=dispatch).
  mutable std::vector<std::string> skipped;

  void Skip(const std::string& candidate, const std::string& why) const {
    skipped.push_back(candidate + ": " + why);
  }
  bool has_input(size_t i) const {
    return i < inputs.size() && inputs[i].dtype != DataType::kUndefined;
  }
  template <typename... Args>
  Status Error(const Args&... args) const {
    return InvalidArgument(node.Describe(), ": ", args...);
  }
  template <typename... Args>
  Status Unsupported(const Args&... args) const {
    return Unimplemented(node.Describe(), ": ", args...);
  }
};

using KernelFactory =
    std::function<StatusOr<std::unique_ptr<OpKernel>>(const KernelBuildContext&)>;

// A kernel from a lambda, for ops whose whole implementation is one call.
template <typename Fn>
class LambdaKernel final : public OpKernel {
 public:
  LambdaKernel(std::string name, Fn fn) : name_(std::move(name)), fn_(std::move(fn)) {}
  Status Run(KernelContext& ctx) const override { return fn_(ctx); }
  std::string name() const override { return name_; }

 private:
  std::string name_;
  Fn fn_;
};
template <typename Fn>
std::unique_ptr<OpKernel> MakeKernel(std::string name, Fn fn) {
  return std::make_unique<LambdaKernel<Fn>>(std::move(name), std::move(fn));
}

}  // namespace finch
