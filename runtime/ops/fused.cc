// Reference kernels of the fused ops (graph/ops/fused.h): each is the composition of the
// reference kernels of the ops it replaced, in the same order and float arithmetic, so a fused
// graph on these kernels matches the unfused graph to the last bit (or to the reordering the
// composition makes explicit). The fast kernels of later issues are tested against these.
#include "graph/ops/fused.h"

#include <cstring>
#include <vector>

#include "kernels/common/activation.h"
#include "kernels/pool/avgpool_ref.h"
#include "runtime/kernel_registry.h"
#include "runtime/ops/activation.h"
#include "runtime/ops/conv_nhwc.h"
#include "runtime/ops/gemm_packed.h"
#include "runtime/ops/inverted_residual_nhwc.h"
#include "runtime/ops/nhwc_fallback.h"
#include "runtime/ops/squeeze_excite_nhwc.h"
#include "graph/ops/layout.h"
#include "runtime/ops/conv.h"
#include "runtime/ops/conv_onednn.h"
#include "runtime/ops/gemm.h"

namespace finch {
namespace {

// y = act(conv(x, w) + b + z), z optional.
void FusedConvRef(const kernels::ConvParams& p, const float* x, const float* w, const float* b,
                  const float* z, const kernels::Activation& act, float* y) {
  kernels::conv_f32_ref(p, x, w, b, y);
  int64_t n = p.batch * p.out_channels;
  for (int i = 0; i < p.spatial; ++i) n *= p.out[i];
  if (z) {
    for (int64_t i = 0; i < n; ++i) y[i] += z[i];
  }
  kernels::activation_f32_ref(act, y, n);
}

class FusedConvKernel final : public OpKernel {
 public:
  FusedConvKernel(const Node& node, kernels::Activation act) : node_(node), act_(act) {}
  std::string name() const override { return "fused_conv_f32_ref"; }
  Status Run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    const Tensor* b = ctx.has_input(2) ? &ctx.input(2) : nullptr;
    const Tensor* z = ctx.has_input(3) ? &ctx.input(3) : nullptr;
    FINCH_ASSIGN_OR_RETURN(ConvGeometry g,
                           ResolveConv(node_, x.shape(), w.shape(), b ? &b->shape() : nullptr));
    Tensor& y = ctx.output(0);
    if (z && z->shape() != y.shape()) {
      return InvalidArgument(node_.Describe(), ": residual Z has shape ",
                             ShapeToString(z->shape()), ", the output has ",
                             ShapeToString(y.shape()));
    }
    FusedConvRef(ToConvParams(g), x.data<float>(), w.data<float>(),
                 b ? b->data<float>() : nullptr, z ? z->data<float>() : nullptr, act_,
                 y.mutable_data<float>());
    return Status::Ok();
  }

 private:
  Node node_;
  kernels::Activation act_;
};

// A 1x1 convolution over [n, c_in, h, w] (stride 1, no padding, no groups).
kernels::ConvParams Pointwise(int64_t n, int64_t c_in, int64_t c_out, int64_t h, int64_t w) {
  kernels::ConvParams p;
  p.batch = n;
  p.in_channels = c_in;
  p.out_channels = c_out;
  p.in[0] = p.out[0] = h;
  p.in[1] = p.out[1] = w;
  return p;
}

// In place: x [n, c, h, w] ·= gate(W2 · act(W1 · mean_hw(x) + b1) + b2), as GlobalAveragePool,
// two 1x1 Convs, the activations and a broadcast Mul compute it.
void SqueezeExciteRef(int64_t n, int64_t c, int64_t hw, int64_t reduced, const float* w1,
                      const float* b1, const float* w2, const float* b2,
                      const kernels::Activation& act, const kernels::Activation& gate, float* x) {
  std::vector<float> pooled(n * c), mid(n * reduced), scale(n * c);
  kernels::global_avgpool_f32_ref(n * c, hw, x, pooled.data());
  FusedConvRef(Pointwise(n, c, reduced, 1, 1), pooled.data(), w1, b1, nullptr, act, mid.data());
  FusedConvRef(Pointwise(n, reduced, c, 1, 1), mid.data(), w2, b2, nullptr, gate, scale.data());
  for (int64_t i = 0; i < n * c; ++i) {
    float* plane = x + i * hw;
    for (int64_t j = 0; j < hw; ++j) plane[j] = plane[j] * scale[i];
  }
}

class SqueezeExciteKernel final : public OpKernel {
 public:
  SqueezeExciteKernel(kernels::Activation act, kernels::Activation gate) : act_(act), gate_(gate) {}
  std::string name() const override { return "squeeze_excite_f32_ref"; }
  Status Run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    std::memcpy(y.mutable_raw_data(), x.raw_data(), x.byte_size());
    SqueezeExciteRef(x.dim(0), x.dim(1), x.dim(2) * x.dim(3), ctx.input(1).dim(0),
                     ctx.input(1).data<float>(), ctx.input(2).data<float>(),
                     ctx.input(3).data<float>(), ctx.input(4).data<float>(), act_, gate_,
                     y.mutable_data<float>());
    return Status::Ok();
  }

