// The activation epilogue on 8 floats, for files under avx2/ only. Every kind gives the same bits
// as ApplyActivation (kernels/common/activation.h) — the selects mirror its comparisons, so
// signed zeros and NaNs come out alike — except kSigmoid and kSiLU, which use the epilogue
// sigmoid of vecmath_avx2.h (SigmoidFast: a cheaper exp, a refined reciprocal estimate) instead
// of the scalar expf: within 5 ulp (sigmoid) and 6 ulp (SiLU) of exact for results ≥ FLT_MIN,
// so against the scalar reference 1/(1 + expf(−x)) (itself within ~1.5 ulp) |Δ| ≤ 8·2^-23·|ref|
// < 1e-6·|ref|, inside the tests' |Δ| ≤ 1e-6·max(1, |ref|). Below FLT_MIN (x < −87.34) the
// sigmoid gives 0 or less than 2^-126, |Δ| < 2^-126 (SiLU: < 2^-119).
// kGelu is GeluFast below (|error| ≤ 2^-22·max(1, |x|) against exact x·Φ(x)) and kGeluTanh the
// tanh form with vecmath's Tanh (≤ 2 ulp) in the scalar formula's order; the scalar references
// cancel in 1 + erf / 1 + tanh for x ≪ 0 too, so against them |Δ| ≤ 2^-22·max(1, |x|).
// kHardSigmoid keeps alpha·x + beta as a multiply then an add (no FMA contraction), like the
// scalar reference compiled without -mfma, so it is exact too.
#pragma once

#include <immintrin.h>

#include "kernels/common/activation.h"
#include "kernels/common/avx2/vecmath_avx2.h"

namespace finch::kernels::avx2 {

// Returns v, hiding its value from the optimizer so that a product is rounded before the next
// add: gnu++17 allows -ffp-contract=fast, which would fuse mul + add into one FMA.
inline __m256 NoContract(__m256 v) {
  __asm__("" : "+x"(v));
  return v;
}

// The epilogue GELU, x/2·(1 + erf(x/√2)), at about a third of vecmath's Gelu (which the
// standalone gelu_f32_avx2 keeps): erf(u) = u·P(u²)/Q(u²) on |u| ≤ 4, P and Q of degree 5 in u²
// (relative error of the fit 2.5e-8; fitted with mpmath by weighted least squares on Chebyshev
// points, reweighted towards the minimax), ±1 beyond (erf(4) rounds to 1; a NaN stays a NaN:
// the clamp keeps it, and the ordered compare that selects ±1 is false for it). |error| ≤ 2^-22·max(1, |x|) against exact
// x·Φ(x) (for x ≪ 0, 1 + erf cancels, so the error there is absolute; measured 1.5e-7, about
// 1.5 ulp of y for x > 0; asserted by GeluKernels.EpilogueGeluBound).
inline __m256 GeluFast(__m256 x) {
  const __m256 lim = _mm256_set1_ps(4.f), sign = _mm256_set1_ps(-0.f);
  const __m256 v = _mm256_mul_ps(x, _mm256_set1_ps(0.707106781186547524f));
  const __m256 u = _mm256_min_ps(lim, _mm256_max_ps(_mm256_xor_ps(lim, sign), v));
  const __m256 t = _mm256_mul_ps(u, u);
  __m256 p = _mm256_set1_ps(1.986531221589127e-6f);
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(2.8451468551154724e-4f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(3.8824259225889147e-3f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(5.3098884010024304e-2f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.9352800624907832e-1f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.1283791396688937f));
  __m256 q = _mm256_set1_ps(3.741484772120233e-5f);
  q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(1.1852896797542785e-3f));
  q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(1.5205463476655287e-2f));
  q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(1.1534239526081308e-1f));
  q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(5.0484229370090596e-1f));
  q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(1.f));
  __m256 erf = _mm256_div_ps(_mm256_mul_ps(u, p), q);
  // ±1 exactly where the clamp acted, so that x ≪ 0 gives x/2·(1 − 1) = 0, not the fit's
  // residual times x/2.
  const __m256 unit = _mm256_or_ps(_mm256_set1_ps(1.f), _mm256_and_ps(sign, v));
  erf = _mm256_blendv_ps(erf, unit, _mm256_cmp_ps(u, v, _CMP_NEQ_OQ));
  const __m256 hx = _mm256_mul_ps(_mm256_set1_ps(0.5f), x);
  return _mm256_fmadd_ps(hx, erf, hx);
}

