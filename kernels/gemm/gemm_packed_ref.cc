// Packing of B and the scalar reference of the packed GEMM (see gemm_packed.h for the contract).
#include <cmath>

#include "kernels/common/mac_counter.h"
#include "kernels/gemm/gemm_packed.h"

namespace finch::kernels {

int64_t gemm_packed_b_size(int64_t K, int64_t N) {
  const int64_t panels = (N + kGemmPanel - 1) / kGemmPanel;
  return panels * K * kGemmPanel;
}

void gemm_pack_b(int64_t K, int64_t N, const float* b, int64_t stride_k, int64_t stride_n,
                 float* packed) {
  for (int64_t n0 = 0; n0 < N; n0 += kGemmPanel) {
    float* panel = packed + n0 * K;  // panel n0/16 starts at (n0/16)·K·16 = n0·K
    for (int64_t k = 0; k < K; ++k) {
      for (int64_t j = 0; j < kGemmPanel; ++j) {
        const int64_t n = n0 + j;
        panel[k * kGemmPanel + j] = n < N ? b[k * stride_k + n * stride_n] : 0.f;
      }
    }
  }
}

void gemm_f32_packed_ref(int64_t M, int64_t N, int64_t K, const float* a, int64_t lda,
                         const float* packed, float* c, int64_t ldc, const GemmEpilogue& e,
                         int64_t n_begin, int64_t n_end) {
  if (MacCounter::enabled() && n_end > n_begin) MacCounter::Add(M * (n_end - n_begin) * K);
  for (int64_t m = 0; m < M; ++m) {
    const float* a_row = a + m * lda;
    for (int64_t n = n_begin; n < n_end; ++n) {
      // Column n lives in panel n/16 at offset n%16 of each k-row.
      const float* b_col = packed + (n / kGemmPanel) * K * kGemmPanel + n % kGemmPanel;
      float acc = 0.f;
      for (int64_t k = 0; k < K; ++k) acc = std::fma(a_row[k], b_col[k * kGemmPanel], acc);
      if (e.bias != nullptr) acc = acc + e.bias[n];
      if (e.residual != nullptr) acc = acc + e.residual[m * e.ldr + n];
      c[m * ldc + n] = ApplyActivation(e.act, acc);
    }
  }
}

}  // namespace finch::kernels
