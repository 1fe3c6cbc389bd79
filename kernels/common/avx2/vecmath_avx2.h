// Transcendental functions on 8 floats (AVX2 + FMA), for files under avx2/ only.
//
// Each function handles the whole float range: ±0, ±inf, NaN (NaN in, NaN out) and denormal
// inputs and results (no flush to zero). Measured maximum errors against a double-precision
// std:: reference (tests/kernels/vecmath_test.cc sweeps every 2^-10 step of [−100, 100] and
// [−16, 16], every float exponent, and the special values; the test asserts these bounds).
// "ulp" is the spacing of floats at the reference value (2^-149 for denormal results):
//
//   Exp      ≤ 1 ulp     (measured 0.98)
//   Sigmoid  ≤ 2.5 ulp   (measured 2.13, at x < 0: e/(1 + e) carries Exp's error plus two
//                         roundings)
//   SiLU     ≤ 3 ulp     (measured 2.90; results below 2^-119, x < −80, in units of 2^-142:
//                         the denormal sigmoid's rounding is scaled by |x| ≤ 104)
//   Tanh     ≤ 2 ulp     (measured 1.49)
//   Erf      ≤ 2 ulp     (measured 1.36), |error| ≤ 1.5e-7 (measured 8.1e-8)
//   Gelu     ≤ 5 ulp     (measured 4.63 at x ≈ −2.5; results below 2^-122, x < −13, in units
//                         of 2^-145). It keeps its relative accuracy for x ≪ 0 because erfc is
//                         computed directly, not as 1 + erf.
//
// The methods:
//   Exp(x): x = n·ln2 + r, n = round(x/ln2), r = x − n·ln2_hi − n·ln2_lo (Cody–Waite, two
//     FMAs; exact for |n| ≤ 150), |r| ≤ ln2/2; e^r = 1 + r + r²·q(r) with Cephes' degree-5 q;
//     then 2^n as two factors 2^(n>>1)·2^(n − n>>1), each a normal float, so results near the
//     overflow threshold (n = 128) and denormal results (n down to −150) are formed by one
//     correctly rounded multiply. x is clamped to [−104, 89] first: e^−104 < 2^−150 rounds
//     to 0 and e^89 overflows to +inf, as expf does.
//   Sigmoid(x) = 1/(1 + e^−x) for x ≥ 0 and e^x/(1 + e^x) for x < 0, both from e = e^−|x| ≤ 1
//     (no overflow, full relative accuracy for x ≪ 0) and one true division.
//   Tanh(x) = sign(x)·(1 − e)/(1 + e), e = e^−2|x|, for |x| ≥ 0.55; below, where 1 − e would
//     cancel, x + x³·g(x²) with g a degree-5 Chebyshev fit (|error| 3.8e-10 on [0, 0.3025]).
//   Erf(x) = x + x·(g(x²) − 1) for |x| < 0.75 (g degree 6 in x², |error| 2.6e-11); above,
//     erf = 1 − erfc with erfc(x) = e^−x²·h(t), t = 1/(1 + x/2), h degree 9 in t (|error|
//     4.2e-10 on x ∈ [0.5, 10.5]), and x² split exactly into hi + lo (FMA) so e^−x² carries no
//     error from the squaring: e^−(hi+lo) ≈ e^−hi·(1 − lo).
//   Gelu(x) = x·Φ(x) = x − x/2·erfc(x/√2) for x ≥ 0 and x/2·erfc(|x|/√2) for x < 0, using the
//     same erfc for |x|/√2 ≥ 0.5 (the square (x/√2)² = x²/2 is formed from x exactly) and
//     1 − erf below (≥ 0.47, so no cancellation).
// Measured and asserted by tests/kernels/vecmath_test.cc (suite VecMath); the fits were made
// with mpmath.chebyfit on the stated intervals and rounded to float.
#pragma once

#include <immintrin.h>

namespace finch::kernels::avx2 {

namespace vecmath_internal {

inline __m256 Abs(__m256 x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.f), x); }
inline __m256 SignOf(__m256 x) { return _mm256_and_ps(_mm256_set1_ps(-0.f), x); }
inline __m256 IsNan(__m256 x) { return _mm256_cmp_ps(x, x, _CMP_UNORD_Q); }

