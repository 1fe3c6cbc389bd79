// Element conversions shared by Cast and the kernels that convert as they go.
//
// ConvertValue<To>(from) defines every conversion, including those C++ leaves undefined:
//   - float -> integer truncates toward zero and saturates at the integer's range; NaN gives 0;
//   - integer -> integer of another width or signedness wraps modulo 2^bits (numpy's astype);
//   - anything -> bool is (x != 0), so NaN is true; bool -> number is 0 or 1;
//   - -> float/double rounds to nearest even (the C++ conversion).
// float16 is IEEE binary16, carried as its uint16_t bit pattern (Half): conversions to it round
// to nearest even, overflow to ±inf and keep NaN a NaN; from it they are exact.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

namespace finch::kernels {

// The bits of an IEEE binary16 value.
struct Half {
  uint16_t bits = 0;
};

float HalfToFloat(Half h);
Half FloatToHalf(float f);
// Rounds once from double (rounding through float could round twice).
Half DoubleToHalf(double d);

template <typename To, typename From>
To ConvertValue(From x) {
  if constexpr (std::is_same_v<To, bool>) {
    return x != From(0);
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    if (std::isnan(x)) return 0;
    // The bounds are exact powers of two in From, so these comparisons are exact.
    const From lo = static_cast<From>(std::numeric_limits<To>::min());
    const From hi = static_cast<From>(std::numeric_limits<To>::max());
    if (x <= lo) return std::numeric_limits<To>::min();
    if (x >= hi) return std::numeric_limits<To>::max();
    return static_cast<To>(x);  // truncates toward zero; in range here
  } else if constexpr (std::is_integral_v<From> && std::is_integral_v<To> &&
                       !std::is_same_v<From, bool>) {
    // Through the unsigned type: wraps, never overflows a signed type.
    return static_cast<To>(
        static_cast<std::make_unsigned_t<To>>(static_cast<std::make_unsigned_t<From>>(x)));
  } else {
    return static_cast<To>(x);
  }
}

}  // namespace finch::kernels
