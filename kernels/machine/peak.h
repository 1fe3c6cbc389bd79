// What one core of this machine can do at best, measured: the denominators of the "peak%" and
// "bw%" columns the benchmarks print (bench/machine_peak.h).
//
// kernels/ cannot see runtime/cpu_features.h, so the caller says whether AVX2/FMA may be used
// (GetCpuFeatures().avx2 && .fma): the measurements run AVX2 code only when told so.
#pragma once

#include <cstddef>

namespace finch::kernels {

// Times are this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), as in Google Benchmark's rates, and
// the best of several slices is kept, so a core shared with other processes still reports the
// machine's rate.

// Single-thread float32 FMA throughput in GFLOP/s (an FMA lane counts 2 FLOPs), measured for
// about `seconds` with 12 independent ymm FMA chains (enough to cover FMA latency × 2 ports on
// current x86 cores), best of ~10 slices. Returns 0 when `avx2_fma` is false.
double measure_fma_peak_gflops(double seconds, bool avx2_fma);

// Single-thread streaming read bandwidth from DRAM in GB/s (1e9 bytes/s): sums a 256 MiB buffer
// (≫ any L3) repeatedly for about `seconds` (at least two passes, the first a warm-up), best
// pass. With `avx2` the sum uses ymm loads, else SSE2 (x86-64 baseline). Returns 0 if the
// buffer cannot be allocated.
double measure_memory_bandwidth_gbps(double seconds, bool avx2);

// Single-thread int8 multiply-add throughput in GOP/s, with the AVX2 int8 dot-product idiom:
// vpmaddubsw (u8 × s8, adjacent pairs summed to s16) then vpmaddwd by ones (pairs of s16 summed
// to s32) then vpaddd into the accumulator. Convention: one u8×s8 multiply-add counts 2 ops, as
// an FMA lane counts 2 FLOPs, so a ymm vpmaddubsw is 64 ops; the vpmaddwd/vpaddd that widen and
// accumulate are overhead, not counted. 10 independent chains, best of ~10 slices. Returns 0
// when `avx2` is false.
double measure_int8_peak_gops(double seconds, bool avx2);

// The same with AVX-512 VNNI's vpdpbusd on ymm (32 u8×s8 multiply-adds into int32 in one
// instruction), what finch's VNNI kernels use. Call with `vnni` only when the CPU reports
// AVX-512 VL and VNNI (else returns 0).
double measure_int8_vnni_peak_gops(double seconds, bool vnni);

// Single-thread streaming read bandwidth in GB/s of a `bytes`-sized buffer that is read over and
// over, so it stays in whichever cache level it fits (half the L2 measures the L2): the buffer
// is summed repeatedly in slices of ≥ 0.2 ms for about `seconds`, best slice. `bytes` is rounded
// down to a multiple of 128 (at least 4 KiB). ymm loads with `avx2`, else SSE2. Returns 0 if the
// buffer cannot be allocated.
double measure_cache_bandwidth_gbps(double seconds, size_t bytes, bool avx2);

}  // namespace finch::kernels