// x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³))) in GeluTanh's order (kernels/common/activation.h).
inline __m256 GeluTanh(__m256 x) {
  const __m256 cube = _mm256_mul_ps(x, _mm256_mul_ps(x, x));
  const __m256 inner = _mm256_mul_ps(
      _mm256_set1_ps(0.7978845608f),
      _mm256_add_ps(x, NoContract(_mm256_mul_ps(_mm256_set1_ps(0.044715f), cube))));
  const __m256 t = _mm256_add_ps(_mm256_set1_ps(1.f), Tanh(inner));
  return _mm256_mul_ps(_mm256_set1_ps(0.5f), _mm256_mul_ps(x, t));
}

struct VecActivation {
  explicit VecActivation(const Activation& a)
      : act(a), alpha(_mm256_set1_ps(a.alpha)), beta(_mm256_set1_ps(a.beta)) {}

  __m256 operator()(__m256 v) const {
    const __m256 zero = _mm256_setzero_ps();
    switch (act.kind) {
      case ActivationKind::kNone:
        return v;
      case ActivationKind::kRelu:  // v < 0 ? 0 : v
        return _mm256_blendv_ps(v, zero, _mm256_cmp_ps(v, zero, _CMP_LT_OQ));
      case ActivationKind::kClip: {  // t = v < a ? a : v; t > b ? b : t
        const __m256 t = _mm256_blendv_ps(v, alpha, _mm256_cmp_ps(v, alpha, _CMP_LT_OQ));
        return _mm256_blendv_ps(t, beta, _mm256_cmp_ps(t, beta, _CMP_GT_OQ));
      }
      case ActivationKind::kHardSigmoid: {
        const __m256 one = _mm256_set1_ps(1.f);
        const __m256 t = _mm256_add_ps(NoContract(_mm256_mul_ps(alpha, v)), beta);
        const __m256 lo = _mm256_blendv_ps(t, zero, _mm256_cmp_ps(t, zero, _CMP_LT_OQ));
        return _mm256_blendv_ps(lo, one, _mm256_cmp_ps(t, one, _CMP_GT_OQ));
      }
      case ActivationKind::kHardSwish: {
        const __m256 one = _mm256_set1_ps(1.f);
        const __m256 t = _mm256_add_ps(_mm256_div_ps(v, _mm256_set1_ps(6.f)), _mm256_set1_ps(0.5f));
        __m256 c = _mm256_blendv_ps(t, zero, _mm256_cmp_ps(t, zero, _CMP_LT_OQ));
        c = _mm256_blendv_ps(c, one, _mm256_cmp_ps(t, one, _CMP_GT_OQ));
        return _mm256_mul_ps(v, c);
      }
      case ActivationKind::kLeakyRelu:  // v < 0 ? v·alpha : v
        return _mm256_blendv_ps(v, _mm256_mul_ps(v, alpha), _mm256_cmp_ps(v, zero, _CMP_LT_OQ));
      case ActivationKind::kSigmoid:
        return SigmoidFast(v);
      case ActivationKind::kSiLU:
        return SiLUFast(v);
      case ActivationKind::kGelu:
        return GeluFast(v);
      case ActivationKind::kGeluTanh:
        return GeluTanh(v);
    }
    return v;
  }

  Activation act;
  __m256 alpha, beta;
};

// Mask of the first `n` (0..8) lanes, for maskload/maskstore tails.
inline __m256i TailMask(int64_t n) {
  alignas(32) static const int32_t kOnes[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                                0,  0,  0,  0,  0,  0,  0,  0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kOnes + 8 - n));
}

}  // namespace finch::kernels::avx2
