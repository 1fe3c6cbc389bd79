#include "kernels/tensor/gather_ref.h"

#include <cstring>

#include "kernels/tensor/elem_copy.h"
#include "kernels/tensor/strided_copy_ref.h"

namespace finch::kernels {

void gather_ref(int64_t outer, int64_t axis_dim, int64_t num_indices, size_t inner_bytes,
                const int64_t* indices, const void* x, void* y) {
  if (inner_bytes == 0) return;
  const char* src = static_cast<const char*>(x);
  char* dst = static_cast<char*>(y);
  for (int64_t o = 0; o < outer; ++o) {
    const char* slab = src + o * axis_dim * inner_bytes;
    for (int64_t j = 0; j < num_indices; ++j) {
      std::memcpy(dst, slab + indices[j] * inner_bytes, inner_bytes);
      dst += inner_bytes;
    }
  }
}

namespace {

template <typename Word>
void GatherElements(const GatherElementsParams& p, const int64_t* indices, const void* x, void* y) {
  const size_t rank = p.index_shape.size();
  int64_t total = 1;
  for (int64_t d : p.index_shape) total *= d;
  if (total == 0) return;
  const std::vector<int64_t> x_strides = DenseStrides(p.x_shape);
  // Odometer over the output (= index) positions; `x_base` is the offset in x of the same
  // position with the axis coordinate left out.
  std::vector<int64_t> index(rank, 0);
  int64_t x_base = 0;
  for (int64_t out = 0; out < total; ++out) {
    const int64_t src = x_base + indices[out] * x_strides[p.axis];
    CopyElem<Word>(x, src, y, out, p.elem_size);
    for (size_t d = rank; d-- > 0;) {
      const int64_t step = static_cast<int>(d) == p.axis ? 0 : x_strides[d];
      x_base += step;
      if (++index[d] < p.index_shape[d]) break;
      x_base -= index[d] * step;
      index[d] = 0;
    }
  }
}

}  // namespace

void gather_elements_ref(const GatherElementsParams& p, const int64_t* indices, const void* x,
                         void* y) {
  DispatchElemSize(p.elem_size,
                   [&](auto word) { GatherElements<decltype(word)>(p, indices, x, y); });
}

}  // namespace finch::kernels
