// Every kernel is one loop over 8-float vectors and a masked tail; the per-op math is a lambda
// on __m256 (the exact ops mirror the reference's comparisons, so NaNs and signed zeros agree).
#include "kernels/elementwise/avx2/unary_avx2.h"

#include <immintrin.h>

#include "kernels/common/avx2/activation_avx2.h"
#include "kernels/common/avx2/vecmath_avx2.h"

namespace finch::kernels {
namespace {

using avx2::NoContract;
using avx2::TailMask;

template <typename F>
void Map(const float* x, float* y, int64_t n, F f) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 v0 = _mm256_loadu_ps(x + i);
    const __m256 v1 = _mm256_loadu_ps(x + i + 8);
    _mm256_storeu_ps(y + i, f(v0));
    _mm256_storeu_ps(y + i + 8, f(v1));
  }
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, f(_mm256_loadu_ps(x + i)));
  if (i < n) {
    const __m256i m = TailMask(n - i);
    _mm256_maskstore_ps(y + i, m, f(_mm256_maskload_ps(x + i, m)));
  }
}

__m256 LessThan(__m256 a, __m256 b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
__m256 GreaterThan(__m256 a, __m256 b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }

}  // namespace

bool unary_f32_avx2_supports(UnaryOp op) {
  switch (op) {
    case UnaryOp::kRelu:
    case UnaryOp::kNeg:
    case UnaryOp::kAbs:
    case UnaryOp::kSqrt:
    case UnaryOp::kReciprocal:
    case UnaryOp::kFloor:
    case UnaryOp::kCeil:
    case UnaryOp::kSoftsign:
    case UnaryOp::kLeakyRelu:
    case UnaryOp::kHardSigmoid:
    case UnaryOp::kHardSwish:
    case UnaryOp::kSigmoid:
    case UnaryOp::kTanh:
    case UnaryOp::kErf:
    case UnaryOp::kExp:
      return true;
    default:
      return false;
  }
}

bool unary_f32_avx2(UnaryOp op, const UnaryParams& p, const float* x, float* y, int64_t n) {
  const __m256 zero = _mm256_setzero_ps();
  const __m256 one = _mm256_set1_ps(1.f);
  const __m256 sign = _mm256_set1_ps(-0.f);
  const __m256 alpha = _mm256_set1_ps(p.alpha);
  const __m256 beta = _mm256_set1_ps(p.beta);
  switch (op) {
    case UnaryOp::kRelu:  // v < 0 ? 0 : v
      Map(x, y, n, [&](__m256 v) { return _mm256_blendv_ps(v, zero, LessThan(v, zero)); });
      return true;
    case UnaryOp::kNeg:
      Map(x, y, n, [&](__m256 v) { return _mm256_xor_ps(v, sign); });
      return true;
    case UnaryOp::kAbs:
      Map(x, y, n, [&](__m256 v) { return _mm256_andnot_ps(sign, v); });
      return true;
    case UnaryOp::kSqrt:
      Map(x, y, n, [](__m256 v) { return _mm256_sqrt_ps(v); });
      return true;
    case UnaryOp::kReciprocal:
      Map(x, y, n, [&](__m256 v) { return _mm256_div_ps(one, v); });
      return true;
    case UnaryOp::kFloor:
      Map(x, y, n,
          [](__m256 v) { return _mm256_round_ps(v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); });
      return true;
    case UnaryOp::kCeil:
      Map(x, y, n,
          [](__m256 v) { return _mm256_round_ps(v, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC); });
      return true;
    case UnaryOp::kSoftsign:  // v / (1 + |v|)
      Map(x, y, n, [&](__m256 v) {
        return _mm256_div_ps(v, _mm256_add_ps(one, _mm256_andnot_ps(sign, v)));
      });
      return true;
    case UnaryOp::kLeakyRelu:  // v < 0 ? alpha·v : v
      Map(x, y, n, [&](__m256 v) {
        return _mm256_blendv_ps(v, _mm256_mul_ps(alpha, v), LessThan(v, zero));
      });
      return true;
    case UnaryOp::kHardSigmoid:  // t = alpha·v + beta (two roundings); t < 0 ? 0 : t > 1 ? 1 : t
      Map(x, y, n, [&](__m256 v) {
        const __m256 t = _mm256_add_ps(NoContract(_mm256_mul_ps(alpha, v)), beta);
        const __m256 lo = _mm256_blendv_ps(t, zero, LessThan(t, zero));
        return _mm256_blendv_ps(lo, one, GreaterThan(t, one));
      });
      return true;
    case UnaryOp::kHardSwish:  // v · clamp(v/6 + 1/2, 0, 1)
      Map(x, y, n, [&](__m256 v) {
        const __m256 t = _mm256_add_ps(_mm256_div_ps(v, _mm256_set1_ps(6.f)), _mm256_set1_ps(0.5f));
        __m256 c = _mm256_blendv_ps(t, zero, LessThan(t, zero));
        c = _mm256_blendv_ps(c, one, GreaterThan(t, one));
        return _mm256_mul_ps(v, c);
      });
      return true;
    case UnaryOp::kSigmoid:
      Map(x, y, n, [](__m256 v) { return avx2::Sigmoid(v); });
      return true;
    case UnaryOp::kTanh:
      Map(x, y, n, [](__m256 v) { return avx2::Tanh(v); });
      return true;
    case UnaryOp::kErf:
      Map(x, y, n, [](__m256 v) { return avx2::Erf(v); });
      return true;
    case UnaryOp::kExp:
      Map(x, y, n, [](__m256 v) { return avx2::Exp(v); });
      return true;
    default:
      return false;
  }
}

void clip_f32_avx2(const float* x, float* y, int64_t n, float lo, float hi) {
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  Map(x, y, n, [&](__m256 v) {  // t = v < lo ? lo : v; t > hi ? hi : t
    const __m256 t = _mm256_blendv_ps(v, vlo, LessThan(v, vlo));
    return _mm256_blendv_ps(t, vhi, GreaterThan(t, vhi));
  });
}

void gelu_f32_avx2(const float* x, float* y, int64_t n) {
  Map(x, y, n, [](__m256 v) { return avx2::Gelu(v); });
}

void silu_f32_avx2(const float* x, float* y, int64_t n) {
  Map(x, y, n, [](__m256 v) { return avx2::SiLU(v); });
}

void activation_f32_avx2(const Activation& act, const float* x, float* y, int64_t n) {
  const avx2::VecActivation f(act);
  Map(x, y, n, [&](__m256 v) { return f(v); });
}

}  // namespace finch::kernels
