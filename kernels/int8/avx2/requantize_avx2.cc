// The standalone epilogue with AVX2: 16 channels per step (two int32 vectors → 16 bytes), the
// last partial step masked. Bit-identical to requantize_ref (see requantize.h for the order).
#include "kernels/int8/avx2/requantize_avx2.h"

#include <immintrin.h>

#include "kernels/int8/requantize.h"

namespace finch::kernels {
namespace {

template <QOutType T>
void Requantize(const QuantEpilogue& e, int64_t rows, int64_t cols, const int32_t* acc,
                int64_t ld_acc, void* y, int64_t ldy) {
  const avx2::VecQuantEpilogue q(e);
  constexpr int64_t kBytes = QOutBytes(T);
  for (int64_t r = 0; r < rows; ++r) {
    const int32_t* a = acc + r * ld_acc;
    char* yr = static_cast<char*>(y) + r * ldy * kBytes;
    for (int64_t j = 0; j < cols; j += 16) {
      const int live = cols - j < 16 ? static_cast<int>(cols - j) : 16;
      const int live0 = live < 8 ? live : 8, live1 = live - live0;
      const __m256i a0 = live0 == 8 ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + j))
                                    : _mm256_maskload_epi32(a + j, avx2::TailMask(live0));
      __m256i a1 = _mm256_setzero_si256();
      if (live1 == 8) {
        a1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + j + 8));
      } else if (live1 > 0) {
        a1 = _mm256_maskload_epi32(a + j + 8, avx2::TailMask(live1));
      }
      const __m256i b0 = _mm256_add_epi32(a0, q.Bias(j, live0));
      const __m256i b1 = live1 > 0 ? _mm256_add_epi32(a1, q.Bias(j + 8, live1)) : a1;
      const __m256 s1 = live1 > 0 ? q.Scale(j + 8, live1) : q.scale1;
      avx2::Store16<T>(q, b0, b1, q.Scale(j, live0), s1, yr + j * kBytes, live);
    }
  }
}

}  // namespace

void requantize_avx2(const QuantEpilogue& e, int64_t rows, int64_t cols, const int32_t* acc,
                     int64_t ld_acc, void* y, int64_t ldy) {
  switch (e.type) {
    case QOutType::kUint8:
      return Requantize<QOutType::kUint8>(e, rows, cols, acc, ld_acc, y, ldy);
    case QOutType::kInt8:
      return Requantize<QOutType::kInt8>(e, rows, cols, acc, ld_acc, y, ldy);
    case QOutType::kInt32:
      return Requantize<QOutType::kInt32>(e, rows, cols, acc, ld_acc, y, ldy);
    case QOutType::kFloat32:
      return Requantize<QOutType::kFloat32>(e, rows, cols, acc, ld_acc, y, ldy);
  }
}

}  // namespace finch::kernels
