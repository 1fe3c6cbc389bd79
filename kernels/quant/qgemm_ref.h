// Reference integer matrix products (MatMulInteger, QLinearMatMul) for one [m, k] · [k, n]
// pair of row-major matrices; the caller loops over broadcast batches.
//
//   acc[i, j] = Σ_p (a[i, p] − a_zp[i]) · (b[p, j] − b_zp[j])
//
// Zero points and scales are per row of A and per column of B: row i reads index
// i · row_stride, column j reads j · col_stride (stride 0: one value for the whole matrix).
// The accumulator is int32, as ONNX specifies: summed exactly in int64 and wrapped to int32
// once, so exact while k · 255 · 255 < 2^31 (k <= 33,025) and wrapping modulo 2^32 past that as
// any int32 accumulator does.
#pragma once

#include <cstdint>

namespace finch::kernels {

struct QGemmShape {
  int64_t m = 0, n = 0, k = 0;
  int64_t row_stride = 0;  // of A's zero points and scales (0 or 1)
  int64_t col_stride = 0;  // of B's zero points and scales (0 or 1)
};

// MatMulInteger: y[i, j] = acc[i, j]. a_zp and b_zp may be null (0). TA, TB: uint8_t or int8_t.
template <typename TA, typename TB>
void matmul_integer_ref(const QGemmShape& s, const TA* a, const TA* a_zp, const TB* b,
                        const TB* b_zp, int32_t* y);

// QLinearMatMul: y[i, j] = requantize(acc[i, j], a_scale[i] · b_scale[j] / y_scale, y_zp)
// (kernels/quant/quant_math.h), the multiplier formed in float32 in that order. TY: uint8_t or
// int8_t.
template <typename TA, typename TB, typename TY>
void qlinear_matmul_ref(const QGemmShape& s, const TA* a, const float* a_scale, const TA* a_zp,
                        const TB* b, const float* b_scale, const TB* b_zp, float y_scale,
                        int32_t y_zp, TY* y);

}  // namespace finch::kernels
