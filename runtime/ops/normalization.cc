// Normalization kernels. Today: the scalar references in kernels/norm for every shape;
// optimized kernels join the candidate list in the kernels issue.
#include "graph/ops/normalization.h"

#include "graph/ops/fused.h"

#include <vector>

#include "kernels/norm/batchnorm_ref.h"
#include "kernels/norm/instancenorm_ref.h"
#include "kernels/norm/layernorm_ref.h"
#include "kernels/norm/softmax_ref.h"
#include "runtime/kernel_registry.h"

namespace finch {
namespace {

template <void (*kSoftmax)(const kernels::SoftmaxParams&, const float*, float*)>
StatusOr<std::unique_ptr<OpKernel>> MakeSoftmax(const KernelBuildContext& ctx, const char* name) {
  std::unique_ptr<OpKernel> kernel =
      MakeKernel(name, [node = ctx.node, opset = ctx.opset](KernelContext& k) {
        const Tensor& x = k.input(0);
        FINCH_ASSIGN_OR_RETURN(SoftmaxGeometry g, ResolveSoftmax(node, opset, x.shape()));
        kernels::SoftmaxParams p;
        p.outer = g.outer;
        p.axis = g.axis;
        p.inner = g.inner;
        kSoftmax(p, x.data<float>(), k.output(0).mutable_data<float>());
        return Status::Ok();
      });
  return kernel;
}

StatusOr<std::unique_ptr<OpKernel>> MakeBatchNorm(const KernelBuildContext& ctx) {
  FINCH_ASSIGN_OR_RETURN(BatchNormAttributes attrs, ParseBatchNormAttributes(ctx.node, ctx.opset));
  std::unique_ptr<OpKernel> kernel = MakeKernel("batchnorm_f32_ref", [node = ctx.node,
                                                                      attrs](KernelContext& k) {
    const Tensor& x = k.input(0);
    std::vector<Shape> params;
    for (size_t i = 1; i < 5; ++i) params.push_back(k.input(i).shape());
    FINCH_ASSIGN_OR_RETURN(BatchNormGeometry g, ResolveBatchNorm(node, attrs, x.shape(), params));
    kernels::BatchNormParams p;
    p.batch = g.batch;
    p.channels = g.channels;
    p.inner = g.inner;
    p.per_activation = g.per_activation;
    p.epsilon = attrs.epsilon;
    kernels::batchnorm_f32_ref(p, x.data<float>(), k.input(1).data<float>(),
                               k.input(2).data<float>(), k.input(3).data<float>(),
                               k.input(4).data<float>(), k.output(0).mutable_data<float>());
    return Status::Ok();
  });
  return kernel;
}

// Channels-last: x [N, H, W, C], parameters [C] (checked by inference).
StatusOr<std::unique_ptr<OpKernel>> MakeBatchNormNhwc(const KernelBuildContext& ctx) {
  FINCH_ASSIGN_OR_RETURN(BatchNormAttributes attrs,
                         ParseBatchNormAttributes(ctx.node, kFinchBatchNormOpset));
  return MakeKernel("batchnorm_nhwc_f32_ref", [attrs](KernelContext& k) {
    const Tensor& x = k.input(0);
    const int64_t channels = x.dim(x.rank() - 1);
    kernels::batchnorm_nhwc_f32_ref(x.num_elements() / std::max<int64_t>(channels, 1), channels,
                                    attrs.epsilon, x.data<float>(), k.input(1).data<float>(),
                                    k.input(2).data<float>(), k.input(3).data<float>(),
                                    k.input(4).data<float>(), k.output(0).mutable_data<float>());
    return Status::Ok();
  });
}

// `t` broadcast (numpy, right-aligned) to `shape` and flattened row-major. Returns t's own data
// when it already has shape's element count (then its layout is shape's, up to leading 1s);
// otherwise expands it into `storage`.
const float* BroadcastTo(const Tensor& t, const Shape& shape, std::vector<float>* storage) {
  const int64_t total = NumElements(shape);
  if (t.num_elements() == total) return t.data<float>();
  const Shape& s = t.shape();
  const size_t r = shape.size(), offset = r - s.size();
  // Strides of t in the frame of `shape`, 0 on broadcast dims.
  std::vector<int64_t> stride(r, 0);
  int64_t st = 1;
  for (size_t i = r; i-- > offset;) {
    const int64_t d = s[i - offset];
    stride[i] = d == 1 ? 0 : st;
    st *= d;
  }
  storage->resize(static_cast<size_t>(total));
  const float* src = t.data<float>();
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t rest = flat, at = 0;
    for (size_t i = r; i-- > 0;) {
      at += (rest % shape[i]) * stride[i];
      rest /= shape[i];
    }
    (*storage)[flat] = src[at];
  }
  return storage->data();
}

StatusOr<std::unique_ptr<OpKernel>> MakeLayerNorm(const KernelBuildContext& ctx) {
  FINCH_ASSIGN_OR_RETURN(LayerNormAttributes attrs, ParseLayerNormAttributes(ctx.node));
  std::unique_ptr<OpKernel> kernel = MakeKernel("layernorm_f32_ref", [node = ctx.node,
                                                                      attrs](KernelContext& k) {
    const Tensor& x = k.input(0);
    const Tensor& scale = k.input(1);
    const Tensor* bias = k.has_input(2) ? &k.input(2) : nullptr;
    FINCH_ASSIGN_OR_RETURN(
        LayerNormGeometry g,
        ResolveLayerNorm(node, attrs, x.shape(), scale.shape(), bias ? &bias->shape() : nullptr));
    const Shape normalized(x.shape().begin() + g.axis, x.shape().end());
    std::vector<float> scale_storage, bias_storage;
    const float* s = BroadcastTo(scale, normalized, &scale_storage);
    const float* b = bias ? BroadcastTo(*bias, normalized, &bias_storage) : nullptr;
    auto stat = [&k](size_t i) {
      return i < k.outputs.size() && k.outputs[i] ? k.outputs[i]->mutable_data<float>() : nullptr;
    };
    kernels::layernorm_f32_ref(g.outer, g.inner, attrs.epsilon, x.data<float>(), s, b,
                               k.output(0).mutable_data<float>(), stat(1), stat(2));
    return Status::Ok();
  });
  return kernel;
}

StatusOr<std::unique_ptr<OpKernel>> MakeInstanceNorm(const KernelBuildContext& ctx) {
  FINCH_ASSIGN_OR_RETURN(float epsilon, ctx.node.GetFloat("epsilon", 1e-5f));
  std::unique_ptr<OpKernel> kernel =
      MakeKernel("instancenorm_f32_ref", [node = ctx.node, epsilon](KernelContext& k) {
        const Tensor& x = k.input(0);
        FINCH_ASSIGN_OR_RETURN(
            InstanceNormGeometry g,
            ResolveInstanceNorm(node, x.shape(), k.input(1).shape(), k.input(2).shape()));
        kernels::instancenorm_f32_ref(g.batch, g.channels, g.size, epsilon, x.data<float>(),
                                      k.input(1).data<float>(), k.input(2).data<float>(),
                                      k.output(0).mutable_data<float>());
        return Status::Ok();
      });
  return kernel;
}

}  // namespace

void RegisterNormalizationKernels(KernelRegistry& r) {
  r.Register("", "Softmax", [](const KernelBuildContext& ctx) {
    return MakeSoftmax<kernels::softmax_f32_ref>(ctx, "softmax_f32_ref");
  });
  r.Register("", "LogSoftmax", [](const KernelBuildContext& ctx) {
    return MakeSoftmax<kernels::logsoftmax_f32_ref>(ctx, "logsoftmax_f32_ref");
  });
  r.Register("", "BatchNormalization", MakeBatchNorm);
  r.Register(kFinchDomain, "BatchNormalization", MakeBatchNormNhwc);
  r.Register("", "LayerNormalization", MakeLayerNorm);
  r.Register("", "InstanceNormalization", MakeInstanceNorm);
}

}  // namespace finch