// 2^n for integer n in [−126, 127] (as int32 lanes), by building the exponent field.
inline __m256 Pow2(__m256i n) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23));
}

}  // namespace vecmath_internal

// e^x.
inline __m256 Exp(__m256 x) {
  using namespace vecmath_internal;
  const __m256 xc = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-104.f)), _mm256_set1_ps(89.f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(xc, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // ln2 = 0.693359375 − 2.12194440e-4: the high part has 9 significant bits, so n·ln2_hi is
  // exact and x − n·ln2_hi loses nothing.
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), xc);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  const __m256 r2 = _mm256_mul_ps(r, r);
  __m256 q = _mm256_set1_ps(1.9875691500e-4f);
  q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(1.3981999507e-3f));
  q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(8.3334519073e-3f));
  q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(4.1665795894e-2f));
  q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(1.6666665459e-1f));
  q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(5.0000001201e-1f));
  const __m256 p = _mm256_add_ps(_mm256_fmadd_ps(q, r2, r), _mm256_set1_ps(1.f));
  const __m256i ni = _mm256_cvtps_epi32(n);
  const __m256i n1 = _mm256_srai_epi32(ni, 1);
  const __m256i n2 = _mm256_sub_epi32(ni, n1);
  const __m256 y = _mm256_mul_ps(_mm256_mul_ps(p, Pow2(n1)), Pow2(n2));
  return _mm256_blendv_ps(y, x, IsNan(x));
}

// 1 / (1 + e^−x).
inline __m256 Sigmoid(__m256 x) {
  using namespace vecmath_internal;
  const __m256 one = _mm256_set1_ps(1.f);
  const __m256 e = Exp(_mm256_or_ps(Abs(x), _mm256_set1_ps(-0.f)));  // e^−|x|
  const __m256 num = _mm256_blendv_ps(one, e, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
  return _mm256_div_ps(num, _mm256_add_ps(one, e));
}

// x · sigmoid(x).
inline __m256 SiLU(__m256 x) { return _mm256_mul_ps(x, Sigmoid(x)); }

// The activation-epilogue sigmoid (VecActivation): 1/(1 + e^−x) at about two thirds of
// Sigmoid's instructions, for fused kernels that apply it to every element of an expanded
// tensor. e^−x is formed for −x clamped to [−87.3, 88] (so it is a normal float, at most
// 1.7e38, and no sign select is needed: 1 + e never cancels), with n from the round-to-nearest
// "magic number" addition and one power of two; 1/(1 + e) is a reciprocal estimate refined by
// one Newton step. Results below FLT_MIN (x < −87.3) come out as 0 or a value below 2^-126.
// Bound (asserted by VecMath.SigmoidFast): ≤ 5 ulp for results ≥ FLT_MIN; NaN in, NaN out.
inline __m256 SigmoidFast(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.f);
  const __m256 magic = _mm256_set1_ps(12582912.f);  // 1.5·2^23: adding it rounds to integer
  // y = −x clamped; max_ps/min_ps return their 2nd operand when one is NaN, so NaN survives.
  __m256 y = _mm256_xor_ps(x, _mm256_set1_ps(-0.f));
  y = _mm256_min_ps(_mm256_set1_ps(88.f), _mm256_max_ps(_mm256_set1_ps(-87.33654f), y));
  const __m256 t = _mm256_fmadd_ps(y, _mm256_set1_ps(1.44269504088896341f), magic);
  const __m256 n = _mm256_sub_ps(t, magic);  // round(y / ln2), in [−126, 127]
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), y);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  // e^r = 1 + r + r²·q(r), q of degree 4 (Chebyshev fit of (e^r − 1 − r)/r² on ±ln2/2,
  // relative error of e^r 1.0e-8).
  __m256 q = _mm256_set1_ps(1.392617612e-3f);
  q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(8.363173075e-3f));
  q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(4.166655466e-2f));
  q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(1.666657703e-1f));
  q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(0.5f));
  const __m256 p = _mm256_add_ps(_mm256_fmadd_ps(q, _mm256_mul_ps(r, r), r), one);
  // 2^n: t's low mantissa bits hold n (two's complement); shifted into the exponent field.
  const __m256i bits = _mm256_add_epi32(_mm256_slli_epi32(_mm256_castps_si256(t), 23),
                                        _mm256_set1_epi32(127 << 23));
  const __m256 e = _mm256_mul_ps(p, _mm256_castsi256_ps(bits));  // e^−x in [2^−126, 1.7e38]
  const __m256 d = _mm256_add_ps(one, e);
  const __m256 r0 = _mm256_rcp_ps(d);  // 0 for d > 2^126 (x < −87.3)
  return _mm256_fmadd_ps(r0, _mm256_fnmadd_ps(d, r0, one), r0);  // one Newton step
}

