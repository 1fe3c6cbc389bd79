// NHWC int8 depthwise k×k (k = 3, 5), stride 1/2, with AVX2 vpmaddwd: vectorised over 16
// channels, kernel ROWS paired.
//
// vpmaddwd multiplies 16 int16 pairs and sums each pair into an int32 lane, so a lane must hold
// two taps of ONE channel. finch pairs vertically adjacent taps (ky = 2i, 2i+1) at the same
// input column: for input column ix and channels c0..c0+15, the 16 bytes of row a and of row b
// are interleaved byte-wise (punpcklbw/punpckhbw: a0 b0 a1 b1 …) and widened to int16
// (vpmovzxbw, or vpmovsxbw for int8): two vectors holding (x[a, c], x[b, c]) for channels 0..7
// and 8..15, in channel order. An odd last kernel row has no partner: its bytes are widened
// straight to int32 (vpmovzxbd/vpmovsxbd), whose low half is x and high half 0 or its sign, and
// its packed weights are (w', 0) — the high half is multiplied by 0.
//
// The input zero point is NOT subtracted per tap (that would be 2 vpsubw per column pair):
//   Σ_taps (x − x_zp)·w' = Σ_taps x·w' − x_zp·Σ_taps w'
// where Σ_taps w' per channel is stored with the packed weights and the accumulators start from
// bias − x_zp·Σw'. A padded tap reads x = x_zp, so it still contributes exactly 0. No product or
// pair sum can saturate (x ∈ [−128, 255], |w'| ≤ 255: |pair| ≤ 2·255²), and int32 addition is
// modular and order-free, so the result is the reference's bit for bit (the sums themselves
// stay far inside int32: |Σ x·w'| ≤ 25·255²).
//
// Pairing rows rather than neighbouring taps of one row makes a prepared column reusable: a
// block of 4 output pixels of one output row needs (4 − 1)·S + k input columns, each prepared
// once per row pair and used by every pixel whose window covers it (3×3 stride 1: 6 columns
// prepared for 12 column uses). Per pixel and 16 channels a 3×3 costs 12 vpmaddwd (9 would do:
// the lone third row uses half of each multiply), a 5×5 30 (for 25).
//
// Borders: a tap outside the image reads a 16-byte vector of x_zp instead (x − x_zp = 0), so border
// blocks run the same code with a pointer select per row and column; the reference skips those
// taps, and the integer sums are the same. Channels: blocks of 16; when C % 16 ≠ 0 the last block
// is the LAST 16 channels (overlapping the previous one, which is recomputed identically), so no
// load or store is partial; only C < 16 goes through a 16-byte local copy.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <utility>

#include "kernels/int8/avx2/requantize_avx2.h"
#include "kernels/int8/qdwconv.h"

