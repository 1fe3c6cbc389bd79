// Reference unary elementwise kernels: y[i] = f(x[i]) over n contiguous elements.
//
// The math, in the order ONNX's operator docs give it (float parameters in UnaryParams):
//   Relu      max(0, x)                      LeakyRelu  x < 0 ? alpha·x : x
//   Sigmoid   1 / (1 + e^−x)                 Elu        x < 0 ? alpha·(e^x − 1) : x
//   Tanh      tanh x                         Selu       gamma·(x <= 0 ? alpha·(e^x − 1) : x)
//   Erf       erf x                          HardSigmoid max(0, min(1, alpha·x + beta))
//   Exp, Log, Sqrt, Abs, Neg, Floor, Ceil    HardSwish  x · max(0, min(1, x/6 + 1/2))
//   Reciprocal 1 / x                         Softplus   ln(1 + e^x)
//   Sign      −1, 0 or 1 (NaN stays NaN)     Softsign   x / (1 + |x|)
//   Round     to nearest, ties to even (0.5 -> 0, 1.5 -> 2, −2.5 -> −2)
//   Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Asinh, Acosh, Atanh: the <cmath> functions
//   ThresholdedRelu  x > alpha ? x : 0
//   Shrink    x < −lambd ? x + bias : x > lambd ? x − bias : 0   (lambd = alpha, bias = beta)
//   Mish      x · tanh(softplus(x))
// NaN propagates through every op (Relu(NaN) = NaN, like numpy.maximum).
// e^x − 1 is computed with expm1, and Softplus as max(x, 0) + log1p(e^−|x|), which is the same
// function without the overflow of e^x for large x.
//
// unary_ref<float/double> implements every op; the integer instantiations implement Relu, Abs,
// Neg and Sign (Abs and Neg wrap at the most negative value) and return false for the others.
#pragma once

#include <cstdint>

namespace finch::kernels {

enum class UnaryOp {
  kRelu,
  kSigmoid,
  kTanh,
  kErf,
  kExp,
  kLog,
  kSqrt,
  kNeg,
  kReciprocal,
  kAbs,
  kFloor,
  kCeil,
  kSoftplus,
  kSoftsign,
  kSign,
  kRound,
  kLeakyRelu,
  kElu,
  kSelu,
  kHardSigmoid,
  kHardSwish,
  kSin,
  kCos,
  kTan,
  kAsin,
  kAcos,
  kAtan,
  kSinh,
  kCosh,
  kAsinh,
  kAcosh,
  kAtanh,
  kThresholdedRelu,
  kShrink,
  kMish,
};

struct UnaryParams {
  float alpha = 0;
  float beta = 0;
  float gamma = 0;
};

// Returns false (writing nothing) when `op` is not defined for T.
template <typename T>
bool unary_ref(UnaryOp op, const UnaryParams& p, const T* x, T* y, int64_t n);

// y[i] = isinf(x[i]) restricted to +inf when detect_positive and −inf when detect_negative
// (IsInf), or isnan(x[i]) (IsNaN). For float and double.
template <typename T>
void isinf_ref(const T* x, bool* y, int64_t n, bool detect_positive, bool detect_negative);
template <typename T>
void isnan_ref(const T* x, bool* y, int64_t n);

// y[i] = !x[i].
void not_ref(const bool* x, bool* y, int64_t n);

// y[i] = min(max(x[i], lo), hi): lo when x < lo, hi when x > hi (so hi when lo > hi, as ONNX
// specifies), x otherwise; NaN stays NaN. For float, double, int8..int64, uint8..uint64.
template <typename T>
void clip_ref(const T* x, T* y, int64_t n, T lo, T hi);

}  // namespace finch::kernels
