// Flash attention (kernels/attention/avx2/attention_flash_avx2.cc) against standard materialised
// attention in float32 (kernels/attention/attention_naive.h: Q·Kᵀ on the packed GEMM into an
// Nq × Nk buffer, a vectorised softmax, P·V on the packed GEMM), one thread, d = 64, at ViT-B/16's
// N = 197 and at N = 1024, 4096, 16384 (the naive one only up to 4096: its score buffer is 4·N²
// bytes, 64 MiB at 4096, 1 GiB at 16384), with 3 and 12 heads.
//
// Inputs lie as a ViT exports them, [N, heads·64] read per head in place (head stride 64, row
// stride heads·64), values uniform in [−1, 1], scale 1/8.
//
// Counters: GFLOP/s with FLOPs = 4·N²·d per head (2·N²·d for Q·Kᵀ and for P·V; the softmax's
// exponentials are not counted), peak% of this core's FMA peak (bench/machine_peak.h), GB/s of
// Q, K, V and O once; scratch_MiB: the extra memory each kernel needs (the flash kernel's
// per-thread scratch, O(N·d); the naive one's score buffer and packed operands, O(N²)); and
// err: the max |error| of the first 16 query rows of the first and last head against the double
// reference (FlashAttention's rule: flash's err ≤ 2 × the naive kernel's err at the same shape).
// Run: build-flash/bench/attention_bench --benchmark_min_time=0.5 [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "bench/machine_peak.h"
#include "kernels/attention/attention.h"
#include "kernels/attention/attention_naive.h"
#include "runtime/cpu_features.h"

namespace finch::kernels {
namespace {

constexpr int64_t kHeadDim = 64;
constexpr int64_t kCheckRows = 16;

struct Problem {
  int64_t n, heads;
  std::vector<float> q, k, v, out;
  AttentionProblem p;

  Problem(int64_t n_, int64_t heads_) : n(n_), heads(heads_) {
    const int64_t size = n * heads * kHeadDim;
    q.resize(size);
    k.resize(size);
    v.resize(size);
    out.assign(size, 0.f);
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> d(-1.f, 1.f);
    for (std::vector<float>* t : {&q, &k, &v}) {
      for (float& x : *t) x = d(rng);
    }
    p.problems = heads;
    p.q_len = p.kv_len = n;
    p.head_dim = p.v_dim = kHeadDim;
    p.scale = 1.f / std::sqrt(static_cast<float>(kHeadDim));
    const int64_t row = heads * kHeadDim;
    p.q = {q.data(), kHeadDim, row, 1};
    p.k = {k.data(), kHeadDim, row, 1};
    p.v = {v.data(), kHeadDim, row, 1};
    p.out = out.data();
    p.out_head = kHeadDim;
    p.out_row = row;
  }

  // Max |out − reference| over the first kCheckRows rows of the first and the last head.
  double MaxError() const {
    AttentionProblem r = p;
    std::vector<float> ref(out.size(), 0.f);
    r.out = ref.data();
    double err = 0;
    for (const int64_t h : {int64_t{0}, heads - 1}) {
      attention_f32_ref(r, h, h + 1, 0, kCheckRows);
      for (int64_t i = 0; i < kCheckRows; ++i) {
        for (int64_t c = 0; c < kHeadDim; ++c) {
          const int64_t at = h * p.out_head + i * p.out_row + c;
          err = std::max(err, std::fabs(static_cast<double>(out[at]) - ref[at]));
        }
      }
    }
    return err;
  }

  void SetCounters(benchmark::State& st, int64_t scratch_floats, double err) const {
    const double flops = 4.0 * n * n * kHeadDim * heads;
    const double bytes = 4.0 * 4 * n * heads * kHeadDim;
    bench::SetPeakCounters(st, flops, bytes);
    st.counters["scratch_MiB"] = scratch_floats * 4.0 / (1 << 20);
    st.counters["err"] = err;
  }
};

bool HaveAvx2(benchmark::State& st) {
  const CpuFeatures& f = GetCpuFeatures();
  if (f.avx2 && f.fma) return true;
  st.SkipWithError("CPU lacks avx2/fma");
  return false;
}

void BM_attention_flash(benchmark::State& st) {
  if (!HaveAvx2(st)) return;
  Problem pr(st.range(0), st.range(1));
  const CpuFeatures& f = GetCpuFeatures();
  const AttentionBlocks b = attention_blocks(kHeadDim, kHeadDim, f.l1d_bytes, f.l2_bytes);
  const int64_t scratch_floats = attention_flash_scratch_floats(pr.p, b);
  std::vector<float> scratch(scratch_floats);
  const int64_t q_blocks = (pr.n + b.q_block - 1) / b.q_block;
  for (auto _ : st) {
    attention_f32_flash_avx2(pr.p, b, 0, pr.heads, 0, q_blocks, scratch.data());
    benchmark::DoNotOptimize(pr.out.data());
  }
  pr.SetCounters(st, scratch_floats, pr.MaxError());
  st.counters["q_block"] = b.q_block;
  st.counters["kv_block"] = b.kv_block;
}

void BM_attention_naive(benchmark::State& st) {
  if (!HaveAvx2(st)) return;
  Problem pr(st.range(0), st.range(1));
  const int64_t scratch_floats = attention_naive_scratch_floats(pr.p);
  std::vector<float> scratch(scratch_floats);
  for (auto _ : st) {
    attention_f32_naive_avx2(pr.p, 0, pr.heads, scratch.data());
    benchmark::DoNotOptimize(pr.out.data());
  }
  pr.SetCounters(st, scratch_floats, pr.MaxError());
}

void FlashShapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"N", "heads"});
  for (const int64_t n : {197, 1024, 4096, 16384}) {
    for (const int64_t h : {3, 12}) b->Args({n, h});
  }
}

void NaiveShapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"N", "heads"});
  for (const int64_t n : {197, 1024, 4096}) {
    for (const int64_t h : {3, 12}) b->Args({n, h});
  }
}

BENCHMARK(BM_attention_flash)->Apply(FlashShapes)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_attention_naive)->Apply(NaiveShapes)->Unit(benchmark::kMillisecond);

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
