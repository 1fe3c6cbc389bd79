#include "graph/tensor.h"

#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

namespace finch {

std::string ShapeToString(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

StatusOr<int64_t> CheckedNumElements(const Shape& shape) {
  // The product of the non-zero dims must fit too: then every partial product a kernel or a
  // stride computation forms fits, even for an empty tensor such as [0, 2^40, 2^40].
  int64_t nonzero = 1;
  bool empty = false;
  for (int64_t d : shape) {
    if (d < 0) return InvalidArgument("shape ", ShapeToString(shape), " has a negative dimension");
    if (d == 0) {
      empty = true;
      continue;
    }
    if (nonzero > std::numeric_limits<int64_t>::max() / d) {
      return InvalidArgument("shape ", ShapeToString(shape),
                             " has dims whose product exceeds 2^63 - 1");
    }
    nonzero *= d;
  }
  return empty ? 0 : nonzero;
}

int64_t NumElements(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

StatusOr<Tensor> Tensor::Allocate(DataType dtype, Shape shape) {
  const size_t elem = DataTypeSize(dtype);
  if (elem == 0) return Unimplemented("cannot allocate a tensor of type ", DataTypeName(dtype));
  FINCH_ASSIGN_OR_RETURN(int64_t n, CheckedNumElements(shape));
  if (n > static_cast<int64_t>(std::numeric_limits<size_t>::max() / 2 / elem)) {
    return ResourceExhausted("tensor of shape ", ShapeToString(shape), " is too large");
  }
  size_t bytes = static_cast<size_t>(n) * elem;
  size_t padded = (bytes + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
  if (padded == 0) padded = kTensorAlignment;
  void* p = std::aligned_alloc(kTensorAlignment, padded);
  if (p == nullptr) {
    return ResourceExhausted("out of memory allocating ", bytes, " bytes for a tensor of shape ",
                             ShapeToString(shape));
  }
  std::memset(p, 0, padded);
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.num_elements_ = n;
  t.data_ = p;
  t.storage_ = std::shared_ptr<void>(p, [](void* q) { std::free(q); });
  return t;
}

Tensor Tensor::View(DataType dtype, Shape shape, void* data, std::shared_ptr<void> keep_alive) {
  Tensor t;
  t.dtype_ = dtype;
  t.num_elements_ = NumElements(shape);
  t.shape_ = std::move(shape);
  t.data_ = data;
  t.storage_ = std::move(keep_alive);
  return t;
}

Tensor Tensor::Reshaped(Shape shape) const {
  Tensor t = *this;
  t.num_elements_ = NumElements(shape);
  t.shape_ = std::move(shape);
  return t;
}

StatusOr<Tensor> Tensor::Clone() const {
  FINCH_ASSIGN_OR_RETURN(Tensor t, Allocate(dtype_, shape_));
  if (byte_size() > 0) std::memcpy(t.data_, data_, byte_size());
  return t;
}

namespace {

// IEEE half and bfloat16 bit patterns to float (exact: every such value is a float).
float HalfToFloat(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // inf / NaN
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {  // subnormal: normalise
    int e = -1;
    uint32_t m = mant;
    do {
      ++e;
      m <<= 1;
    } while ((m & 0x400u) == 0);
    bits = sign | ((112 - e) << 23) | ((m & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float Bfloat16ToFloat(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

template <typename R>
R ElementAs(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DataType::kFloat32: return static_cast<R>(t.data<float>()[i]);
    case DataType::kFloat64: return static_cast<R>(t.data<double>()[i]);
    case DataType::kUint8: return static_cast<R>(t.data<uint8_t>()[i]);
    case DataType::kInt8: return static_cast<R>(t.data<int8_t>()[i]);
    case DataType::kUint16: return static_cast<R>(t.data<uint16_t>()[i]);
    case DataType::kInt16: return static_cast<R>(t.data<int16_t>()[i]);
    case DataType::kInt32: return static_cast<R>(t.data<int32_t>()[i]);
    case DataType::kInt64: return static_cast<R>(t.data<int64_t>()[i]);
    case DataType::kUint32: return static_cast<R>(t.data<uint32_t>()[i]);
    case DataType::kUint64: return static_cast<R>(t.data<uint64_t>()[i]);
    case DataType::kBool: return static_cast<R>(t.data<bool>()[i]);
    case DataType::kFloat16: return static_cast<R>(HalfToFloat(t.data<uint16_t>()[i]));
    case DataType::kBfloat16: return static_cast<R>(Bfloat16ToFloat(t.data<uint16_t>()[i]));
    default: return R{};
  }
}
}  // namespace

int64_t ElementAsInt64(const Tensor& t, int64_t i) { return ElementAs<int64_t>(t, i); }
double ElementAsDouble(const Tensor& t, int64_t i) { return ElementAs<double>(t, i); }

}  // namespace finch
