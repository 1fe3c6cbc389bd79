// The scalar math of the elementwise ops, one small functor per op, shared by the broadcast
// loops (binary_ref.cc, compare_ref.cc) so that each loop is instantiated with its op inlined.
//
// Integer results are defined for every input a model can feed:
//   - +, −, ×, negation wrap modulo 2^bits (two's complement), as numpy does, computed in the
//     unsigned type so that signed overflow is never undefined behaviour;
//   - x / 0 = 0 and x mod 0 = 0 (numpy's results; ONNX leaves it to the platform, where it would
//     trap); INT_MIN / −1 wraps to INT_MIN and INT_MIN mod −1 = 0 (C would trap on both).
// Floating-point results follow IEEE 754 (x / 0 = ±inf, 0 / 0 = NaN); Min and Max propagate NaN
// like numpy.minimum / numpy.maximum.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace finch::kernels::scalar {

template <typename T>
inline constexpr bool kWraps = std::is_integral_v<T> && !std::is_same_v<T, bool>;

// a op b computed in the unsigned type of T (wrapping), or in T for floats.
template <typename T>
using Unsigned = std::make_unsigned_t<std::conditional_t<kWraps<T>, T, int>>;

struct Add {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (kWraps<T>) {
      return static_cast<T>(static_cast<Unsigned<T>>(a) + static_cast<Unsigned<T>>(b));
    } else {
      return a + b;
    }
  }
};

struct Sub {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (kWraps<T>) {
      return static_cast<T>(static_cast<Unsigned<T>>(a) - static_cast<Unsigned<T>>(b));
    } else {
      return a - b;
    }
  }
};

struct Mul {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (kWraps<T>) {
      // Promote narrow unsigned types past int so the product cannot overflow a signed int.
      using U = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, Unsigned<T>>;
      return static_cast<T>(static_cast<U>(static_cast<Unsigned<T>>(a)) *
                            static_cast<U>(static_cast<Unsigned<T>>(b)));
    } else {
      return a * b;
    }
  }
};

// Integer division truncates toward zero, like C.
struct Div {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (kWraps<T>) {
      if (b == 0) return 0;
      if constexpr (std::is_signed_v<T>) {
        if (b == -1) return Sub()(T(0), a);  // −INT_MIN wraps to INT_MIN instead of trapping
      }
      return static_cast<T>(a / b);
    } else {
      return a / b;
    }
  }
};

struct Min {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(a)) return a;
    }
    return b < a || b != b ? b : a;
  }
};

struct Max {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(a)) return a;
    }
    return b > a || b != b ? b : a;
  }
};

// C's remainder: r = a − trunc(a / b)·b, with the sign of the dividend (numpy.fmod).
struct Fmod {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      return std::fmod(a, b);
    } else {
      if (b == 0) return 0;
      if constexpr (std::is_signed_v<T>) {
        if (b == -1) return 0;
      }
      return static_cast<T>(a % b);
    }
  }
};

// Python's remainder: r = a − floor(a / b)·b, with the sign of the divisor (numpy.mod).
struct Mod {
  template <typename T>
  T operator()(T a, T b) const {
    T r = Fmod()(a, b);
    if constexpr (std::is_signed_v<T> || std::is_floating_point_v<T>) {
      if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
    }
    return r;
  }
};

// PRelu with b the slope: a for a >= 0, a·slope below.
struct PRelu {
  template <typename T>
  T operator()(T a, T b) const {
    return a < 0 ? Mul()(a, b) : a;
  }
};

// BitShift: a shifted by b bits, in the unsigned type (a logical shift). ONNX defines BitShift
// for unsigned types only; a shift by the bit width or more (undefined in C) gives 0, and a
// negative signed shift count also gives 0. Floats are never shifted (the schema rejects them);
// they pass through unchanged so that every instantiation compiles.
template <bool kLeft>
struct Shift {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (kWraps<T>) {
      using U = Unsigned<T>;
      const U n = static_cast<U>(b);
      if (n >= sizeof(T) * 8) return 0;
      // Promote past int for narrow types so that << cannot overflow a signed int.
      using W = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, U>;
      const W v = static_cast<W>(static_cast<U>(a));
      return static_cast<T>(static_cast<U>(kLeft ? v << n : v >> n));
    } else {
      return a;
    }
  }
};

struct Equal {
  template <typename T>
  bool operator()(T a, T b) const {
    return a == b;
  }
};
struct Less {
  template <typename T>
  bool operator()(T a, T b) const {
    return a < b;
  }
};
struct Greater {
  template <typename T>
  bool operator()(T a, T b) const {
    return a > b;
  }
};
struct LessOrEqual {
  template <typename T>
  bool operator()(T a, T b) const {
    return a <= b;
  }
};
struct GreaterOrEqual {
  template <typename T>
  bool operator()(T a, T b) const {
    return a >= b;
  }
};
struct And {
  template <typename T>
  bool operator()(T a, T b) const {
    return a && b;
  }
};
struct Or {
  template <typename T>
  bool operator()(T a, T b) const {
    return a || b;
  }
};
struct Xor {
  template <typename T>
  bool operator()(T a, T b) const {
    return static_cast<bool>(a) != static_cast<bool>(b);
  }
};

}  // namespace finch::kernels::scalar
