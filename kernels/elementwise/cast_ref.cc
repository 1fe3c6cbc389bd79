#include "kernels/elementwise/cast_ref.h"

#include <cstring>

#include "kernels/elementwise/convert.h"

namespace finch::kernels {
namespace {

size_t ElemSize(ElemType t) {
  switch (t) {
    case ElemType::kI8:
    case ElemType::kU8:
    case ElemType::kBool:
      return 1;
    case ElemType::kF16:
    case ElemType::kI16:
    case ElemType::kU16:
      return 2;
    case ElemType::kF32:
    case ElemType::kI32:
    case ElemType::kU32:
      return 4;
    case ElemType::kF64:
    case ElemType::kI64:
    case ElemType::kU64:
      return 8;
  }
  return 0;
}

// float16 converts through float (exact) on the way in, and from float or double (one
// rounding) on the way out; integers reach float16 through double, exact for |x| < 2^53,
// then one rounding.
template <typename To, typename From>
void Loop(const From* x, To* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = ConvertValue<To>(x[i]);
}
template <typename From>
void ToHalf(const From* x, Half* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    if constexpr (std::is_same_v<From, float>) {
      y[i] = FloatToHalf(x[i]);
    } else {
      y[i] = DoubleToHalf(static_cast<double>(x[i]));
    }
  }
}
template <typename To>
void FromHalf(const Half* x, To* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = ConvertValue<To>(HalfToFloat(x[i]));
}

template <typename From>
void CastFrom(const From* x, ElemType to, void* y, int64_t n) {
  switch (to) {
    case ElemType::kF32:
      return Loop(x, static_cast<float*>(y), n);
    case ElemType::kF64:
      return Loop(x, static_cast<double*>(y), n);
    case ElemType::kF16:
      return ToHalf(x, static_cast<Half*>(y), n);
    case ElemType::kI8:
      return Loop(x, static_cast<int8_t*>(y), n);
    case ElemType::kU8:
      return Loop(x, static_cast<uint8_t*>(y), n);
    case ElemType::kI16:
      return Loop(x, static_cast<int16_t*>(y), n);
    case ElemType::kU16:
      return Loop(x, static_cast<uint16_t*>(y), n);
    case ElemType::kI32:
      return Loop(x, static_cast<int32_t*>(y), n);
    case ElemType::kU32:
      return Loop(x, static_cast<uint32_t*>(y), n);
    case ElemType::kI64:
      return Loop(x, static_cast<int64_t*>(y), n);
    case ElemType::kU64:
      return Loop(x, static_cast<uint64_t*>(y), n);
    case ElemType::kBool:
      return Loop(x, static_cast<bool*>(y), n);
  }
}

void CastFromHalf(const Half* x, ElemType to, void* y, int64_t n) {
  switch (to) {
    case ElemType::kF32:
      return FromHalf(x, static_cast<float*>(y), n);
    case ElemType::kF64:
      return FromHalf(x, static_cast<double*>(y), n);
    case ElemType::kF16:
      return;  // handled as a copy by the caller
    case ElemType::kI8:
      return FromHalf(x, static_cast<int8_t*>(y), n);
    case ElemType::kU8:
      return FromHalf(x, static_cast<uint8_t*>(y), n);
    case ElemType::kI16:
      return FromHalf(x, static_cast<int16_t*>(y), n);
    case ElemType::kU16:
      return FromHalf(x, static_cast<uint16_t*>(y), n);
    case ElemType::kI32:
      return FromHalf(x, static_cast<int32_t*>(y), n);
    case ElemType::kU32:
      return FromHalf(x, static_cast<uint32_t*>(y), n);
    case ElemType::kI64:
      return FromHalf(x, static_cast<int64_t*>(y), n);
    case ElemType::kU64:
      return FromHalf(x, static_cast<uint64_t*>(y), n);
    case ElemType::kBool:
      return FromHalf(x, static_cast<bool*>(y), n);
  }
}

}  // namespace

void cast_ref(ElemType from, const void* x, ElemType to, void* y, int64_t n) {
  if (n <= 0) return;
  if (from == to) {
    if (x != y) std::memcpy(y, x, static_cast<size_t>(n) * ElemSize(from));
    return;
  }
  switch (from) {
    case ElemType::kF32:
      return CastFrom(static_cast<const float*>(x), to, y, n);
    case ElemType::kF64:
      return CastFrom(static_cast<const double*>(x), to, y, n);
    case ElemType::kF16:
      return CastFromHalf(static_cast<const Half*>(x), to, y, n);
    case ElemType::kI8:
      return CastFrom(static_cast<const int8_t*>(x), to, y, n);
    case ElemType::kU8:
      return CastFrom(static_cast<const uint8_t*>(x), to, y, n);
    case ElemType::kI16:
      return CastFrom(static_cast<const int16_t*>(x), to, y, n);
    case ElemType::kU16:
      return CastFrom(static_cast<const uint16_t*>(x), to, y, n);
    case ElemType::kI32:
      return CastFrom(static_cast<const int32_t*>(x), to, y, n);
    case ElemType::kU32:
      return CastFrom(static_cast<const uint32_t*>(x), to, y, n);
    case ElemType::kI64:
      return CastFrom(static_cast<const int64_t*>(x), to, y, n);
    case ElemType::kU64:
      return CastFrom(static_cast<const uint64_t*>(x), to, y, n);
    case ElemType::kBool:
      return CastFrom(static_cast<const bool*>(x), to, y, n);
  }
}

}  // namespace finch::kernels
