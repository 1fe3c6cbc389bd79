// GEMM with a pre-packed B and a fused epilogue: the kernel behind pointwise (1×1) convolutions
// in NHWC and behind Gemm/MatMul with a constant B.
//
//   C[m, n] = act(Σ_k A[m, k]·B[k, n] + bias[n] + R[m, n])
//
// A 1×1 convolution in NHWC is this product with M = batch·H·W pixels, K = in channels (A's
// row stride lda ≥ K), N = out channels and B = Wᵀ, where W is ONNX's weight [N, K, 1, 1].
// B is constant (weights), so it is packed ONCE at plan time (gemm_pack_b) into panels of
// kGemmPanel = 16 columns, each stored k-major (K rows of 16 floats, zero-filled past column
// N): the AVX2 microkernel then reads one 64-byte row of a panel per k with two aligned-size
// loads and never needs a column tail on B.
//
// Order of arithmetic — the contract every variant keeps, so results never depend on how M and
// N are split between calls or threads, nor on the variant:
//   acc = 0; for k = 0..K−1: acc = fma(A[m, k], B[k, n], acc)   (one rounding per step)
//   acc = acc + bias[n];  acc = acc + R[m, n];  C[m, n] = act(acc)
// The reference uses std::fma and the AVX2 kernel _mm256_fmadd_ps, so the two agree BIT FOR
// BIT on any data; the only exception is the epilogue's Sigmoid/SiLU, whose vector exp (in
// kernels/common/avx2/activation_avx2.h) may differ from std::exp by a few ulp.
#pragma once

#include <cstdint>

#include "kernels/common/activation.h"

namespace finch::kernels {

// B is packed in panels of this many columns.
inline constexpr int64_t kGemmPanel = 16;

// Floats of packed B: ceil(N / 16) panels, each K × 16, k-major (panel p holds columns
// 16p..16p+15; columns ≥ N zero-filled). Panel p starts at packed + p·K·16.
int64_t gemm_packed_b_size(int64_t K, int64_t N);

// Packs B. Element (k, n) of B is b[k·stride_k + n·stride_n]: row-major B[K, N] is (N, 1);
// a conv weight W[N, K] used as B = Wᵀ is (1, K) (also Gemm with transB). `packed` holds
// gemm_packed_b_size(K, N) floats.
void gemm_pack_b(int64_t K, int64_t N, const float* b, int64_t stride_k, int64_t stride_n,
                 float* packed);

struct GemmEpilogue {
  const float* bias = nullptr;      // [N] (indexed by absolute column), or null
  const float* residual = nullptr;  // R[m, n] at residual[m·ldr + n] (same m/n as C), or null
  int64_t ldr = 0;
  Activation act;  // kernels/common/activation.h
};

// C[m, n] = act(Σ_k A[m, k]·B[k, n] + bias[n] + R[m, n])  for m in [0, M), n in [n_begin, n_end)
// A[m, k] = a[m·lda + k]; C[m, n] = c[m·ldc + n]; `packed` is the WHOLE packed B (of N columns).
// n_begin is a multiple of kGemmPanel (or 0); n_end ≤ N. C may alias R exactly (c == residual,
// ldc == ldr: the in-place residual add of an inverted-residual block); never A. Nothing
// outside these ranges is read or written (C is write-only unless it is R). K == 0 gives
// act(bias + R).
void gemm_f32_packed_ref(int64_t M, int64_t N, int64_t K, const float* a, int64_t lda,
                         const float* packed, float* c, int64_t ldc, const GemmEpilogue& e,
                         int64_t n_begin, int64_t n_end);

// The same contract, register-blocked 6×16 with AVX2/FMA (kernels/gemm/avx2/). Call only when
// GetCpuFeatures() reports avx2 && fma.
void gemm_f32_packed_avx2(int64_t M, int64_t N, int64_t K, const float* a, int64_t lda,
                          const float* packed, float* c, int64_t ldc, const GemmEpilogue& e,
                          int64_t n_begin, int64_t n_end);

}  // namespace finch::kernels
