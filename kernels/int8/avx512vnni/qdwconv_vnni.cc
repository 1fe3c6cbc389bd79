// NHWC int8 depthwise k×k (k = 3, 5), stride 1/2, with VNNI vpdpbusd: vectorised over 32
// channels, four vertically adjacent taps of one channel per int32 lane.
//
// vpdpbusd multiplies 4 uint8 × int8 byte pairs per int32 lane and adds their sum to the lane,
// exactly (|Σ| ≤ 4·255·128). The lane must hold four taps of ONE channel, so for each input
// column the kernel interleaves the bytes of kernel rows 4g..4g+3 (rows past k are a zero
// vector): for 32 channels of four rows (32-byte loads r0..r3),
//   t0 = unpacklo8(r0, r1), t1 = unpackhi8(r0, r1), u0 = unpacklo8(r2, r3), u1 = unpackhi8(r2, r3)
//   col0 = unpacklo16(t0, u0) … col3 = unpackhi16(t1, u1)
// and, as every unpack works within 128-bit lanes, col_u's lane l holds channel
// 4u + (l mod 4) + 16·(l div 4). The packed weights use that order (qdwconv.h), so the 4·P
// accumulators of P pixels are in it too — and the requantization's packs (packssdw per lane,
// then packuswb per lane) undo it: packssdw(r0, r1) is channels 0–7 | 16–23, packssdw(r2, r3)
// 8–15 | 24–31, and packuswb of the two is channels 0–31 in order. No permute anywhere.
//
// A prepared column (3 loads, 8 shuffles) serves every pixel of the block whose window covers it:
// P = 4 pixels of stride 1 need 6 columns for 12 column uses; each use is 4 vpdpbusd (3 real taps
// + 1 zero tap per lane for 3×3). 5×5 takes two row groups (4 rows, then 1 row + 3 zero rows).
//
// Zero points, padding, int8 input: as in avx2/qdwconv_avx2.cc — the accumulators start from
// bias − x_zp_u·Σ_taps w' and a padded tap reads x_zp (contributing x_zp_u·w', cancelled by the
// start value). int8 input is shifted to uint8 by flipping the sign bit of every byte loaded
// (x_u = x + 128, x_zp_u = x_zp + 128). Integer sums are order-free and exact, so the result is
// the reference's bit for bit.
//
// Requantization: requantize.h's order, the narrowing of requantize_avx2.h, and the clamp to hi
// skipped when the bound of avx512vnni/qgemm_vnni.cc holds for every channel (checked per call:
// (255·Σ|w'| + |bias|)·|scale| ≤ 2^30), with the upper clamp done on the bytes instead.
//
// Channels: blocks of 32, the last one overlapping when 32 ∤ C (stores are always 32 bytes, no
// masking); C < 32 is not handled (qdwconv_nhwc_vnni_applies). Loop order: output row, channel
// block (its start values and scales gathered once into the lane order), blocks of P pixels.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <utility>

#include "kernels/int8/qdwconv.h"