namespace finch::kernels {
namespace {

using avx2::VecQuantEpilogue;

constexpr int kBlock = 4;  // output pixels per block

int64_t PaddedChannels(int64_t c) { return (c + 15) / 16 * 16; }

// int16 elements of the packed tap pairs; Σw' (int32 [Cp]) follows them.
int64_t QDwTapsSize(const DwConvParams& p) {
  return (p.kernel_h + 1) / 2 * p.kernel_w * PaddedChannels(p.channels) * 2;
}

// 16 channels of one input pixel (or of the x_zp vector); kPartial: only `nc` (< 16) bytes may be
// read, the rest of the local copy is x_zp.
template <bool kPartial>
inline __m128i Load16(const uint8_t* p, int nc, __m128i zp8) {
  if (!kPartial) return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  alignas(16) uint8_t tmp[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(tmp), zp8);
  std::memcpy(tmp, p, static_cast<size_t>(nc));
  return _mm_load_si128(reinterpret_cast<const __m128i*>(tmp));
}

inline __m256i LoadSum(const int32_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

template <QType kX>
inline __m256i Widen16(__m128i v) {
  return kX == QType::kUint8 ? _mm256_cvtepu8_epi16(v) : _mm256_cvtepi8_epi16(v);
}
template <QType kX>
inline __m256i Widen32(__m128i v) {
  return kX == QType::kUint8 ? _mm256_cvtepu8_epi32(v) : _mm256_cvtepi8_epi32(v);
}

// f(integral_constant<int, 0>), ..., f(integral_constant<int, N − 1>): a loop whose index is a
// compile-time constant in the body.
template <typename F, int... I>
__attribute__((always_inline)) inline void UnrollSeq(F& f, std::integer_sequence<int, I...>) {
  (f(std::integral_constant<int, I>{}), ...);
}
template <int N, typename F>
__attribute__((always_inline)) inline void Unroll(F&& f) {
  UnrollSeq(f, std::make_integer_sequence<int, N>{});
}

// Everything one block needs besides its position.
struct Ctx {
  int64_t W, C, Cp;
  const uint8_t* zp_vec;  // 16 bytes of x_zp
  __m128i zp8;
  const int16_t* wp;  // packed weights at channel c0: pair i, column kx at wp + (i·K + kx)·2·Cp
  int nc;             // live channels of the block: 16, or C when C < 16
};

// kBlock output pixels starting at output column ox0 (input column ix0 of tap 0), 16 channels
// from c0 (rows[] already point at channel c0 of their row, or are null outside the image).
// kEdge: some tap lies outside the image (those read x_zp) or fewer than kBlock pixels remain
// (`pixels`); otherwise every load is direct.
template <int K, int S, QType kX, QOutType T, bool kEdge, bool kPartial>
__attribute__((always_inline)) inline void Block(const Ctx& ctx, const uint8_t* const* rows,
                                                 int64_t ix0, int pixels, const __m256i* bias,
                                                 const __m256* scale, const VecQuantEpilogue& q,
                                                 char* y) {
  constexpr int kCols = (kBlock - 1) * S + K;
  constexpr int kPairs = (K + 1) / 2;
  // The weights are the same for every block of a row; hidden from the optimizer here, so that
  // it reads them from L1 as vpmaddwd operands instead of hoisting all k·k/2·2 vectors out of
  // the pixel loop (more than there are registers: they would be spilled to the stack).
  const int16_t* wp = ctx.wp;
  __asm__("" : "+r"(wp));
  // Every index below is a compile-time constant (Unroll), so the 8 accumulators stay in
  // registers and the taps a pixel does not cover cost nothing.
  __m256i acc[kBlock][2];
  Unroll<kBlock>([&](auto b) {  // from the bias: integer sums do not depend on the order
    acc[b][0] = bias[0];
    acc[b][1] = bias[1];
  });

  auto at = [&](const uint8_t* row, int j) -> const uint8_t* {
    if (!kEdge) return row + (ix0 + j) * ctx.C;
    const int64_t ix = ix0 + j;
    return row != nullptr && ix >= 0 && ix < ctx.W ? row + ix * ctx.C : ctx.zp_vec;
  };
  Unroll<kPairs>([&](auto i) {
    constexpr bool kLone = 2 * i + 1 == K;
    const int16_t* wi = wp + i * K * 2 * ctx.Cp;
    Unroll<kCols>([&](auto j) {
      __m256i lo, hi;  // (x[2i], x[2i+1]) of channels 0..7 and 8..15 (lone: (x, sign))
      if constexpr (kLone) {
        const __m128i v = Load16<kPartial>(at(rows[2 * i], j), ctx.nc, ctx.zp8);
        lo = Widen32<kX>(v);
        hi = Widen32<kX>(_mm_unpackhi_epi64(v, v));
      } else {
        const __m128i va = Load16<kPartial>(at(rows[2 * i], j), ctx.nc, ctx.zp8);
        const __m128i vb = Load16<kPartial>(at(rows[2 * i + 1], j), ctx.nc, ctx.zp8);
        lo = Widen16<kX>(_mm_unpacklo_epi8(va, vb));
        hi = Widen16<kX>(_mm_unpackhi_epi8(va, vb));
      }
      // A weight vector serves up to kBlock pixels, one per column: loaded again per column
      // (an L1 hit folded into vpmaddwd) rather than kept live, which would spill.
      const int16_t* wj = wi;
      __asm__("" : "+r"(wj));
      Unroll<kBlock>([&](auto b) {
        constexpr int kx = j - b * S;
        if constexpr (kx >= 0 && kx < K) {
          const int16_t* w = wj + kx * 2 * ctx.Cp;
          const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
          const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 16));
          acc[b][0] = _mm256_add_epi32(acc[b][0], _mm256_madd_epi16(lo, w0));
          acc[b][1] = _mm256_add_epi32(acc[b][1], _mm256_madd_epi16(hi, w1));
          // Keeps each sum a running accumulator in a register: without this GCC reassociates
          // the integer adds into trees and keeps the block's products alive, on the stack.
          __asm__("" : "+x"(acc[b][0]), "+x"(acc[b][1]));
        }
      });
    });
  });
  constexpr int64_t kBytes = QOutBytes(T);
  Unroll<kBlock>([&](auto b) {
    if (kEdge && b >= pixels) return;
    avx2::Store16<T>(q, acc[b][0], acc[b][1], scale[0], scale[1], y + b * ctx.C * kBytes, ctx.nc);
  });
}

template <int K, int S, QType kX, QOutType T, bool kPartial>
__attribute__((flatten)) void Rows(const QDwConvParams& qp, const uint8_t* x, const int16_t* packed,
                                   char* y, const QuantEpilogue& e, int64_t row_begin,
                                   int64_t row_end) {
  const DwConvParams& p = qp.conv;
  const VecQuantEpilogue q(e);
  constexpr int64_t kBytes = QOutBytes(T);
  const int64_t C = p.channels, H = p.in_h, W = p.in_w;
  alignas(16) uint8_t zp_vec[16];
  std::memset(zp_vec, static_cast<uint8_t>(qp.x_zero_point), sizeof(zp_vec));
  Ctx ctx;
  ctx.W = W;
  ctx.C = C;
  ctx.Cp = PaddedChannels(C);
  ctx.zp_vec = zp_vec;
  ctx.zp8 = _mm_load_si128(reinterpret_cast<const __m128i*>(zp_vec));
  const __m256i zp32 = _mm256_set1_epi32(qp.x_zero_point);
  const int32_t* wsum = reinterpret_cast<const int32_t*>(packed + QDwTapsSize(p));
  ctx.nc = kPartial ? static_cast<int>(C) : 16;
  constexpr int kCols = (kBlock - 1) * S + K;

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
    char* y_row = y + (n * p.out_h + oy) * p.out_w * C * kBytes;
    // Pixel blocks outer, channel blocks inner: a block's input is then read as K contiguous
    // runs of kCols·C bytes, and its weights (k·k/2·2 vectors per 16 channels) come from L1.
    for (int64_t ox0 = 0; ox0 < p.out_w; ox0 += kBlock) {
      const int pixels = static_cast<int>(std::min<int64_t>(kBlock, p.out_w - ox0));
      const int64_t ix0 = ox0 * S - p.pad_left;
      const bool inside = rows_inside && pixels == kBlock && ix0 >= 0 && ix0 + kCols <= W;
      for (int64_t cb = 0; cb < C; cb += 16) {
        const int64_t c0 = kPartial ? 0 : std::min(cb, C - 16);  // last block: the last 16
        const uint8_t* rows[K];
        for (int ky = 0; ky < K; ++ky) rows[ky] = row_base[ky] ? row_base[ky] + c0 : nullptr;
        ctx.wp = packed + 2 * c0;
        const int live1 = std::clamp(ctx.nc - 8, 0, 8), live0 = ctx.nc - live1;
        // bias − x_zp·Σ_taps w' (see the top of the file).
        const __m256i bias[2] = {
            _mm256_sub_epi32(q.Bias(c0, live0), _mm256_mullo_epi32(zp32, LoadSum(wsum + c0))),
            _mm256_sub_epi32(live1 > 0 ? q.Bias(c0 + 8, live1) : _mm256_setzero_si256(),
                             _mm256_mullo_epi32(zp32, LoadSum(wsum + c0 + 8)))};
        const __m256 scale[2] = {q.Scale(c0, live0), live1 > 0 ? q.Scale(c0 + 8, live1) : q.scale1};
        char* yp = y_row + (ox0 * C + c0) * kBytes;
        if (inside) {
          Block<K, S, kX, T, false, kPartial>(ctx, rows, ix0, pixels, bias, scale, q, yp);
        } else {
          Block<K, S, kX, T, true, kPartial>(ctx, rows, ix0, pixels, bias, scale, q, yp);
        }
      }
    }
  }
}

