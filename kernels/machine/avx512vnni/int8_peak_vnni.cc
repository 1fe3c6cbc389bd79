// The VNNI int8 dot-product chain for kernels/machine/peak.h (compiled with AVX-512 VL/VNNI;
// called only when the CPU reports them).
#include <immintrin.h>

#include "kernels/machine/avx512vnni/peak_vnni.h"

namespace finch::kernels::avx512vnni {

int32_t Int8VnniChains(int64_t iters) {
  // 12 independent vpdpbusd chains (ymm, the width finch's VNNI kernels use): one
  // instruction is 32 u8·s8 multiply-adds into int32, latency ~5 cycles, throughput up to 2
  // per cycle; 12 chains hide the latency. Integer adds wrap: no value traps.
  constexpr int kChains = 12;
  const __m256i a = _mm256_set1_epi8(5);
  const __m256i b = _mm256_set1_epi8(3);
  __m256i acc[kChains];
#pragma GCC unroll 12
  for (int j = 0; j < kChains; ++j) acc[j] = _mm256_set1_epi32(j);
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 12
    for (int j = 0; j < kChains; ++j) acc[j] = _mm256_dpbusd_epi32(acc[j], a, b);
  }
  __m256i s = acc[0];
#pragma GCC unroll 12
  for (int j = 1; j < kChains; ++j) s = _mm256_xor_si256(s, acc[j]);
  return _mm256_extract_epi32(s, 0) ^ _mm256_extract_epi32(s, 7);
}

}  // namespace finch::kernels::avx512vnni