 private:
  kernels::Activation act_, gate_;
};

class InvertedResidualKernel final : public OpKernel {
 public:
  explicit InvertedResidualKernel(const Node& node) : node_(node) {}
  std::string name() const override { return "inverted_residual_f32_ref"; }

  Status Run(KernelContext& ctx) const override {
    std::vector<const Shape*> shapes(kIrNumInputs, nullptr);
    auto data = [&](int i) { return ctx.has_input(i) ? ctx.input(i).data<float>() : nullptr; };
    for (int i = 0; i < kIrNumInputs; ++i) {
      if (ctx.has_input(i)) shapes[i] = &ctx.input(i).shape();
    }
    FINCH_ASSIGN_OR_RETURN(InvertedResidualGeometry g, ResolveInvertedResidual(node_, shapes));
    const int64_t n = g.batch;
    const float* x = data(kIrX);
    // Expand: t = act_e(W_e · x + b_e), the whole [n, hidden, h, w] tensor (the fast kernel
    // never materialises it; the reference does, for clarity).
    std::vector<float> t;
    const float* dw_in = x;
    if (g.expand) {
      t.resize(n * g.hidden_channels * g.in_h * g.in_w);
      FusedConvRef(Pointwise(n, g.in_channels, g.hidden_channels, g.in_h, g.in_w), x,
                   data(kIrExpandW), data(kIrExpandB), nullptr, ToKernelActivation(g.expand_act), t.data());
      dw_in = t.data();
    }
    // Depthwise: d = act_d(dw(t) + b_d).
    kernels::ConvParams dw;
    dw.batch = n;
    dw.in_channels = dw.out_channels = dw.groups = g.hidden_channels;
    dw.in[0] = g.in_h;
    dw.in[1] = g.in_w;
    dw.out[0] = g.out_h;
    dw.out[1] = g.out_w;
    dw.kernel[0] = g.kernel_h;
    dw.kernel[1] = g.kernel_w;
    dw.stride[0] = g.stride_h;
    dw.stride[1] = g.stride_w;
    dw.dilation[0] = g.dilation_h;
    dw.dilation[1] = g.dilation_w;
    dw.pad_begin[0] = g.pad_top;
    dw.pad_begin[1] = g.pad_left;
    std::vector<float> d(n * g.hidden_channels * g.out_h * g.out_w);
    FusedConvRef(dw, dw_in, data(kIrDepthwiseW), data(kIrDepthwiseB), nullptr,
                 ToKernelActivation(g.dw_act), d.data());
    if (g.se) {
      SqueezeExciteRef(n, g.hidden_channels, g.out_h * g.out_w, g.se_channels, data(kIrSeReduceW),
                       data(kIrSeReduceB), data(kIrSeExpandW), data(kIrSeExpandB),
                       ToKernelActivation(g.se_act), ToKernelActivation(g.se_gate), d.data());
    }
    // Project: y = act_p(W_p · s + b_p + x).
    FusedConvRef(Pointwise(n, g.hidden_channels, g.out_channels, g.out_h, g.out_w), d.data(),
                 data(kIrProjectW), data(kIrProjectB), g.residual ? x : nullptr,
                 ToKernelActivation(g.project_act), ctx.output(0).mutable_data<float>());
    return Status::Ok();
  }

