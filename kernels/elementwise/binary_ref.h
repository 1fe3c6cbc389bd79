// Reference binary elementwise kernels with broadcasting: arithmetic (same type in and out),
// comparisons and logic (bool out), Pow, and Where's select.
//
// Every kernel computes the output's flat elements [begin, end) of a BroadcastSpace (operand 0
// is the first input, operand 1 the second, Where's condition is operand 0), so a caller may
// split [0, space.num_elements) across threads; the results do not depend on the split.
// The integer and NaN conventions are those of scalar_ops.h.
#pragma once

#include <cstdint>

#include "kernels/elementwise/broadcast.h"

namespace finch::kernels {

enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,    // integers: truncated toward zero; x / 0 = 0
  kMin,    // NaN wins
  kMax,    // NaN wins
  kMod,    // sign of the divisor (Python %); x mod 0 = 0
  kFmod,   // sign of the dividend (C fmod); x mod 0 = 0 for integers
  kPRelu,  // operand 1 is the slope: y = a < 0 ? a·slope : a
  kShiftLeft,   // BitShift LEFT, integers only: a << b, 0 when b >= the bit width
  kShiftRight,  // BitShift RIGHT, integers only: a >> b (logical), 0 when b >= the bit width
};

// y = op(a, b). Instantiated for float, double, int8..int64, uint8..uint64.
template <typename T>
void binary_ref(BinaryOp op, const BroadcastSpace& s, const T* a, const T* b, T* y, int64_t begin,
                int64_t end);

enum class CompareOp { kEqual, kLess, kGreater, kLessOrEqual, kGreaterOrEqual, kAnd, kOr, kXor };

// y = op(a, b) as bool. Instantiated for the types of binary_ref and bool; And, Or and Xor treat
// a nonzero value as true.
template <typename T>
void compare_ref(CompareOp op, const BroadcastSpace& s, const T* a, const T* b, bool* y,
                 int64_t begin, int64_t end);

// y = base^exponent. The exponent arrives as double (the caller converts whatever type it has);
// the power is computed in double and rounded once to T, so float32 results are correctly
// rounded up to double's own error. For integer T: an integral exponent >= 0 is exact
// repeated squaring (wrapping on overflow); a negative integral exponent gives 1 / base^|e|
// truncated (so 0 unless |base| is 1; 0^−n = 0); a fractional exponent goes through double and
// is converted like Cast (truncated, saturated, NaN -> 0). Instantiated for float, double,
// int32, int64.
template <typename T>
void pow_ref(const BroadcastSpace& s, const T* base, const double* exponent, T* y, int64_t begin,
             int64_t end);

// out = cond ? x : y, copying elements as opaque bit patterns of sizeof(T) bytes, so one
// instantiation per width (uint8_t, uint16_t, uint32_t, uint64_t) serves every element type.
template <typename T>
void where_ref(const BroadcastSpace& s, const bool* cond, const T* x, const T* y, T* out,
               int64_t begin, int64_t end);

}  // namespace finch::kernels
