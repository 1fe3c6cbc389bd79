#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/int8/qgemm_vnni.h"

namespace finch::kernels {

int64_t qgemm_vnni_packed_b_bytes(int64_t K, int64_t N) {
  const int64_t panels = (N + 15) / 16, kq = (K + 3) / 4;
  return panels * kq * 64 + 2 * panels * 16 * 4;
}

bool qgemm_vnni_pack_b(int64_t K, int64_t N, const QWeights& b, int64_t stride_k,
                       int64_t stride_n, uint8_t* packed) {
  const int64_t panels = (N + 15) / 16, kq = (K + 3) / 4;
  std::memset(packed, 0, static_cast<size_t>(qgemm_vnni_packed_b_bytes(K, N)));
  auto* colsum = reinterpret_cast<int32_t*>(packed + panels * kq * 64);
  int32_t* abssum = colsum + panels * 16;
  for (int64_t n = 0; n < N; ++n) {
    const int64_t p = n / 16, j = n % 16;
    int64_t sum = 0, abs_sum = 0;
    for (int64_t k = 0; k < K; ++k) {
      const int32_t w = LoadQ(b.data, b.type, k * stride_k + n * stride_n) - b.ZeroPoint(n);
      if (w < -128 || w > 127) return false;
      packed[(p * kq + k / 4) * 64 + 4 * j + k % 4] = static_cast<uint8_t>(static_cast<int8_t>(w));
      sum += w;
      abs_sum += w < 0 ? -w : w;
    }
    colsum[n] = WrapToInt32(sum);  // the kernel's int32 arithmetic wraps the same way
    abssum[n] = static_cast<int32_t>(std::min<int64_t>(abs_sum, INT32_MAX));
  }
  return true;
}

}  // namespace finch::kernels
