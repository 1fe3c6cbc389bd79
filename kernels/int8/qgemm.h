// Quantized GEMM with a prepacked constant B, exact (kernels/int8/int8.h explains why):
//
//   acc[m, n] = Σ_k (A[m, k] − a_zp)·(B[k, n] − b_zp[n])      (int32, exact for K ≤ 33025)
//   C[m, n]   = epilogue(acc[m, n] + bias[n])                  (requantize.h: uint8/int8 with
//                                                              clamp, int32, or float + act)
//
// Conventions mirror the fp32 packed GEMM (kernels/gemm/gemm_packed.h): a 1×1 convolution in
// NHWC is M = pixels, K = in channels (A's row stride lda ≥ K), N = out channels, B = Wᵀ of
// ONNX's weight W[N][K] (strides (1, K)); row-major B[K, N] (QLinearMatMul) is (N, 1). B is packed
// ONCE at plan time; a call computes columns [n_begin, n_end) (n_begin a multiple of
// kQGemmPanel) of any rows, so threads may split N by panels and M freely.
//
// Packed B: w' = B[k, n] − b_zp[n] as int16 (exact: |w'| ≤ 255), in panels of kQGemmPanel = 16
// columns. K is padded to Kp = K rounded up to even (the pad row is 0). Panel p (columns
// 16p..16p+15) is Kp/2 k-pair rows of 32 int16: for pair q, column j's (w'[2q, j], w'[2q+1, j])
// at offset 2j, so one 32-byte load holds 8 columns × 2 k's — exactly vpmaddwd's operand when A
// supplies (a'[m, 2q], a'[m, 2q+1]) broadcast to every dword. Columns ≥ N are 0.
//   qgemm_packed_b_size(K, N) = ceil(N/16)·Kp·16 int16 = 32·ceil(N/16)·ceil(K/2) bytes
//   (≈ 2× the int8 weight: e.g. K = 960, N = 160: 307,200 bytes for 153,600 weights).
// No column sums or zero-point corrections are stored: the zero points are already subtracted.
#pragma once

#include <cstdint>

#include "kernels/int8/int8.h"
#include "kernels/int8/requantize.h"

namespace finch::kernels {

inline constexpr int64_t kQGemmPanel = 16;

// int16 elements of packed B (see above). Panel p starts at packed + p·Kp·16.
int64_t qgemm_packed_b_size(int64_t K, int64_t N);

// Packs B: element (k, n) is b.data[k·stride_k + n·stride_n] of type b.type; its zero point is
// b.ZeroPoint(n) (per column, or one for the whole tensor). `packed` holds
// qgemm_packed_b_size(K, N) int16.
void qgemm_pack_b(int64_t K, int64_t N, const QWeights& b, int64_t stride_k, int64_t stride_n,
                  int16_t* packed);

// The activation operand: A[m, k] = data[m·ld + k] (uint8 or int8), zero point in its type's
// range.
struct QGemmA {
  const void* data = nullptr;
  int64_t ld = 0;
  QType type = QType::kUint8;
  int32_t zero_point = 0;
};

// The AVX2 kernel widens A to int16 (a' = a − a_zp, rows padded to Kp) one block of rows at a
// time into the caller's scratch, and runs every panel of the call over that block: a block of
// about kQGemmBlockBytes stays in L2 while a panel (64·Kp/2 bytes) stays in L1.
inline constexpr int64_t kQGemmBlockBytes = 64 * 1024;
inline int64_t QGemmBlockRows(int64_t K) {
  const int64_t row_bytes = 2 * ((K + 1) / 2 * 2);
  const int64_t rows = row_bytes == 0 ? 0 : kQGemmBlockBytes / row_bytes / 8 * 8;
  return rows < 8 ? 8 : rows;
}

// Bytes of per-call scratch of the AVX2 kernel: QGemmBlockRows(K) widened rows. Any alignment
// works (64 bytes is best); each concurrent call needs its own. The reference takes the same
// argument and ignores it (null is fine there).
inline int64_t qgemm_scratch_bytes(int64_t K) { return QGemmBlockRows(K) * 2 * ((K + 1) / 2 * 2); }

// C[m, n] = epilogue(Σ_k (A[m, k] − a_zp)·packed'[k, n] + bias[n]) for m in [0, M), n in
// [n_begin, n_end): C's elements are of e.type at c[m·ldc + n] (element stride). `packed` is the
// WHOLE packed B of N columns; e's bias and per-channel scale are indexed by absolute column n.
// Nothing outside these ranges is read or written. K == 0 gives epilogue(bias).
//
// The reference sums in int64 (no overflow is possible) and wraps to int32 at the end: the
// definition the AVX2 kernel matches bit for bit on every input.
void qgemm_packed_ref(int64_t M, int64_t N, int64_t K, const QGemmA& a, const int16_t* packed,
                      void* c, int64_t ldc, const QuantEpilogue& e, int64_t n_begin, int64_t n_end,
                      void* scratch);

// The same contract, register-blocked (6×16 int32 tile, 8×8 for a half panel) with AVX2
// vpmaddwd. Call only when GetCpuFeatures() reports avx2 && fma; `scratch` holds
// qgemm_scratch_bytes(K) bytes.
void qgemm_packed_avx2(int64_t M, int64_t N, int64_t K, const QGemmA& a, const int16_t* packed,
                       void* c, int64_t ldc, const QuantEpilogue& e, int64_t n_begin, int64_t n_end,
                       void* scratch);

using QGemmFn = void (*)(int64_t M, int64_t N, int64_t K, const QGemmA& a, const int16_t* packed,
                         void* c, int64_t ldc, const QuantEpilogue& e, int64_t n_begin,
                         int64_t n_end, void* scratch);

}  // namespace finch::kernels
