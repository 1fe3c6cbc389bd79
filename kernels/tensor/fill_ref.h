// Generators: ConstantOfShape's fill and Range's arithmetic sequence.
#pragma once

#include <cstddef>
#include <cstdint>

namespace finch::kernels {

// y[i] = value for i < n, with value one element of elem_size bytes.
void fill_ref(int64_t n, const void* value, size_t elem_size, void* y);

// y[i] = start + i · delta for i < n, computed in T (as ONNX Range and numpy.arange do).
template <typename T>
void range_ref(T start, T delta, int64_t n, T* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<T>(start + static_cast<T>(i) * delta);
}

}  // namespace finch::kernels
