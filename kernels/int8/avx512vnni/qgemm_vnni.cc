// The VNNI QGEMM microkernel: MR × 16 int32 accumulators (two ymm per row; MR = 12 uses 24 of
// the 32 ymm registers AVX-512 VL gives), one quad of k per step — two loads of packed B, MR
// broadcasts of four A bytes (vpbroadcastd from memory: a load, no shuffle), 2·MR vpdpbusd. The
// rows left over take tiles of 8, 4, 2 and 1 rows; a half panel (at most 8 live columns, e.g.
// the last one of N = 24) takes one ymm per row, so it is not half wasted. Per call, panels are
// the outer loop: a panel's B (K·16 bytes) stays in L1 while the call's rows (96 in
// runtime/ops/qlinear_conv_nhwc.cc) pass under it.
//
// The accumulators start from init[n] = bias[n] − a_zp_u·colsum[n] (integer sums do not depend
// on the order), so the tile leaves the k loop finished, and uint8/int8 outputs are requantized
// from the registers, two rows at a time (below). Int32 and float outputs go through the tile
// buffer and requantize_avx2 (rare: ConvInteger/MatMulInteger and mixed plans).
//
// The requantization of two rows × 16 columns (requantize.h's order, requantize_avx2.h's
// narrowing proof): per row r_j = cvtps2dq([minps(hi,] float(acc_j)·scale_j[)]) for the two
// halves, w = packssdw(r_0, r_1) +sat zp (int16, per 128-bit lane: [c0-3, c8-11 | c4-7, c12-15]);
// then packuswb/packsswb of the two rows' w, max with qmin, and vpermd (0, 4, 1, 5, 2, 6, 3, 7)
// puts row 0's 16 bytes in order in the low half and row 1's in the high half.
//
// Skipping the clamp to hi. minps(hi, ·) is there so that cvtps2dq never sees |v| ≥ 2^31 (it
// would give INT32_MIN, i.e. qmin, for a huge positive v). When the panel's bound
//   (255·abssum[n] + |bias[n]|)·|scale[n]| ≤ 2^30     for every column n
// holds (float32 evaluation: three roundings of 2^−24 each cannot double it), every v has
// |v| < 2^31, cvtps2dq rounds it exactly as the reference's nearbyint does, and the saturating
// packs clamp: if round(v) + zp > qmax, the int16/int8 saturation gives at least the type's max
// (a value r ≥ 32767 saturates to 32767, and 32767 + zp ≥ 32639 still saturates the byte), so
// a vpminub/vpminsb with qmax gives qmax — the reference's upper clamp. The lower side is
// requantize_avx2.h's argument unchanged. NaN or infinite scales fail the bound (comparisons
// with NaN are false), so they take the clamped path. This saves 4 of ~25 instructions per two
// rows, most of what the epilogue costs when K is small (K = 16: 4 quads of k per tile).
//
// The last quad of a K that is not a multiple of 4 is read with a masked byte load (no byte past
// the row is touched: A may end at a guard page); B's pad is 0, so the bytes it zeroes add 0.
#include "kernels/int8/qgemm_vnni.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <utility>