// x · SigmoidFast(x): ≤ 6 ulp for |results| ≥ FLT_MIN (VecMath.SiLUFast).
inline __m256 SiLUFast(__m256 x) { return _mm256_mul_ps(x, SigmoidFast(x)); }

inline __m256 Tanh(__m256 x) {
  using namespace vecmath_internal;
  const __m256 one = _mm256_set1_ps(1.f);
  const __m256 ax = Abs(x);
  // |x| ≥ 0.55: (1 − e)/(1 + e), e = e^−2|x| ≤ 1/3, so 1 − e does not cancel.
  const __m256 e = Exp(_mm256_mul_ps(ax, _mm256_set1_ps(-2.f)));
  const __m256 big =
      _mm256_or_ps(_mm256_div_ps(_mm256_sub_ps(one, e), _mm256_add_ps(one, e)), SignOf(x));
  // |x| < 0.55: x + x³·g(x²).
  const __m256 x2 = _mm256_mul_ps(x, x);
  __m256 g = _mm256_set1_ps(2.526390711e-03f);
  g = _mm256_fmadd_ps(g, x2, _mm256_set1_ps(-8.526333058e-03f));
  g = _mm256_fmadd_ps(g, x2, _mm256_set1_ps(2.181844913e-02f));
  g = _mm256_fmadd_ps(g, x2, _mm256_set1_ps(-5.396470045e-02f));
  g = _mm256_fmadd_ps(g, x2, _mm256_set1_ps(1.333332420e-01f));
  g = _mm256_fmadd_ps(g, x2, _mm256_set1_ps(-3.333333330e-01f));
  // tanh is odd and |tanh x| ≤ |x|: the result has x's sign, which the OR restores for −0.
  const __m256 small = _mm256_or_ps(_mm256_fmadd_ps(_mm256_mul_ps(x, x2), g, x), SignOf(x));
  return _mm256_blendv_ps(big, small, _mm256_cmp_ps(ax, _mm256_set1_ps(0.55f), _CMP_LT_OQ));
}

namespace vecmath_internal {

// erf(x)/x − 1 = g(x²) − 1 for |x| < 0.75 (degree 6 in x², |error| 2.6e-11). Without the 1,
// the constant term 2/√π − 1 rounds with an error 8 times smaller relative to erf than 2/√π
// itself would.
inline __m256 ErfSmallGm1(__m256 x2) {
  __m256 g = _mm256_set1_ps(9.4704617815938660e-05f);
  g = _mm256_fmadd_ps(g, x2, _mm256_set1_ps(-8.3569279200142058e-04f));
  g = _mm256_fmadd_ps(g, x2, _mm256_set1_ps(5.2167894899210398e-03f));
  g = _mm256_fmadd_ps(g, x2, _mm256_set1_ps(-2.6864771802052340e-02f));
  g = _mm256_fmadd_ps(g, x2, _mm256_set1_ps(1.1283778642917985e-01f));
  g = _mm256_fmadd_ps(g, x2, _mm256_set1_ps(-3.7612638446679741e-01f));
  return _mm256_fmadd_ps(g, x2, _mm256_set1_ps(1.2837916706932712e-01f));
}

// erfc(u) for u in [0.5, 10.5], given sq_hi + sq_lo = u² exactly (|sq_lo| ≤ ulp(sq_hi)/2).
inline __m256 ErfcTail(__m256 u, __m256 sq_hi, __m256 sq_lo) {
  const __m256 two = _mm256_set1_ps(2.f);
  const __m256 t = _mm256_div_ps(two, _mm256_add_ps(two, u));
  __m256 h = _mm256_set1_ps(-7.712376870e-02f);
  h = _mm256_fmadd_ps(h, t, _mm256_set1_ps(3.626524412e-01f));
  h = _mm256_fmadd_ps(h, t, _mm256_set1_ps(-6.317230861e-01f));
  h = _mm256_fmadd_ps(h, t, _mm256_set1_ps(4.277598415e-01f));
  h = _mm256_fmadd_ps(h, t, _mm256_set1_ps(-1.218426870e-01f));
  h = _mm256_fmadd_ps(h, t, _mm256_set1_ps(2.411001305e-01f));
  h = _mm256_fmadd_ps(h, t, _mm256_set1_ps(2.333127311e-01f));
  h = _mm256_fmadd_ps(h, t, _mm256_set1_ps(2.838908157e-01f));
  h = _mm256_fmadd_ps(h, t, _mm256_set1_ps(2.819574514e-01f));
  h = _mm256_fmadd_ps(h, t, _mm256_set1_ps(4.591521967e-06f));
  const __m256 c = _mm256_mul_ps(Exp(_mm256_xor_ps(sq_hi, _mm256_set1_ps(-0.f))), h);
  return _mm256_fnmadd_ps(c, sq_lo, c);  // e^−lo ≈ 1 − lo, |lo| < 2^-20
}

}  // namespace vecmath_internal