namespace finch::kernels {
namespace {

// Forced inlining, on the lambdas too: a lambda left out of line takes the accumulator array's
// address, and the array then lives on the stack.
#define FINCH_INLINE __attribute__((always_inline))

constexpr int kP = 4;  // output pixels per block
constexpr int64_t kBlockC = 32;

template <typename F, int... I>
FINCH_INLINE inline void UnrollSeq(F& f, std::integer_sequence<int, I...>) {
  (f(std::integral_constant<int, I>{}), ...);
}
template <int N, typename F>
FINCH_INLINE inline void Unroll(F&& f) {
  UnrollSeq(f, std::make_integer_sequence<int, N>{});
}

constexpr int Groups(int k) { return (k + 3) / 4; }

// What the requantization reads, through a pointer laundered per use (see Block).
struct Epi {
  __m256 hi;     // qmax − y_zp as float
  __m256i zp16;  // y_zp, int16 lanes
  __m256i qmin8, qmax8;
};

// The per-(row, channel block) constants in the lane order.
struct BlockConst {
  __m256i init[4];  // bias − x_zp_u·Σw'
  __m256 scale[4];
};

struct Ctx {
  int64_t W, C;
  const uint8_t* zp_vec;  // 32 bytes of x_zp
  const uint8_t* wb;      // the block's packed taps
};

template <int K, int S, bool kShift, QOutType T, bool kEdge, bool kClampHi>
FINCH_INLINE inline void Block(const Ctx& ctx, const uint8_t* const* rows, int64_t ix0, int pixels,
                               const BlockConst* bc, const Epi* epi, uint8_t* y) {
  constexpr int kCols = (kP - 1) * S + K;
  // Constants and weights are read from L1 where they are used (memory operands): hidden from
  // the optimizer, so that it neither hoists them into registers the 16 accumulators need nor
  // spills those.
  const uint8_t* wb = ctx.wb;
  __asm__("" : "+r"(wb), "+r"(bc), "+r"(epi));
  const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
  __m256i acc[kP][4];
  Unroll<kP>([&](auto b) FINCH_INLINE {
    Unroll<4>([&](auto u) FINCH_INLINE { acc[b][u] = bc->init[u]; });
  });
  auto at = [&](const uint8_t* row, int j) FINCH_INLINE -> const uint8_t* {
    if (!kEdge) return row + (ix0 + j) * ctx.C;
    const int64_t ix = ix0 + j;
    return row != nullptr && ix >= 0 && ix < ctx.W ? row + ix * ctx.C : ctx.zp_vec;
  };
  Unroll<Groups(K)>([&](auto g) FINCH_INLINE {
    Unroll<kCols>([&](auto j) FINCH_INLINE {
      __m256i r[4];
      Unroll<4>([&](auto i) FINCH_INLINE {
        constexpr int ky = 4 * g + i;
        if constexpr (ky < K) {
          r[i] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at(rows[ky], j)));
          if (kShift) r[i] = _mm256_xor_si256(r[i], flip);
        } else {
          r[i] = _mm256_setzero_si256();
        }
      });
      const __m256i t0 = _mm256_unpacklo_epi8(r[0], r[1]), t1 = _mm256_unpackhi_epi8(r[0], r[1]);
      const __m256i u0 = _mm256_unpacklo_epi8(r[2], r[3]), u1 = _mm256_unpackhi_epi8(r[2], r[3]);
      const __m256i col[4] = {_mm256_unpacklo_epi16(t0, u0), _mm256_unpackhi_epi16(t0, u0),
                              _mm256_unpacklo_epi16(t1, u1), _mm256_unpackhi_epi16(t1, u1)};
      Unroll<kP>([&](auto b) FINCH_INLINE {
        constexpr int kx = j - b * S;
        if constexpr (kx >= 0 && kx < K) {
          const uint8_t* w = wb + (g * K + kx) * 128;
          Unroll<4>([&](auto u) FINCH_INLINE {
            acc[b][u] = _mm256_dpbusd_epi32(
                acc[b][u], col[u],
                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 32 * u)));
            __asm__("" : "+v"(acc[b][u]));  // a running accumulator in a register
          });
        }
      });
    });
  });
  Unroll<kP>([&](auto b) FINCH_INLINE {
    if (kEdge && b >= pixels) return;
    const BlockConst* c = bc;
    const Epi* q = epi;
    __asm__("" : "+r"(c), "+r"(q));
    __m256i rq[4];
    Unroll<4>([&](auto u) FINCH_INLINE {
      __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(acc[b][u]), c->scale[u]);
      if (kClampHi) f = _mm256_min_ps(q->hi, f);
      rq[u] = _mm256_cvtps_epi32(f);
    });
    const __m256i w01 = _mm256_adds_epi16(_mm256_packs_epi32(rq[0], rq[1]), q->zp16);
    const __m256i w23 = _mm256_adds_epi16(_mm256_packs_epi32(rq[2], rq[3]), q->zp16);
    __m256i out;
    if constexpr (T == QOutType::kUint8) {
      out = _mm256_max_epu8(_mm256_packus_epi16(w01, w23), q->qmin8);
      if (!kClampHi) out = _mm256_min_epu8(out, q->qmax8);
    } else {
      out = _mm256_max_epi8(_mm256_packs_epi16(w01, w23), q->qmin8);
      if (!kClampHi) out = _mm256_min_epi8(out, q->qmax8);
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + b * ctx.C), out);
  });
}

