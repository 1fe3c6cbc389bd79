// The packed-B GEMM (kernels/gemm/gemm_packed.h) at every pointwise (1×1) convolution shape of
// MobileNetV2 at 224² plus its classifier, and at odd sizes; AVX2 kernel and (a few shapes)
// the scalar reference.
//
// MobileNetV2 (t, c, n, s) = (1,16,1,1) (6,24,2,2) (6,32,3,2) (6,64,4,2) (6,96,3,1) (6,160,3,2)
// (6,320,1,1) after a 32-channel stem at 112²; every block is expand 1×1 (K = c_in, N = t·c_in;
// absent when t = 1), depthwise 3×3 (stride s on the block's first repeat), project 1×1
// (K = t·c_in, N = c); M = H·W of the 1×1's resolution. Then the 1×1 head to 1280 at 7², and the
// classifier M = 1, K = 1280, N = 1000. Epilogue: bias + ReLU6 (Clip), as in the expand convs.
//
// Args: M, K, N. Counters (bench/machine_peak.h): GFLOP/s (2·M·N·K), GB/s (A + packed B + C +
// bias, each once), peak% of the single-core FMA peak, bw% of DRAM read bandwidth.
// Run: build-gemm/bench/gemm_bench --benchmark_min_time=0.2 [--benchmark_repetitions=3]
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "bench/machine_peak.h"
#include "kernels/gemm/gemm_packed.h"
#include "runtime/cpu_features.h"

namespace finch::kernels {
namespace {

struct Problem {
  int64_t M, K, N;
  std::vector<float> a, packed, bias, c;
  GemmEpilogue e;
  explicit Problem(const benchmark::State& st) : M(st.range(0)), K(st.range(1)), N(st.range(2)) {
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> d(-1.f, 1.f);
    a.resize(M * K);
    bias.resize(N);
    c.resize(M * N);
    std::vector<float> b(K * N);
    for (float& v : a) v = d(rng);
    for (float& v : b) v = d(rng);
    for (float& v : bias) v = d(rng);
    packed.resize(gemm_packed_b_size(K, N));
    gemm_pack_b(K, N, b.data(), N, 1, packed.data());
    e.bias = bias.data();
    e.act = {ActivationKind::kClip, 0.f, 6.f};
  }
  void Run(bool avx2) {
    auto* fn = avx2 ? gemm_f32_packed_avx2 : gemm_f32_packed_ref;
    fn(M, N, K, a.data(), K, packed.data(), c.data(), N, e, 0, N);
  }
  void SetCounters(benchmark::State& st) const {
    const double flops = 2.0 * M * N * K;
    const double bytes = 4.0 * (a.size() + packed.size() + c.size() + bias.size());
    bench::SetPeakCounters(st, flops, bytes);
  }
};

void BM_gemm_packed_avx2(benchmark::State& st) {
  const CpuFeatures& f = GetCpuFeatures();
  if (!(f.avx2 && f.fma)) {
    st.SkipWithError("CPU lacks avx2/fma");
    return;
  }
  Problem pr(st);
  for (auto _ : st) {
    pr.Run(true);
    benchmark::DoNotOptimize(pr.c.data());
  }
  pr.SetCounters(st);
}

void BM_gemm_packed_ref(benchmark::State& st) {
  Problem pr(st);
  for (auto _ : st) {
    pr.Run(false);
    benchmark::DoNotOptimize(pr.c.data());
  }
  pr.SetCounters(st);
}

// {M, K, N}: every distinct pointwise shape of MobileNetV2 224², in network order.
const std::vector<std::vector<int64_t>> kMobileNetV2 = {
    {12544, 32, 16},                                   // block 1 project (t = 1)
    {12544, 16, 96}, {3136, 96, 24},                   // 24: expand, project
    {3136, 24, 144}, {3136, 144, 24},                  //     repeat
    {784, 144, 32},  {784, 32, 192},  {784, 192, 32},  // 32 (first expand at 56²: above)
    {196, 192, 64},  {196, 64, 384},  {196, 384, 64},  // 64
    {196, 384, 96},  {196, 96, 576},  {196, 576, 96},  // 96
    {49, 576, 160},  {49, 160, 960},  {49, 960, 160},  // 160
    {49, 960, 320},                                    // 320
    {49, 320, 1280},                                   // head
    {1, 1280, 1000},                                   // classifier (GEMV)
};
// Odd sizes: row tails, partial panels, K not a multiple of anything.
const std::vector<std::vector<int64_t>> kOdd = {
    {97, 37, 23}, {13, 7, 5}, {1000, 17, 33}, {255, 255, 255}, {7, 1024, 17}, {2, 1280, 1000},
};

void AllShapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"M", "K", "N"});
  for (const auto& s : kMobileNetV2) b->Args(s);
  for (const auto& s : kOdd) b->Args(s);
}

void RefShapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"M", "K", "N"});
  b->Args({3136, 24, 144})->Args({196, 576, 96})->Args({49, 320, 1280})->Args({97, 37, 23});
}

BENCHMARK(BM_gemm_packed_avx2)->Apply(AllShapes);
BENCHMARK(BM_gemm_packed_ref)->Apply(RefShapes);

}  // namespace
}  // namespace finch::kernels

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  finch::bench::GetMachinePeak();  // measured before any benchmark, printed once
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
