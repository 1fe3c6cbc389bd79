#include "kernels/tensor/tile_ref.h"

#include "kernels/tensor/elem_copy.h"
#include "kernels/tensor/strided_copy_ref.h"

namespace finch::kernels {
namespace {

// Odometer over the output; in_index[d] = out_index[d] mod in_shape[d] wraps with it, and `src`
// is the flat input offset of in_index.
template <typename Word>
void Tile(size_t elem_size, const std::vector<int64_t>& in_shape,
          const std::vector<int64_t>& out_shape, const std::vector<int64_t>& strides, int64_t total,
          std::vector<int64_t>& out_index, std::vector<int64_t>& in_index, const void* x, void* y) {
  const size_t rank = out_shape.size();
  int64_t src = 0;
  for (int64_t out = 0; out < total; ++out) {
    CopyElem<Word>(x, src, y, out, elem_size);
    for (size_t d = rank; d-- > 0;) {
      src += strides[d];
      if (++in_index[d] == in_shape[d]) {
        src -= in_index[d] * strides[d];
        in_index[d] = 0;
      }
      if (++out_index[d] < out_shape[d]) break;
      src -= in_index[d] * strides[d];
      in_index[d] = 0;
      out_index[d] = 0;
    }
  }
}

}  // namespace

void tile_ref(size_t elem_size, const std::vector<int64_t>& in_shape,
              const std::vector<int64_t>& out_shape, const void* x, void* y) {
  int64_t total = 1;
  for (int64_t d : out_shape) total *= d;
  if (total == 0) return;
  const std::vector<int64_t> strides = DenseStrides(in_shape);
  std::vector<int64_t> out_index(out_shape.size(), 0), in_index(out_shape.size(), 0);
  DispatchElemSize(elem_size, [&](auto word) {
    Tile<decltype(word)>(elem_size, in_shape, out_shape, strides, total, out_index, in_index, x, y);
  });
}

}  // namespace finch::kernels
