// Quantized GEMM on VNNI (vpdpbusd: four u8 × s8 products summed into an int32 lane, no
// intermediate saturation), for CPUs that have it (AVX-512 VL/BW + VNNI here, 256-bit vectors).
// Same contract and results as qgemm.h — bit for bit, it is exact integer arithmetic too — with
// a different packing:
//
//   acc[m, n] = Σ_k (A[m, k] − a_zp)·w'[k, n]                    w' = B − b_zp, must fit int8
//             = Σ_k A_u[m, k]·w'[k, n] − a_zp_u·colsum[n]        colsum[n] = Σ_k w'[k, n]
//
// where A_u = A for uint8 A (a_zp_u = a_zp) and A_u = A + 128 for int8 A (a_zp_u = a_zp + 128,
// so A_u is uint8 and the difference is unchanged). vpdpbusd multiplies a uint8 by an int8:
// each product is at most 255·128 in magnitude and four fit int32 with room to spare, and the
// int32 accumulation wraps exactly like the reference's. The correction term is one int32
// multiply per column; bias and requantization then follow requantize.h.
//
// w' fits int8 when B is int8 with zero point 0 (symmetric weights: what quantizers emit and the
// Model Zoo's int8 models use) — qgemm_vnni_pack_b reports whether it does; otherwise use
// qgemm.h's int16 path. Packed B: panels of 16 columns, K in quads (Kq = ceil(K/4), the pad
// zero); panel p is Kq rows of 64 bytes, column j's four k values at bytes 4j..4j+3, so two
// 32-byte loads are vpdpbusd's operand for 8 columns each. Then colsum, int32 [16·panels], and
// abssum[n] = Σ_k |w'[k, n]|, int32 [16·panels]: |acc[m, n]| ≤ 255·abssum[n] bounds what the
// requantization can see, which lets the kernel skip a clamp when the bound allows
// (avx512vnni/qgemm_vnni.cc).
#pragma once

#include <cstdint>

#include "kernels/int8/int8.h"
#include "kernels/int8/qgemm.h"
#include "kernels/int8/requantize.h"

namespace finch::kernels {

// Bytes of packed B (int8 panels), then the int32 column sums and absolute sums.
int64_t qgemm_vnni_packed_b_bytes(int64_t K, int64_t N);

// Packs B as described (element (k, n) at b.data[k·stride_k + n·stride_n]); false, with
// `packed` unspecified, when some w' = B − b_zp leaves int8 (use qgemm.h then).
bool qgemm_vnni_pack_b(int64_t K, int64_t N, const QWeights& b, int64_t stride_k,
                       int64_t stride_n, uint8_t* packed);

// qgemm_packed_avx2's contract on the VNNI packing (n_begin a multiple of 16). No scratch. Call
// only when the CPU reports avx512vl && avx512bw && avx512_vnni.
void qgemm_packed_vnni(int64_t M, int64_t N, int64_t K, const QGemmA& a, const uint8_t* packed,
                       void* c, int64_t ldc, const QuantEpilogue& e, int64_t n_begin,
                       int64_t n_end);

}  // namespace finch::kernels
