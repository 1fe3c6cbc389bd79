// Packing of B and the scalar reference of the quantized GEMM (see qgemm.h for the contract).
#include "kernels/int8/qgemm.h"

namespace finch::kernels {
namespace {

int64_t PaddedK(int64_t K) { return (K + 1) / 2 * 2; }

}  // namespace

int64_t qgemm_packed_b_size(int64_t K, int64_t N) {
  const int64_t panels = (N + kQGemmPanel - 1) / kQGemmPanel;
  return panels * PaddedK(K) * kQGemmPanel;
}

void qgemm_pack_b(int64_t K, int64_t N, const QWeights& b, int64_t stride_k, int64_t stride_n,
                  int16_t* packed) {
  const int64_t Kp = PaddedK(K);
  for (int64_t n0 = 0; n0 < N; n0 += kQGemmPanel) {
    int16_t* panel = packed + n0 * Kp;  // panel n0/16 starts at (n0/16)·Kp·16 = n0·Kp
    for (int64_t k = 0; k < Kp; ++k) {
      // k-pair k/2 is a row of 32 int16; column j's pair at 2j, k's parity picks the half.
      int16_t* row = panel + (k / 2) * 2 * kQGemmPanel + k % 2;
      for (int64_t j = 0; j < kQGemmPanel; ++j) {
        const int64_t n = n0 + j;
        const bool live = n < N && k < K;
        row[2 * j] = static_cast<int16_t>(
            live ? LoadQ(b.data, b.type, k * stride_k + n * stride_n) - b.ZeroPoint(n) : 0);
      }
    }
  }
}

void qgemm_packed_ref(int64_t M, int64_t N, int64_t K, const QGemmA& a, const int16_t* packed,
                      void* c, int64_t ldc, const QuantEpilogue& e, int64_t n_begin, int64_t n_end,
                      void*) {
  const int64_t Kp = PaddedK(K);
  const int64_t bytes = QOutBytes(e.type);
  for (int64_t m = 0; m < M; ++m) {
    void* c_row = static_cast<char*>(c) + m * ldc * bytes;
    for (int64_t n = n_begin; n < n_end; ++n) {
      // Column n lives in panel n/16, at offset 2·(n%16) of each k-pair row.
      const int16_t* col = packed + (n / kQGemmPanel) * Kp * kQGemmPanel + 2 * (n % kQGemmPanel);
      int64_t acc = 0;
      for (int64_t k = 0; k < K; ++k) {
        const int64_t w = col[(k / 2) * 2 * kQGemmPanel + k % 2];
        acc += (LoadQ(a.data, a.type, m * a.ld + k) - a.zero_point) * w;
      }
      QuantEpilogueStoreRef(e, WrapToInt32(acc), n, c_row, n);
    }
  }
}

}  // namespace finch::kernels