// Two 128-bit halves: 4 values at p (lanes 0–3) and 4 at p + 16 (lanes 4–7): the lane order.
__m256i GatherLanes(const int32_t* p) {
  return _mm256_inserti128_si256(
      _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))),
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16)), 1);
}
__m256 GatherLanes(const float* p) {
  return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(p)), _mm_loadu_ps(p + 16), 1);
}

template <int K, int S, bool kShift, QOutType T, bool kClampHi>
__attribute__((noinline, flatten)) void Rows(const QDwConvParams& qp, const uint8_t* x,
                                             const uint8_t* packed, uint8_t* y,
                                             const QuantEpilogue& e, int64_t row_begin,
                                             int64_t row_end) {
  const DwConvParams& p = qp.conv;
  const int64_t C = p.channels, H = p.in_h, W = p.in_w;
  const int64_t blocks = (C + kBlockC - 1) / kBlockC;
  const int64_t block_bytes = Groups(K) * K * 128 + 128;
  constexpr int kCols = (kP - 1) * S + K;
  alignas(32) uint8_t zp_vec[32];
  std::memset(zp_vec, static_cast<uint8_t>(qp.x_zero_point), sizeof(zp_vec));
  const int32_t zp_u = qp.x_zero_point + (kShift ? 128 : 0);
  Epi epi;
  epi.hi = _mm256_set1_ps(static_cast<float>(e.qmax - e.zero_point));
  epi.zp16 = _mm256_set1_epi16(static_cast<int16_t>(e.zero_point));
  epi.qmin8 = _mm256_set1_epi8(static_cast<char>(e.qmin));
  epi.qmax8 = _mm256_set1_epi8(static_cast<char>(e.qmax));
  Ctx ctx;
  ctx.W = W;
  ctx.C = C;
  ctx.zp_vec = zp_vec;
  BlockConst bc;
  for (int64_t r = row_begin; r < row_end; ++r) {
    const int64_t n = r / p.out_h, oy = r % p.out_h;
    const int64_t iy0 = oy * S - p.pad_top;
    const uint8_t* row_base[K];
    bool rows_inside = true;
    for (int ky = 0; ky < K; ++ky) {
      const int64_t iy = iy0 + ky;
      const bool inside = iy >= 0 && iy < H;
      row_base[ky] = inside ? x + (n * H + iy) * W * C : nullptr;
      rows_inside = rows_inside && inside;
    }
    uint8_t* y_row = y + (n * p.out_h + oy) * p.out_w * C;
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t c0 = std::min(b * kBlockC, C - kBlockC);
      const uint8_t* block = packed + b * block_bytes;
      ctx.wb = block;
      const auto* wsum = reinterpret_cast<const int32_t*>(block + Groups(K) * K * 128);
      const __m256i zp32 = _mm256_set1_epi32(zp_u);
      for (int u = 0; u < 4; ++u) {
        const __m256i bias =
            e.bias != nullptr ? GatherLanes(e.bias + c0 + 4 * u) : _mm256_setzero_si256();
        bc.init[u] = _mm256_sub_epi32(
            bias, _mm256_mullo_epi32(
                      zp32, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wsum + 8 * u))));
        bc.scale[u] =
            e.per_channel ? GatherLanes(e.scale + c0 + 4 * u) : _mm256_set1_ps(e.scale[0]);
      }
      const uint8_t* rows[K];
      for (int ky = 0; ky < K; ++ky) rows[ky] = row_base[ky] ? row_base[ky] + c0 : nullptr;
      for (int64_t ox0 = 0; ox0 < p.out_w; ox0 += kP) {
        const int pixels = static_cast<int>(std::min<int64_t>(kP, p.out_w - ox0));
        const int64_t ix0 = ox0 * S - p.pad_left;
        const bool inside = rows_inside && pixels == kP && ix0 >= 0 && ix0 + kCols <= W;
        uint8_t* yp = y_row + ox0 * C + c0;
        if (inside) {
          Block<K, S, kShift, T, false, kClampHi>(ctx, rows, ix0, pixels, &bc, &epi, yp);
        } else {
          Block<K, S, kShift, T, true, kClampHi>(ctx, rows, ix0, pixels, &bc, &epi, yp);
        }
      }
    }
  }
}

