// Tensor: a typed, shaped, dense row-major buffer.
//
// Storage is shared: copying a Tensor copies a reference, not the data. Constants (initializers)
// are shared read-only between the graph, its optimized copies and every session built from it.
// A Tensor may also be a view into memory it does not own (an activation arena).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "graph/data_type.h"
#include "graph/status.h"

namespace finch {

using Shape = std::vector<int64_t>;

// "[1,3,224,224]"
std::string ShapeToString(const Shape& shape);
// Product of the dims; an error if a dim is negative or the product of the non-zero dims
// overflows int64 (so every partial product of a valid shape fits in int64).
StatusOr<int64_t> CheckedNumElements(const Shape& shape);
// Product of the dims, for shapes already validated.
int64_t NumElements(const Shape& shape);

// Alignment of every buffer finch allocates: one cache line, enough for any SIMD load.
inline constexpr size_t kTensorAlignment = 64;

class Tensor {
 public:
  Tensor() = default;

  // A zero-filled tensor. Fails (never aborts) when the size overflows or allocation fails.
  static StatusOr<Tensor> Allocate(DataType dtype, Shape shape);
  // A view of memory owned elsewhere; `keep_alive` (may be null) holds the owner.
  static Tensor View(DataType dtype, Shape shape, void* data, std::shared_ptr<void> keep_alive);
  // A tensor holding a copy of `values`.
  template <typename T>
  static Tensor FromVector(Shape shape, const std::vector<T>& values);
  // A rank-0 tensor.
  template <typename T>
  static Tensor Scalar(T value) {
    return FromVector<T>({}, {value});
  }

  DataType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t dim(size_t i) const { return shape_[i]; }
  size_t rank() const { return shape_.size(); }
  int64_t num_elements() const { return num_elements_; }
  size_t byte_size() const { return static_cast<size_t>(num_elements_) * DataTypeSize(dtype_); }
  bool empty() const { return data_ == nullptr && num_elements_ == 0; }

  const void* raw_data() const { return data_; }
  void* mutable_raw_data() { return data_; }
  template <typename T>
  const T* data() const {
    return static_cast<const T*>(data_);
  }
  template <typename T>
  T* mutable_data() {
    return static_cast<T*>(data_);
  }

  // Same storage, new shape of the same element count (the caller checks the count).
  Tensor Reshaped(Shape shape) const;
  // A deep copy.
  StatusOr<Tensor> Clone() const;

 private:
  DataType dtype_ = DataType::kUndefined;
  Shape shape_;
  int64_t num_elements_ = 0;
  void* data_ = nullptr;
  std::shared_ptr<void> storage_;
};

template <typename T>
Tensor Tensor::FromVector(Shape shape, const std::vector<T>& values) {
  auto t = Allocate(DataTypeOf<T>::value, std::move(shape));
  Tensor out = std::move(t).value();
  T* dst = out.mutable_data<T>();
  for (size_t i = 0; i < values.size() && i < static_cast<size_t>(out.num_elements()); ++i) {
    dst[i] = values[i];
  }
  return out;
}

// Reads element `i` of a numeric tensor as int64 / double, whatever its type (for shape math
// and tests; not for hot loops).
int64_t ElementAsInt64(const Tensor& t, int64_t i);
double ElementAsDouble(const Tensor& t, int64_t i);

}  // namespace finch
