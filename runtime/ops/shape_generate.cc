// Kernels of the generators: ConstantOfShape (fill) and Range (arithmetic sequence).
#include "graph/ops/shape.h"
#include "kernels/tensor/fill_ref.h"
#include "runtime/ops/shape_kernels.h"

namespace finch {
namespace {

using Factory = StatusOr<std::unique_ptr<OpKernel>>;

Factory MakeConstantOfShape(const KernelBuildContext& b) {
  FINCH_ASSIGN_OR_RETURN(std::shared_ptr<const Tensor> value, b.node.GetTensor("value"));
  if (!value) {  // the default: float32 0
    value = std::make_shared<const Tensor>(Tensor::Scalar<float>(0.f));
  }
  return LambdaKernelOf("fill_ref", [node = b.node, value](KernelContext& ctx) -> Status {
    Tensor& y = ctx.output(0);
    if (y.dtype() != value->dtype() || value->num_elements() != 1) {
      return Internal(node.Describe(), ": output type ", DataTypeName(y.dtype()),
                      " does not match the value attribute");
    }
    kernels::fill_ref(y.num_elements(), value->raw_data(), DataTypeSize(y.dtype()),
                      y.mutable_raw_data());
    return Status::Ok();
  });
}

template <typename T>
void Range(const Tensor& start, const Tensor& delta, Tensor& y) {
  kernels::range_ref<T>(*start.data<T>(), *delta.data<T>(), y.num_elements(), y.mutable_data<T>());
}

Factory MakeRange(const KernelBuildContext& b) {
  return LambdaKernelOf("range_ref", [node = b.node](KernelContext& ctx) -> Status {
    const Tensor& start = ctx.input(0);
    const Tensor& delta = ctx.input(2);
    Tensor& y = ctx.output(0);
    FINCH_ASSIGN_OR_RETURN(int64_t n, RangeCount(node, start, ctx.input(1), delta));
    if (y.num_elements() != n || y.dtype() != start.dtype()) {
      return Internal(node.Describe(), ": output ", ShapeToString(y.shape()), " does not hold ", n,
                      " elements of ", DataTypeName(start.dtype()));
    }
    switch (start.dtype()) {
      case DataType::kFloat32:
        Range<float>(start, delta, y);
        break;
      case DataType::kFloat64:
        Range<double>(start, delta, y);
        break;
      case DataType::kInt16:
        Range<int16_t>(start, delta, y);
        break;
      case DataType::kInt32:
        Range<int32_t>(start, delta, y);
        break;
      case DataType::kInt64:
        Range<int64_t>(start, delta, y);
        break;
      default:
        return Unimplemented(node.Describe(), ": Range of ", DataTypeName(start.dtype()));
    }
    return Status::Ok();
  });
}

}  // namespace

void RegisterShapeGenerateKernels(KernelRegistry& r) {
  r.Register("", "ConstantOfShape", MakeConstantOfShape);
  r.Register("", "Range", MakeRange);
}

}  // namespace finch