using RowsFn = void (*)(const QDwConvParams&, const uint8_t*, const uint8_t*, uint8_t*,
                        const QuantEpilogue&, int64_t, int64_t);

template <int K, int S, bool kShift, QOutType T>
RowsFn PickClamp(bool clamp_hi) {
  return clamp_hi ? Rows<K, S, kShift, T, true> : Rows<K, S, kShift, T, false>;
}
template <int K, int S, bool kShift>
RowsFn PickType(QOutType t, bool clamp_hi) {
  return t == QOutType::kUint8 ? PickClamp<K, S, kShift, QOutType::kUint8>(clamp_hi)
                               : PickClamp<K, S, kShift, QOutType::kInt8>(clamp_hi);
}
template <int K, int S>
RowsFn PickShift(bool shift, QOutType t, bool clamp_hi) {
  return shift ? PickType<K, S, true>(t, clamp_hi) : PickType<K, S, false>(t, clamp_hi);
}

// Whether (255·Σ|w'| + |bias|)·|scale| ≤ 2^30 on every channel (see the top of the file); false
// for NaN or infinite scales.
bool NoClampNeeded(const QDwConvParams& qp, const uint8_t* packed, const QuantEpilogue& e) {
  const DwConvParams& p = qp.conv;
  const int64_t C = p.channels, blocks = (C + kBlockC - 1) / kBlockC;
  const int64_t block_bytes = Groups(static_cast<int>(p.kernel_h)) * p.kernel_w * 128 + 128;
  const auto* abs_sum = reinterpret_cast<const int32_t*>(packed + blocks * block_bytes);
  for (int64_t c = 0; c < C; ++c) {
    const double bias = e.bias != nullptr ? std::fabs(static_cast<double>(e.bias[c])) : 0.0;
    const double scale = std::fabs(static_cast<double>(e.per_channel ? e.scale[c] : e.scale[0]));
    const double bound = (255.0 * abs_sum[c] + bias) * scale;
    if (!(bound <= 1073741824.0)) return false;
  }
  return true;
}

}  // namespace

void qdwconv_nhwc_vnni(const QDwConvParams& qp, const void* x, const uint8_t* packed, void* y,
                       const QuantEpilogue& e, int64_t row_begin, int64_t row_end) {
  if (row_end <= row_begin) return;
  const bool clamp_hi = !NoClampNeeded(qp, packed, e);
  const bool shift = qp.x_type == QType::kInt8;
  const bool s1 = qp.conv.stride_h == 1;
  RowsFn fn;
  if (qp.conv.kernel_h == 3) {
    fn = s1 ? PickShift<3, 1>(shift, e.type, clamp_hi) : PickShift<3, 2>(shift, e.type, clamp_hi);
  } else {
    fn = s1 ? PickShift<5, 1>(shift, e.type, clamp_hi) : PickShift<5, 2>(shift, e.type, clamp_hi);
  }
  fn(qp, static_cast<const uint8_t*>(x), packed, static_cast<uint8_t*>(y), e, row_begin, row_end);
}

}  // namespace finch::kernels

#undef FINCH_INLINE
