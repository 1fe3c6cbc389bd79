// Channels-last pooling: finch::MaxPool, finch::AveragePool and finch::GlobalAveragePool with
// layout NHWC (float32; the semantics of the ONNX opset PoolSemanticsOpset gives). AVX2 kernels vectorised
// over channels when the CPU has them, else the NHWC references; both agree bit for bit with
// the NCHW references.
#include "graph/ops/fused.h"
#include "graph/ops/layout.h"
#include "kernels/pool/pool_nhwc.h"
#include "runtime/cpu_features.h"
#include "runtime/ops/pool.h"

namespace finch {
namespace {

bool HaveAvx2() {
  const CpuFeatures& cpu = GetCpuFeatures();
  return cpu.avx2 && cpu.fma;
}

const char* Pick(const KernelBuildContext& build, const char* avx2_name, const char* ref_name) {
  if (HaveAvx2()) return avx2_name;
  build.Skip(avx2_name, "the CPU (or FINCH_DISABLE_ISA) lacks AVX2/FMA");
  return ref_name;
}

Status RequireFloat(const KernelBuildContext& build) {
  if (build.inputs[0].dtype != DataType::kFloat32) {
    return build.Unsupported("channels-last pooling of ", build.inputs[0].ToString(),
                             "; only float32");
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<OpKernel>> MakeWindowPool(const KernelBuildContext& build, bool max) {
  FINCH_RETURN_IF_ERROR(RequireFloat(build));
  const int64_t opset = PoolSemanticsOpset(build.node, build.opset);
  FINCH_ASSIGN_OR_RETURN(PoolAttributes attrs, ParsePoolAttributes(build.node, opset));
  const bool avx2 = HaveAvx2();
  const char* name = max ? Pick(build, "maxpool_nhwc_f32_avx2", "maxpool_nhwc_f32_ref")
                         : Pick(build, "avgpool_nhwc_f32_avx2", "avgpool_nhwc_f32_ref");
  return MakeKernel(name, [node = build.node, attrs, avx2, max, opset](KernelContext& k) -> Status {
    const Tensor& x = k.input(0);
    FINCH_ASSIGN_OR_RETURN(PoolGeometry g,
                           ResolvePool(node, opset, NhwcToNchw(x.shape())));
    const kernels::PoolParams p = ToPoolParams(g);
    float* y = k.output(0).mutable_data<float>();
    if (max) {
      (avx2 ? kernels::maxpool_nhwc_f32_avx2 : kernels::maxpool_nhwc_f32_ref)(
          p, g.batch, g.channels, x.data<float>(), y);
    } else {
      (avx2 ? kernels::avgpool_nhwc_f32_avx2 : kernels::avgpool_nhwc_f32_ref)(
          p, g.batch, g.channels, attrs.count_include_pad, x.data<float>(), y);
    }
    return Status::Ok();
  });
}

StatusOr<std::unique_ptr<OpKernel>> MakeGlobalAveragePool(const KernelBuildContext& build) {
  FINCH_RETURN_IF_ERROR(RequireFloat(build));
  const bool avx2 = HaveAvx2();
  const char* name = Pick(build, "global_avgpool_nhwc_f32_avx2", "global_avgpool_nhwc_f32_ref");
  return MakeKernel(name, [avx2](KernelContext& k) -> Status {
    const Tensor& x = k.input(0);  // [N, H, W, C]
    (avx2 ? kernels::global_avgpool_nhwc_f32_avx2 : kernels::global_avgpool_nhwc_f32_ref)(
        x.dim(0), x.dim(1) * x.dim(2), x.dim(3), x.data<float>(),
        k.output(0).mutable_data<float>());
    return Status::Ok();
  });
}

}  // namespace

void RegisterNhwcPoolKernels(KernelRegistry& r) {
  r.Register(kFinchDomain, "MaxPool",
             [](const KernelBuildContext& b) { return MakeWindowPool(b, /*max=*/true); });
  r.Register(kFinchDomain, "AveragePool",
             [](const KernelBuildContext& b) { return MakeWindowPool(b, /*max=*/false); });
  r.Register(kFinchDomain, "GlobalAveragePool", MakeGlobalAveragePool);
}

}  // namespace finch