namespace finch::kernels {
namespace {

// Forced inlining, on the lambdas too: a lambda left out of line takes the accumulator array's
// address, and the array then lives on the stack.
#define FINCH_INLINE __attribute__((always_inline))

constexpr int kMr = 12;         // rows of the main tile
constexpr int kTileRows = kMr;  // the tile buffer of the int32/float path

// f(integral_constant<int, 0>), ..., f(integral_constant<int, N − 1>): every index a compile-time
// constant, so that the accumulator arrays below become registers (GCC keeps an array indexed in
// a `#pragma unroll` loop on the stack, loading and storing every accumulator per step).
template <typename F, int... I>
FINCH_INLINE inline void UnrollSeq(F& f, std::integer_sequence<int, I...>) {
  (f(std::integral_constant<int, I>{}), ...);
}
template <int N, typename F>
FINCH_INLINE inline void Unroll(F&& f) {
  UnrollSeq(f, std::make_integer_sequence<int, N>{});
}

// acc[r][v] = init[v] for every row.
template <int MR, int NV>
FINCH_INLINE inline void InitRows(const __m256i* init, __m256i (&acc)[MR][NV]) {
  Unroll<MR>([&](auto r)
                 FINCH_INLINE { Unroll<NV>([&](auto v) FINCH_INLINE { acc[r][v] = init[v]; }); });
}

// What a panel's tiles need besides A and their rows.
struct Panel {
  const uint8_t* b;  // packed B of the panel: quad q at b + 64·q
  int64_t kq_full;   // whole quads of k
  int tail;          // k values in the last, partial quad (0: none)
  __m256i init[2];   // accumulator start per column half
  __m256 scale[2];   // requantization multipliers (uint8/int8)
  __m256 hi;         // qmax − zp as float
  __m256i zp16;      // the output zero point, int16 lanes
  __m256i qmin8, qmax8;
  uint8_t* c;  // C at the panel's first column of the call's first row
  int64_t ldc_bytes;
  int nc;  // live columns, 1..16
};

// One quad of k: acc[r][v] += Σ_{i<4} A_u[r, k + i]·w'[k + i, 8v..8v+7] for rows r < MR
// (A's row r at a + r·lda + k, the panel's quad row at b). kMasked: only the first `tail` bytes
// of each A quad are read.
template <int MR, int NV, bool kShift, bool kMasked>
FINCH_INLINE inline void Step(const uint8_t* b, const uint8_t* a, int64_t lda, __mmask16 tail,
                              __m256i (&acc)[MR][NV]) {
  const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
  __m256i bv[NV];
  Unroll<NV>([&](auto v) FINCH_INLINE {
    bv[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 32 * v));
  });
  Unroll<MR>([&](auto r) FINCH_INLINE {
    __m256i av;
    if constexpr (kMasked) {
      av = _mm256_broadcastd_epi32(_mm_maskz_loadu_epi8(tail, a + r * lda));
    } else {
      int32_t quad;
      std::memcpy(&quad, a + r * lda, sizeof(quad));
      av = _mm256_set1_epi32(quad);  // vpbroadcastd from memory
    }
    if (kShift) av = _mm256_xor_si256(av, flip);  // int8 → uint8: +128
    Unroll<NV>([&](auto v) FINCH_INLINE {
      acc[r][v] = _mm256_dpbusd_epi32(acc[r][v], av, bv[v]);
      // Pins each accumulator to a register through the loop: without it GCC's allocator, with
      // the epilogue's temporaries in view, keeps some of the 24 in stack slots and loads and
      // stores them on every step.
      __asm__("" : "+v"(acc[r][v]));
    });
  });
}

// acc[r][v] += Σ_k A_u[r, k]·w'[k, 8v..8v+7] over the whole K, for rows r < MR from a.
// Small tiles (the rows left over, e.g. 49 = 4·12 + 1 at 7×7) have too few accumulators to hide
// vpdpbusd's latency (~5 cycles, 2 per cycle: 10 in flight); they split K over kSplit sets of
// accumulators (quad q into set q mod kSplit) and add the sets at the end — integer sums, so the
// result is the same.
template <int MR, int NV, bool kShift>
FINCH_INLINE inline void Dot(const Panel& p, const uint8_t* a, int64_t lda,
                             __m256i (&acc)[MR][NV]) {
  constexpr int kSplit = MR >= 8 ? 1 : 8 / MR;
  const uint8_t* b = p.b;
  int64_t q = 0;
  if constexpr (kSplit > 1) {
    __m256i part[kSplit - 1][MR][NV];
    const __m256i zero[NV] = {};
    Unroll<kSplit - 1>([&](auto s) FINCH_INLINE { InitRows(zero, part[s]); });
    for (; q + kSplit <= p.kq_full; q += kSplit) {
      Step<MR, NV, kShift, false>(b, a, lda, 0, acc);
      Unroll<kSplit - 1>([&](auto s) FINCH_INLINE {
        Step<MR, NV, kShift, false>(b + 64 * (s + 1), a + 4 * (s + 1), lda, 0, part[s]);
      });
      b += 64 * kSplit;
      a += 4 * kSplit;
    }
    Unroll<kSplit - 1>([&](auto s) FINCH_INLINE {
      Unroll<MR>([&](auto r) FINCH_INLINE {
        Unroll<NV>([&](auto v)
                       FINCH_INLINE { acc[r][v] = _mm256_add_epi32(acc[r][v], part[s][r][v]); });
      });
    });
  }
  for (; q < p.kq_full; ++q, b += 64, a += 4) {
    Step<MR, NV, kShift, false>(b, a, lda, 0, acc);
  }
  if (p.tail > 0) {
    Step<MR, NV, kShift, true>(b, a, lda, static_cast<__mmask16>((1u << p.tail) - 1), acc);
  }
}

// int16 of one row (see the top of the file): 16 columns → [c0-3, c8-11 | c4-7, c12-15]; 8
// columns (NV = 1) → [c0-3, c0-3 | c4-7, c4-7].
template <int NV, bool kClampHi>
FINCH_INLINE inline __m256i RowInt16(const Panel& p, __m256i acc0, __m256i acc1) {
  auto round = [&](__m256i acc, __m256 scale) FINCH_INLINE {
    __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), scale);
    if (kClampHi) f = _mm256_min_ps(p.hi, f);
    return _mm256_cvtps_epi32(f);
  };
  const __m256i r0 = round(acc0, p.scale[0]);
  const __m256i r1 = NV == 2 ? round(acc1, p.scale[1]) : r0;
  return _mm256_adds_epi16(_mm256_packs_epi32(r0, r1), p.zp16);
}

