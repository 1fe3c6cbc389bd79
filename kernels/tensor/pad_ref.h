// Pad: constant, reflect and edge modes, any rank, pads of either sign.
//
// Output coordinate o maps to input coordinate c = o − pad_begin (per dim; a negative pad_begin
// crops). Where every c lies inside the input, y[o] = x[c]. Otherwise, per mode:
//   constant: y[o] = value
//   edge:     c is clamped to [0, n − 1]
//   reflect:  c is mirrored about the first and last element without repeating them
//             (… 2 1 | 0 1 2 … n−1 | n−2 n−3 …), repeatedly when the pad exceeds n − 1, i.e.
//             c mod 2(n − 1) folded into [0, n − 1]; a dim of size 1 always reads element 0.
// Edge and reflect need every padded dim to be non-empty (the caller checks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace finch::kernels {

enum class PadMode { kConstant, kReflect, kEdge };

struct PadParams {
  size_t elem_size = 4;
  PadMode mode = PadMode::kConstant;
  std::vector<int64_t> in_shape;
  std::vector<int64_t> out_shape;  // in_shape + pad_begin + pad_end
  std::vector<int64_t> pad_begin;  // may be negative (crop)
  const void* value = nullptr;     // one element, for kConstant
};

void pad_ref(const PadParams& p, const void* x, void* y);

}  // namespace finch::kernels
