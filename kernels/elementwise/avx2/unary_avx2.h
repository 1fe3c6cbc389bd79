// AVX2/FMA unary elementwise kernels on float32: y[i] = f(x[i]) over n contiguous elements (any
// alignment, any n; the last n mod 8 go through masked loads and stores, so nothing past x + n
// or y + n is touched; x == y is allowed). Call only when the CPU has avx2 and fma.
//
// Against unary_ref<float> / clip_ref<float> (kernels/elementwise/unary_ref.h):
//   exact, bit for bit (NaN in, NaN out): Relu, Neg, Abs, Sqrt, Reciprocal, Floor, Ceil,
//     Softsign, LeakyRelu, HardSigmoid, HardSwish, Clip;
//   within the vecmath bounds (kernels/common/avx2/vecmath_avx2.h: measured against double, the
//     reference's std:: float functions add their own ≤ 1 ulp): Sigmoid, Tanh, Erf, Exp.
// Other UnaryOps are not implemented here (unary_f32_avx2_supports says false).
#pragma once

#include <cstdint>

#include "kernels/common/activation.h"
#include "kernels/elementwise/unary_ref.h"

namespace finch::kernels {

bool unary_f32_avx2_supports(UnaryOp op);

// Returns false (writing nothing) when !unary_f32_avx2_supports(op).
bool unary_f32_avx2(UnaryOp op, const UnaryParams& p, const float* x, float* y, int64_t n);

// y[i] = min(max(x[i], lo), hi), as clip_ref.
void clip_f32_avx2(const float* x, float* y, int64_t n, float lo, float hi);

// y[i] = x[i]·Φ(x[i]) = x/2·(1 + erf(x/√2)) (GELU, exact form; not an ONNX op before opset 20).
void gelu_f32_avx2(const float* x, float* y, int64_t n);

// y[i] = x[i]·sigmoid(x[i]) with the accurate vector sigmoid (avx2::SiLU; the epilogue's
// SiLU is the cheaper SiLUFast).
void silu_f32_avx2(const float* x, float* y, int64_t n);

// y[i] = act(x[i]) with avx2::VecActivation, the epilogue of the fused AVX2 kernels (SiLU and
// Sigmoid through the vector sigmoid).
void activation_f32_avx2(const Activation& act, const float* x, float* y, int64_t n);

}  // namespace finch::kernels
