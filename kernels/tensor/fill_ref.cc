#include "kernels/tensor/fill_ref.h"

#include "kernels/tensor/elem_copy.h"

namespace finch::kernels {

void fill_ref(int64_t n, const void* value, size_t elem_size, void* y) {
  DispatchElemSize(elem_size, [&](auto word) {
    for (int64_t i = 0; i < n; ++i) CopyElem<decltype(word)>(value, 0, y, i, elem_size);
  });
}

}  // namespace finch::kernels
