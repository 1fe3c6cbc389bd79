// Reference QLinearAdd (com.microsoft): the sum of two quantized tensors, requantized.
//
//   c = saturate(round_half_even(((a − a_zp) · a_scale + (b − b_zp) · b_scale) / c_scale) + c_zp)
//
// evaluated in float32 exactly in that order, without FMA (files outside avx2/ are compiled
// without -mfma, so the compiler cannot contract the product into the sum): each difference is
// an exact small integer, then two products, one sum and one division, each rounded once. This is the
// operator's definition written out — dequantize both inputs, add, QuantizeLinear the sum
// (which divides by the scale) — so it agrees bit for bit with finch's DequantizeLinear, Add and
// QuantizeLinear run one after the other. ONNX Runtime's portable code computes the same
// expression; its vectorised x86 kernels may use fixed-point approximations of the ratios
// a_scale / c_scale and b_scale / c_scale instead, which can round the other way when the exact
// value lies very close to a .5 tie. On the int8 MobileNetV2's reference images no QLinearAdd
// output changes between this form, the ratio form (a − a_zp)·(a_scale / c_scale) +
// (b − b_zp)·(b_scale / c_scale) and this form in float64 (measured), so the defining form is
// kept.
#pragma once

#include <cstdint>

namespace finch::kernels {

struct QLinearAddParams {
  float a_scale = 1.f, b_scale = 1.f, c_scale = 1.f;
  int32_t a_zp = 0, b_zp = 0, c_zp = 0;
};

// c[i] = the formula above on a[i · a_stride], b[i · b_stride] for i in [0, n); a stride of 0
// repeats one element (a broadcast operand). T: uint8_t or int8_t.
template <typename T>
void qlinear_add_ref(const QLinearAddParams& q, int64_t n, const T* a, int64_t a_stride, const T* b,
                     int64_t b_stride, T* c);

}  // namespace finch::kernels
