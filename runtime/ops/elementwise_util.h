// Helpers shared by the elementwise kernel factories (runtime/ops/elementwise*.cc): dispatch
// from a DataType to a C++ element type, the broadcast iteration space of a node's tensors, and
// splitting large outputs across the session's threads.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "graph/data_type.h"
#include "kernels/elementwise/broadcast.h"
#include "kernels/elementwise/cast_ref.h"
#include "runtime/kernel_registry.h"
#include "runtime/thread_pool.h"

namespace finch {

template <typename T>
struct TypeTag {
  using type = T;
};

// Calls fn(TypeTag<T>{}) for the float types; false (fn not called) for others.
template <typename Fn>
bool VisitFloat(DataType t, Fn&& fn) {
  switch (t) {
    case DataType::kFloat32:
      fn(TypeTag<float>{});
      return true;
    case DataType::kFloat64:
      fn(TypeTag<double>{});
      return true;
    default:
      return false;
  }
}

// The same for float32, float64, int32 and int64.
template <typename Fn>
bool VisitFloatOrInt32Int64(DataType t, Fn&& fn) {
  switch (t) {
    case DataType::kInt32:
      fn(TypeTag<int32_t>{});
      return true;
    case DataType::kInt64:
      fn(TypeTag<int64_t>{});
      return true;
    default:
      return VisitFloat(t, fn);
  }
}

// The same for float32, float64, int8..int64, uint8..uint64.
template <typename Fn>
bool VisitNumeric(DataType t, Fn&& fn) {
  switch (t) {
    case DataType::kInt8:
      fn(TypeTag<int8_t>{});
      return true;
    case DataType::kInt16:
      fn(TypeTag<int16_t>{});
      return true;
    case DataType::kUint8:
      fn(TypeTag<uint8_t>{});
      return true;
    case DataType::kUint16:
      fn(TypeTag<uint16_t>{});
      return true;
    case DataType::kUint32:
      fn(TypeTag<uint32_t>{});
      return true;
    case DataType::kUint64:
      fn(TypeTag<uint64_t>{});
      return true;
    default:
      return VisitFloatOrInt32Int64(t, fn);
  }
}

// The same, plus bool.
template <typename Fn>
bool VisitNumericOrBool(DataType t, Fn&& fn) {
  if (t == DataType::kBool) {
    fn(TypeTag<bool>{});
    return true;
  }
  return VisitNumeric(t, fn);
}

// "f32", "i64", "u8", "bool", … for kernel names such as "add_f32_ref".
std::string ShortTypeName(DataType t);
// "LeakyRelu" -> "leakyrelu".
std::string LowerName(const std::string& op_type);
// "<op>_<type>_ref".
std::string RefKernelName(const std::string& op_type, DataType t);
// "<op>_<type>_avx2".
std::string Avx2KernelName(const std::string& op_type, DataType t);

// Whether the AVX2 kernels may run: the CPU (minus FINCH_DISABLE_ISA) has avx2 and fma.
bool HaveAvx2Fma();

// The iteration space of `shapes` broadcast to `out`; an Internal error naming the node when
// they do not broadcast (inference checked them, so this is a guard, never expected).
StatusOr<kernels::BroadcastSpace> MakeSpace(const Node& node, const std::vector<Shape>& shapes,
                                            const Shape& out);

// Calls fn(begin, end) over [0, n): in one call for small n or without a pool, else split into
// one contiguous range per thread (the kernels' results do not depend on the split).
template <typename Fn>
void ParallelElements(ThreadPool* pool, int64_t n, Fn&& fn) {
  // Below this many elements a split costs more in wake-ups than it saves.
  constexpr int64_t kMinParallelElements = 1 << 15;
  if (pool == nullptr || pool->threads() < 2 || n < kMinParallelElements) {
    fn(int64_t{0}, n);
    return;
  }
  pool->ParallelFor(n, fn);
}

// Cast's element type for `t`; false for types Cast does not convert (bfloat16, string, ...).
bool ToElemType(DataType t, kernels::ElemType* out);

// The family's kernel registrations, one per file.
void RegisterElementwiseUnaryKernels(KernelRegistry& r);
void RegisterElementwiseBinaryKernels(KernelRegistry& r);
void RegisterElementwiseCastKernels(KernelRegistry& r);

}  // namespace finch
