// The oneDNN convolution candidate (see the header). The primitive is created once, at plan
// time, with the node's weights reordered into it; Run only wraps the tensors' buffers.
//
// Thread identity: oneDNN's forward convolutions split images, groups, output-channel blocks and
// output rows across threads, never one output's sum, so its results do not depend on the
// thread count (measured: OneDnnConv.ThreadCountIdentity, 1 vs 2 vs 3 threads, bit for bit).
// They do differ from finch's references in the last bits: oneDNN blocks the input-channel sum
// its own way and its eltwise post-ops use its own exp.
//
// oneDNN runs on the calling thread alone (an OpenMP team of one). Debian's oneDNN threads with
// OpenMP, whose team would compete for the cores with finch's pool, whose workers spin between
// jobs: with the MobileNetV2 stem on a 2-thread oneDNN team the model's median at 2 threads went
// from 3.5 to 7.7 ms on this 2-core machine. So oneDNN serves only shapes where even one thread
// of it beats finch's own path.
#include "runtime/ops/conv_onednn.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "graph/ops/conv.h"
#include "graph/ops/layout.h"
#include "kernels/onednn/conv_onednn.h"
#include "runtime/cpu_features.h"

namespace finch {
namespace {

class OneDnnConvKernel final : public OpKernel {
 public:
  OneDnnConvKernel(const Node& node, std::string name, Shape x_shape,
                   std::unique_ptr<kernels::OneDnnConv> conv)
      : node_(node), name_(std::move(name)), x_shape_(std::move(x_shape)),
        conv_(std::move(conv)) {}
  std::string name() const override { return name_; }
  size_t scratch_bytes() const override { return conv_->scratch_bytes(); }
  size_t held_bytes() const override { return conv_->held_bytes(); }

  Status Run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    if (x.shape() != x_shape_) {  // the plan fixed the shapes; a mismatch is a runtime bug
      return Internal(node_.Describe(), ": input X has shape ", ShapeToString(x.shape()),
                      ", the oneDNN primitive was built for ", ShapeToString(x_shape_));
    }
    const Tensor* z = ctx.has_input(3) ? &ctx.input(3) : nullptr;
    if (z && z->shape() != y.shape()) {
      return InvalidArgument(node_.Describe(), ": residual Z has shape ",
                             ShapeToString(z->shape()), ", the output has ",
                             ShapeToString(y.shape()));
    }
    void* scratch = nullptr;
    if (conv_->scratch_bytes() > 0) {
      scratch = ctx.Scratch(conv_->scratch_bytes());
      if (scratch == nullptr) return ResourceExhausted("out of memory for oneDNN's scratchpad");
    }
    if (!conv_->Execute(x.data<float>(), z ? z->data<float>() : nullptr, y.mutable_data<float>(),
                        scratch, /*threads=*/1)) {
      return Internal(node_.Describe(), ": oneDNN convolution (", conv_->impl(), ") failed");
    }
    return Status::Ok();
  }

 private:
  Node node_;
  std::string name_;
  Shape x_shape_;
  std::unique_ptr<kernels::OneDnnConv> conv_;
};

}  // namespace

std::unique_ptr<OpKernel> MakeOneDnnConvKernel(const KernelBuildContext& build,
                                               const kernels::Activation& act, bool nhwc,
                                               const std::string& name) {
  const Tensor* w = build.constants.size() > 1 ? build.constants[1] : nullptr;
  const Tensor* b = build.constants.size() > 2 ? build.constants[2] : nullptr;
  bool static_shapes = true;
  for (size_t i = 0; i < build.inputs.size(); ++i) {
    if (build.has_input(i) && !build.inputs[i].is_static()) static_shapes = false;
  }
  if (w == nullptr || (build.has_input(2) && b == nullptr)) {
    build.Skip(name, "the weights or bias are known only at run time");
    return nullptr;
  }
  if (!static_shapes) {
    build.Skip(name, "the shapes are known only at run time");
    return nullptr;
  }
  if (build.inputs[0].dtype != DataType::kFloat32 || w->dtype() != DataType::kFloat32) {
    build.Skip(name, "not float32");
    return nullptr;
  }
  // Read at every plan build (not once): a benchmark or a user comparing against finch's own
  // kernels switches oneDNN off without restarting the process.
  const char* off = std::getenv("FINCH_DISABLE_ONEDNN");
  if (off != nullptr && off[0] != '\0' && std::strcmp(off, "0") != 0) {
    build.Skip(name, "FINCH_DISABLE_ONEDNN is set");
    return nullptr;
  }
  const CpuFeatures& cpu = GetCpuFeatures();
  if (std::find(cpu.disabled_by_env.begin(), cpu.disabled_by_env.end(), "avx2") !=
      cpu.disabled_by_env.end()) {
    // oneDNN would still run its own AVX2 code: the switch asks for finch's scalar path.
    build.Skip(name, "FINCH_DISABLE_ISA switched AVX2 off");
    return nullptr;
  }
  if (!kernels::OneDnnConv::Available()) {
    build.Skip(name, "oneDNN does not run on this CPU");
    return nullptr;
  }
  const Shape x_shape = build.inputs[0].static_shape();
  const Shape bias_shape = b ? b->shape() : Shape{};
  auto g = ResolveConv(build.node, nhwc ? NhwcToNchw(x_shape) : x_shape, w->shape(),
                       b ? &bias_shape : nullptr);
  if (!g.ok()) {
    build.Skip(name, g.status().message());
    return nullptr;
  }
  if (g->window.in.size() != 2) {
    build.Skip(name, "only 2-D convolutions");
    return nullptr;
  }
  kernels::OneDnnConvParams p;
  p.batch = g->batch;
  p.in_c = g->in_channels;
  p.out_c = g->out_channels;
  p.group = g->groups;
  p.in_h = g->window.in[0];
  p.in_w = g->window.in[1];
  p.out_h = g->window.out[0];
  p.out_w = g->window.out[1];
  p.kernel_h = g->window.kernel[0];
  p.kernel_w = g->window.kernel[1];
  p.stride_h = g->window.stride[0];
  p.stride_w = g->window.stride[1];
  p.dilation_h = g->window.dilation[0];
  p.dilation_w = g->window.dilation[1];
  p.pad_top = g->window.pad_begin[0];
  p.pad_left = g->window.pad_begin[1];
  p.pad_bottom = g->window.pad_end[0];
  p.pad_right = g->window.pad_end[1];
  p.nhwc = nhwc;
  p.residual = build.has_input(3);
  p.act = act;
  std::string why;
  std::unique_ptr<kernels::OneDnnConv> conv = kernels::OneDnnConv::Create(
      p, w->data<float>(), b ? b->data<float>() : nullptr, /*threads=*/1, &why);
  if (!conv) {
    build.Skip(name, why);
    return nullptr;
  }
  return std::make_unique<OneDnnConvKernel>(build.node, name, x_shape, std::move(conv));
}

}  // namespace finch
