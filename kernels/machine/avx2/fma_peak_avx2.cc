// FMA and int8 multiply-add throughput and streaming-read loops for kernels/machine/peak.h.
#include <immintrin.h>

#include "kernels/machine/avx2/peak_avx2.h"

namespace finch::kernels::avx2 {

float FmaChains(int64_t iters) {
  // acc ← acc·m + d converges to d/(1−m) = 1: no overflow, no denormals, however long it runs.
  constexpr int kChains = 12;
  const __m256 m = _mm256_set1_ps(0.999f);
  const __m256 d = _mm256_set1_ps(0.001f);
  __m256 acc[kChains];
#pragma GCC unroll 12
  for (int j = 0; j < kChains; ++j) acc[j] = _mm256_set1_ps(0.5f + 0.01f * j);
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 12
    for (int j = 0; j < kChains; ++j) acc[j] = _mm256_fmadd_ps(acc[j], m, d);
  }
  __m256 s = acc[0];
#pragma GCC unroll 12
  for (int j = 1; j < kChains; ++j) s = _mm256_add_ps(s, acc[j]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, s);
  return lanes[0] + lanes[7];
}

int32_t Int8DotChains(int64_t iters) {
  // Integer vector adds wrap and vpmaddubsw saturates, so the values never trap, and integer
  // SIMD timing does not depend on them.
  // 10 chains: 10 accumulators + b + ones + a temporary fit the 16 ymm registers (12 spilled).
  // A chain step is vpmaddubsw → vpmaddwd → vpaddd, ~11 cycles on Intel cores, ~7 on Zen, and
  // two pmadd ports retire one step per cycle: 10 chains keep them ≥ 90% busy.
  constexpr int kChains = 10;
  const __m256i b = _mm256_set1_epi8(3);
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i acc[kChains];
#pragma GCC unroll 10
  for (int j = 0; j < kChains; ++j) acc[j] = _mm256_set1_epi32(0x01020304 + j);
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 10
    for (int j = 0; j < kChains; ++j) {
      const __m256i pairs = _mm256_maddubs_epi16(acc[j], b);              // u8·s8 + u8·s8 → s16
      acc[j] = _mm256_add_epi32(acc[j], _mm256_madd_epi16(pairs, ones));  // s16 + s16 → s32
    }
  }
  __m256i s = acc[0];
#pragma GCC unroll 10
  for (int j = 1; j < kChains; ++j) s = _mm256_xor_si256(s, acc[j]);
  return _mm256_extract_epi32(s, 0) ^ _mm256_extract_epi32(s, 7);
}

float StreamSum(const float* p, int64_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  for (int64_t i = 0; i < n; i += 32) {
    s0 = _mm256_add_ps(s0, _mm256_load_ps(p + i));
    s1 = _mm256_add_ps(s1, _mm256_load_ps(p + i + 8));
    s2 = _mm256_add_ps(s2, _mm256_load_ps(p + i + 16));
    s3 = _mm256_add_ps(s3, _mm256_load_ps(p + i + 24));
  }
  const __m256 s = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, s);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
}

}  // namespace finch::kernels::avx2
