// The quantization parameters `finch quantize` chooses, and the weight quantization itself.
//
// Activations: uint8, asymmetric (affine) over the calibrated range widened to contain 0, so
// that 0 (padding, a Relu's floor) is exactly representable:
//   scale = (hi − lo) / 255,  zero_point = round(−lo / scale) ∈ [0, 255].
// Weights: int8, symmetric (zero point 0) over [−127, 127], one scale per output channel (axis 0)
// or per tensor: scale = max|w| / 127. −128 is never used, which keeps |w| ≤ 127 and the int16
// products of the AVX2 kernels away from the one value whose negation overflows.
// Bias: int32 at scale x_scale · w_scale[c], zero point 0, as QLinearConv defines it.
#pragma once

#include <cstdint>

#include "graph/status.h"
#include "graph/tensor.h"

namespace finch {

struct ActivationQuant {
  float scale = 1.0f;
  int32_t zero_point = 0;  // uint8
  // The float range the parameters represent: [scale·(0 − zp), scale·(255 − zp)].
  float lo() const { return scale * static_cast<float>(-zero_point); }
  float hi() const { return scale * static_cast<float>(255 - zero_point); }
};

// Parameters for a calibrated range [lo, hi] (lo ≤ hi; a degenerate range gives scale 1).
ActivationQuant ChooseActivationQuant(float lo, float hi);

struct QuantizedWeight {
  Tensor q;           // int8, w's shape
  Tensor scale;       // float32 [M] (per channel) or [] (per tensor)
  Tensor zero_point;  // int8 zeros, the scale's shape
};
// Quantizes a float32 weight of rank ≥ 1 (axis 0 is the output channel).
StatusOr<QuantizedWeight> QuantizeWeight(const Tensor& w, bool per_channel);

// round(b[c] / (x_scale · w_scale[c])) as int32 [M]; InvalidArgument when a value does not fit.
StatusOr<Tensor> QuantizeBias(const Tensor& b, float x_scale, const Tensor& w_scale);

// Signal-to-quantization-noise ratio of `approx` against `ref` in dB:
// 10·log10(Σ ref² / Σ (ref − approx)²); +inf when they are equal.
double SqnrDb(const float* ref, const float* approx, int64_t n);

}  // namespace finch
