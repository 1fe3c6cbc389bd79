#include "runtime/ops/nhwc_fallback.h"

#include "graph/ops/layout.h"

namespace finch {
namespace {

// x [N, H, W, C] as a new [N, C, H, W] tensor (any element type: a slow path, plain copies).
StatusOr<Tensor> ToNchw(const Tensor& x) {
  FINCH_ASSIGN_OR_RETURN(Tensor y, Tensor::Allocate(x.dtype(), NhwcToNchw(x.shape())));
  const Shape& s = x.shape();
  CopyNhwcToNchw(x.raw_data(), y.mutable_raw_data(), DataTypeSize(x.dtype()), s[0], s[3],
                 s[1] * s[2]);
  return y;
}

class NchwFallbackKernel final : public OpKernel {
 public:
  NchwFallbackKernel(std::unique_ptr<OpKernel> inner, std::vector<bool> layout_input)
      : inner_(std::move(inner)), layout_input_(std::move(layout_input)) {}
  std::string name() const override { return inner_->name() + "_via_nchw"; }

  Status Run(KernelContext& ctx) const override {
    KernelContext inner;
    inner.pool = ctx.pool;
    inner.inputs = ctx.inputs;
    std::vector<Tensor> converted(ctx.inputs.size());
    for (size_t i = 0; i < ctx.inputs.size(); ++i) {
      if (!ctx.has_input(i) || i >= layout_input_.size() || !layout_input_[i]) continue;
      FINCH_ASSIGN_OR_RETURN(converted[i], ToNchw(ctx.input(i)));
      inner.inputs[i] = &converted[i];
    }
    Tensor& y = ctx.output(0);
    FINCH_ASSIGN_OR_RETURN(Tensor y_nchw, Tensor::Allocate(y.dtype(), NhwcToNchw(y.shape())));
    inner.outputs = {&y_nchw};
    FINCH_RETURN_IF_ERROR(inner_->Run(inner));
    const Shape& s = y_nchw.shape();
    CopyNchwToNhwc(y_nchw.raw_data(), y.mutable_raw_data(), DataTypeSize(y.dtype()), s[0], s[1],
                   s[2] * s[3]);
    return Status::Ok();
  }

 private:
  std::unique_ptr<OpKernel> inner_;
  std::vector<bool> layout_input_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> MakeNchwFallbackKernel(const KernelBuildContext& build,
                                                           const KernelFactory& nchw_factory,
                                                           const std::vector<int>& layout_inputs) {
  if (build.outputs.size() != 1 || DataTypeSize(build.outputs[0].dtype) == 0) {
    return Unimplemented(build.node.Describe(), ": channels-last fallback needs one numeric ",
                         "output");
  }
  Node node = build.node;
  node.attributes.erase(kLayoutAttribute);
  std::vector<TensorType> inputs = build.inputs;
  std::vector<const Tensor*> constants = build.constants;
  std::vector<bool> is_layout(inputs.size(), false);
  for (int i : layout_inputs) {
    if (i >= static_cast<int>(inputs.size()) || !build.has_input(i)) continue;
    if (DataTypeSize(inputs[i].dtype) == 0 || !inputs[i].has_rank() ||
        inputs[i].dims->size() != 4) {
      return Unimplemented(build.node.Describe(), ": channels-last fallback needs a numeric ",
                           "rank-4 input ", i);
    }
    is_layout[i] = true;
    inputs[i] = NhwcToNchw(inputs[i]);
    constants[i] = nullptr;
  }
  std::vector<TensorType> outputs = {NhwcToNchw(build.outputs[0])};
  KernelBuildContext inner{node, build.opset, inputs, constants, outputs};
  inner.threads = build.threads;
  FINCH_ASSIGN_OR_RETURN(std::unique_ptr<OpKernel> kernel, nchw_factory(inner));
  build.Skip("channels-last kernels", "none applies to this node");
  return std::unique_ptr<OpKernel>(new NchwFallbackKernel(std::move(kernel), std::move(is_layout)));
}

}  // namespace finch
