#include "kernels/gemm/gemm_ref.h"

#include <cstddef>
#include <type_traits>
#include <vector>

#include "kernels/common/mac_counter.h"

namespace finch::kernels {
namespace {

// acc[j] for one row i of C, accumulated over p in increasing order.
template <typename T, typename Acc>
void AccumulateRow(const GemmParams& p, const T* a, const T* b, int64_t i, Acc* acc) {
  for (int64_t j = 0; j < p.n; ++j) acc[j] = Acc(0);
  if (!p.trans_b) {
    for (int64_t q = 0; q < p.k; ++q) {
      const Acc aiq = static_cast<Acc>(p.trans_a ? a[q * p.lda + i] : a[i * p.lda + q]);
      const T* bq = b + q * p.ldb;
      for (int64_t j = 0; j < p.n; ++j) acc[j] += aiq * static_cast<Acc>(bq[j]);
    }
    return;
  }
  for (int64_t j = 0; j < p.n; ++j) {
    const T* bj = b + j * p.ldb;
    Acc s = Acc(0);
    for (int64_t q = 0; q < p.k; ++q) {
      const Acc aiq = static_cast<Acc>(p.trans_a ? a[q * p.lda + i] : a[i * p.lda + q]);
      s += aiq * static_cast<Acc>(bj[q]);
    }
    acc[j] = s;
  }
}

// Integer products wrap (two's complement) instead of overflowing signed arithmetic.
template <typename T>
void IntGemm(const GemmParams& p, const T* a, const T* b, T* c) {
  if (MacCounter::enabled()) MacCounter::Add(p.m * p.n * p.k);
  using U = std::make_unsigned_t<T>;
  std::vector<U> acc(static_cast<size_t>(p.n));
  for (int64_t i = 0; i < p.m; ++i) {
    for (int64_t j = 0; j < p.n; ++j) acc[j] = 0;
    for (int64_t q = 0; q < p.k; ++q) {
      const U aiq = static_cast<U>(p.trans_a ? a[q * p.lda + i] : a[i * p.lda + q]);
      for (int64_t j = 0; j < p.n; ++j) {
        const U bqj = static_cast<U>(p.trans_b ? b[j * p.ldb + q] : b[q * p.ldb + j]);
        acc[j] += aiq * bqj;
      }
    }
    for (int64_t j = 0; j < p.n; ++j) c[i * p.ldc + j] = static_cast<T>(acc[j]);
  }
}

}  // namespace

void gemm_f32_ref(const GemmParams& p, const float* a, const float* b, float* c) {
  if (MacCounter::enabled()) MacCounter::Add(p.m * p.n * p.k);
  std::vector<float> acc(static_cast<size_t>(p.n));
  for (int64_t i = 0; i < p.m; ++i) {
    AccumulateRow(p, a, b, i, acc.data());
    float* ci = c + i * p.ldc;
    if (p.beta == 0.f) {
      for (int64_t j = 0; j < p.n; ++j) ci[j] = p.alpha * acc[j];
    } else {
      for (int64_t j = 0; j < p.n; ++j) ci[j] = p.alpha * acc[j] + p.beta * ci[j];
    }
  }
}

void gemm_s32_ref(const GemmParams& p, const int32_t* a, const int32_t* b, int32_t* c) {
  IntGemm(p, a, b, c);
}
void gemm_s64_ref(const GemmParams& p, const int64_t* a, const int64_t* b, int64_t* c) {
  IntGemm(p, a, b, c);
}

}  // namespace finch::kernels
