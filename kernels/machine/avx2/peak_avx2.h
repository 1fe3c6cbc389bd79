// The AVX2 loops of kernels/machine/peak.h (call only when the CPU has AVX2/FMA).
#pragma once

#include <cstdint>

namespace finch::kernels::avx2 {

// Runs `iters` × 12 independent 8-lane FMA chains; returns a value depending on all of them
// (so the work cannot be dropped). FLOPs done: iters · 12 · 8 · 2.
float FmaChains(int64_t iters);

// Runs `iters` × 10 independent chains of acc += vpmaddwd(vpmaddubsw(acc bytes, b), 1): each
// chain feeds its accumulator back as the u8 operand so no product can be hoisted out of the
// loop. int8 multiply-adds done: iters · 10 · 32 (ops: twice that). Returns a value depending on
// all chains.
int32_t Int8DotChains(int64_t iters);

// Σ of n floats (n a multiple of 32, p 32-byte aligned), with four ymm accumulators.
float StreamSum(const float* p, int64_t n);

}  // namespace finch::kernels::avx2
