// The scalar arithmetic every quantized kernel shares: rounding a real value onto an 8-bit grid,
// and requantizing an exact integer accumulator.
//
//   quantize(v, zp)         = saturate(round_half_even(v) + zp)
//   requantize(acc, m, zp)  = quantize(float(acc) · m, zp)      (acc: an int32 accumulator)
//
// Rounding is std::nearbyint under the default rounding mode (to nearest, ties to even), as
// ONNX specifies. Saturation clamps to T's range; NaN goes to T's lowest value (what a
// max-then-min clamp with the NaN on the left gives, ONNX Runtime's choice), so no NaN ever
// reaches an integer conversion.
//
// Requantization is float32 throughout: the multiplier m = in_scale · w_scale / out_scale is
// formed in float32 in that order, and float(acc) · m is one float32 product, as ONNX Runtime
// computes it (the reference outputs of the int8 models come from it). Computing m or the
// product in float64 instead moves the few values that lie within a float32 rounding error of a
// .5 tie to the other side: about one per million, but the later layers amplify each flip (10
// output steps on the int8 MobileNetV2, tests/models/int8_models_test.cc; ../shared/README.md
// reports 80.4% top-1 with float64 against 81.8% with float32 on its 500 images).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace finch::kernels {

template <typename T>
inline T QuantizeValue(float v, int32_t zero_point) {
  constexpr float kLo = static_cast<float>(std::numeric_limits<T>::min());
  constexpr float kHi = static_cast<float>(std::numeric_limits<T>::max());
  // Exact for |rounded| <= 2^24; beyond that the sum is far outside T's range either way.
  float q = std::nearbyint(v) + static_cast<float>(zero_point);
  if (!(q >= kLo)) q = kLo;  // also NaN
  if (q > kHi) q = kHi;
  return static_cast<T>(q);
}

// v modulo 2^32 as a two's-complement int32: what an int32 accumulator holds after summing
// terms whose exact sum is v. Exact whenever v fits in int32.
inline int32_t WrapToInt32(int64_t v) {
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v)));
}

template <typename T>
inline T Requantize(int64_t acc, float multiplier, int32_t zero_point) {
  return QuantizeValue<T>(static_cast<float>(acc) * multiplier, zero_point);
}

}  // namespace finch::kernels
