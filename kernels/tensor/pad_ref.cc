#include "kernels/tensor/pad_ref.h"

#include "kernels/tensor/elem_copy.h"
#include "kernels/tensor/strided_copy_ref.h"

namespace finch::kernels {
namespace {

// The input coordinate read for input coordinate c, possibly outside [0, n).
int64_t SourceCoord(PadMode mode, int64_t c, int64_t n) {
  if (c >= 0 && c < n) return c;
  if (mode == PadMode::kEdge) return c < 0 ? 0 : n - 1;
  if (n == 1) return 0;
  const int64_t period = 2 * (n - 1);
  int64_t m = c % period;
  if (m < 0) m += period;
  return m < n ? m : period - m;
}

template <typename Word>
void Pad(const PadParams& p, const void* x, void* y) {
  const size_t rank = p.out_shape.size();
  int64_t total = 1;
  for (int64_t d : p.out_shape) total *= d;
  if (total == 0) return;
  const std::vector<int64_t> strides = DenseStrides(p.in_shape);
  std::vector<int64_t> out_index(rank, 0);
  for (int64_t out = 0; out < total; ++out) {
    int64_t src = 0;
    bool inside = true;
    for (size_t d = 0; d < rank; ++d) {
      const int64_t c = out_index[d] - p.pad_begin[d];
      if (c < 0 || c >= p.in_shape[d]) {
        inside = false;
        if (p.mode == PadMode::kConstant) break;
      }
      src += SourceCoord(p.mode, c, p.in_shape[d]) * strides[d];
    }
    if (inside || p.mode != PadMode::kConstant) {
      CopyElem<Word>(x, src, y, out, p.elem_size);
    } else {
      CopyElem<Word>(p.value, 0, y, out, p.elem_size);
    }
    for (size_t d = rank; d-- > 0;) {
      if (++out_index[d] < p.out_shape[d]) break;
      out_index[d] = 0;
    }
  }
}

}  // namespace

void pad_ref(const PadParams& p, const void* x, void* y) {
  DispatchElemSize(p.elem_size, [&](auto word) { Pad<decltype(word)>(p, x, y); });
}

}  // namespace finch::kernels
