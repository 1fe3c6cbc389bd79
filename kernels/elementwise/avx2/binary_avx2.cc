#include "kernels/elementwise/avx2/binary_avx2.h"

#include <immintrin.h>

#include "kernels/common/avx2/activation_avx2.h"
#include "kernels/elementwise/scalar_ops.h"

namespace finch::kernels {
namespace {

using avx2::TailMask;

// One functor per op: the vector form, and the scalar form of scalar_ops.h for the constant
// row (both operands repeated).
struct VAdd {
  __m256 operator()(__m256 a, __m256 b) const { return _mm256_add_ps(a, b); }
  float operator()(float a, float b) const { return scalar::Add()(a, b); }
};
struct VSub {
  __m256 operator()(__m256 a, __m256 b) const { return _mm256_sub_ps(a, b); }
  float operator()(float a, float b) const { return scalar::Sub()(a, b); }
};
struct VMul {
  __m256 operator()(__m256 a, __m256 b) const { return _mm256_mul_ps(a, b); }
  float operator()(float a, float b) const { return scalar::Mul()(a, b); }
};
struct VDiv {
  __m256 operator()(__m256 a, __m256 b) const { return _mm256_div_ps(a, b); }
  float operator()(float a, float b) const { return scalar::Div()(a, b); }
};
// scalar::Max: isnan(a) ? a : (b > a || b != b) ? b : a. (vmaxps differs on NaN and ±0.)
struct VMax {
  __m256 operator()(__m256 a, __m256 b) const {
    const __m256 take_b =
        _mm256_or_ps(_mm256_cmp_ps(b, a, _CMP_GT_OQ), _mm256_cmp_ps(b, b, _CMP_UNORD_Q));
    const __m256 r = _mm256_blendv_ps(a, b, take_b);
    return _mm256_blendv_ps(r, a, _mm256_cmp_ps(a, a, _CMP_UNORD_Q));
  }
  float operator()(float a, float b) const { return scalar::Max()(a, b); }
};
struct VMin {
  __m256 operator()(__m256 a, __m256 b) const {
    const __m256 take_b =
        _mm256_or_ps(_mm256_cmp_ps(b, a, _CMP_LT_OQ), _mm256_cmp_ps(b, b, _CMP_UNORD_Q));
    const __m256 r = _mm256_blendv_ps(a, b, take_b);
    return _mm256_blendv_ps(r, a, _mm256_cmp_ps(a, a, _CMP_UNORD_Q));
  }
  float operator()(float a, float b) const { return scalar::Min()(a, b); }
};

// y[i] = op(A(i), B(i)) for i in [0, n), where A and B load 8 lanes (full or masked).
template <typename Op, typename LoadA, typename LoadB>
void Row(float* y, int64_t n, Op op, LoadA load_a, LoadB load_b) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm256_storeu_ps(y + i, op(load_a(i), load_b(i)));
    _mm256_storeu_ps(y + i + 8, op(load_a(i + 8), load_b(i + 8)));
  }
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, op(load_a(i), load_b(i)));
  if (i < n) {
    const __m256i m = TailMask(n - i);
    // Masked-off lanes read nothing (no fault past the end) and are not stored.
    const __m256 va = load_a.Masked(i, m), vb = load_b.Masked(i, m);
    _mm256_maskstore_ps(y + i, m, op(va, vb));
  }
}

struct Walk {
  const float* p;
  __m256 operator()(int64_t i) const { return _mm256_loadu_ps(p + i); }
  __m256 Masked(int64_t i, __m256i m) const { return _mm256_maskload_ps(p + i, m); }
};
struct Repeat {
  __m256 v;
  __m256 operator()(int64_t) const { return v; }
  __m256 Masked(int64_t, __m256i) const { return v; }
};

template <typename Op>
void Segments(const BroadcastSpace& s, const float* a, const float* b, float* y, int64_t begin,
              int64_t end, Op op) {
  const bool a_walks = s.inner_stride(0) != 0;
  const bool b_walks = s.inner_stride(1) != 0;
  ForEachSegment(s, begin, end, [&](int64_t out, const int64_t* off, int64_t n) {
    const float* ap = a + off[0];
    const float* bp = b + off[1];
    float* yp = y + out;
    if (a_walks && b_walks) {
      Row(yp, n, op, Walk{ap}, Walk{bp});
    } else if (a_walks) {
      Row(yp, n, op, Walk{ap}, Repeat{_mm256_set1_ps(*bp)});
    } else if (b_walks) {
      Row(yp, n, op, Repeat{_mm256_set1_ps(*ap)}, Walk{bp});
    } else {
      const float v = op(*ap, *bp);
      for (int64_t i = 0; i < n; ++i) yp[i] = v;
    }
  });
}

}  // namespace

bool binary_f32_avx2_supports(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kMin:
    case BinaryOp::kMax:
      return true;
    default:
      return false;
  }
}

void binary_f32_avx2(BinaryOp op, const BroadcastSpace& s, const float* a, const float* b, float* y,
                     int64_t begin, int64_t end) {
  switch (op) {
    case BinaryOp::kAdd:
      return Segments(s, a, b, y, begin, end, VAdd());
    case BinaryOp::kSub:
      return Segments(s, a, b, y, begin, end, VSub());
    case BinaryOp::kMul:
      return Segments(s, a, b, y, begin, end, VMul());
    case BinaryOp::kDiv:
      return Segments(s, a, b, y, begin, end, VDiv());
    case BinaryOp::kMin:
      return Segments(s, a, b, y, begin, end, VMin());
    case BinaryOp::kMax:
      return Segments(s, a, b, y, begin, end, VMax());
    default:
      return;
  }
}

}  // namespace finch::kernels
