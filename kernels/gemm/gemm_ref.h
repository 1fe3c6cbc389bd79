// Reference GEMM: C = alpha · op(A) · op(B) + beta · C, scalar float32, row-major with explicit
// row strides, op(X) = X or Xᵀ. The oracle for the optimized GEMMs; serves Gemm and MatMul.
#pragma once

#include <cstdint>

namespace finch::kernels {

struct GemmParams {
  int64_t m = 0, n = 0, k = 0;        // op(A): [m, k], op(B): [k, n], C: [m, n]
  bool trans_a = false;               // A is stored [k, m] (row stride lda >= m), else [m, k]
  bool trans_b = false;               // B is stored [n, k] (row stride ldb >= k), else [k, n]
  int64_t lda = 0, ldb = 0, ldc = 0;  // row strides in elements
  float alpha = 1.f, beta = 0.f;
};

// c[i, j] = alpha · acc(i, j) + beta · c[i, j], where acc(i, j) = Σ_{p=0..k−1} a(i, p) · b(p, j)
// is accumulated in float starting from 0, in increasing p. When beta == 0, C is not read (it
// may hold garbage or NaN). With k == 0, acc is 0.
//
// Loop order: for plain B (the common case), i-p-j, so the inner loop streams a row of B and a
// row of C; for Bᵀ, i-j-p, a dot product of two contiguous rows. Both give every acc(i, j) the
// same summation order, so results do not depend on the layout.
void gemm_f32_ref(const GemmParams& p, const float* a, const float* b, float* c);

// The same product for integer types (MatMul on int32/int64), wrapping on overflow like the
// unsigned arithmetic it is computed in; no alpha/beta: c = op(A) · op(B).
void gemm_s32_ref(const GemmParams& p, const int32_t* a, const int32_t* b, int32_t* c);
void gemm_s64_ref(const GemmParams& p, const int64_t* a, const int64_t* b, int64_t* c);

}  // namespace finch::kernels