 private:
  Node node_;
};

}  // namespace

void RegisterFusedKernels(KernelRegistry& r) {
  r.Register(kFinchDomain, "FusedConv",
             [](const KernelBuildContext& ctx) -> StatusOr<std::unique_ptr<OpKernel>> {
               FINCH_ASSIGN_OR_RETURN(FusedActivation act, ParseFusedActivation(ctx.node, ""));
               if (IsNhwc(ctx.node)) return MakeNhwcConvKernel(ctx, ToKernelActivation(act));
               // NCHW: oneDNN with the residual (sum) and activation (eltwise) post-ops, then
               // the reference (see runtime/ops/conv.cc for when NCHW convolutions run).
               if (auto onednn = MakeOneDnnConvKernel(ctx, ToKernelActivation(act),
                                                      /*nhwc=*/false, "conv_onednn_nchw")) {
                 return onednn;
               }
               return std::unique_ptr<OpKernel>(
                   new FusedConvKernel(ctx.node, ToKernelActivation(act)));
             });
  r.Register(kFinchDomain, "FusedGemm",
             [](const KernelBuildContext& ctx) -> StatusOr<std::unique_ptr<OpKernel>> {
               FINCH_ASSIGN_OR_RETURN(FusedActivation act, ParseFusedActivation(ctx.node, ""));
               FINCH_ASSIGN_OR_RETURN(GemmAttributes attrs, ParseGemmAttributes(ctx.node, 13));
               if (auto packed = MakePackedGemmKernel(ctx, ToKernelActivation(act))) {
                 return packed;
               }
               return MakeKernel("fused_gemm_f32_ref",
                                 [node = ctx.node, attrs, act = ToKernelActivation(act)](KernelContext& k) {
                                   Tensor& y = k.output(0);
                                   FINCH_RETURN_IF_ERROR(RunGemmRef(
                                       node, attrs, k.input(0), k.input(1),
                                       k.has_input(2) ? &k.input(2) : nullptr, &y));
                                   kernels::activation_f32_ref(act, y.mutable_data<float>(),
                                                               y.num_elements());
                                   return Status::Ok();
                                 });
             });
  r.Register(kFinchDomain, "SqueezeExcite",
             [](const KernelBuildContext& ctx) -> StatusOr<std::unique_ptr<OpKernel>> {
               FINCH_ASSIGN_OR_RETURN(FusedActivation act, ParseFusedActivation(ctx.node, ""));
               FINCH_ASSIGN_OR_RETURN(FusedActivation gate,
                                      ParseFusedActivation(ctx.node, "gate_"));
               if (IsNhwc(ctx.node)) {
                 return MakeNhwcSqueezeExciteKernel(ctx, ToKernelActivation(act),
                                                    ToKernelActivation(gate));
               }
               return std::unique_ptr<OpKernel>(
                   new SqueezeExciteKernel(ToKernelActivation(act), ToKernelActivation(gate)));
             });
  const KernelFactory ir_ref = [](const KernelBuildContext& ctx)
      -> StatusOr<std::unique_ptr<OpKernel>> {
    return std::unique_ptr<OpKernel>(new InvertedResidualKernel(ctx.node));
  };
  r.Register(kFinchDomain, "InvertedResidual",
             [ir_ref](const KernelBuildContext& ctx) -> StatusOr<std::unique_ptr<OpKernel>> {
               if (!IsNhwc(ctx.node)) return ir_ref(ctx);
               auto fused = MakeNhwcInvertedResidualKernel(ctx);
               if (fused.ok() || fused.status().code() != StatusCode::kUnimplemented) {
                 return fused;
               }
               ctx.Skip("inverted_residual_nhwc_fused", fused.status().message());
               return MakeNchwFallbackKernel(ctx, ir_ref, {kIrX});
             });
}

}  // namespace finch
