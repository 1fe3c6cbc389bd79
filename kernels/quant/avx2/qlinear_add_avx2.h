// QLinearAdd on contiguous operands, 8 elements per step with AVX2: the reference's expression
// (kernels/quant/qlinear_add_ref.h) operation for operation — two float32 products, one sum, one
// division, round half to even, the zero point added in float, then the clamp — so the two agree
// bit for bit (the avx2/ files are compiled with -ffp-contract=off: no product is fused into the
// sum). Call only when the CPU reports AVX2.
#pragma once

#include <cstdint>

#include "kernels/quant/qlinear_add_ref.h"

namespace finch::kernels {

// c[i] = QLinearAdd(a[i], b[i]) for i in [0, n). T: uint8_t or int8_t.
template <typename T>
void qlinear_add_avx2(const QLinearAddParams& q, int64_t n, const T* a, const T* b, T* c);

}  // namespace finch::kernels
