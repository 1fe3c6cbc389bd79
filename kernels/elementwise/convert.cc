#include "kernels/elementwise/convert.h"

namespace finch::kernels {
namespace {

float BitsFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof(f));
  return f;
}

}  // namespace

// binary16: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits; subnormals below 2^-14.
float HalfToFloat(Half h) {
  const uint32_t sign = static_cast<uint32_t>(h.bits & 0x8000u) << 16;
  const uint32_t exp = (h.bits >> 10) & 0x1f;
  const uint32_t man = h.bits & 0x3ffu;
  if (exp == 0x1f) return BitsFloat(sign | 0x7f800000u | (man << 13));  // inf / NaN
  if (exp != 0) return BitsFloat(sign | ((exp + 112) << 23) | (man << 13));
  // Zero or subnormal: man · 2^-24, exact in float.
  const float mag = std::ldexp(static_cast<float>(man), -24);
  return sign ? -mag : mag;
}

Half DoubleToHalf(double d) {
  const bool neg = std::signbit(d);
  const uint16_t sign = neg ? 0x8000 : 0;
  if (std::isnan(d)) return Half{static_cast<uint16_t>(sign | 0x7e00)};
  const double a = std::fabs(d);
  if (a == 0) return Half{sign};
  // 65520 = 65504 + half an ulp: from there on, round to nearest even gives infinity.
  if (a >= 65520.0) return Half{static_cast<uint16_t>(sign | 0x7c00)};
  int e;
  std::frexp(a, &e);  // a = m · 2^e, m in [0.5, 1)
  // The spacing of binary16 values near a: 2^(e − 11) for normals, 2^-24 for subnormals.
  const int q = e - 1 < -14 ? -24 : e - 11;
  // Round a / 2^q to an integer, ties to even (nearbyint in the default rounding mode would
  // also do; this does not depend on the mode). Scaling by a power of two is exact.
  const double scaled = std::ldexp(a, -q);
  double n = std::floor(scaled);
  const double frac = scaled - n;
  if (frac > 0.5 || (frac == 0.5 && std::fmod(n, 2.0) != 0)) n += 1;
  // n · 2^q, re-encoded: n <= 2048 always; n == 2048 carries into the next exponent.
  const uint32_t m = static_cast<uint32_t>(n);
  if (q == -24) {  // subnormal, or the smallest normal when m reaches 1024
    return Half{static_cast<uint16_t>(sign | m)};
  }
  // Normal: m in [1024, 2048]; exponent field = q + 10 + 15.
  uint32_t exp_field = static_cast<uint32_t>(q + 25);
  uint32_t man = m;
  if (man == 2048) {
    man = 1024;
    ++exp_field;
  }
  if (exp_field >= 0x1f) return Half{static_cast<uint16_t>(sign | 0x7c00)};
  return Half{static_cast<uint16_t>(sign | (exp_field << 10) | (man - 1024))};
}

Half FloatToHalf(float f) {
  // Every float is a double exactly, so this rounds once.
  return DoubleToHalf(static_cast<double>(f));
}

}  // namespace finch::kernels
