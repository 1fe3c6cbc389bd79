#include "kernels/elementwise/unary_ref.h"

#include <cmath>
#include <type_traits>

#include "kernels/elementwise/scalar_ops.h"

namespace finch::kernels {
namespace {

template <typename T, typename Fn>
void Map(const T* x, T* y, int64_t n, Fn fn) {
  for (int64_t i = 0; i < n; ++i) y[i] = fn(x[i]);
}

// Round half to even without depending on the FPU rounding mode; the result keeps x's sign
// (−0.4 -> −0, like numpy.round).
template <typename T>
T RoundHalfEven(T x) {
  T r = std::floor(x);
  const T frac = x - r;
  if (frac > T(0.5) || (frac == T(0.5) && std::fmod(r, T(2)) != 0)) r += 1;
  return std::copysign(r, x);
}

template <typename T>
bool FloatUnary(UnaryOp op, const UnaryParams& p, const T* x, T* y, int64_t n) {
  const T alpha = p.alpha, beta = p.beta, gamma = p.gamma;
  switch (op) {
    case UnaryOp::kRelu:
      Map(x, y, n, [](T v) { return v < 0 ? T(0) : v; });
      break;
    case UnaryOp::kSigmoid:
      Map(x, y, n, [](T v) { return T(1) / (T(1) + std::exp(-v)); });
      break;
    case UnaryOp::kTanh:
      Map(x, y, n, [](T v) { return std::tanh(v); });
      break;
    case UnaryOp::kErf:
      Map(x, y, n, [](T v) { return std::erf(v); });
      break;
    case UnaryOp::kExp:
      Map(x, y, n, [](T v) { return std::exp(v); });
      break;
    case UnaryOp::kLog:
      Map(x, y, n, [](T v) { return std::log(v); });
      break;
    case UnaryOp::kSqrt:
      Map(x, y, n, [](T v) { return std::sqrt(v); });
      break;
    case UnaryOp::kNeg:
      Map(x, y, n, [](T v) { return -v; });
      break;
    case UnaryOp::kReciprocal:
      Map(x, y, n, [](T v) { return T(1) / v; });
      break;
    case UnaryOp::kAbs:
      Map(x, y, n, [](T v) { return std::fabs(v); });
      break;
    case UnaryOp::kFloor:
      Map(x, y, n, [](T v) { return std::floor(v); });
      break;
    case UnaryOp::kCeil:
      Map(x, y, n, [](T v) { return std::ceil(v); });
      break;
    case UnaryOp::kSoftplus:
      Map(x, y, n, [](T v) { return (v > 0 ? v : T(0)) + std::log1p(std::exp(-std::fabs(v))); });
      break;
    case UnaryOp::kSoftsign:
      Map(x, y, n, [](T v) { return v / (T(1) + std::fabs(v)); });
      break;
    case UnaryOp::kSign:
      Map(x, y, n, [](T v) { return v > 0 ? T(1) : v < 0 ? T(-1) : v; });  // 0, −0, NaN kept
      break;
    case UnaryOp::kRound:
      Map(x, y, n, [](T v) { return RoundHalfEven(v); });
      break;
    case UnaryOp::kLeakyRelu:
      Map(x, y, n, [&](T v) { return v < 0 ? alpha * v : v; });
      break;
    case UnaryOp::kElu:
      Map(x, y, n, [&](T v) { return v < 0 ? alpha * std::expm1(v) : v; });
      break;
    case UnaryOp::kSelu:
      Map(x, y, n, [&](T v) { return gamma * (v <= 0 ? alpha * std::expm1(v) : v); });
      break;
    case UnaryOp::kHardSigmoid:
      Map(x, y, n, [&](T v) {
        const T t = alpha * v + beta;
        return t < 0 ? T(0) : t > 1 ? T(1) : t;  // NaN falls through
      });
      break;
    case UnaryOp::kHardSwish:
      Map(x, y, n, [](T v) {
        const T t = v / T(6) + T(0.5);
        return v * (t < 0 ? T(0) : t > 1 ? T(1) : t);
      });
      break;
    case UnaryOp::kSin:
      Map(x, y, n, [](T v) { return std::sin(v); });
      break;
    case UnaryOp::kCos:
      Map(x, y, n, [](T v) { return std::cos(v); });
      break;
    case UnaryOp::kTan:
      Map(x, y, n, [](T v) { return std::tan(v); });
      break;
    case UnaryOp::kAsin:
      Map(x, y, n, [](T v) { return std::asin(v); });
      break;
    case UnaryOp::kAcos:
      Map(x, y, n, [](T v) { return std::acos(v); });
      break;
    case UnaryOp::kAtan:
      Map(x, y, n, [](T v) { return std::atan(v); });
      break;
    case UnaryOp::kSinh:
      Map(x, y, n, [](T v) { return std::sinh(v); });
      break;
    case UnaryOp::kCosh:
      Map(x, y, n, [](T v) { return std::cosh(v); });
      break;
    case UnaryOp::kAsinh:
      Map(x, y, n, [](T v) { return std::asinh(v); });
      break;
    case UnaryOp::kAcosh:
      Map(x, y, n, [](T v) { return std::acosh(v); });
      break;
    case UnaryOp::kAtanh:
      Map(x, y, n, [](T v) { return std::atanh(v); });
      break;
    case UnaryOp::kThresholdedRelu:
      Map(x, y, n, [&](T v) { return v > alpha ? v : T(0); });
      break;
    case UnaryOp::kShrink:
      Map(x, y, n, [&](T v) { return v < -alpha ? v + beta : v > alpha ? v - beta : T(0); });
      break;
    case UnaryOp::kMish:
      // softplus computed as in kSoftplus, without overflow for large x.
      Map(x, y, n, [](T v) {
        return v * std::tanh((v > 0 ? v : T(0)) + std::log1p(std::exp(-std::fabs(v))));
      });
      break;
  }
  return true;
}

template <typename T>
bool IntUnary(UnaryOp op, const T* x, T* y, int64_t n) {
  switch (op) {
    case UnaryOp::kRelu:
      Map(x, y, n, [](T v) { return v < T(1) ? T(0) : v; });
      return true;
    case UnaryOp::kNeg:
      Map(x, y, n, [](T v) { return scalar::Sub()(T(0), v); });
      return true;
    case UnaryOp::kAbs:
      Map(x, y, n, [](T v) { return v < T(1) ? scalar::Sub()(T(0), v) : v; });
      return true;
    case UnaryOp::kSign:
      Map(x, y, n, [](T v) { return v > 0 ? T(1) : v == 0 ? T(0) : static_cast<T>(-1); });
      return true;
    default:
      return false;
  }
}

}  // namespace

template <typename T>
bool unary_ref(UnaryOp op, const UnaryParams& p, const T* x, T* y, int64_t n) {
  if constexpr (std::is_floating_point_v<T>) {
    return FloatUnary(op, p, x, y, n);
  } else {
    return IntUnary(op, x, y, n);
  }
}

template <typename T>
void isinf_ref(const T* x, bool* y, int64_t n, bool detect_positive, bool detect_negative) {
  for (int64_t i = 0; i < n; ++i) {
    y[i] = std::isinf(x[i]) && (x[i] > 0 ? detect_positive : detect_negative);
  }
}

template <typename T>
void isnan_ref(const T* x, bool* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::isnan(x[i]);
}

template void isinf_ref<float>(const float*, bool*, int64_t, bool, bool);
template void isinf_ref<double>(const double*, bool*, int64_t, bool, bool);
template void isnan_ref<float>(const float*, bool*, int64_t);
template void isnan_ref<double>(const double*, bool*, int64_t);

void not_ref(const bool* x, bool* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = !x[i];
}

template <typename T>
void clip_ref(const T* x, T* y, int64_t n, T lo, T hi) {
  for (int64_t i = 0; i < n; ++i) {
    const T v = x[i] < lo ? lo : x[i];
    y[i] = v > hi ? hi : v;
  }
}

#define FINCH_UNARY_INSTANTIATE(T)                                                \
  template bool unary_ref<T>(UnaryOp, const UnaryParams&, const T*, T*, int64_t); \
  template void clip_ref<T>(const T*, T*, int64_t, T, T);
FINCH_UNARY_INSTANTIATE(float)
FINCH_UNARY_INSTANTIATE(double)
FINCH_UNARY_INSTANTIATE(int8_t)
FINCH_UNARY_INSTANTIATE(int16_t)
FINCH_UNARY_INSTANTIATE(int32_t)
FINCH_UNARY_INSTANTIATE(int64_t)
FINCH_UNARY_INSTANTIATE(uint8_t)
FINCH_UNARY_INSTANTIATE(uint16_t)
FINCH_UNARY_INSTANTIATE(uint32_t)
FINCH_UNARY_INSTANTIATE(uint64_t)
#undef FINCH_UNARY_INSTANTIATE

}  // namespace finch::kernels