template <int K, int S, QType kX, QOutType T>
void Dispatch(const QDwConvParams& qp, const uint8_t* x, const int16_t* packed, char* y,
              const QuantEpilogue& e, int64_t row_begin, int64_t row_end) {
  if (qp.conv.channels < 16) {
    Rows<K, S, kX, T, true>(qp, x, packed, y, e, row_begin, row_end);
  } else {
    Rows<K, S, kX, T, false>(qp, x, packed, y, e, row_begin, row_end);
  }
}

template <int K, int S, QType kX>
void DispatchOut(const QDwConvParams& qp, const uint8_t* x, const int16_t* packed, char* y,
                 const QuantEpilogue& e, int64_t row_begin, int64_t row_end) {
  switch (e.type) {
    case QOutType::kUint8:
      return Dispatch<K, S, kX, QOutType::kUint8>(qp, x, packed, y, e, row_begin, row_end);
    case QOutType::kInt8:
      return Dispatch<K, S, kX, QOutType::kInt8>(qp, x, packed, y, e, row_begin, row_end);
    case QOutType::kInt32:
      return Dispatch<K, S, kX, QOutType::kInt32>(qp, x, packed, y, e, row_begin, row_end);
    case QOutType::kFloat32:
      return Dispatch<K, S, kX, QOutType::kFloat32>(qp, x, packed, y, e, row_begin, row_end);
  }
}

