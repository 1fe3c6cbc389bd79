// The quantized packed-B GEMM with AVX2: int16 operands, vpmaddwd, int32 accumulators.
//
// Step 1, per block of rows (QGemmBlockRows(K), ~64 KiB of int16): A is widened into the
// scratch, a' = a − a_zp as int16 (vpmovzxbw / vpmovsxbw, vpsubw), rows padded to even K with 0.
// Done once per call, the widening costs M·K conversions against M·N·K multiply-adds, and
// leaves the inner loop nothing but loads, vpmaddwd and vpaddd.
//
// Step 2, per panel of B (16 columns) and tile of rows: the register tile is 6 rows × 16
// columns = 12 ymm of int32 (+ 2 for the panel row, 1 broadcast, 1 product: all 16 registers).
// Per k-pair q: the panel row (32 int16: columns 0..7 and 8..15, each column's
// (w'[2q], w'[2q+1])) is two loads; each row's (a'[2q], a'[2q+1]) is one vpbroadcastd from the
// scratch; then per row two vpmaddwd (8 columns × 2 products each, exact) and two vpaddd. The
// accumulation chain is vpaddd (latency 1), not the multiply, so latency needs few
// accumulators; the 6 rows amortise the panel loads (8 loads per 12 vpmaddwd). The bound is the
// vector ALUs: every 16 multiply-adds take a vpmaddwd and a vpaddd. A half panel (at most 8
// live columns, e.g. N = 24) uses 8×8 tiles instead, so it is not half wasted. Row tails use
// 1–5 (or 4 and 1–3) rows.
//
// The accumulators start from the bias (integer sums do not depend on the order); the epilogue
// (requantize, narrow, store) runs on the tile's registers, templated on the output type; bias
// and scale vectors are loaded once per panel. Columns past n_end exist in the
// packed panel (zero), so the k-loop never masks; only loads of bias/scale and the stores are
// limited to the live columns, so nothing outside the caller's ranges is touched.
//
// Integer sums are exact and order-free, so the result equals qgemm_packed_ref bit for bit
// whatever the blocking (the float epilogue is the same instruction sequence as the reference's
// operations: requantize_avx2.h).
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "kernels/int8/avx2/requantize_avx2.h"
#include "kernels/int8/qgemm.h"

namespace finch::kernels {
namespace {

using avx2::VecQuantEpilogue;

constexpr int kMr = 6;      // rows of the full-panel tile
constexpr int kMrHalf = 8;  // rows of the half-panel tile

// Rows [0, rows) of A, widened: dst[r·Kp + k] = A[r, k] − zp for k < K, dst[r·Kp + K] = 0 when K
// is odd.
template <QType kType>
void WidenA(int64_t rows, int64_t K, const void* a, int64_t lda, int32_t zp, int16_t* dst,
            int64_t Kp) {
  using Elem = std::conditional_t<kType == QType::kUint8, uint8_t, int8_t>;
  const __m256i zp16 = _mm256_set1_epi16(static_cast<int16_t>(zp));
  for (int64_t r = 0; r < rows; ++r) {
    const Elem* src = static_cast<const Elem*>(a) + r * lda;
    int16_t* d = dst + r * Kp;
    int64_t k = 0;
    for (; k + 16 <= K; k += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + k));
      const __m256i w = kType == QType::kUint8 ? _mm256_cvtepu8_epi16(v) : _mm256_cvtepi8_epi16(v);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + k), _mm256_sub_epi16(w, zp16));
    }
    if (k + 8 <= K) {
      const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + k));
      const __m128i w = kType == QType::kUint8 ? _mm_cvtepu8_epi16(v) : _mm_cvtepi8_epi16(v);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(d + k),
                       _mm_sub_epi16(w, _mm256_castsi256_si128(zp16)));
      k += 8;
    }
    for (; k < K; ++k) d[k] = static_cast<int16_t>(src[k] - zp);
    if (Kp > K) d[K] = 0;
  }
}

// (a'[2q], a'[2q+1]) of one widened row, in every dword.
inline __m256i BroadcastPair(const int16_t* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof(v));
  return _mm256_set1_epi32(v);
}

// Where a column of tiles writes: C at the tiles' first element, and the panel's columns.
struct TileOut {
  char* c;
  int64_t ldc_bytes;
  int64_t n0;  // absolute column of the panel's first column
  int nc;      // live columns, 1..8·NV
};

// Rows [0, rows) (a multiple of MR) of one panel against the widened A (row stride Kp), MR rows
// at a time; NV = 2: 16 columns, NV = 1: the panel's first 8.
template <int MR, int NV, QOutType T>
__attribute__((flatten)) void Tiles(int64_t rows, int64_t pairs, const int16_t* a, int64_t Kp,
                                    const int16_t* panel, const TileOut& out,
                                    const VecQuantEpilogue& q) {
  int live[NV];
  __m256i bias[NV];
  __m256 scale[NV];
  for (int v = 0; v < NV; ++v) {
    live[v] = std::clamp(out.nc - 8 * v, 0, 8);
    bias[v] = live[v] > 0 ? q.Bias(out.n0 + 8 * v, live[v]) : _mm256_setzero_si256();
    scale[v] = live[v] > 0 ? q.Scale(out.n0 + 8 * v, live[v]) : q.scale1;
  }
  char* c = out.c;
  for (int64_t row = 0; row < rows; row += MR) {
    __m256i acc[MR][NV];
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[i][v] = bias[v];  // integer sums: order-free
    }
    const int16_t* b = panel;
#pragma GCC unroll 4
    for (int64_t p = 0; p < pairs; ++p) {
      __m256i bv[NV];
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) {
        bv[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 16 * v));
      }
