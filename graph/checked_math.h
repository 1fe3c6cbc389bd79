// Overflow-checked int64 arithmetic for sizes, offsets and counts that a model controls
// (attribute values, declared dims, shape tensors). Each returns false, leaving *out
// unspecified, when the exact result does not fit in int64; callers turn that into an
// InvalidArgument naming the node and the values.
#pragma once

#include <cstdint>

namespace finch {

inline bool CheckedAdd(int64_t a, int64_t b, int64_t* out) {
  return !__builtin_add_overflow(a, b, out);
}
inline bool CheckedSub(int64_t a, int64_t b, int64_t* out) {
  return !__builtin_sub_overflow(a, b, out);
}
inline bool CheckedMul(int64_t a, int64_t b, int64_t* out) {
  return !__builtin_mul_overflow(a, b, out);
}

}  // namespace finch
