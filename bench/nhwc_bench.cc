// The NHWC companion kernels at real layer shapes, AVX2 against the scalar reference:
//   layout conversion — the 3×224×224 model input (NCHW → NHWC) and a 1280×7×7 map both ways;
//   global average pooling — MobileNetV2's 1280×7×7 head;
//   squeeze-excite — EfficientNet-B0's 672×14×14 (reduced 28) and 1152×7×7 (reduced 48),
//   SiLU / Sigmoid.
// Counter GB/s: bytes the kernel must move (input read once + output written once, float32).
// Run: build/bench/nhwc_bench --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "kernels/layout/avx2/layout_avx2.h"
#include "kernels/layout/layout_ref.h"
#include "kernels/pool/pool_nhwc.h"
#include "kernels/se/se_nhwc.h"
#include "runtime/cpu_features.h"

namespace finch::kernels {
namespace {

std::vector<float> Random(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

bool SkipWithoutAvx2(benchmark::State& st) {
  const CpuFeatures& f = GetCpuFeatures();
  if (f.avx2 && f.fma) return false;
  st.SkipWithError("CPU lacks avx2/fma");
  return true;
}

void SetBytes(benchmark::State& st, double bytes) {
  st.counters["GB/s"] =
      benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

using ConvertFn = void (*)(int64_t, int64_t, int64_t, const float*, float*, int64_t, int64_t);

template <ConvertFn fn, bool kAvx2>
void BM_convert(benchmark::State& st) {
  if (kAvx2 && SkipWithoutAvx2(st)) return;
  const int64_t C = st.range(0), HW = st.range(1) * st.range(2);
  const std::vector<float> x = Random(C * HW, 1);
  std::vector<float> y(C * HW);
  for (auto _ : st) {
    fn(1, C, HW, x.data(), y.data(), 0, HW);
    benchmark::DoNotOptimize(y.data());
  }
  SetBytes(st, 8.0 * C * HW);
}

template <bool kAvx2>
void BM_global_avgpool_nhwc(benchmark::State& st) {
  if (kAvx2 && SkipWithoutAvx2(st)) return;
  const int64_t C = st.range(0), HW = st.range(1) * st.range(2);
  const std::vector<float> x = Random(C * HW, 2);
  std::vector<float> y(C);
  for (auto _ : st) {
    (kAvx2 ? global_avgpool_nhwc_f32_avx2 : global_avgpool_nhwc_f32_ref)(1, HW, C, x.data(),
                                                                         y.data());
    benchmark::DoNotOptimize(y.data());
  }
  SetBytes(st, 4.0 * (C * HW + C));
}

template <bool kAvx2>
void BM_se_nhwc(benchmark::State& st) {
  if (kAvx2 && SkipWithoutAvx2(st)) return;
  SqueezeExciteParams p;
  p.channels = st.range(0);
  p.hw = st.range(1) * st.range(2);
  p.reduced = st.range(3);
  p.act = {ActivationKind::kSiLU, 0, 0};
  p.gate = {ActivationKind::kSigmoid, 0, 0};
  const std::vector<float> x = Random(p.channels * p.hw, 3), w1 = Random(p.reduced * p.channels, 4),
                           b1 = Random(p.reduced, 5), w2 = Random(p.channels * p.reduced, 6),
                           b2 = Random(p.channels, 7);
  std::vector<float> y(x.size()), scratch(se_nhwc_scratch_size(p));
  for (auto _ : st) {
    (kAvx2 ? se_nhwc_f32_avx2 : se_nhwc_f32_ref)(p, x.data(), w1.data(), b1.data(), w2.data(),
                                                 b2.data(), y.data(), scratch.data());
    benchmark::DoNotOptimize(y.data());
  }
  // x read twice (pool, scale) in principle; counted once, as the minimum traffic.
  SetBytes(st, 4.0 * (2 * x.size() + w1.size() + w2.size()));
}

void Layout(benchmark::internal::Benchmark* b) {
  b->ArgNames({"C", "H", "W"});
  b->Args({3, 224, 224});
  b->Args({32, 112, 112});
  b->Args({1280, 7, 7});
}

BENCHMARK(BM_convert<nchw_to_nhwc_f32_ref, false>)->Name("BM_nchw_to_nhwc_ref")->Apply(Layout);
BENCHMARK(BM_convert<nchw_to_nhwc_f32_avx2, true>)->Name("BM_nchw_to_nhwc_avx2")->Apply(Layout);
BENCHMARK(BM_convert<nhwc_to_nchw_f32_ref, false>)->Name("BM_nhwc_to_nchw_ref")->Apply(Layout);
BENCHMARK(BM_convert<nhwc_to_nchw_f32_avx2, true>)->Name("BM_nhwc_to_nchw_avx2")->Apply(Layout);
BENCHMARK(BM_global_avgpool_nhwc<false>)
    ->Name("BM_global_avgpool_nhwc_ref")
    ->ArgNames({"C", "H", "W"})
    ->Args({1280, 7, 7});
BENCHMARK(BM_global_avgpool_nhwc<true>)
    ->Name("BM_global_avgpool_nhwc_avx2")
    ->ArgNames({"C", "H", "W"})
    ->Args({1280, 7, 7});
BENCHMARK(BM_se_nhwc<false>)
    ->Name("BM_se_nhwc_ref")
    ->ArgNames({"C", "H", "W", "R"})
    ->Args({672, 14, 14, 28})
    ->Args({1152, 7, 7, 48});
BENCHMARK(BM_se_nhwc<true>)
    ->Name("BM_se_nhwc_avx2")
    ->ArgNames({"C", "H", "W", "R"})
    ->Args({672, 14, 14, 28})
    ->Args({1152, 7, 7, 48});

}  // namespace
}  // namespace finch::kernels

BENCHMARK_MAIN();
