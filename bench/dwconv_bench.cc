// Depthwise convolution at the real layer shapes of MobileNetV2 (224², 3×3) and EfficientNet-B0
// (5×5), in both candidate activation layouts (AVX2 NHWC, AVX2 NCHW) and the scalar reference:
// the measurement that picks finch's internal activation layout for the fast kernels.
//
// Args: C, H, W (input), k, stride; pads are "same" (k/2 each side), activation ReLU6 (Clip).
// Counters: GFLOP/s (2 FLOPs per MAC) and GB/s (input + output + weights, each once, float32);
// on the AVX2 rows also "roofline%" = 100 · achieved GFLOP/s ÷ min(FMA peak, intensity × DRAM
// bandwidth), intensity = FLOPs ÷ those bytes, with the single-core peak and bandwidth measured
// once per process (bench/machine_peak.h). The bound uses DRAM bandwidth although most of these
// shapes fit in L2/L3, so 100% is reachable.
// Run: build/bench/dwconv_bench --benchmark_min_time=0.2 [--benchmark_repetitions=3]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>
#include <vector>

#include "bench/machine_peak.h"
#include "kernels/dwconv/avx2/dwconv_avx2.h"
#include "kernels/dwconv/dwconv_ref.h"
#include "runtime/cpu_features.h"

namespace finch::kernels {
namespace {

struct Problem {
  DwConvParams p;
  std::vector<float> x, w, b, y;
  explicit Problem(const benchmark::State& st) {
    p.batch = 1;
    p.channels = st.range(0);
    p.in_h = st.range(1);
    p.in_w = st.range(2);
    p.kernel_h = p.kernel_w = st.range(3);
    p.stride_h = p.stride_w = st.range(4);
    p.pad_top = p.pad_left = p.kernel_h / 2;
    p.out_h = DwConvOutSize(p.in_h, p.kernel_h, p.stride_h, p.pad_top, p.pad_top);
    p.out_w = DwConvOutSize(p.in_w, p.kernel_w, p.stride_w, p.pad_left, p.pad_left);
    p.act = {ActivationKind::kClip, 0.f, 6.f};
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> d(-1.f, 1.f);
    x.resize(p.channels * p.in_h * p.in_w);
    w.resize(p.channels * p.kernel_h * p.kernel_w);
    b.resize(p.channels);
    y.resize(p.channels * p.out_h * p.out_w);
    for (float& v : x) v = d(rng);
    for (float& v : w) v = d(rng);
    for (float& v : b) v = d(rng);
  }
  void SetCounters(benchmark::State& st) const {
    const double macs = double(p.channels) * p.out_h * p.out_w * p.kernel_h * p.kernel_w;
    const double bytes = 4.0 * (x.size() + y.size() + w.size());
    st.counters["GFLOP/s"] =
        benchmark::Counter(2 * macs * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    st.counters["GB/s"] =
        benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  }
  // "roofline%": the achieved rate over the attainable one, min(peak, intensity × bandwidth).
  void SetRooflineCounter(benchmark::State& st) const {
    const bench::MachinePeak& m = bench::GetMachinePeak();
    const double flops = 2.0 * p.channels * p.out_h * p.out_w * p.kernel_h * p.kernel_w;
    const double bytes = 4.0 * (x.size() + y.size() + w.size());
    const double bound_gflops = std::min(m.fma_gflops, flops / bytes * m.bandwidth_gbps);
    if (bound_gflops <= 0) return;
    st.counters["roofline%"] = benchmark::Counter(100 * flops * 1e-9 / bound_gflops,
                                                  benchmark::Counter::kIsIterationInvariantRate);
  }
};

bool SkipWithoutAvx2(benchmark::State& st) {
  const CpuFeatures& f = GetCpuFeatures();
  if (f.avx2 && f.fma) return false;
  st.SkipWithError("CPU lacks avx2/fma");
  return true;
}

void BM_dwconv_nchw_ref(benchmark::State& st) {
  Problem pr(st);
  for (auto _ : st) {
    dwconv_f32_nchw_ref(pr.p, pr.x.data(), pr.w.data(), pr.b.data(), pr.y.data());
    benchmark::DoNotOptimize(pr.y.data());
  }
  pr.SetCounters(st);
}

template <DwConvPackedSizeFn packed_size, DwConvPackFn pack, DwConvScratchSizeFn scratch_size,
          DwConvRunFn run>
void BM_dwconv_avx2(benchmark::State& st) {
  if (SkipWithoutAvx2(st)) return;
  Problem pr(st);
  // Layout is irrelevant to the timing of random data: x is read as NCHW or NHWC alike.
  std::vector<float> packed(packed_size(pr.p)), scratch(scratch_size(pr.p) + 1);
  pack(pr.p, pr.w.data(), pr.b.data(), packed.data());
  for (auto _ : st) {
    run(pr.p, pr.x.data(), packed.data(), pr.y.data(), scratch.data());
    benchmark::DoNotOptimize(pr.y.data());
  }
  pr.SetCounters(st);
  pr.SetRooflineCounter(st);
}

// {C, H, W, k, stride}
const std::vector<std::vector<int64_t>> kShapes = {
    // MobileNetV2 224², every depthwise 3×3 shape.
    {32, 112, 112, 3, 1},
    {96, 112, 112, 3, 2},
    {144, 56, 56, 3, 1},
    {144, 56, 56, 3, 2},
    {192, 28, 28, 3, 1},
    {192, 28, 28, 3, 2},
    {384, 14, 14, 3, 1},
    {576, 14, 14, 3, 1},
    {576, 14, 14, 3, 2},
    {960, 7, 7, 3, 1},
    // EfficientNet-B0 224², 5×5 depthwise.
    {144, 56, 56, 5, 2},
    {240, 28, 28, 5, 1},
    {672, 14, 14, 5, 1},
    {672, 14, 14, 5, 2},
    {1152, 7, 7, 5, 1},
};

void Shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"C", "H", "W", "k", "s"});
  for (const auto& s : kShapes) b->Args(s);
}

BENCHMARK(BM_dwconv_nchw_ref)->Apply(Shapes);
BENCHMARK(BM_dwconv_avx2<dwconv_nhwc_avx2_packed_size, dwconv_nhwc_avx2_pack,
                         dwconv_nhwc_avx2_scratch_size, dwconv_f32_nhwc_avx2>)
    ->Name("BM_dwconv_nhwc_avx2")
    ->Apply(Shapes);
BENCHMARK(BM_dwconv_avx2<dwconv_nchw_avx2_packed_size, dwconv_nchw_avx2_pack,
                         dwconv_nchw_avx2_scratch_size, dwconv_f32_nchw_avx2>)
    ->Name("BM_dwconv_nchw_avx2")
    ->Apply(Shapes);

}  // namespace
}  // namespace finch::kernels

BENCHMARK_MAIN();
