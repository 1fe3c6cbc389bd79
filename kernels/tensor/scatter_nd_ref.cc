#include "kernels/tensor/scatter_nd_ref.h"

#include <cstring>

namespace finch::kernels {

void gather_nd_ref(int64_t count, const int64_t* offsets, int64_t slice, size_t elem_size,
                   const void* x, void* y) {
  const size_t bytes = static_cast<size_t>(slice) * elem_size;
  if (bytes == 0) return;
  for (int64_t i = 0; i < count; ++i) {
    std::memcpy(static_cast<char*>(y) + i * bytes,
                static_cast<const char*>(x) + offsets[i] * elem_size, bytes);
  }
}

void scatter_nd_ref(int64_t count, const int64_t* offsets, int64_t slice, size_t elem_size,
                    const void* updates, void* y) {
  const size_t bytes = static_cast<size_t>(slice) * elem_size;
  if (bytes == 0) return;
  for (int64_t i = 0; i < count; ++i) {
    std::memcpy(static_cast<char*>(y) + offsets[i] * elem_size,
                static_cast<const char*>(updates) + i * bytes, bytes);
  }
}

namespace {

template <typename T>
void ScatterReduce(ScatterReduction op, int64_t count, const int64_t* offsets, int64_t slice,
                   const T* updates, T* y) {
  for (int64_t i = 0; i < count; ++i) {
    T* dst = y + offsets[i];
    const T* src = updates + i * slice;
    for (int64_t s = 0; s < slice; ++s) {
      switch (op) {
        case ScatterReduction::kAdd:
          dst[s] = dst[s] + src[s];
          break;
        case ScatterReduction::kMul:
          dst[s] = dst[s] * src[s];
          break;
        case ScatterReduction::kMax:
          dst[s] = src[s] > dst[s] ? src[s] : dst[s];
          break;
        case ScatterReduction::kMin:
          dst[s] = src[s] < dst[s] ? src[s] : dst[s];
          break;
      }
    }
  }
}

}  // namespace

void scatter_nd_f32_ref(ScatterReduction op, int64_t count, const int64_t* offsets, int64_t slice,
                        const float* updates, float* y) {
  ScatterReduce(op, count, offsets, slice, updates, y);
}
void scatter_nd_f64_ref(ScatterReduction op, int64_t count, const int64_t* offsets, int64_t slice,
                        const double* updates, double* y) {
  ScatterReduce(op, count, offsets, slice, updates, y);
}
void scatter_nd_i32_ref(ScatterReduction op, int64_t count, const int64_t* offsets, int64_t slice,
                        const int32_t* updates, int32_t* y) {
  ScatterReduce(op, count, offsets, slice, updates, y);
}
void scatter_nd_i64_ref(ScatterReduction op, int64_t count, const int64_t* offsets, int64_t slice,
                        const int64_t* updates, int64_t* y) {
  ScatterReduce(op, count, offsets, slice, updates, y);
}

}  // namespace finch::kernels
