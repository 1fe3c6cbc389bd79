// Header-only helper for the Google Benchmark programs: the machine's single-core FMA peak and
// DRAM read bandwidth (kernels/machine/peak.h), measured once per process and printed to stderr,
// and the counters that report a benchmark as a fraction of them.
//
//   SetPeakCounters(state, flops_per_iter, bytes_per_iter) sets, as rates per second:
//     "GFLOP/s", "GB/s", "peak%" (100 · FLOP/s ÷ FMA peak), "bw%" (100 · B/s ÷ bandwidth).
// Without AVX2/FMA the peak is 0 and "peak%" is left out.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>

#include "kernels/machine/peak.h"
#include "runtime/cpu_features.h"

namespace finch::bench {

struct MachinePeak {
  double fma_gflops = 0;
  double bandwidth_gbps = 0;
};

inline const MachinePeak& GetMachinePeak() {
  static const MachinePeak peak = [] {
    const CpuFeatures& f = GetCpuFeatures();
    MachinePeak p;
    p.fma_gflops = kernels::measure_fma_peak_gflops(0.5, f.avx2 && f.fma);
    p.bandwidth_gbps = kernels::measure_memory_bandwidth_gbps(0.5, f.avx2);
    std::fprintf(stderr, "machine: %s\nsingle-core FMA peak %.1f GFLOP/s, DRAM read %.1f GB/s\n",
                 f.Summary().c_str(), p.fma_gflops, p.bandwidth_gbps);
    return p;
  }();
  return peak;
}

inline void SetPeakCounters(benchmark::State& st, double flops_per_iter, double bytes_per_iter) {
  const MachinePeak& p = GetMachinePeak();
  using benchmark::Counter;
  st.counters["GFLOP/s"] = Counter(flops_per_iter * 1e-9, Counter::kIsIterationInvariantRate);
  st.counters["GB/s"] = Counter(bytes_per_iter * 1e-9, Counter::kIsIterationInvariantRate);
  if (p.fma_gflops > 0) {
    st.counters["peak%"] =
        Counter(100 * flops_per_iter * 1e-9 / p.fma_gflops, Counter::kIsIterationInvariantRate);
  }
  if (p.bandwidth_gbps > 0) {
    st.counters["bw%"] =
        Counter(100 * bytes_per_iter * 1e-9 / p.bandwidth_gbps, Counter::kIsIterationInvariantRate);
  }
}

}  // namespace finch::bench