// Two rows' int16 → bytes: row 0 in the low 16 bytes, row 1 in the high 16 (with 8 columns, the
// first 8 bytes of each half).
template <QOutType T, bool kClampHi>
FINCH_INLINE inline __m256i Narrow2(const Panel& p, __m256i w0, __m256i w1) {
  __m256i b;
  if constexpr (T == QOutType::kUint8) {
    b = _mm256_max_epu8(_mm256_packus_epi16(w0, w1), p.qmin8);
    if (!kClampHi) b = _mm256_min_epu8(b, p.qmax8);
  } else {
    b = _mm256_max_epi8(_mm256_packs_epi16(w0, w1), p.qmin8);
    if (!kClampHi) b = _mm256_min_epi8(b, p.qmax8);
  }
  return _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

inline void StoreRow(uint8_t* dst, __m128i v, int nc) {
  if (nc == 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), v);
  } else {
    _mm_mask_storeu_epi8(dst, static_cast<__mmask16>((1u << nc) - 1), v);
  }
}

// MR rows from row `m` of the call (A at a, C at p.c + m·ldc).
template <int MR, int NV, bool kShift, QOutType T, bool kClampHi>
FINCH_INLINE inline void TileQ(const Panel& panel, const uint8_t* a, int64_t lda, int64_t m) {
  // The panel's constants are read where they are used: hidden from the optimizer here, so that
  // it does not hoist the epilogue's 7 vectors out of the row loop, where they would be live
  // during the k loop next to the 24 accumulators and push them onto the stack.
  const Panel* pp = &panel;
  __asm__("" : "+r"(pp));
  const Panel& p = *pp;
  __m256i acc[MR][NV];
  InitRows(p.init, acc);
  Dot<MR, NV, kShift>(p, a, lda, acc);
  uint8_t* c = p.c + m * p.ldc_bytes;
  Unroll<MR / 2>([&](auto i) FINCH_INLINE {
    constexpr int r = 2 * i;
    // Again per row pair: the constants then stay memory operands (L1 hits) instead of taking 7
    // registers while most accumulators are still live.
    const Panel* qp = pp;
    __asm__("" : "+r"(qp));
    const Panel& q = *qp;
    const __m256i y =
        Narrow2<T, kClampHi>(q, RowInt16<NV, kClampHi>(q, acc[r][0], acc[r][NV - 1]),
                             RowInt16<NV, kClampHi>(q, acc[r + 1][0], acc[r + 1][NV - 1]));
    uint8_t* d = c + r * p.ldc_bytes;
    StoreRow(d, _mm256_castsi256_si128(y), p.nc);
    StoreRow(d + p.ldc_bytes, _mm256_extracti128_si256(y, 1), p.nc);
  });
  if constexpr (MR % 2 == 1) {
    const __m256i w = RowInt16<NV, kClampHi>(p, acc[MR - 1][0], acc[MR - 1][NV - 1]);
    StoreRow(c + (MR - 1) * p.ldc_bytes, _mm256_castsi256_si128(Narrow2<T, kClampHi>(p, w, w)),
             p.nc);
  }
}

