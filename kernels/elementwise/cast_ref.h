// Reference Cast: converts n elements between any two of the element types below, with the
// conversion rules of convert.h (saturating float -> int, NaN -> 0, wrapping int -> int,
// x != 0 -> bool, round-to-nearest-even into float16).
#pragma once

#include <cstdint>

namespace finch::kernels {

// The element types Cast converts between (kernels do not see the graph's DataType).
enum class ElemType { kF32, kF64, kF16, kI8, kU8, kI16, kU16, kI32, kU32, kI64, kU64, kBool };

// y[i] = convert(x[i]) for i in [0, n). x and y must not overlap unless from == to.
void cast_ref(ElemType from, const void* x, ElemType to, void* y, int64_t n);

}  // namespace finch::kernels
