// Reference kernels of the misc family: Hardmax, CumSum, TopK, OneHot, EyeLike, Trilu and the
// DepthToSpace / SpaceToDepth rearrangements. Scalar, exact, on raw pointers.
//
// Most of them view the input as [outer, axis, inner] around one axis: element (o, a, i) is at
// (o · axis + a) · inner + i. Kernels that only move elements work on opaque elements of
// `elem_size` bytes, so one instantiation serves every element type.
#pragma once

#include <cstddef>
#include <cstdint>

namespace finch::kernels {

// y = 1 at the first maximum of x along the axis, 0 elsewhere. NaN is never the maximum
// unless every value is NaN (then the first element wins).
void hardmax_f32_ref(int64_t outer, int64_t axis, int64_t inner, const float* x, float* y);

// Running sum along the axis: y[a] = Σ_{j <= a} x[j] (j < a when exclusive; j >= a / j > a when
// reverse), accumulated in T in the walking order. For float, double, int32, int64 (integers
// wrap, computed in the unsigned type).
template <typename T>
void cumsum_ref(int64_t outer, int64_t axis, int64_t inner, bool exclusive, bool reverse,
                const T* x, T* y);

// The k largest (or smallest) elements along the axis and their indices, into [outer, k, inner]
// outputs. Order: by value (descending when largest), ties by lower index first; NaN counts as
// larger than every number (numpy's sort order). `sorted` = false is allowed by ONNX to give
// any order; this kernel always sorts. For float, double, int32, int64.
template <typename T>
void topk_ref(int64_t outer, int64_t axis, int64_t inner, int64_t k, bool largest, const T* x,
              T* values, int64_t* indices);

// OneHot: y[o, d, i] = on when index[o, i] (taken + depth when negative) == d, else off.
// An index outside [−depth, depth − 1] gives a row of `off`. `on` and `off` point to one element.
void onehot_ref(int64_t outer, int64_t depth, int64_t inner, const int64_t* indices,
                const void* on, const void* off, size_t elem_size, void* y);

// EyeLike: a rows x cols matrix of zeros with `one` on the diagonal col = row + k.
void eyelike_ref(int64_t rows, int64_t cols, int64_t k, const void* one, size_t elem_size,
                 void* y);

// Trilu over `batch` rows x cols matrices: keeps x[r, c] where c − r >= k (upper) or
// c − r <= k (lower), and writes zero bytes elsewhere.
void trilu_ref(int64_t batch, int64_t rows, int64_t cols, int64_t k, bool upper, size_t elem_size,
               const void* x, void* y);

// DepthToSpace on x [n, c, h, w] with block b into y [n, c/b², h·b, w·b]:
//   DCR: y[n, c', h·b + i, w·b + j] = x[n, (i·b + j)·C' + c', h, w]    (C' = c / b²)
//   CRD: y[n, c', h·b + i, w·b + j] = x[n, c'·b² + i·b + j, h, w]
void depth_to_space_ref(int64_t n, int64_t c, int64_t h, int64_t w, int64_t b, bool crd,
                        size_t elem_size, const void* x, void* y);
// SpaceToDepth, the inverse of DCR: y[n, (i·b + j)·c + c', h, w] = x[n, c', h·b + i, w·b + j]
// for x [n, c, h·b, w·b] and y [n, c·b², h, w] (here h, w are y's spatial sizes).
void space_to_depth_ref(int64_t n, int64_t c, int64_t h, int64_t w, int64_t b, size_t elem_size,
                        const void* x, void* y);

}  // namespace finch::kernels
