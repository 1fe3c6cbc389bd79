// The epilogue of every int8 kernel: an int32 accumulator of channel n → the output element.
//
//   acc' = acc + bias[n]                                     (int32, wrapping; bias optional)
//   uint8 / int8:  y = clamp(round_half_even(float(acc') · scale[n]) + zero_point, qmin, qmax)
//   int32:         y = acc'                                  (ConvInteger / MatMulInteger)
//   float32:       y = act(float(acc') · scale[n])           (dequantize, mixed int8/fp32 plans)
//
// uint8/int8 is ONNX's QLinearConv / QLinearMatMul output stage as ONNX Runtime computes it in
// float: scale[n] is the multiplier x_scale·w_scale[n]/y_scale, computed by the caller in
// float32; float(acc') and the product are each rounded to nearest-even float32 (one rounding
// each); round_half_even is cvtps2dq under the default MXCSR (std::nearbyint in the reference:
// both follow the current rounding mode, which finch never changes). [qmin, qmax] ⊂ the type's
// range is the saturation, narrowed by a fused ReLU/ReLU6 expressed in the quantized domain
// (QuantizedClampRange).
//
// The reference's evaluation order, the definition on EVERY input (NaN and infinite scales
// included):
//   v = float(acc') · scale[n];  v = v > lo ? v : lo;  v = v < hi ? v : hi;
//   y = int32(round_half_even(v)) + zero_point,  lo = float(qmin − zp), hi = float(qmax − zp)
// Clamping before rounding is the same as clamping after it (rounding is monotone and lo, hi are
// integers), and it keeps the float → int32 conversion in range; a NaN product gives qmin. The
// AVX2 code gets the same bits with fewer instructions (clamp below and zero point in the 8- and
// 16-bit domain; the proof is in avx2/requantize_avx2.h).
//
// The float activation is kernels/common/activation.h's; its AVX2 form is bit-identical except
// Sigmoid/SiLU (a vector exp, within 1e-6·max(1, |y|): kernels/common/avx2/activation_avx2.h),
// and except the sign of a NaN that a NaN scale produces (valid scales are finite and > 0).
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/common/activation.h"
#include "kernels/int8/int8.h"

namespace finch::kernels {

enum class QOutType : uint8_t { kUint8, kInt8, kInt32, kFloat32 };

inline constexpr int64_t QOutBytes(QOutType t) {
  return t == QOutType::kUint8 || t == QOutType::kInt8 ? 1 : 4;
}

struct QuantEpilogue {
  QOutType type = QOutType::kUint8;
  const int32_t* bias = nullptr;  // [channels], or null
  // uint8/int8: the requantization multiplier; float32: the dequantization scale; int32: unused.
  // [channels] when per_channel, else [1].
  const float* scale = nullptr;
  bool per_channel = false;
  int32_t zero_point = 0;        // uint8/int8: y_zp, in the type's range
  int32_t qmin = 0, qmax = 255;  // uint8/int8: QTypeMin ≤ qmin ≤ qmax ≤ QTypeMax
  Activation act;                // float32 only

  // y = saturate(round(acc'·multiplier) + y_zp) over the whole range of `type`.
  static QuantEpilogue Quantized(QType type, const float* multiplier, bool per_channel,
                                 int32_t zero_point, const int32_t* bias) {
    QuantEpilogue e;
    e.type = type == QType::kUint8 ? QOutType::kUint8 : QOutType::kInt8;
    e.bias = bias;
    e.scale = multiplier;
    e.per_channel = per_channel;
    e.zero_point = zero_point;
    e.qmin = QTypeMin(type);
    e.qmax = QTypeMax(type);
    return e;
  }
  // y = act(float(acc')·scale).
  static QuantEpilogue Dequantized(const float* scale, bool per_channel, const int32_t* bias,
                                   Activation act = {}) {
    QuantEpilogue e;
    e.type = QOutType::kFloat32;
    e.bias = bias;
    e.scale = scale;
    e.per_channel = per_channel;
    e.act = act;
    return e;
  }
  // y = acc'.
  static QuantEpilogue Int32(const int32_t* bias) {
    QuantEpilogue e;
    e.type = QOutType::kInt32;
    e.bias = bias;
    return e;
  }

  float Scale(int64_t channel) const { return per_channel ? scale[channel] : scale[0]; }
};

// The quantized image [qmin, qmax] of a float clamp [lo, hi] (ReLU: [0, +inf), ReLU6: [0, 6])
// on an output quantized with (y_scale > 0, y_zp): QuantizeLinear of each bound, saturated to
// the type. Clamping y in float then quantizing equals quantizing then clamping to these bounds,
// because quantization is monotone.
void QuantizedClampRange(float lo, float hi, float y_scale, int32_t y_zp, QType type, int32_t* qmin,
                         int32_t* qmax);

// The epilogue of one accumulator (bias not yet added) of channel n, stored as element i of y.
inline void QuantEpilogueStoreRef(const QuantEpilogue& e, int32_t acc, int64_t n, void* y,
                                  int64_t i) {
  if (e.bias != nullptr) acc = WrapAdd(acc, e.bias[n]);
  switch (e.type) {
    case QOutType::kInt32:
      static_cast<int32_t*>(y)[i] = acc;
      return;
    case QOutType::kFloat32:
      static_cast<float*>(y)[i] = ApplyActivation(e.act, static_cast<float>(acc) * e.Scale(n));
      return;
    case QOutType::kUint8:
    case QOutType::kInt8: {
      const float lo = static_cast<float>(e.qmin - e.zero_point);
      const float hi = static_cast<float>(e.qmax - e.zero_point);
      float v = static_cast<float>(acc) * e.Scale(n);
      v = v > lo ? v : lo;  // maxps(v, lo): a NaN v gives lo
      v = v < hi ? v : hi;  // minps(v, hi)
      const int32_t q = static_cast<int32_t>(std::nearbyint(v)) + e.zero_point;
      if (e.type == QOutType::kUint8) {
        static_cast<uint8_t*>(y)[i] = static_cast<uint8_t>(q);
      } else {
        static_cast<int8_t*>(y)[i] = static_cast<int8_t>(q);
      }
      return;
    }
  }
}

// The epilogue over a block: y[r, j] = epilogue(acc[r·ld_acc + j]) of channel j, for r in
// [0, rows), j in [0, cols); y's elements are of e.type, at y[r·ldy + j] (element strides).
// Channel j reads bias[j] and (per channel) scale[j]: offset those pointers for a block that
// starts at another channel. Nothing outside the block is read or written.
void requantize_ref(const QuantEpilogue& e, int64_t rows, int64_t cols, const int32_t* acc,
                    int64_t ld_acc, void* y, int64_t ldy);

// The same, AVX2 (kernels/int8/avx2/): call only when the CPU reports avx2 && fma.
void requantize_avx2(const QuantEpilogue& e, int64_t rows, int64_t cols, const int32_t* acc,
                     int64_t ld_acc, void* y, int64_t ldy);

}  // namespace finch::kernels
