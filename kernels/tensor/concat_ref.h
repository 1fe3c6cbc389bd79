// Concat and Split as block copies.
//
// Seen as [outer, axis, inner], every input of a Concat (every output of a Split) contributes,
// for each outer index, one contiguous block of axis_i · inner elements; the output (input) is
// those blocks laid side by side:
//   y[o] = x_0[o] ‖ x_1[o] ‖ …        with o over `outer` and block i of block_bytes[i] bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace finch::kernels {

// inputs[i] holds outer × block_bytes[i] bytes; y holds outer × Σ block_bytes.
void concat_ref(int64_t outer, const std::vector<const void*>& inputs,
                const std::vector<size_t>& block_bytes, void* y);

// The inverse: outputs[i] receives outer × block_bytes[i] bytes of x. A null output is skipped.
void split_ref(int64_t outer, const void* x, const std::vector<void*>& outputs,
               const std::vector<size_t>& block_bytes);

}  // namespace finch::kernels
