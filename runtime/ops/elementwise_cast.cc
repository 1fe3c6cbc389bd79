// Kernels of Cast and CastLike: one reference conversion loop per (from, to) pair, with the
// conversion rules of kernels/elementwise/convert.h.
#include "graph/ops/elementwise.h"
#include "kernels/elementwise/cast_ref.h"
#include "runtime/ops/elementwise_util.h"

namespace finch {

bool ToElemType(DataType t, kernels::ElemType* out) {
  using kernels::ElemType;
  switch (t) {
    case DataType::kFloat32:
      *out = ElemType::kF32;
      return true;
    case DataType::kFloat64:
      *out = ElemType::kF64;
      return true;
    case DataType::kFloat16:
      *out = ElemType::kF16;
      return true;
    case DataType::kInt8:
      *out = ElemType::kI8;
      return true;
    case DataType::kUint8:
      *out = ElemType::kU8;
      return true;
    case DataType::kInt16:
      *out = ElemType::kI16;
      return true;
    case DataType::kUint16:
      *out = ElemType::kU16;
      return true;
    case DataType::kInt32:
      *out = ElemType::kI32;
      return true;
    case DataType::kUint32:
      *out = ElemType::kU32;
      return true;
    case DataType::kInt64:
      *out = ElemType::kI64;
      return true;
    case DataType::kUint64:
      *out = ElemType::kU64;
      return true;
    case DataType::kBool:
      *out = ElemType::kBool;
      return true;
    default:
      return false;
  }
}

namespace {

StatusOr<std::unique_ptr<OpKernel>> MakeCast(const KernelBuildContext& ctx, DataType to) {
  const DataType from = ctx.inputs[0].dtype;
  kernels::ElemType f, t;
  if (!ToElemType(from, &f) || !ToElemType(to, &t)) {
    return ctx.Unsupported("cast from ", DataTypeName(from), " to ", DataTypeName(to),
                           " is not supported");
  }
  const std::string name = StrCat("cast_", ShortTypeName(from), "_to_", ShortTypeName(to), "_ref");
  return MakeKernel(name, [f, t](KernelContext& ctx) -> Status {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    const size_t in_size = DataTypeSize(x.dtype()), out_size = DataTypeSize(y.dtype());
    ParallelElements(ctx.pool, x.num_elements(), [&](int64_t begin, int64_t end) {
      kernels::cast_ref(f, static_cast<const char*>(x.raw_data()) + begin * in_size, t,
                        static_cast<char*>(y.mutable_raw_data()) + begin * out_size, end - begin);
    });
    return Status::Ok();
  });
}

}  // namespace

void RegisterElementwiseCastKernels(KernelRegistry& r) {
  r.Register("", "Cast", [](const KernelBuildContext& ctx) -> StatusOr<std::unique_ptr<OpKernel>> {
    FINCH_ASSIGN_OR_RETURN(DataType to, ParseCastTo(ctx.node));
    return MakeCast(ctx, to);
  });
  r.Register("", "CastLike",
             [](const KernelBuildContext& ctx) -> StatusOr<std::unique_ptr<OpKernel>> {
               return MakeCast(ctx, ctx.inputs[1].dtype);
             });
}

}  // namespace finch
