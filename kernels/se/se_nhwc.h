// Squeeze-and-excite on an NHWC activation x [batch, hw, channels]:
//   s[n, c]    = mean_p x[n, p, c]                          (global average pool)
//   r[n, j]    = act(b1[j] + Σ_c w1[j, c] · s[n, c])         (w1 [reduced, channels])
//   g[n, c]    = gate(b2[c] + Σ_j w2[c, j] · r[n, j])        (w2 [channels, reduced])
//   y[n, p, c] = x[n, p, c] · g[n, c]
// The fused SqueezeExcite op of runtime/ops/fused.cc, with channels innermost.
#pragma once

#include <cstdint>

#include "kernels/common/activation.h"

namespace finch::kernels {

struct SqueezeExciteParams {
  int64_t batch = 1, hw = 1, channels = 1, reduced = 1;
  Activation act, gate;
};

// Floats of per-call workspace for either kernel (channels + reduced; one image at a time).
int64_t se_nhwc_scratch_size(const SqueezeExciteParams& p);

// The reference: the same float operations in the same order as SqueezeExciteRef (fused.cc) —
// the mean as global_avgpool_nhwc_f32_ref (pixel order, then ÷ hw), each FC as conv_f32_ref's
// 1×1 case (from the bias, then the inputs in index order; a null bias counts as 0), activations
// by ApplyActivation — so it agrees with it bit for bit. y may equal x (in place).
void se_nhwc_f32_ref(const SqueezeExciteParams& p, const float* x, const float* w1, const float* b1,
                     const float* w2, const float* b2, float* y, float* scratch);

// AVX2/FMA. The mean and the final multiply are exact (same operations as the reference); the
// two small FCs are 8-lane FMA dot products (reassociated, one rounding per FMA) and the
// activations are avx2::VecActivation, so r and g differ from the reference by float rounding:
// per FC output |Δ| ≤ 2·γ_{K+1}·(|b| + Σ|w|·|input|) (γ_n = n·2⁻²⁴/(1 − n·2⁻²⁴), K the dot
// length) plus the propagated input error, carried through the activations' Lipschitz constants
// (tests/kernels/se_nhwc_test.cc derives the bound per element). y may equal x.
void se_nhwc_f32_avx2(const SqueezeExciteParams& p, const float* x, const float* w1,
                      const float* b1, const float* w2, const float* b2, float* y, float* scratch);

// The stages, for callers that produce the input a band at a time and split the work:
// gates[n, c] = gate(W2 · act(W1 · mean[n] + b1) + b2) for every image (scratch: `reduced`
// floats; `gates` may equal `mean`), then y[p, c] = x[p, c] · g[c] over any run of one image's
// pixels (y may equal x).
// The same arithmetic as the whole-tensor functions above.
void se_nhwc_gates_f32_ref(const SqueezeExciteParams& p, const float* mean, const float* w1,
                           const float* b1, const float* w2, const float* b2, float* gates,
                           float* scratch);
void se_nhwc_gates_f32_avx2(const SqueezeExciteParams& p, const float* mean, const float* w1,
                            const float* b1, const float* w2, const float* b2, float* gates,
                            float* scratch);
void se_nhwc_scale_f32_ref(int64_t pixels, int64_t C, const float* x, const float* g, float* y);
void se_nhwc_scale_f32_avx2(int64_t pixels, int64_t C, const float* x, const float* g, float* y);

}  // namespace finch::kernels
