// The VNNI QGEMM microkernel: MR × 16 int32 accumulators (two ymm per row), one quad of k per
// step — two loads of packed B, MR broadcasts of four A bytes, 2·MR vpdpbusd — then the
// zero-point correction and requantize_avx2 on the tile.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/int8/qgemm_vnni.h"

namespace finch::kernels {
namespace {

constexpr int kMaxRows = 6;

// Four bytes of A's row from k (zero past K: the packed B is zero there anyway, but bytes past
// the row may be past the buffer), as uint8 (int8 shifted by +128: flip the sign bit).
inline int32_t Quad(const uint8_t* row, int64_t k, int64_t K, bool shift) {
  uint32_t v = 0;
  if (k + 4 <= K) {
    std::memcpy(&v, row + k, 4);  // one 32-bit load
  } else {
    for (int64_t i = k; i < K; ++i) v |= static_cast<uint32_t>(row[i]) << (8 * (i - k));
  }
  if (shift) v ^= 0x80808080u;
  return static_cast<int32_t>(v);
}

template <int MR>
__attribute__((always_inline)) inline void Tile(int64_t K, const uint8_t* a, int64_t lda, bool shift, const uint8_t* panel,
          int32_t* tile) {
  __m256i acc[MR][2];
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
  const int64_t kq = (K + 3) / 4;
  for (int64_t q = 0; q < kq; ++q) {
    const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(panel + q * 64));
    const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(panel + q * 64 + 32));
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
      const __m256i av = _mm256_set1_epi32(Quad(a + r * lda, 4 * q, K, shift));
      acc[r][0] = _mm256_dpbusd_epi32(acc[r][0], av, b0);
      acc[r][1] = _mm256_dpbusd_epi32(acc[r][1], av, b1);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(tile + r * 16), acc[r][0]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(tile + r * 16 + 8), acc[r][1]);
  }
}

void TileRows(int rows, int64_t K, const uint8_t* a, int64_t lda, bool shift,
              const uint8_t* panel, int32_t* tile) {
  switch (rows) {
    case 6: return Tile<6>(K, a, lda, shift, panel, tile);
    case 5: return Tile<5>(K, a, lda, shift, panel, tile);
    case 4: return Tile<4>(K, a, lda, shift, panel, tile);
    case 3: return Tile<3>(K, a, lda, shift, panel, tile);
    case 2: return Tile<2>(K, a, lda, shift, panel, tile);
    default: return Tile<1>(K, a, lda, shift, panel, tile);
  }
}

}  // namespace

void qgemm_packed_vnni(int64_t M, int64_t N, int64_t K, const QGemmA& a, const uint8_t* packed,
                       void* c, int64_t ldc, const QuantEpilogue& e, int64_t n_begin,
                       int64_t n_end) {
  const int64_t panels = (N + 15) / 16, kq = (K + 3) / 4;
  const auto* colsum = reinterpret_cast<const int32_t*>(packed + panels * kq * 64);
  const bool shift = a.type == QType::kInt8;
  const int32_t zp = a.zero_point + (shift ? 128 : 0);
  const auto* base = static_cast<const uint8_t*>(a.data);
  const int64_t out_bytes = QOutBytes(e.type);
  alignas(64) int32_t tile[kMaxRows * 16];
  for (int64_t n0 = n_begin; n0 < n_end; n0 += 16) {
    const int64_t cols = std::min<int64_t>(16, n_end - n0);
    const uint8_t* panel = packed + (n0 / 16) * kq * 64;
    // acc − a_zp·colsum, for this panel's columns (int32, wrapping like the reference).
    const __m256i corr0 = _mm256_mullo_epi32(
        _mm256_set1_epi32(zp), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(colsum + n0)));
    const __m256i corr1 = _mm256_mullo_epi32(
        _mm256_set1_epi32(zp),
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(colsum + n0 + 8)));
    QuantEpilogue part = e;
    if (part.bias) part.bias += n0;
    if (part.per_channel && part.scale) part.scale += n0;
    for (int64_t m0 = 0; m0 < M; m0 += kMaxRows) {
      const int rows = static_cast<int>(std::min<int64_t>(kMaxRows, M - m0));
      TileRows(rows, K, base + m0 * a.ld, a.ld, shift, panel, tile);
      for (int r = 0; r < rows; ++r) {
        __m256i* t = reinterpret_cast<__m256i*>(tile + r * 16);
        _mm256_store_si256(t, _mm256_sub_epi32(_mm256_load_si256(t), corr0));
        _mm256_store_si256(t + 1, _mm256_sub_epi32(_mm256_load_si256(t + 1), corr1));
      }
      requantize_avx2(part, rows, cols, tile, 16,
                      static_cast<uint8_t*>(c) + (m0 * ldc + n0) * out_bytes, ldc);
    }
  }
}

}  // namespace finch::kernels
