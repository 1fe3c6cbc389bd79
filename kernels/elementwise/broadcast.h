// Broadcast iteration shared by every elementwise kernel with more than one operand.
//
// ONNX's multidirectional broadcasting right-aligns the operands' shapes against the output's;
// a dim of size 1 (or a missing leading dim) is repeated along the output dim. A kernel reads an
// operand through element strides that are 0 along its repeated dims, so for output index i
// (multi-index i_0..i_r) operand k is read at Σ_d i_d · stride[k][d].
//
// Adjacent dims are merged whenever every operand is either repeated along both or walks both
// contiguously, which keeps the inner loop long: [N,C,H,W] + [1,C,1,1] (a bias per channel)
// iterates as N·C rows of H·W elements against one value per row, equal shapes are one row, and
// anything + a scalar is one row with stride 0.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace finch::kernels {

inline constexpr int kMaxBroadcastOperands = 3;

struct BroadcastSpace {
  int operands = 0;
  std::vector<int64_t> dims;  // merged output dims, outermost first; never empty
  std::vector<int64_t> strides[kMaxBroadcastOperands];  // [operand][dim]; 0 where repeated
  int64_t num_elements = 0;                             // of the output

  // Element stride of operand k along the innermost (merged) dim: 0 (repeated) or 1.
  int64_t inner_stride(int k) const { return strides[k].back(); }
};

// Builds the iteration space of `shapes` (at most kMaxBroadcastOperands) broadcast to `out`.
// Returns false when some operand dim is neither 1 nor the output's dim, or an operand has a
// higher rank than `out`: callers validate shapes first, this is the last guard.
bool MakeBroadcastSpace(const std::vector<std::vector<int64_t>>& shapes,
                        const std::vector<int64_t>& out, BroadcastSpace* space);

// Walks the output's flat elements [begin, end) as contiguous segments that stay inside one row
// of the innermost dim, calling fn(y_offset, offsets, n): the segment is output elements
// [y_offset, y_offset + n), and operand k's element for y_offset + j is
// offsets[k] + j · inner_stride(k). Splitting [0, num_elements) into ranges (one per thread)
// visits every element exactly once.
template <typename Fn>
void ForEachSegment(const BroadcastSpace& s, int64_t begin, int64_t end, Fn&& fn) {
  end = std::min(end, s.num_elements);
  if (begin >= end) return;
  const int rank = static_cast<int>(s.dims.size());
  const int64_t inner = s.dims[rank - 1];
  // Odometer over the outer dims, started at the row holding `begin`.
  std::vector<int64_t> idx(rank - 1, 0);
  int64_t row_off[kMaxBroadcastOperands] = {0, 0, 0};
  int64_t rest = begin / inner;
  for (int d = rank - 2; d >= 0; --d) {
    idx[d] = rest % s.dims[d];
    rest /= s.dims[d];
    for (int k = 0; k < s.operands; ++k) row_off[k] += idx[d] * s.strides[k][d];
  }
  int64_t col = begin % inner;
  int64_t pos = begin;
  while (pos < end) {
    const int64_t n = std::min(inner - col, end - pos);
    int64_t off[kMaxBroadcastOperands] = {0, 0, 0};
    for (int k = 0; k < s.operands; ++k) off[k] = row_off[k] + col * s.strides[k][rank - 1];
    fn(pos, static_cast<const int64_t*>(off), n);
    pos += n;
    col = 0;
    for (int d = rank - 2; d >= 0; --d) {
      for (int k = 0; k < s.operands; ++k) row_off[k] += s.strides[k][d];
      if (++idx[d] < s.dims[d]) break;
      for (int k = 0; k < s.operands; ++k) row_off[k] -= s.strides[k][d] * s.dims[d];
      idx[d] = 0;
    }
  }
}

}  // namespace finch::kernels