// The int32/float path: the tile (bias not yet added: init is −a_zp_u·colsum) through
// requantize_avx2.
template <int MR, int NV, bool kShift>
FINCH_INLINE inline void TileOther(const Panel& p, const uint8_t* a, int64_t lda, int64_t m,
                                   const QuantEpilogue& part) {
  __m256i acc[MR][NV];
  InitRows(p.init, acc);
  Dot<MR, NV, kShift>(p, a, lda, acc);
  alignas(64) int32_t tile[kTileRows * 16];
  Unroll<MR>([&](auto r) FINCH_INLINE {
    Unroll<NV>([&](auto v) FINCH_INLINE {
      _mm256_store_si256(reinterpret_cast<__m256i*>(tile + r * 16 + 8 * v), acc[r][v]);
    });
  });
  requantize_avx2(part, MR, p.nc, tile, 16, p.c + m * p.ldc_bytes,
                  p.ldc_bytes / QOutBytes(part.type));
}

// `count` tiles of MR rows from row m of the call. One function per tile height: compiled
// together, GCC's register allocation of the 12-row tile degrades (the accumulators go to the
// stack) once smaller tiles share the function.
template <int MR, int NV, bool kShift, QOutType T, bool kClampHi>
__attribute__((noinline, flatten)) void Tiles(const Panel& p, int64_t count, const uint8_t* a,
                                              int64_t lda, int64_t m, const QuantEpilogue& part) {
  for (int64_t t = 0; t < count; ++t, m += MR) {
    if constexpr (T == QOutType::kUint8 || T == QOutType::kInt8) {
      TileQ<MR, NV, kShift, T, kClampHi>(p, a + m * lda, lda, m);
    } else {
      TileOther<MR, NV, kShift>(p, a + m * lda, lda, m, part);
    }
  }
}

// Rows [0, M) of one panel: tiles of 12 rows, then 8, 4, 2, 1 for the rest.
template <int NV, bool kShift, QOutType T, bool kClampHi>
void PanelRows(const Panel& p, int64_t M, const uint8_t* a, int64_t lda,
               const QuantEpilogue& part) {
  const int64_t full = M / kMr;
  int64_t m = full * kMr;
  if (full > 0) Tiles<kMr, NV, kShift, T, kClampHi>(p, full, a, lda, 0, part);
  if (M - m >= 8) {
    Tiles<8, NV, kShift, T, kClampHi>(p, 1, a, lda, m, part);
    m += 8;
  }
  if (M - m >= 4) {
    Tiles<4, NV, kShift, T, kClampHi>(p, 1, a, lda, m, part);
    m += 4;
  }
  if (M - m >= 2) {
    Tiles<2, NV, kShift, T, kClampHi>(p, 1, a, lda, m, part);
    m += 2;
  }
  if (M - m >= 1) Tiles<1, NV, kShift, T, kClampHi>(p, 1, a, lda, m, part);
}

using PanelFn = void (*)(const Panel&, int64_t, const uint8_t*, int64_t, const QuantEpilogue&);

template <int NV, bool kShift, QOutType T>
PanelFn PickClamp(bool clamp_hi) {
  return clamp_hi ? PanelRows<NV, kShift, T, true> : PanelRows<NV, kShift, T, false>;
}

template <int NV, bool kShift>
PanelFn PickType(QOutType t, bool clamp_hi) {
  switch (t) {
    case QOutType::kUint8:
      return PickClamp<NV, kShift, QOutType::kUint8>(clamp_hi);
    case QOutType::kInt8:
      return PickClamp<NV, kShift, QOutType::kInt8>(clamp_hi);
    case QOutType::kInt32:
      return PanelRows<NV, kShift, QOutType::kInt32, true>;
    case QOutType::kFloat32:
      break;
  }
  return PanelRows<NV, kShift, QOutType::kFloat32, true>;
}

PanelFn Pick(int nv, bool shift, QOutType t, bool clamp_hi) {
  if (nv == 2) return shift ? PickType<2, true>(t, clamp_hi) : PickType<2, false>(t, clamp_hi);
  return shift ? PickType<1, true>(t, clamp_hi) : PickType<1, false>(t, clamp_hi);
}

__m256i LoadLive(const int32_t* p, int live) {
  if (live <= 0) return _mm256_setzero_si256();
  return _mm256_maskz_loadu_epi32(static_cast<__mmask8>((1u << std::min(live, 8)) - 1), p);
}

