// Timing of the peak measurements; the loops themselves are in avx2/fma_peak_avx2.cc (and an
// SSE2 streaming sum here, for CPUs without AVX2).
#include "kernels/machine/peak.h"

#include <emmintrin.h>
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "kernels/machine/avx2/peak_avx2.h"
#include "kernels/machine/avx512vnni/peak_vnni.h"

namespace finch::kernels {
namespace {

// Time is this thread's CPU time, like the rates Google Benchmark reports: on a core shared
// with other processes, the time we are descheduled counts for neither.
double Now() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

float StreamSumSse2(const float* p, int64_t n) {
  __m128 s0 = _mm_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  for (int64_t i = 0; i < n; i += 16) {
    s0 = _mm_add_ps(s0, _mm_load_ps(p + i));
    s1 = _mm_add_ps(s1, _mm_load_ps(p + i + 4));
    s2 = _mm_add_ps(s2, _mm_load_ps(p + i + 8));
    s3 = _mm_add_ps(s3, _mm_load_ps(p + i + 12));
  }
  alignas(16) float lanes[4];
  _mm_store_ps(lanes, _mm_add_ps(_mm_add_ps(s0, s1), _mm_add_ps(s2, s3)));
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

volatile float g_sink;  // keeps the measured results alive
volatile int32_t g_isink;

// The best rate, in operations per ns, of `run(iters)` doing ops_per_iter·iters operations:
// the slice is calibrated to ~seconds/10 (at least ~1 ms), then slices run for `seconds` and the
// fastest counts.
template <typename Run>
double BestSliceRate(double seconds, double ops_per_iter, Run run) {
  int64_t iters = 1 << 14;
  for (;;) {
    const double t0 = Now();
    run(iters);
    if (Now() - t0 >= std::max(seconds / 10, 1e-3) || iters > (int64_t{1} << 40)) break;
    iters *= 2;
  }
  double best = 0;
  const double start = Now();
  do {
    const double t0 = Now();
    run(iters);
    const double t = Now() - t0;
    if (t > 0) best = std::max(best, static_cast<double>(iters) * ops_per_iter / t);
  } while ((Now() - start) < seconds);
  return best * 1e-9;
}

}  // namespace

double measure_fma_peak_gflops(double seconds, bool avx2_fma) {
  if (!avx2_fma) return 0;
  // 12 chains × 8 lanes × 2 FLOPs per iteration.
  return BestSliceRate(seconds, 12 * 8 * 2, [](int64_t n) { g_sink = avx2::FmaChains(n); });
}

double measure_memory_bandwidth_gbps(double seconds, bool avx2) {
  constexpr int64_t kBytes = int64_t{256} << 20;
  constexpr int64_t kFloats = kBytes / sizeof(float);
  float* buf = static_cast<float*>(std::aligned_alloc(64, kBytes));
  if (buf == nullptr) return 0;
  std::memset(buf, 0, kBytes);  // touch every page before timing
  double best = 0;
  const double start = Now();
  for (int pass = 0; pass < 2 || (Now() - start) < seconds; ++pass) {
    const double t0 = Now();
    g_sink = avx2 ? avx2::StreamSum(buf, kFloats) : StreamSumSse2(buf, kFloats);
    const double t = Now() - t0;
    if (pass > 0 && t > 0) best = std::max(best, kBytes / t);
  }
  std::free(buf);
  return best * 1e-9;
}

double measure_int8_peak_gops(double seconds, bool avx2) {
  if (!avx2) return 0;
  // 10 chains × 32 u8·s8 multiply-adds per ymm vpmaddubsw × 2 ops each.
  return BestSliceRate(seconds, 10 * 32 * 2, [](int64_t n) { g_isink = avx2::Int8DotChains(n); });
}

double measure_int8_vnni_peak_gops(double seconds, bool vnni) {
  if (!vnni) return 0;
  // 12 chains × 32 u8·s8 multiply-adds per ymm vpdpbusd × 2 ops each.
  return BestSliceRate(seconds, 12 * 32 * 2,
                       [](int64_t n) { g_isink = avx512vnni::Int8VnniChains(n); });
}

double measure_cache_bandwidth_gbps(double seconds, size_t bytes, bool avx2) {
  const int64_t n_bytes = std::max<int64_t>(4096, static_cast<int64_t>(bytes) / 128 * 128);
  const int64_t n_floats = n_bytes / static_cast<int64_t>(sizeof(float));
  float* buf = static_cast<float*>(std::aligned_alloc(64, static_cast<size_t>(n_bytes)));
  if (buf == nullptr) return 0;
  for (int64_t i = 0; i < n_floats; ++i) buf[i] = 1.0f;  // touch every line: now it is cached
  auto pass = [&] { return avx2 ? avx2::StreamSum(buf, n_floats) : StreamSumSse2(buf, n_floats); };
  // One pass of a cache-sized buffer takes microseconds, near the clock's own cost: time slices
  // of `reps` passes, at least 0.2 ms each.
  int64_t reps = 1;
  for (;;) {
    const double t0 = Now();
    for (int64_t r = 0; r < reps; ++r) g_sink = pass();
    if (Now() - t0 >= 2e-4 || reps > (int64_t{1} << 30)) break;
    reps *= 2;
  }
  double best = 0;
  const double start = Now();
  do {
    const double t0 = Now();
    for (int64_t r = 0; r < reps; ++r) g_sink = pass();
    const double t = Now() - t0;
    if (t > 0) best = std::max(best, static_cast<double>(n_bytes) * static_cast<double>(reps) / t);
  } while ((Now() - start) < seconds);
  std::free(buf);
  return best * 1e-9;
}

}  // namespace finch::kernels
