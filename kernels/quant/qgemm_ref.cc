#include "kernels/quant/qgemm_ref.h"

#include "kernels/quant/quant_math.h"

namespace finch::kernels {
namespace {

template <typename TA, typename TB>
int64_t Accumulate(const QGemmShape& s, const TA* a, const TA* a_zp, const TB* b, const TB* b_zp,
                   int64_t i, int64_t j) {
  const int32_t az = a_zp ? static_cast<int32_t>(a_zp[i * s.row_stride]) : 0;
  const int32_t bz = b_zp ? static_cast<int32_t>(b_zp[j * s.col_stride]) : 0;
  int64_t acc = 0;
  for (int64_t p = 0; p < s.k; ++p) {
    acc +=
        (static_cast<int32_t>(a[i * s.k + p]) - az) * (static_cast<int32_t>(b[p * s.n + j]) - bz);
  }
  return acc;
}

}  // namespace

template <typename TA, typename TB>
void matmul_integer_ref(const QGemmShape& s, const TA* a, const TA* a_zp, const TB* b,
                        const TB* b_zp, int32_t* y) {
  for (int64_t i = 0; i < s.m; ++i) {
    for (int64_t j = 0; j < s.n; ++j) {
      const int64_t acc = Accumulate(s, a, a_zp, b, b_zp, i, j);
      y[i * s.n + j] = WrapToInt32(acc);
    }
  }
}

template <typename TA, typename TB, typename TY>
void qlinear_matmul_ref(const QGemmShape& s, const TA* a, const float* a_scale, const TA* a_zp,
                        const TB* b, const float* b_scale, const TB* b_zp, float y_scale,
                        int32_t y_zp, TY* y) {
  for (int64_t i = 0; i < s.m; ++i) {
    for (int64_t j = 0; j < s.n; ++j) {
      const float multiplier = a_scale[i * s.row_stride] * b_scale[j * s.col_stride] / y_scale;
      y[i * s.n + j] =
          Requantize<TY>(WrapToInt32(Accumulate(s, a, a_zp, b, b_zp, i, j)), multiplier, y_zp);
    }
  }
}

#define FINCH_INSTANTIATE_MATMUL_INTEGER(TA, TB)                                               \
  template void matmul_integer_ref<TA, TB>(const QGemmShape&, const TA*, const TA*, const TB*, \
                                           const TB*, int32_t*);
#define FINCH_INSTANTIATE_QLINEAR_MATMUL(TA, TB, TY)                                          \
  template void qlinear_matmul_ref<TA, TB, TY>(const QGemmShape&, const TA*, const float*,    \
                                               const TA*, const TB*, const float*, const TB*, \
                                               float, int32_t, TY*);
FINCH_INSTANTIATE_MATMUL_INTEGER(uint8_t, uint8_t)
FINCH_INSTANTIATE_MATMUL_INTEGER(uint8_t, int8_t)
FINCH_INSTANTIATE_MATMUL_INTEGER(int8_t, uint8_t)
FINCH_INSTANTIATE_MATMUL_INTEGER(int8_t, int8_t)
FINCH_INSTANTIATE_QLINEAR_MATMUL(uint8_t, uint8_t, uint8_t)
FINCH_INSTANTIATE_QLINEAR_MATMUL(uint8_t, uint8_t, int8_t)
FINCH_INSTANTIATE_QLINEAR_MATMUL(uint8_t, int8_t, uint8_t)
FINCH_INSTANTIATE_QLINEAR_MATMUL(uint8_t, int8_t, int8_t)
FINCH_INSTANTIATE_QLINEAR_MATMUL(int8_t, uint8_t, uint8_t)
FINCH_INSTANTIATE_QLINEAR_MATMUL(int8_t, uint8_t, int8_t)
FINCH_INSTANTIATE_QLINEAR_MATMUL(int8_t, int8_t, uint8_t)
FINCH_INSTANTIATE_QLINEAR_MATMUL(int8_t, int8_t, int8_t)
#undef FINCH_INSTANTIATE_MATMUL_INTEGER
#undef FINCH_INSTANTIATE_QLINEAR_MATMUL

}  // namespace finch::kernels