__m256 LoadLivePs(const float* p, int live) {
  if (live <= 0) return _mm256_setzero_ps();
  return _mm256_maskz_loadu_ps(static_cast<__mmask8>((1u << std::min(live, 8)) - 1), p);
}

}  // namespace

void qgemm_packed_vnni(int64_t M, int64_t N, int64_t K, const QGemmA& a, const uint8_t* packed,
                       void* c, int64_t ldc, const QuantEpilogue& e, int64_t n_begin,
                       int64_t n_end) {
  if (M <= 0 || n_end <= n_begin) return;
  const int64_t panels = (N + 15) / 16, kq = (K + 3) / 4;
  const auto* colsum = reinterpret_cast<const int32_t*>(packed + panels * kq * 64);
  const int32_t* abssum = colsum + panels * 16;
  const bool shift = a.type == QType::kInt8;
  const int32_t zp = a.zero_point + (shift ? 128 : 0);
  const bool quantized = e.type == QOutType::kUint8 || e.type == QOutType::kInt8;
  const int64_t out_bytes = QOutBytes(e.type);

  Panel p;
  p.kq_full = K / 4;
  p.tail = static_cast<int>(K % 4);
  p.ldc_bytes = ldc * out_bytes;
  p.hi = _mm256_set1_ps(static_cast<float>(e.qmax - e.zero_point));
  p.zp16 = _mm256_set1_epi16(static_cast<int16_t>(e.zero_point));
  p.qmin8 = _mm256_set1_epi8(static_cast<char>(e.qmin));
  p.qmax8 = _mm256_set1_epi8(static_cast<char>(e.qmax));
  const __m256i zp32 = _mm256_set1_epi32(zp);
  const __m256 scale1 =
      e.scale != nullptr && !e.per_channel ? _mm256_set1_ps(e.scale[0]) : _mm256_setzero_ps();
  const __m256 kAbs = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 kBound = _mm256_set1_ps(1073741824.f);  // 2^30

  for (int64_t n0 = n_begin; n0 < n_end; n0 += 16) {
    p.nc = static_cast<int>(std::min<int64_t>(16, n_end - n0));
    p.b = packed + (n0 / 16) * kq * 64;
    p.c = static_cast<uint8_t*>(c) + n0 * out_bytes;
    const int nv = p.nc > 8 ? 2 : 1;
    bool clamp_hi = !quantized;
    for (int v = 0; v < 2; ++v) {
      const int live = p.nc - 8 * v;
      // −a_zp_u·colsum (int32, wrapping like the reference), + bias for uint8/int8 outputs.
      const __m256i corr = _mm256_mullo_epi32(zp32, LoadLive(colsum + n0 + 8 * v, 8));
      const __m256i bias =
          e.bias != nullptr ? LoadLive(e.bias + n0 + 8 * v, live) : _mm256_setzero_si256();
      p.init[v] =
          quantized ? _mm256_sub_epi32(bias, corr) : _mm256_sub_epi32(_mm256_setzero_si256(), corr);
      p.scale[v] =
          e.per_channel && e.scale != nullptr ? LoadLivePs(e.scale + n0 + 8 * v, live) : scale1;
      if (quantized && live > 0) {
        // (255·abssum + |bias|)·|scale| ≤ 2^30 on every live column (see the top).
        const __m256 reach =
            _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(LoadLive(abssum + n0 + 8 * v, live)),
                                        _mm256_set1_ps(255.f)),
                          _mm256_and_ps(_mm256_cvtepi32_ps(bias), kAbs));
        const __m256 bound = _mm256_mul_ps(reach, _mm256_and_ps(p.scale[v], kAbs));
        const __mmask8 ok = _mm256_cmp_ps_mask(bound, kBound, _CMP_LE_OQ);
        if (ok != 0xff) clamp_hi = true;
      }
    }
    QuantEpilogue part = e;
    if (part.bias) part.bias += n0;
    if (part.per_channel && part.scale) part.scale += n0;
    Pick(nv, shift, e.type, clamp_hi)(p, M, static_cast<const uint8_t*>(a.data), a.ld, part);
  }
}

}  // namespace finch::kernels

#undef FINCH_INLINE
