// GatherND and ScatterND once their index tuples are resolved to flat offsets.
//
// Both see the data as slices of `slice` contiguous elements starting at element offsets[i]
// (each offset is Σ index_j · stride_j over one index tuple, computed and range-checked by the
// caller):
//   gather:  y[i·slice + s]        = x[offsets[i] + s]
//   scatter: y[offsets[i] + s]     = updates[i·slice + s]             (reduction none)
//            y[offsets[i] + s]     = y[…] ⊕ updates[i·slice + s]      (add, mul, max, min)
// Tuples are applied in order, so with repeated indices and reduction none the last one wins.
#pragma once

#include <cstddef>
#include <cstdint>

namespace finch::kernels {

void gather_nd_ref(int64_t count, const int64_t* offsets, int64_t slice, size_t elem_size,
                   const void* x, void* y);

// y already holds a copy of the data.
void scatter_nd_ref(int64_t count, const int64_t* offsets, int64_t slice, size_t elem_size,
                    const void* updates, void* y);

enum class ScatterReduction { kAdd, kMul, kMax, kMin };
void scatter_nd_f32_ref(ScatterReduction op, int64_t count, const int64_t* offsets, int64_t slice,
                        const float* updates, float* y);
void scatter_nd_f64_ref(ScatterReduction op, int64_t count, const int64_t* offsets, int64_t slice,
                        const double* updates, double* y);
void scatter_nd_i32_ref(ScatterReduction op, int64_t count, const int64_t* offsets, int64_t slice,
                        const int32_t* updates, int32_t* y);
void scatter_nd_i64_ref(ScatterReduction op, int64_t count, const int64_t* offsets, int64_t slice,
                        const int64_t* updates, int64_t* y);

}  // namespace finch::kernels
