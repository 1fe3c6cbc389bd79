// Sliding-window geometry shared by Conv and the pooling ops: kernel, strides, dilations, pads
// (explicit or auto_pad) and the output size they give.
//
//   out = floor((in + pad_begin + pad_end − ((k − 1)·d + 1)) / s) + 1      (ceil with ceil_mode)
//   auto_pad SAME_*: out = ceil(in / s), total pad = max(0, (out − 1)·s + (k − 1)·d + 1 − in),
//   SAME_UPPER puts the odd pixel at the end, SAME_LOWER at the beginning; VALID: no pads.
#pragma once

#include <cstdint>
#include <vector>

#include "graph/ir.h"
#include "graph/status.h"

namespace finch {

struct WindowGeometry {
  std::vector<int64_t> in;  // spatial input size
  std::vector<int64_t> kernel, stride, dilation, pad_begin, pad_end;
  std::vector<int64_t> out;  // spatial output size
};

// Reads kernel_shape (or takes `kernel` when the op gets it from a weight), strides, dilations,
// pads, auto_pad and, when `allow_ceil_mode`, ceil_mode from `node` and resolves them for the
// spatial input size `in`. Errors name the node and the attribute at fault.
StatusOr<WindowGeometry> ResolveWindow(const Node& node, const std::vector<int64_t>& in,
                                       const std::vector<int64_t>& kernel, bool allow_ceil_mode);

}  // namespace finch
