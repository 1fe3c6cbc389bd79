// AVX2 binary arithmetic on float32 with broadcasting: Add, Sub, Mul, Div, Min, Max over the
// output's flat elements [begin, end) of a BroadcastSpace, like binary_ref (and bit-identical
// to it: one IEEE operation per element, Min/Max with binary_ref's NaN and signed-zero rules).
//
// Every broadcast pattern goes through ForEachSegment's rows, each a vector loop with a masked
// tail for one of the four stride cases: both operands walk (equal shapes; NHWC per-channel
// [.., C] against [C], rows of C), one is repeated along the row (a scalar; NCHW per-channel
// [N, C, H, W] against [1, C, 1, 1], rows of H·W against one value), or both are (a constant
// row). Call only when the CPU has avx2 and fma.
#pragma once

#include <cstdint>

#include "kernels/elementwise/binary_ref.h"
#include "kernels/elementwise/broadcast.h"

namespace finch::kernels {

bool binary_f32_avx2_supports(BinaryOp op);

// y = op(a, b) on [begin, end); does nothing for an op binary_f32_avx2_supports rejects.
void binary_f32_avx2(BinaryOp op, const BroadcastSpace& s, const float* a, const float* b, float* y,
                     int64_t begin, int64_t end);

}  // namespace finch::kernels
