// kernels/int8/ — int8 kernels that are EXACT BY CONSTRUCTION, for QLinearConv, QLinearMatMul,
// ConvInteger/MatMulInteger and mixed int8/fp32 plans (issue #6, kernel layer).
//
// Files: this header (types shared by the family, and the design below); requantize.h (the
// int32 → uint8/int8/int32/float epilogue); qgemm.h (GEMM with a prepacked constant B: pointwise
// convolutions in NHWC, QLinearMatMul); qdwconv.h (depthwise 3×3/5×5 in NHWC); qim2col_nhwc.h
// (the rows that make a general convolution a GEMM). Each has a scalar `*_ref` (plain loops,
// the oracle and the fallback on any x86-64) and an AVX2 variant in avx2/, bit-identical to it
// on every input; the GEMM (qgemm_vnni.h) and the depthwise convolution (qdwconv.h) also have a
// VNNI variant in avx512vnni/ (vpdpbusd, 256-bit vectors with AVX-512 VL/BW), for weights whose
// w − w_zp fit int8 — see THE VNNI PATH below. Kernels never check CPU features: the runtime
// picks a variant only when GetCpuFeatures() reports its ISA (runtime/ops/qgemm_driver.cc,
// runtime/ops/qlinear_conv_nhwc.cc).
//
// THE PROBLEM. The common AVX2 int8 idiom is vpmaddubsw (u8 × s8, adjacent products summed into
// a SATURATING int16) followed by vpmaddwd by ones. 255·127 + 255·127 = 64770 > 32767, so with
// activations near 255 and weights of the same sign the pair sum clips; the error is silent,
// data dependent, and costs ONNX Runtime's u8×s8 kernel 8 points of top-1 on the int8
// MobileNetV2. Tricks that restrict weights to 7 bits or activations to [0, 127] trade the bug
// for a precision loss. finch refuses both.
//
// THE DESIGN. Widen to int16 and subtract the zero points while widening:
//   a' = a − a_zp ∈ [−255, 255],  w' = w − w_zp ∈ [−255, 255]   (uint8 or int8, any zero point
//   inside its type's range)
// both fit int16, and vpmaddwd (16 int16 × int16 products → 8 int32 sums of adjacent pairs) is
// exact on them: |a'₀w'₀ + a'₁w'₁| ≤ 2·255² = 130050 < 2^31 (vpmaddwd's only inexact case,
// (−32768)²·2, cannot occur). The int32 accumulation of K products is exact while
// K·255² + |bias| < 2^31: K ≤ kQMaxExactTerms = 33025 for any data and a zero bias; the bias
// condition is checked by QSumFitsInt32 at plan time. Past that the int32 sum wraps modulo 2^32
// in every variant alike (the references sum in int64 and wrap at the end), so even then the
// AVX2 kernels equal their references bit for bit; they only stop equalling the true sum.
// Because the zero points are subtracted before the multiply, no correction terms
// (Σa·w_zp, Σw·a_zp, K·a_zp·w_zp) are needed, every zero point is exact (per tensor or per
// channel), and the padding of a convolution is simply a_zp (a' = 0).
//
// THE COST. vpmaddwd does 16 multiply-adds per instruction; vpmaddubsw + vpmaddwd(ones) does 32
// in two instructions on the same multiply ports: the same peak (the int8 roof that
// kernels/machine measures). What widening costs is elsewhere: B is twice the bytes (int16,
// packed once at plan time), the activations are widened once per call (M·K conversions for
// M·N·K multiply-adds) and each vpmaddwd needs a vpaddd to accumulate (AVX2 has no
// accumulating form; AVX-512/AVX-VNNI's vpdpwssd would fuse the two — not used here).
//
// THE VNNI PATH. vpdpbusd multiplies four uint8 × int8 byte pairs and adds their sum to an int32
// lane, with no intermediate rounding or saturation (|sum| ≤ 4·255·128): exact like the int16
// path, with four times the products per instruction of vpmaddwd. It needs an unsigned and a
// signed operand, so activations are uint8 (int8 ones flipped to x + 128, the zero point with
// them), weights are w' = w − w_zp and must fit int8 (symmetric weights, which quantizers write
// and the Model Zoo's int8 models use; otherwise the int16 path runs), and the zero point is
// taken out after the products: Σ (x − x_zp)·w' = Σ x·w' − x_zp·Σ w', with Σ w' stored with the
// packed weights. The int32 sums wrap alike in every variant, so even past kQMaxExactTerms the
// VNNI kernels equal the references bit for bit.
//
// LAYOUTS. Activations are NHWC (channels last), as on finch's fp32 fast path: a 1×1
// convolution is qgemm with M = pixels, K = in channels, N = out channels, B = Wᵀ of ONNX's
// weight W[N][K]; a depthwise convolution vectorises over channels. Outputs are written with a
// row stride, so a kernel can write into a slice of a larger tensor (a concat, a residual).
//
// THREADS. Every kernel takes an output range (qgemm: columns [n_begin, n_end) and any rows;
// qdwconv: output rows [row_begin, row_end)); integer sums do not depend on the order of
// summation, so results are identical for any split, thread count and variant.
#pragma once

#include <cstdint>

namespace finch::kernels {

// The 8-bit element types of ONNX's quantized ops (zero points share their tensor's type).
enum class QType : uint8_t { kUint8, kInt8 };

inline constexpr int32_t QTypeMin(QType t) { return t == QType::kUint8 ? 0 : -128; }
inline constexpr int32_t QTypeMax(QType t) { return t == QType::kUint8 ? 255 : 127; }

// Element i of a uint8 or int8 buffer.
inline int32_t LoadQ(const void* p, QType t, int64_t i) {
  return t == QType::kUint8 ? static_cast<const uint8_t*>(p)[i] : static_cast<const int8_t*>(p)[i];
}

// A constant int8/uint8 weight tensor and its zero points. Zero points are given as int32 values
// (ONNX stores them in the weight's type); each must lie in [QTypeMin, QTypeMax] of `type` —
// that is what keeps w − w_zp within int16.
struct QWeights {
  const void* data = nullptr;
  QType type = QType::kInt8;
  const int32_t* zero_point = nullptr;  // [channels] when per_channel, else [1]; null: all 0
  bool per_channel = false;

  int32_t ZeroPoint(int64_t channel) const {
    if (zero_point == nullptr) return 0;
    return per_channel ? zero_point[channel] : zero_point[0];
  }
};

// Most products of two zero-point-shifted 8-bit values (each |·| ≤ 255) whose sum always fits
// int32: 33025·255² = 2,147,450,625 ≤ 2^31 − 1.
inline constexpr int64_t kQMaxExactTerms = 33025;

// Whether bias + a sum of `terms` such products fits int32 for ANY data (plan-time check; the
// bias is a constant of the model).
inline bool QSumFitsInt32(int64_t terms, int64_t max_abs_bias) {
  constexpr int64_t kMaxProduct = 255 * 255;
  return terms >= 0 && terms <= kQMaxExactTerms && max_abs_bias >= 0 &&
         terms * kMaxProduct + max_abs_bias <= INT32_MAX;
}

// x + y modulo 2^32 (what vpaddd does; signed overflow would be undefined in C++).
inline int32_t WrapAdd(int32_t x, int32_t y) {
  return static_cast<int32_t>(static_cast<uint32_t>(x) + static_cast<uint32_t>(y));
}

// An int64 sum reduced modulo 2^32, as the int32 accumulators of the vector kernels hold it.
inline int32_t WrapToInt32(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v)); }

}  // namespace finch::kernels
