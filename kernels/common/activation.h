// The activation epilogue shared by every fused kernel (conv, GEMM, inverted-residual block).
//
// The formulas are the same expressions, in the same float arithmetic, as the standalone
// reference ops (kernels/elementwise/unary_ref.cc), so a fused graph differs from the unfused
// one only where the kernels themselves reorder sums.
#pragma once

#include <cmath>
#include <cstdint>

namespace finch::kernels {

enum class ActivationKind : uint8_t {
  kNone,
  kRelu,         // max(x, 0)
  kClip,         // min(max(x, alpha), beta)        (ReLU6: alpha 0, beta 6)
  kSigmoid,      // 1 / (1 + e^−x)
  kSiLU,         // x · sigmoid(x)                  (torch's Swish: Sigmoid + Mul)
  kHardSigmoid,  // clamp(alpha·x + beta, 0, 1)
  kHardSwish,    // x · clamp(x/6 + 1/2, 0, 1)
  kLeakyRelu,    // x < 0 ? alpha·x : x
  kGelu,         // x·Φ(x) = x/2·(1 + erf(x/√2))              (torch's nn.GELU())
  kGeluTanh,     // x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³)))  (GELU(approximate="tanh"))
};

struct Activation {
  ActivationKind kind = ActivationKind::kNone;
  float alpha = 0.f;
  float beta = 0.f;
};

inline float Sigmoid(float v) { return 1.f / (1.f + std::exp(-v)); }

// The GELUs in the order of operations of torch's ONNX export (Div, Erf, Add, Mul, Mul and
// Mul, Mul, Mul, Add, Mul, Tanh, Add, Mul, Mul), so the fused graph on the scalar path gives the
// unfused graph's bits. 1 + erf and 1 + tanh cancel for x ≪ 0, so their error there is absolute,
// within 2^-22·max(1, |x|) of exact (GeluKernels.ScalarFormsWithinBound), as in the unfused graph.
inline float GeluErf(float v) { return v * (1.f + std::erf(v / 1.41421354f)) * 0.5f; }
inline float GeluTanh(float v) {
  const float inner = 0.7978845608f * (v + 0.044715f * (v * (v * v)));
  return 0.5f * (v * (1.f + std::tanh(inner)));
}

inline float ApplyActivation(const Activation& a, float v) {
  switch (a.kind) {
    case ActivationKind::kNone: return v;
    case ActivationKind::kRelu: return v < 0 ? 0.f : v;
    case ActivationKind::kClip: {
      const float t = v < a.alpha ? a.alpha : v;
      return t > a.beta ? a.beta : t;
    }
    case ActivationKind::kSigmoid: return Sigmoid(v);
    case ActivationKind::kSiLU: return v * Sigmoid(v);
    case ActivationKind::kHardSigmoid: {
      const float t = a.alpha * v + a.beta;
      return t < 0 ? 0.f : t > 1 ? 1.f : t;
    }
    case ActivationKind::kHardSwish: {
      const float t = v / 6.f + 0.5f;
      return v * (t < 0 ? 0.f : t > 1 ? 1.f : t);
    }
    case ActivationKind::kLeakyRelu: return v < 0 ? v * a.alpha : v;
    case ActivationKind::kGelu: return GeluErf(v);
    case ActivationKind::kGeluTanh: return GeluTanh(v);
  }
  return v;
}

// y[i] = act(y[i]) over n values.
inline void activation_f32_ref(const Activation& a, float* y, int64_t n) {
  if (a.kind == ActivationKind::kNone) return;
  for (int64_t i = 0; i < n; ++i) y[i] = ApplyActivation(a, y[i]);
}

}  // namespace finch::kernels
