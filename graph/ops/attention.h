// finch::Attention: scaled dot-product attention as one node (what fuse-attention makes).
//
//   inputs  Q, K, V, [M]          attributes  scale, causal, q_perm, k_perm, v_perm, out_perm
//
//   Q̂ = Transpose(Q, q_perm)   [L..., Sq, d]      the logical views the math is written on:
//   K̂ = Transpose(K, k_perm)   [L..., Sk, d]      L... are the problems (batch, heads), the same
//   V̂ = Transpose(V, v_perm)   [L..., Sk, dv]     dims in all three (no broadcasting)
//   Ŷ[l, i, :] = Σ_j softmax_j(scale · Q̂[l, i, :]·K̂[l, j, :] + M[l, i, j]) · V̂[l, j, :]
//   Y = Transpose(Ŷ, out_perm)
//
// Q, K and V have one rank r ≥ 2 (the logical rank); each perm is a permutation of [0, r)
// (default: the identity). The perms are how the head-split Transposes of an exported graph are
// absorbed: the kernel reads the tensors in place through strides (kernels/attention), never
// copying them. out_perm must keep the last dim last (the kernel writes contiguous rows of dv).
// M (optional, float32) is added to the scaled scores with numpy broadcasting towards
// [L..., Sq, Sk] (rank ≤ r). scale defaults to 1/√d; causal = 1 masks key j for query i when
// j > i + Sk − Sq. A query row whose keys are all masked (−inf) gives zeros.
//
// Example: torch's nn.MultiheadAttention export reads Q from a Reshape [S, B·H, d] through
// Transpose(1, 0, 2), Kᵀ through Transpose(1, 2, 0) and writes Transpose(1, 0, 2) of the
// product: q_perm = k_perm = v_perm = out_perm = [1, 0, 2], Y [S, B·H, dv].
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "graph/ir.h"
#include "graph/status.h"

namespace finch {

class OpSchemaRegistry;

// The largest logical rank finch::Attention takes (batch, heads and two more problem dims).
inline constexpr int kMaxAttentionRank = 6;

using AttentionDims = std::array<int64_t, kMaxAttentionRank>;

struct AttentionAttributes {
  bool has_scale = false;  // else 1/√d
  float scale = 1.f;
  bool causal = false;
  // Permutations of [0, rank) as written; empty (size 0): the identity.
  std::vector<int64_t> q_perm, k_perm, v_perm, out_perm;
};
StatusOr<AttentionAttributes> ParseAttentionAttributes(const Node& node);

// A tensor seen as the logical [L..., rows, cols]: the element stride of each logical dim (0 on
// a broadcast dim of M).
struct AttentionView {
  AttentionDims stride{};
};

// Everything the kernel needs, resolved from the four shapes; allocation-free (fixed arrays) so
// that a run may resolve it again when its shapes are known only then.
struct AttentionGeometry {
  int rank = 0;          // r: rank − 2 problem dims, then rows and columns
  AttentionDims lead{};  // the problem dims L... (rank − 2 of them)
  int64_t q_len = 0, kv_len = 0, head_dim = 0, v_dim = 0;
  float scale = 1.f;
  bool causal = false;
  bool has_mask = false;
  AttentionView q, k, v, mask, out;
  AttentionDims out_shape{};  // Y's shape (rank dims)

  int64_t problems() const;  // Π L
};

// Validates the shapes against the attributes (errors name the node, the input and the
// shapes) and resolves the geometry. `mask` is null when M is absent.
StatusOr<AttentionGeometry> ResolveAttention(const Node& node, const AttentionAttributes& attrs,
                                             const Shape& q, const Shape& k, const Shape& v,
                                             const Shape* mask);

void RegisterAttentionSchemas(OpSchemaRegistry& r);

}  // namespace finch
