// Standard (materialised) attention in float32, the baseline the flash kernel is measured
// against (bench/attention_bench.cc): per problem
//
//   S = Q·Kᵀ            (Nq × Nk, the packed-B GEMM, B = Kᵀ packed once per problem)
//   P = softmax_rows(scale·S + M)   (vector Exp, one pass for the max, one for exp and the sum,
//                                    one multiply by 1/sum; causal entries −inf)
//   O = P·V             (the packed-B GEMM, B = V packed once per problem)
//
// as an honest float32 implementation would do it: vectorised, on finch's GEMM, the Nq × Nk
// buffer reused across problems. Same contract as attention.h (strides, mask, causal, fully
// masked rows → 0), all rows of problems [p_begin, p_end). Its float32 error against
// attention_f32_ref is the yardstick of FlashAttention's accuracy rule. AVX2/FMA only.
#pragma once

#include <cstdint>

#include "kernels/attention/attention.h"

namespace finch::kernels {

// Floats of scratch attention_f32_naive_avx2 needs: the Nq × Nk scores, packed Kᵀ and V, and a
// contiguous copy of Q when its rows are not (q.col ≠ 1).
int64_t attention_naive_scratch_floats(const AttentionProblem& p);

void attention_f32_naive_avx2(const AttentionProblem& p, int64_t p_begin, int64_t p_end,
                              float* scratch);

}  // namespace finch::kernels
