// Gemm and MatMul: attribute parsing and shape inference, shared by the schemas and kernels.
#pragma once

#include <cstdint>
#include <vector>

#include "graph/ir.h"

namespace finch {

struct GemmAttributes {
  bool trans_a = false, trans_b = false;
  float alpha = 1.f, beta = 1.f;
  bool broadcast_c = true;  // opset < 7: the `broadcast` attribute; from 7 always on
};
StatusOr<GemmAttributes> ParseGemmAttributes(const Node& node, int64_t opset);

// Y [m, n] = alpha · op(A) [m, k] · op(B) [k, n] + beta · C.
struct GemmGeometry {
  int64_t m = 0, n = 0, k = 0;
};
// Validates A and B (rank 2, matching k) and C (null when omitted): unidirectionally
// broadcastable to [m, n], or exactly [m, n] when the opset < 7 `broadcast` attribute is 0.
StatusOr<GemmGeometry> ResolveGemm(const Node& node, const GemmAttributes& attrs, const Shape& a,
                                   const Shape& b, const Shape* c);

// MatMul with numpy semantics: a 1-D A [k] is read as [1, k] and a 1-D B [k] as [k, 1], the
// added dim is dropped from the result; the dims before the last two broadcast.
struct MatMulGeometry {
  int64_t m = 0, n = 0, k = 0;
  Shape batch;             // the broadcast batch dims
  Shape a_batch, b_batch;  // each input's batch dims, left-padded with 1 to batch.size()
  Shape out;               // the result's shape
};
StatusOr<MatMulGeometry> ResolveMatMul(const Node& node, const Shape& a, const Shape& b);

// For each output batch t (row-major over g.batch), which matrix of A and of B it multiplies:
// their indices in each operand's own batch dims (a broadcast dim repeats the same matrix). A's
// matrix starts at element a_index[t]·m·k, B's at b_index[t]·k·n.
void MatMulBatchMatrices(const MatMulGeometry& g, std::vector<int64_t>* a_index,
                         std::vector<int64_t>* b_index);

}  // namespace finch
