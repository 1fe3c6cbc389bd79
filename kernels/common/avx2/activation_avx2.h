// The activation epilogue on 8 floats, for files under avx2/ only. Every kind gives the same bits
// as ApplyActivation (kernels/common/activation.h) — the selects mirror its comparisons, so
// signed zeros and NaNs come out alike — except kSigmoid and kSiLU, which use the epilogue
// sigmoid of vecmath_avx2.h (SigmoidFast: a cheaper exp, a refined reciprocal estimate) instead
// of the scalar expf: within 5 ulp (sigmoid) and 6 ulp (SiLU) of exact for results ≥ FLT_MIN,
// so against the scalar reference 1/(1 + expf(−x)) (itself within ~1.5 ulp) |Δ| ≤ 8·2^-23·|ref|
// < 1e-6·|ref|, inside the tests' |Δ| ≤ 1e-6·max(1, |ref|). Below FLT_MIN (x < −87.34) the
// sigmoid gives 0 or less than 2^-126, |Δ| < 2^-126 (SiLU: < 2^-119).
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
