// Reference max pooling: scalar, any 1-3 spatial dims, strides, dilations, pads (padding never
// wins: only input elements are compared). The oracle for optimized max pooling.
#pragma once

#include <cstdint>

#include "kernels/pool/pool_params.h"

namespace finch::kernels {

// How MaxPool's optional Indices output flattens a position (ONNX `storage_order`).
enum class IndexOrder { kRowMajor = 0, kColumnMajor = 1 };

// y[p, o…] = max_{k…} x[p, o·s − pad_begin + k·d] over the window positions inside the input,
// scanned in row-major window order; ties keep the first. A window with no input element
// (possible only when pads exceed the kernel extent) yields the type's lowest value and index -1.
//
// indices (may be null) receives the argmax as a flat index into x ([planes, in…]):
//   p·Π(in) + (row-major: (i0·in1 + i1)·in2 + i2;  column-major: i0 + i1·in0 + i2·in0·in1).
// x: [planes, in…], y and indices: [planes, out…].
void maxpool_f32_ref(const PoolParams& p, const float* x, float* y, int64_t* indices,
                     IndexOrder order);
void maxpool_u8_ref(const PoolParams& p, const uint8_t* x, uint8_t* y, int64_t* indices,
                    IndexOrder order);
void maxpool_s8_ref(const PoolParams& p, const int8_t* x, int8_t* y, int64_t* indices,
                    IndexOrder order);

// y[p] = max over the plane x[p, …] (GlobalMaxPool); x: [planes, size], y: [planes].
void global_maxpool_f32_ref(int64_t planes, int64_t size, const float* x, float* y);

}  // namespace finch::kernels
