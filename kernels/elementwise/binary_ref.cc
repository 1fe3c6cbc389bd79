#include "kernels/elementwise/binary_ref.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/elementwise/convert.h"
#include "kernels/elementwise/scalar_ops.h"

namespace finch::kernels {
namespace {

// y[i] = op(a[i·sa], b[i·sb]) over one segment, with the stride-0 cases split out so that the
// common ones (equal shapes; one operand a scalar or repeated along the row) are plain loops.
template <typename In, typename Out, typename Op>
void Segments(const BroadcastSpace& s, const In* a, const In* b, Out* y, int64_t begin, int64_t end,
              Op op) {
  const bool a_walks = s.inner_stride(0) != 0;
  const bool b_walks = s.inner_stride(1) != 0;
  ForEachSegment(s, begin, end, [&](int64_t out, const int64_t* off, int64_t n) {
    const In* ap = a + off[0];
    const In* bp = b + off[1];
    Out* yp = y + out;
    if (a_walks && b_walks) {
      for (int64_t i = 0; i < n; ++i) yp[i] = op(ap[i], bp[i]);
    } else if (a_walks) {
      const In bv = *bp;
      for (int64_t i = 0; i < n; ++i) yp[i] = op(ap[i], bv);
    } else if (b_walks) {
      const In av = *ap;
      for (int64_t i = 0; i < n; ++i) yp[i] = op(av, bp[i]);
    } else {
      const Out v = op(*ap, *bp);
      for (int64_t i = 0; i < n; ++i) yp[i] = v;
    }
  });
}

// base^e for an integer base: exact for integral exponents (see pow_ref in the header).
template <typename T>
T IntPow(T base, double e) {
  if (!(std::floor(e) == e) || std::isinf(e)) return ConvertValue<T>(std::pow(double(base), e));
  if (e < 0) {
    if (base == 1) return 1;
    if (base == -1) return std::fmod(e, 2.0) == 0 ? T(1) : T(-1);
    return 0;  // |base| > 1 truncates to 0; 0^−n (a division by zero) is defined as 0 too
  }
  // Square-and-multiply over the bits of e; an exponent past 2^63 is only reachable with
  // |base| <= 1 giving a finite answer, so saturating it is harmless.
  uint64_t n = e >= 9.2e18 ? std::numeric_limits<uint64_t>::max() : static_cast<uint64_t>(e);
  T result = 1, sq = base;
  while (n) {
    if (n & 1) result = scalar::Mul()(result, sq);
    sq = scalar::Mul()(sq, sq);
    n >>= 1;
  }
  return result;
}

}  // namespace

template <typename T>
void binary_ref(BinaryOp op, const BroadcastSpace& s, const T* a, const T* b, T* y, int64_t begin,
                int64_t end) {
  switch (op) {
    case BinaryOp::kAdd:
      return Segments(s, a, b, y, begin, end, scalar::Add());
    case BinaryOp::kSub:
      return Segments(s, a, b, y, begin, end, scalar::Sub());
    case BinaryOp::kMul:
      return Segments(s, a, b, y, begin, end, scalar::Mul());
    case BinaryOp::kDiv:
      return Segments(s, a, b, y, begin, end, scalar::Div());
    case BinaryOp::kMin:
      return Segments(s, a, b, y, begin, end, scalar::Min());
    case BinaryOp::kMax:
      return Segments(s, a, b, y, begin, end, scalar::Max());
    case BinaryOp::kMod:
      return Segments(s, a, b, y, begin, end, scalar::Mod());
    case BinaryOp::kFmod:
      return Segments(s, a, b, y, begin, end, scalar::Fmod());
    case BinaryOp::kPRelu:
      return Segments(s, a, b, y, begin, end, scalar::PRelu());
    case BinaryOp::kShiftLeft:
      return Segments(s, a, b, y, begin, end, scalar::Shift<true>());
    case BinaryOp::kShiftRight:
      return Segments(s, a, b, y, begin, end, scalar::Shift<false>());
  }
}

template <typename T>
void compare_ref(CompareOp op, const BroadcastSpace& s, const T* a, const T* b, bool* y,
                 int64_t begin, int64_t end) {
  switch (op) {
    case CompareOp::kEqual:
      return Segments(s, a, b, y, begin, end, scalar::Equal());
    case CompareOp::kLess:
      return Segments(s, a, b, y, begin, end, scalar::Less());
    case CompareOp::kGreater:
      return Segments(s, a, b, y, begin, end, scalar::Greater());
    case CompareOp::kLessOrEqual:
      return Segments(s, a, b, y, begin, end, scalar::LessOrEqual());
    case CompareOp::kGreaterOrEqual:
      return Segments(s, a, b, y, begin, end, scalar::GreaterOrEqual());
    case CompareOp::kAnd:
      return Segments(s, a, b, y, begin, end, scalar::And());
    case CompareOp::kOr:
      return Segments(s, a, b, y, begin, end, scalar::Or());
    case CompareOp::kXor:
      return Segments(s, a, b, y, begin, end, scalar::Xor());
  }
}

template <typename T>
void pow_ref(const BroadcastSpace& s, const T* base, const double* exponent, T* y, int64_t begin,
             int64_t end) {
  ForEachSegment(s, begin, end, [&](int64_t out, const int64_t* off, int64_t n) {
    const int64_t sb = s.inner_stride(0), se = s.inner_stride(1);
    for (int64_t i = 0; i < n; ++i) {
      const T x = base[off[0] + i * sb];
      const double e = exponent[off[1] + i * se];
      if constexpr (std::is_floating_point_v<T>) {
        y[out + i] = static_cast<T>(std::pow(static_cast<double>(x), e));
      } else {
        y[out + i] = IntPow<T>(x, e);
      }
    }
  });
}

template <typename T>
void where_ref(const BroadcastSpace& s, const bool* cond, const T* x, const T* y, T* out,
               int64_t begin, int64_t end) {
  const int64_t sc = s.inner_stride(0), sx = s.inner_stride(1), sy = s.inner_stride(2);
  ForEachSegment(s, begin, end, [&](int64_t o, const int64_t* off, int64_t n) {
    const bool* cp = cond + off[0];
    const T* xp = x + off[1];
    const T* yp = y + off[2];
    T* op = out + o;
    for (int64_t i = 0; i < n; ++i) op[i] = cp[i * sc] ? xp[i * sx] : yp[i * sy];
  });
}

#define FINCH_BINARY_INSTANTIATE(T)                                                             \
  template void binary_ref<T>(BinaryOp, const BroadcastSpace&, const T*, const T*, T*, int64_t, \
                              int64_t);                                                         \
  template void compare_ref<T>(CompareOp, const BroadcastSpace&, const T*, const T*, bool*,     \
                               int64_t, int64_t);
FINCH_BINARY_INSTANTIATE(float)
FINCH_BINARY_INSTANTIATE(double)
FINCH_BINARY_INSTANTIATE(int8_t)
FINCH_BINARY_INSTANTIATE(int16_t)
FINCH_BINARY_INSTANTIATE(int32_t)
FINCH_BINARY_INSTANTIATE(int64_t)
FINCH_BINARY_INSTANTIATE(uint8_t)
FINCH_BINARY_INSTANTIATE(uint16_t)
FINCH_BINARY_INSTANTIATE(uint32_t)
FINCH_BINARY_INSTANTIATE(uint64_t)
#undef FINCH_BINARY_INSTANTIATE
template void compare_ref<bool>(CompareOp, const BroadcastSpace&, const bool*, const bool*, bool*,
                                int64_t, int64_t);

template void pow_ref<float>(const BroadcastSpace&, const float*, const double*, float*, int64_t,
                             int64_t);
template void pow_ref<double>(const BroadcastSpace&, const double*, const double*, double*, int64_t,
                              int64_t);
template void pow_ref<int32_t>(const BroadcastSpace&, const int32_t*, const double*, int32_t*,
                               int64_t, int64_t);
template void pow_ref<int64_t>(const BroadcastSpace&, const int64_t*, const double*, int64_t*,
                               int64_t, int64_t);

template void where_ref<uint8_t>(const BroadcastSpace&, const bool*, const uint8_t*, const uint8_t*,
                                 uint8_t*, int64_t, int64_t);
template void where_ref<uint16_t>(const BroadcastSpace&, const bool*, const uint16_t*,
                                  const uint16_t*, uint16_t*, int64_t, int64_t);
template void where_ref<uint32_t>(const BroadcastSpace&, const bool*, const uint32_t*,
                                  const uint32_t*, uint32_t*, int64_t, int64_t);
template void where_ref<uint64_t>(const BroadcastSpace&, const bool*, const uint64_t*,
                                  const uint64_t*, uint64_t*, int64_t, int64_t);

}  // namespace finch::kernels
