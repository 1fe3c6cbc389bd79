// Layer normalization of contiguous rows in float32 arithmetic, vectorised along the row (the
// kernel of finch::LayerNormalization; transformer rows are 192–1024 wide). The oracle is
// layernorm_f32_ref (layernorm_ref.h: statistics in double).
//
//   μ = Σ x_j / n;  σ² = Σ (x_j − μ)² / n   (two passes: no cancellation of E[x²] − μ²)
//   y_j = (x_j − μ) · r · γ_j + β_j,  r = 1 / √(σ² + ε)
//
// Error bound against the double reference. Both sums run in 32 float lanes (4 accumulators
// of 8), each adding at most ⌈n/32⌉ + 1 terms (the 8-wide remainder and the masked tail go to
// separate accumulators), then 2 adds join the accumulators and 3 the lanes, so with u = 2^-24
// and k = ⌈n/32⌉ + 6 (Higham's bound for recursive summation, γ_k = k·u/(1 − k·u)):
//   |μ̂ − μ| ≤ γ_{k+1} · mean|x|                       (+1: the division by n)
//   |σ̂² − σ²| ≤ γ_{k+3} · σ² + (μ̂ − μ)²                (x − μ̂ and its square: 2 roundings each)
//   r̂ = r·(1 + δ), |δ| ≤ γ_{k+3}/2 + 2u                (σ² + ε, √ and the division)
// so, with ŷ the normalized value (x − μ)·r before γ and β,
//   |ŷ_j − y_j| ≤ |μ̂ − μ|·r + |y_j|·(|δ| + 2u)
//              ≤ γ_{k+4} · (mean|x|·r + |y_j|)   to first order,
// then γ and β add one rounding each: |Δ| ≤ |γ_j|·that + u·(|ŷ_j·γ_j| + |β_j|) (an FMA: one).
// mean|x|·r is the row's offset relative to its spread: 1–3 for ViT's residual stream, so the
// error is a few times (n/32)·u. tests/kernels/layernorm_rows_test.cc asserts this bound.
#pragma once

#include <cstdint>

namespace finch::kernels {

// x, y: [rows, size] (row stride = size); scale, bias: [size] or null (1 and 0). y may alias x.
// Rows of size 0 are left alone. Call only when the CPU has avx2 and fma.
void layernorm_rows_f32_avx2(int64_t rows, int64_t size, float epsilon, const float* x,
                             const float* scale, const float* bias, float* y);

}  // namespace finch::kernels