inline __m256 Erf(__m256 x) {
  using namespace vecmath_internal;
  const __m256 ax = Abs(x);
  const __m256 x2 = _mm256_mul_ps(x, x);
  const __m256 small = _mm256_fmadd_ps(x, ErfSmallGm1(x2), x);  // x + x·(g − 1)
  // erf(4) rounds to 1 (erfc(4) = 1.5e-8 < ulp(1)/2 is lost), so clamp there; min(4, ax)
  // (this operand order) keeps a NaN.
  const __m256 u = _mm256_min_ps(_mm256_set1_ps(4.f), ax);
  const __m256 hi = _mm256_mul_ps(u, u);
  const __m256 lo = _mm256_fmsub_ps(u, u, hi);
  const __m256 big =
      _mm256_or_ps(_mm256_sub_ps(_mm256_set1_ps(1.f), ErfcTail(u, hi, lo)), SignOf(x));
  return _mm256_blendv_ps(big, small, _mm256_cmp_ps(ax, _mm256_set1_ps(0.75f), _CMP_LT_OQ));
}

// x·Φ(x) = x/2·(1 + erf(x/√2)).
inline __m256 Gelu(__m256 x) {
  using namespace vecmath_internal;
  const __m256 half = _mm256_set1_ps(0.5f);
  // x ≥ 0 beyond 15 (u ≥ 10.6): erfc(u) = 0 in float, so clamping there changes nothing and
  // keeps x² finite. min(15, |x|) keeps a NaN.
  const __m256 ax = _mm256_min_ps(_mm256_set1_ps(15.f), vecmath_internal::Abs(x));
  const __m256 u = _mm256_mul_ps(ax, _mm256_set1_ps(0.707106781186547524f));
  // u² = x²/2 exactly: the halving of an exact split is exact (barring denormals, far below
  // where this branch is used).
  const __m256 sq = _mm256_mul_ps(ax, ax);
  const __m256 sq_lo = _mm256_fmsub_ps(ax, ax, sq);
  const __m256 tail = ErfcTail(u, _mm256_mul_ps(sq, half), _mm256_mul_ps(sq_lo, half));
  // erfc(u) for u < 0.5: 1 − erf(u) ≥ 0.47, no cancellation to speak of.
  const __m256 head =
      _mm256_sub_ps(_mm256_set1_ps(1.f), _mm256_fmadd_ps(u, ErfSmallGm1(_mm256_mul_ps(u, u)), u));
  const __m256 c = _mm256_blendv_ps(tail, head, _mm256_cmp_ps(u, half, _CMP_LT_OQ));
  // x ≥ 0: x − |x|/2·c;  x < 0: −|x|/2·c. |x| clamped, so ±inf give +inf and −0 (the limits)
  // instead of inf·0.
  const __m256 hx = _mm256_mul_ps(half, ax);
  const __m256 pos = _mm256_fnmadd_ps(hx, c, x);
  const __m256 neg = _mm256_xor_ps(_mm256_mul_ps(hx, c), _mm256_set1_ps(-0.f));
  return _mm256_blendv_ps(pos, neg, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
}

}  // namespace finch::kernels::avx2
