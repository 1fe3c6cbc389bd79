// Depthwise convolution, int8, NHWC, exact (kernels/int8/int8.h explains why):
//
//   acc[n, oy, ox, c] = Σ_{ky,kx} (x[n, iy, ix, c] − x_zp)·(w[c, ky, kx] − w_zp[c])
//                       with iy = oy·sh − pad_top + ky, ix = ox·sw − pad_left + kx
//   y[n, oy, ox, c]   = epilogue(acc + bias[c])                (requantize.h)
//
// x is [N, H, W, C] (uint8 or int8, zero point x_zp), y is [N, OH, OW, C] of the epilogue's type,
// w is ONNX's [C, 1, kh, kw] (uint8 or int8; zero point per channel or per tensor). Padding is
// x_zp, i.e. a padded tap contributes exactly 0 — the reference skips it, the AVX2 kernel reads
// x_zp; the sums are the same integers. The geometry is the fp32 kernels' DwConvParams (its
// `act` is unused here: the epilogue's applies), so DwConvOutSize and DwConvRowBand serve both.
//
// Row bands: every entry computes output rows r in [row_begin, row_end) of the batch·OH rows
// (r = n·OH + oy) from the WHOLE x into the WHOLE y, so threads split rows (and images) freely
// with results identical for any split.
#pragma once

#include <cstdint>

#include "kernels/dwconv/dwconv_ref.h"
#include "kernels/int8/int8.h"
#include "kernels/int8/requantize.h"

namespace finch::kernels {

struct QDwConvParams {
  DwConvParams conv;  // geometry; conv.act unused
  QType x_type = QType::kUint8;
  int32_t x_zero_point = 0;  // in x_type's range
};

// Any kernel size, stride and pads ≥ 0; sums in int64 and wraps to int32 at the end (exact for
// kh·kw ≤ 33025 products; see QSumFitsInt32 for the bias).
void qdwconv_nhwc_ref(const QDwConvParams& p, const void* x, const QWeights& w, void* y,
                      const QuantEpilogue& e, int64_t row_begin, int64_t row_end);

// Square 3×3 or 5×5, stride 1 or 2 (same in both dims), pads ≥ 0, positive sizes.
bool qdwconv_nhwc_avx2_applies(const DwConvParams& p);

// Packed weights, int16, w' = w − w_zp[c]: Cp = C rounded up to 16 (zero-filled); kernel rows
// are taken in pairs (ky = 2i, 2i+1; an odd last row is paired with a zero row), and for each
// pair i and column kx, channel c's (w'[c, 2i, kx], w'[c, 2i+1, kx]) at
// packed[((i·kw + kx)·Cp + c)·2]: one 32-byte load is vpmaddwd's operand for 8 channels × 2 taps.
// Then Σ_taps w'[c] as int32 [Cp] (the input zero point's correction, avx2/qdwconv_avx2.cc).
// Size ceil(kh/2)·kw·Cp·2 + 2·Cp int16: 3×3 28·Cp bytes, 5×5 64·Cp bytes (C = 960: 26 KiB).
int64_t qdwconv_nhwc_avx2_packed_size(const DwConvParams& p);
void qdwconv_nhwc_avx2_pack(const DwConvParams& p, const QWeights& w, int16_t* packed);

// The same contract as the reference for p with qdwconv_nhwc_avx2_applies; call only when the
// CPU reports avx2 && fma. No scratch.
void qdwconv_nhwc_avx2(const QDwConvParams& p, const void* x, const int16_t* packed, void* y,
                       const QuantEpilogue& e, int64_t row_begin, int64_t row_end);

// The VNNI variant (avx512vnni/qdwconv_vnni.cc): vpdpbusd on four vertically adjacent taps of
// one channel per int32 lane — 3×3 takes 3 multiply instructions per 8 channels and pixel where
// the AVX2 kernel takes 12 vpmaddwd + 12 vpaddd per 16. Its conditions: the geometry of the AVX2
// kernel with C ≥ 32 (blocks of 32 channels), a uint8/int8 output (QuantEpilogue::type), and
// weights whose w − w_zp fit int8 (symmetric weights; the pack reports it).
bool qdwconv_nhwc_vnni_applies(const DwConvParams& p);

// Packed weights, bytes. Channel blocks of 32 start at 0, 32, …, and at C − 32 when 32 ∤ C (the
// last block overlaps the one before it and recomputes those channels identically). Per block,
// per group of 4 kernel rows g (rows past k are 0) and column kx: 4 vectors of 32 bytes, vector
// u's int32 lane l holding channel c0 + 4u + (l mod 4) + 16·(l div 4) — the order in which the
// kernel's byte interleave delivers input channels — as the 4 bytes w'[c, 4g..4g+3, kx]. Then
// per block Σ_taps w' in the same lane order (int32 [32]). Then Σ_taps |w'| per channel in
// channel order (int32 [C]), which bounds the accumulators for the requantization.
int64_t qdwconv_nhwc_vnni_packed_bytes(const DwConvParams& p);
// false (packed unspecified) when some w − w_zp leaves int8.
bool qdwconv_nhwc_vnni_pack(const DwConvParams& p, const QWeights& w, uint8_t* packed);

// The reference's contract for p with qdwconv_nhwc_vnni_applies and e.type uint8/int8; call only
// when the CPU reports avx512vl && avx512bw && avx512_vnni (and avx2). No scratch.
void qdwconv_nhwc_vnni(const QDwConvParams& p, const void* x, const uint8_t* packed, void* y,
                       const QuantEpilogue& e, int64_t row_begin, int64_t row_end);

}  // namespace finch::kernels
