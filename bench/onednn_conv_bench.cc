// oneDNN's NHWC convolution (runtime/ops/conv_onednn.cc) against finch's own NHWC candidates
// (runtime/ops/conv_nhwc.cc: 1x1 GEMM, AVX2 depthwise, im2col + packed GEMM) at layer shapes
// where the choice matters: both built as the plan builds them (one finch::FusedConv NHWC node,
// weights constant) and run through OpKernel::Run on one thread, bias and activation fused.
//
//   stem        MobileNetV2 stem, 3 -> 32, 3x3 s2 pad 1, 224x224, ReLU6
//   stem_silu   EfficientNet-B0 stem, the same with SiLU
//   grouped     64 -> 64, group 4, 3x3 pad 1, 28x28
//   dilated     64 -> 64, 3x3 dilation 2 pad 2, 28x28
//   dw7x7       ConvNeXt-like depthwise 7x7 pad 3, 96 channels, 56x56
//   pw1x1       144 -> 24, 1x1, 56x56 (MobileNetV2 block 3's project)
//
// The finch side is built with FINCH_DISABLE_ONEDNN set, so it is finch's own kernel whatever
// conv_nhwc.cc dispatches; the label names the kernel each side got.
// Run: build/bench/onednn_conv_bench --benchmark_min_time=0.3 --benchmark_repetitions=3
//        --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/machine_peak.h"
#include "graph/ir.h"
#include "graph/ops/fused.h"
#include "graph/ops/layout.h"
#include "kernels/onednn/conv_onednn.h"
#include "runtime/op_kernel.h"
#include "runtime/ops/conv_nhwc.h"
#include "runtime/ops/conv_onednn.h"

namespace finch {
namespace {

struct Shape2d {
  const char* name;
  int64_t cin, cout, group, hw, k, stride, dilation;
  kernels::ActivationKind act;
};

const Shape2d kShapes[] = {
    {"stem", 3, 32, 1, 224, 3, 2, 1, kernels::ActivationKind::kClip},
    {"stem_silu", 3, 32, 1, 224, 3, 2, 1, kernels::ActivationKind::kSiLU},
    {"grouped", 64, 64, 4, 28, 3, 1, 1, kernels::ActivationKind::kNone},
    {"dilated", 64, 64, 1, 28, 3, 1, 2, kernels::ActivationKind::kNone},
    {"dw7x7", 96, 96, 96, 56, 7, 1, 1, kernels::ActivationKind::kNone},
    {"pw1x1", 144, 24, 1, 56, 1, 1, 1, kernels::ActivationKind::kNone},
};

Attribute Ints(std::vector<int64_t> v) {
  Attribute a;
  a.kind = Attribute::Kind::kInts;
  a.ints = std::move(v);
  return a;
}
Attribute Int(int64_t v) {
  Attribute a;
  a.kind = Attribute::Kind::kInt;
  a.i = v;
  return a;
}
Attribute Str(std::string v) {
  Attribute a;
  a.kind = Attribute::Kind::kString;
  a.s = std::move(v);
  return a;
}

Tensor Random(const Shape& shape, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  std::vector<float> v(NumElements(shape));
  for (float& x : v) x = d(rng);
  return Tensor::FromVector<float>(shape, v);
}

template <bool kOneDnn>
void BM_conv_nhwc(benchmark::State& st) {
  const Shape2d& s = kShapes[st.range(0)];
  if (kOneDnn && !kernels::OneDnnConv::Available()) {
    st.SkipWithError("oneDNN does not run on this CPU");
    return;
  }
  const int64_t pad = s.dilation * (s.k - 1) / 2;
  const int64_t out = (s.hw + 2 * pad - s.dilation * (s.k - 1) - 1) / s.stride + 1;
  Node node;
  node.name = s.name;
  node.op_type = "FusedConv";
  node.domain = kFinchDomain;
  node.attributes = {{"kernel_shape", Ints({s.k, s.k})},
                     {"strides", Ints({s.stride, s.stride})},
                     {"dilations", Ints({s.dilation, s.dilation})},
                     {"pads", Ints({pad, pad, pad, pad})},
                     {"group", Int(s.group)},
                     {kLayoutAttribute, Str(kNhwc)}};
  const Shape xs = {1, s.hw, s.hw, s.cin}, ws = {s.cout, s.cin / s.group, s.k, s.k};
  const Shape ys = {1, out, out, s.cout};
  const Tensor x = Random(xs, 1), w = Random(ws, 2), b = Random({s.cout}, 3);
  const std::vector<TensorType> inputs = {TensorType::Static(DataType::kFloat32, xs),
                                          TensorType::Static(DataType::kFloat32, ws),
                                          TensorType::Static(DataType::kFloat32, {s.cout})};
  const std::vector<const Tensor*> constants = {nullptr, &w, &b};
  const std::vector<TensorType> outputs = {TensorType::Static(DataType::kFloat32, ys)};
  KernelBuildContext build{node, 1, inputs, constants, outputs, 1};
  kernels::Activation act;
  act.kind = s.act;
  if (s.act == kernels::ActivationKind::kClip) act.beta = 6.f;

  std::unique_ptr<OpKernel> kernel;
  if (kOneDnn) {
    kernel = MakeOneDnnConvKernel(build, act, /*nhwc=*/true, "conv_onednn_nhwc");
  } else {
    setenv("FINCH_DISABLE_ONEDNN", "1", 1);
    auto k = MakeNhwcConvKernel(build, act);
    unsetenv("FINCH_DISABLE_ONEDNN");
    if (k.ok()) kernel = std::move(*k);
  }
  if (!kernel) {
    std::string why;
    for (const std::string& r : build.skipped) why += r + "; ";
    st.SkipWithError(("no kernel: " + why).c_str());
    return;
  }
  auto y = Tensor::Allocate(DataType::kFloat32, ys);
  if (!y.ok()) {
    st.SkipWithError("out of memory");
    return;
  }
  KernelContext ctx;
  ctx.inputs = {&x, &w, &b};
  ctx.outputs = {&*y};
  // The planned scratch, as a plan's arena gives it (else Scratch() would allocate every run).
  std::vector<unsigned char> scratch(kernel->scratch_bytes() + 64);
  ctx.scratch_bytes = kernel->scratch_bytes();
  ctx.scratch = scratch.data() + (64 - reinterpret_cast<uintptr_t>(scratch.data()) % 64) % 64;
  for (auto _ : st) {
    Status status = kernel->Run(ctx);
    if (!status.ok()) {
      st.SkipWithError(status.ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(y->mutable_data<float>());
  }
  st.SetLabel(std::string(s.name) + " " + kernel->name());
  const double flops = 2.0 * out * out * s.cout * (s.cin / s.group) * s.k * s.k;
  const double bytes = 4.0 * (NumElements(xs) + NumElements(ws) + NumElements(ys));
  bench::SetPeakCounters(st, flops, bytes);
}

void Shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"shape"});
  for (int i = 0; i < static_cast<int>(sizeof(kShapes) / sizeof(kShapes[0])); ++i) b->Arg(i);
}

BENCHMARK(BM_conv_nhwc<false>)->Name("BM_conv_nhwc_finch")->Apply(Shapes);
BENCHMARK(BM_conv_nhwc<true>)->Name("BM_conv_nhwc_onednn")->Apply(Shapes);

}  // namespace
}  // namespace finch

BENCHMARK_MAIN();
