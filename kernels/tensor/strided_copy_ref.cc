#include "kernels/tensor/strided_copy_ref.h"

#include <cstring>
#include <type_traits>

#include "kernels/tensor/elem_copy.h"

namespace finch::kernels {

std::vector<int64_t> DenseStrides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  return strides;
}

namespace {

template <typename Word>
void StridedCopy(const StridedCopyParams& p, const void* x, void* y) {
  const size_t rank = p.out_shape.size();
  int64_t total = 1;
  for (int64_t d : p.out_shape) total *= d;
  if (total == 0) return;
  if (rank == 0) {
    CopyElem<Word>(x, p.in_offset, y, 0, p.elem_size);
    return;
  }
  // Walk the outer dims with an odometer; the innermost dim is one strided row.
  const int64_t row = p.out_shape[rank - 1];
  const int64_t row_stride = p.in_strides[rank - 1];
  std::vector<int64_t> index(rank - 1, 0);
  int64_t in_base = p.in_offset;
  for (int64_t out = 0; out < total; out += row) {
    if (row_stride == 1) {
      std::memcpy(static_cast<char*>(y) + out * p.elem_size,
                  static_cast<const char*>(x) + in_base * p.elem_size, row * p.elem_size);
    } else {
      for (int64_t i = 0; i < row; ++i) {
        CopyElem<Word>(x, in_base + i * row_stride, y, out + i, p.elem_size);
      }
    }
    for (size_t d = rank - 1; d-- > 0;) {
      in_base += p.in_strides[d];
      if (++index[d] < p.out_shape[d]) break;
      in_base -= index[d] * p.in_strides[d];
      index[d] = 0;
    }
  }
}

}  // namespace

void strided_copy_ref(const StridedCopyParams& p, const void* x, void* y) {
  DispatchElemSize(p.elem_size, [&](auto word) { StridedCopy<decltype(word)>(p, x, y); });
}

}  // namespace finch::kernels
