// Pooling kernels. Today: the scalar references in kernels/pool for every shape; optimized
// kernels join the candidate list in the kernels issue.
#include "graph/ops/pool.h"

#include "kernels/pool/avgpool_ref.h"
#include "kernels/pool/maxpool_ref.h"
#include "runtime/kernel_registry.h"
#include "runtime/ops/pool.h"

namespace finch {
namespace {

}  // namespace

kernels::PoolParams ToPoolParams(const PoolGeometry& g) {
  kernels::PoolParams p;
  p.planes = g.batch * g.channels;
  p.spatial = static_cast<int>(g.window.in.size());
  for (int i = 0; i < p.spatial; ++i) {
    p.in[i] = g.window.in[i];
    p.out[i] = g.window.out[i];
    p.kernel[i] = g.window.kernel[i];
    p.stride[i] = g.window.stride[i];
    p.dilation[i] = g.window.dilation[i];
    p.pad_begin[i] = g.window.pad_begin[i];
    p.pad_end[i] = g.window.pad_end[i];
  }
  return p;
}

namespace {

class MaxPoolRefKernel final : public OpKernel {
 public:
  MaxPoolRefKernel(const Node& node, int64_t opset, DataType dtype, PoolAttributes attrs)
      : node_(node), opset_(opset), dtype_(dtype), attrs_(attrs) {}
  std::string name() const override {
    return dtype_ == DataType::kFloat32 ? "maxpool_f32_ref"
           : dtype_ == DataType::kUint8 ? "maxpool_u8_ref"
                                        : "maxpool_s8_ref";
  }

  Status Run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    FINCH_ASSIGN_OR_RETURN(PoolGeometry g, ResolvePool(node_, opset_, x.shape()));
    const kernels::PoolParams p = ToPoolParams(g);
    int64_t* indices = ctx.outputs.size() > 1 && ctx.outputs[1] != nullptr
                           ? ctx.output(1).mutable_data<int64_t>()
                           : nullptr;
    const auto order = attrs_.column_major_indices ? kernels::IndexOrder::kColumnMajor
                                                   : kernels::IndexOrder::kRowMajor;
    Tensor& y = ctx.output(0);
    switch (dtype_) {
      case DataType::kUint8:
        kernels::maxpool_u8_ref(p, x.data<uint8_t>(), y.mutable_data<uint8_t>(), indices, order);
        break;
      case DataType::kInt8:
        kernels::maxpool_s8_ref(p, x.data<int8_t>(), y.mutable_data<int8_t>(), indices, order);
        break;
      default:
        kernels::maxpool_f32_ref(p, x.data<float>(), y.mutable_data<float>(), indices, order);
    }
    return Status::Ok();
  }

 private:
  Node node_;  // window attributes, resolved against the actual shape at run time
  int64_t opset_;
  DataType dtype_;
  PoolAttributes attrs_;
};

StatusOr<std::unique_ptr<OpKernel>> MakeMaxPool(const KernelBuildContext& ctx) {
  FINCH_ASSIGN_OR_RETURN(PoolAttributes attrs, ParsePoolAttributes(ctx.node, ctx.opset));
  return std::unique_ptr<OpKernel>(
      new MaxPoolRefKernel(ctx.node, ctx.opset, ctx.inputs[0].dtype, attrs));
}

StatusOr<std::unique_ptr<OpKernel>> MakeAveragePool(const KernelBuildContext& ctx) {
  FINCH_ASSIGN_OR_RETURN(PoolAttributes attrs, ParsePoolAttributes(ctx.node, ctx.opset));
  const int64_t opset = ctx.opset;
  std::unique_ptr<OpKernel> kernel =
      MakeKernel("avgpool_f32_ref", [node = ctx.node, opset, attrs](KernelContext& k) {
        const Tensor& x = k.input(0);
        FINCH_ASSIGN_OR_RETURN(PoolGeometry g, ResolvePool(node, opset, x.shape()));
        kernels::avgpool_f32_ref(ToPoolParams(g), attrs.count_include_pad, x.data<float>(),
                                 k.output(0).mutable_data<float>());
        return Status::Ok();
      });
  return kernel;
}

// GlobalMaxPool / GlobalAveragePool over each [N, C] plane of X.
template <void (*kPool)(int64_t, int64_t, const float*, float*)>
StatusOr<std::unique_ptr<OpKernel>> MakeGlobalPool(const KernelBuildContext& ctx,
                                                   const char* name) {
  std::unique_ptr<OpKernel> kernel = MakeKernel(name, [node = ctx.node](KernelContext& k) {
    const Tensor& x = k.input(0);
    FINCH_RETURN_IF_ERROR(GlobalPoolShape(node, x.shape()).status());
    const int64_t planes = x.dim(0) * x.dim(1);
    const int64_t size = planes > 0 ? x.num_elements() / planes : 0;
    kPool(planes, size, x.data<float>(), k.output(0).mutable_data<float>());
    return Status::Ok();
  });
  return kernel;
}

}  // namespace

void RegisterPoolKernels(KernelRegistry& r) {
  RegisterNhwcPoolKernels(r);
  r.Register("", "MaxPool", MakeMaxPool);
  r.Register("", "AveragePool", MakeAveragePool);
  r.Register("", "GlobalMaxPool", [](const KernelBuildContext& ctx) {
    return MakeGlobalPool<kernels::global_maxpool_f32_ref>(ctx, "global_maxpool_f32_ref");
  });
  r.Register("", "GlobalAveragePool", [](const KernelBuildContext& ctx) {
    return MakeGlobalPool<kernels::global_avgpool_f32_ref>(ctx, "global_avgpool_f32_ref");
  });
}

}  // namespace finch
