// Strided copy: the one data movement behind Transpose, Slice and Expand.
//
//   y[o] = x[in_offset + Σ_d o_d · in_strides[d]]     for every index o of out_shape (row-major)
//
// Transpose: in_strides[d] = stride of input dim perm[d]. Slice: in_offset = Σ start_d · stride_d,
// in_strides[d] = step_d · stride_d (steps may be negative). Expand: in_strides[d] = 0 along the
// dims the input broadcasts. Elements are moved as opaque `elem_size`-byte values, so one kernel
// serves every dtype.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace finch::kernels {

struct StridedCopyParams {
  size_t elem_size = 4;
  std::vector<int64_t> out_shape;
  std::vector<int64_t> in_strides;  // in elements; 0 or negative allowed
  int64_t in_offset = 0;            // in elements
};

// Every address it reads must lie in x: the caller validates the geometry.
void strided_copy_ref(const StridedCopyParams& p, const void* x, void* y);

// Row-major strides (in elements) of a dense tensor of `shape`.
std::vector<int64_t> DenseStrides(const std::vector<int64_t>& shape);

}  // namespace finch::kernels
