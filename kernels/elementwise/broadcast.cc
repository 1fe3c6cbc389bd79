#include "kernels/elementwise/broadcast.h"

namespace finch::kernels {

bool MakeBroadcastSpace(const std::vector<std::vector<int64_t>>& shapes,
                        const std::vector<int64_t>& out, BroadcastSpace* space) {
  const int n_ops = static_cast<int>(shapes.size());
  if (n_ops < 1 || n_ops > kMaxBroadcastOperands) return false;
  const int rank = static_cast<int>(out.size());
  *space = BroadcastSpace();
  space->operands = n_ops;
  space->num_elements = 1;
  for (int64_t d : out) space->num_elements *= d;

  // Full-rank strides per operand; output dims of size 1 are dropped (they index nothing).
  std::vector<int64_t> dims;
  std::vector<int64_t> strides[kMaxBroadcastOperands];
  std::vector<int64_t> full[kMaxBroadcastOperands];
  for (int k = 0; k < n_ops; ++k) {
    const std::vector<int64_t>& shape = shapes[k];
    const int r = static_cast<int>(shape.size());
    if (r > rank) return false;
    full[k].assign(rank, 0);
    int64_t stride = 1;
    for (int d = rank - 1; d >= rank - r; --d) {
      const int64_t od = shape[d - (rank - r)];
      if (od != out[d] && od != 1) return false;
      full[k][d] = od == 1 ? 0 : stride;
      stride *= od;
    }
  }
  for (int d = 0; d < rank; ++d) {
    if (out[d] == 1) continue;
    dims.push_back(out[d]);
    for (int k = 0; k < n_ops; ++k) strides[k].push_back(full[k][d]);
  }
  if (dims.empty()) {  // a scalar output, or all dims 1
    dims.push_back(1);
    for (int k = 0; k < n_ops; ++k) strides[k].push_back(0);
  }

  // Merge dim d into d + 1 when, for every operand, both are repeated (stride 0) or d steps
  // exactly over a whole run of d + 1 (stride[d] = stride[d + 1] · dims[d + 1]).
  space->dims.push_back(dims.back());
  for (int k = 0; k < n_ops; ++k) space->strides[k].push_back(strides[k].back());
  for (int d = static_cast<int>(dims.size()) - 2; d >= 0; --d) {
    bool mergeable = true;
    for (int k = 0; k < n_ops && mergeable; ++k) {
      const int64_t inner_stride = space->strides[k].front();
      const int64_t inner_dim = space->dims.front();
      mergeable = (strides[k][d] == 0 && inner_stride == 0) ||
                  (inner_stride != 0 && strides[k][d] == inner_stride * inner_dim);
    }
    if (mergeable) {
      space->dims.front() *= dims[d];
    } else {
      space->dims.insert(space->dims.begin(), dims[d]);
      for (int k = 0; k < n_ops; ++k) {
        space->strides[k].insert(space->strides[k].begin(), strides[k][d]);
      }
    }
  }
  return true;
}

}  // namespace finch::kernels