#pragma GCC unroll 8
      for (int i = 0; i < MR; ++i) {
        const __m256i ai = BroadcastPair(a + i * Kp + 2 * p);
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) {
          acc[i][v] = _mm256_add_epi32(acc[i][v], _mm256_madd_epi16(ai, bv[v]));
        }
      }
      b += 2 * kQGemmPanel;
    }
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      char* dst = c + i * out.ldc_bytes;
      if constexpr (NV == 2) {
        avx2::Store16<T>(q, acc[i][0], acc[i][1], scale[0], scale[1], dst, out.nc);
      } else {
        avx2::Store8<T>(q, acc[i][0], scale[0], dst, out.nc);
      }
    }
    a += MR * Kp;
    c += MR * out.ldc_bytes;
  }
}

using TilesFn = void (*)(int64_t rows, int64_t pairs, const int16_t* a, int64_t Kp,
                         const int16_t* panel, const TileOut& out, const VecQuantEpilogue& q);

// The tiles of one output type: full panel 6×16 and its tails 1..5 rows; half panel 8×8, 4×8
// and tails 1..3 rows.
template <QOutType T>
struct TileSet {
  static constexpr TilesFn kFull = Tiles<kMr, 2, T>;
  static constexpr TilesFn kFullTail[kMr] = {nullptr,        Tiles<1, 2, T>, Tiles<2, 2, T>,
                                             Tiles<3, 2, T>, Tiles<4, 2, T>, Tiles<5, 2, T>};
  static constexpr TilesFn kHalf = Tiles<kMrHalf, 1, T>;
  static constexpr TilesFn kHalf4 = Tiles<4, 1, T>;
  static constexpr TilesFn kHalfTail[4] = {nullptr, Tiles<1, 1, T>, Tiles<2, 1, T>, Tiles<3, 1, T>};
};

template <QOutType T>
void Run(int64_t M, int64_t K, const QGemmA& a, const int16_t* packed, void* c, int64_t ldc,
         const QuantEpilogue& e, int64_t n_begin, int64_t n_end, int16_t* aw) {
  using Set = TileSet<T>;
  const VecQuantEpilogue q(e);
  const int64_t Kp = (K + 1) / 2 * 2, pairs = Kp / 2;
  const int64_t ldc_bytes = ldc * QOutBytes(T);
  const int64_t mc = QGemmBlockRows(K);
  const int64_t p_begin = n_begin / kQGemmPanel;
  const int64_t p_end = (n_end + kQGemmPanel - 1) / kQGemmPanel;
  for (int64_t m0 = 0; m0 < M; m0 += mc) {
    const int64_t rows = std::min(mc, M - m0);
    const void* a_block = static_cast<const char*>(a.data) + m0 * a.ld;
    if (a.type == QType::kUint8) {
      WidenA<QType::kUint8>(rows, K, a_block, a.ld, a.zero_point, aw, Kp);
    } else {
      WidenA<QType::kInt8>(rows, K, a_block, a.ld, a.zero_point, aw, Kp);
    }
    for (int64_t p = p_begin; p < p_end; ++p) {
      const int64_t n0 = p * kQGemmPanel;
      const int nc = static_cast<int>(std::min(kQGemmPanel, n_end - n0));
      const int16_t* panel = packed + p * Kp * kQGemmPanel;
      char* c_block = static_cast<char*>(c) + m0 * ldc_bytes + n0 * QOutBytes(T);
      // Row ranges {first row, rows, tiles}, in order.
      struct Range {
        int64_t m, rows;
        TilesFn fn;
      };
      Range ranges[3];
      int n_ranges = 0;
      if (nc <= 8) {
        const int64_t r8 = rows / kMrHalf * kMrHalf;
        const int64_t r4 = (rows - r8) / 4 * 4;
        if (r8 > 0) ranges[n_ranges++] = {0, r8, Set::kHalf};
        if (r4 > 0) ranges[n_ranges++] = {r8, r4, Set::kHalf4};
        const int64_t tail = rows - r8 - r4;
        if (tail > 0) ranges[n_ranges++] = {r8 + r4, tail, Set::kHalfTail[tail]};
      } else {
        const int64_t r4 = rows / kMr * kMr;
        if (r4 > 0) ranges[n_ranges++] = {0, r4, Set::kFull};
        if (rows > r4) ranges[n_ranges++] = {r4, rows - r4, Set::kFullTail[rows - r4]};
      }
      for (int i = 0; i < n_ranges; ++i) {
        const TileOut out{c_block + ranges[i].m * ldc_bytes, ldc_bytes, n0, nc};
        ranges[i].fn(ranges[i].rows, pairs, aw + ranges[i].m * Kp, Kp, panel, out, q);
      }
    }
  }
}

}  // namespace

void qgemm_packed_avx2(int64_t M, int64_t N, int64_t K, const QGemmA& a, const int16_t* packed,
                       void* c, int64_t ldc, const QuantEpilogue& e, int64_t n_begin, int64_t n_end,
                       void* scratch) {
  if (M <= 0 || n_end <= n_begin) return;
  int16_t* aw = static_cast<int16_t*>(scratch);
  switch (e.type) {
    case QOutType::kUint8:
      return Run<QOutType::kUint8>(M, K, a, packed, c, ldc, e, n_begin, n_end, aw);
    case QOutType::kInt8:
      return Run<QOutType::kInt8>(M, K, a, packed, c, ldc, e, n_begin, n_end, aw);
    case QOutType::kInt32:
      return Run<QOutType::kInt32>(M, K, a, packed, c, ldc, e, n_begin, n_end, aw);
    case QOutType::kFloat32:
      return Run<QOutType::kFloat32>(M, K, a, packed, c, ldc, e, n_begin, n_end, aw);
  }
}

}  // namespace finch::kernels
