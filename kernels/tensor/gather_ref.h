// Gather and GatherElements on opaque elements.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace finch::kernels {

// Gather along one axis. With x seen as [outer, axis_dim, inner] and the indices flattened to
// [num_indices]:
//   y[o, j, :] = x[o, indices[j], :]
// Indices are already normalised to [0, axis_dim) (the caller validates them); inner_bytes is
// inner · element size.
void gather_ref(int64_t outer, int64_t axis_dim, int64_t num_indices, size_t inner_bytes,
                const int64_t* indices, const void* x, void* y);

// GatherElements: y has the shape of the indices, and
//   y[i_0, …, i_{r-1}] = x[i_0, …, indices[i_0, …, i_{r-1}], …, i_{r-1}]   (replaced at `axis`)
// Indices normalised to [0, x_shape[axis]); index_shape[d] <= x_shape[d] for d != axis.
struct GatherElementsParams {
  size_t elem_size = 4;
  std::vector<int64_t> x_shape;
  std::vector<int64_t> index_shape;
  int axis = 0;
};
void gather_elements_ref(const GatherElementsParams& p, const int64_t* indices, const void* x,
                         void* y);

}  // namespace finch::kernels