template <int K, int S>
void DispatchX(const QDwConvParams& qp, const uint8_t* x, const int16_t* packed, char* y,
               const QuantEpilogue& e, int64_t row_begin, int64_t row_end) {
  if (qp.x_type == QType::kUint8) {
    DispatchOut<K, S, QType::kUint8>(qp, x, packed, y, e, row_begin, row_end);
  } else {
    DispatchOut<K, S, QType::kInt8>(qp, x, packed, y, e, row_begin, row_end);
  }
}

}  // namespace

bool qdwconv_nhwc_avx2_applies(const DwConvParams& p) {
  return p.kernel_h == p.kernel_w && (p.kernel_h == 3 || p.kernel_h == 5) &&
         p.stride_h == p.stride_w && (p.stride_h == 1 || p.stride_h == 2) && p.batch > 0 &&
         p.channels > 0 && p.in_h > 0 && p.in_w > 0 && p.out_h > 0 && p.out_w > 0 &&
         p.pad_top >= 0 && p.pad_left >= 0;
}

void qdwconv_nhwc_avx2(const QDwConvParams& qp, const void* x, const int16_t* packed, void* y,
                       const QuantEpilogue& e, int64_t row_begin, int64_t row_end) {
  if (row_end <= row_begin) return;
  const auto* xb = static_cast<const uint8_t*>(x);
  auto* yb = static_cast<char*>(y);
  const bool s1 = qp.conv.stride_h == 1;
  if (qp.conv.kernel_h == 3) {
    s1 ? DispatchX<3, 1>(qp, xb, packed, yb, e, row_begin, row_end)
       : DispatchX<3, 2>(qp, xb, packed, yb, e, row_begin, row_end);
  } else {
    s1 ? DispatchX<5, 1>(qp, xb, packed, yb, e, row_begin, row_end)
       : DispatchX<5, 2>(qp, xb, packed, yb, e, row_begin, row_end);
  }
}

}  // namespace finch::kernels
