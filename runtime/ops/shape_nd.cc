// Kernels of GatherND and ScatterND: index tuples resolved (and range-checked) to slice offsets,
// then the slice copies of kernels/tensor/scatter_nd_ref.
#include "graph/ops/shape.h"
#include "kernels/tensor/scatter_nd_ref.h"
#include "runtime/ops/shape_kernels.h"

namespace finch {
namespace {

using Factory = StatusOr<std::unique_ptr<OpKernel>>;

Factory MakeGatherND(const KernelBuildContext& b) {
  int64_t batch_dims = 0;
  if (b.opset >= 12) {
    FINCH_ASSIGN_OR_RETURN(batch_dims, b.node.GetInt("batch_dims", 0));
  }
  return LambdaKernelOf("gather_nd_ref", [node = b.node, batch_dims](KernelContext& ctx) -> Status {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    FINCH_ASSIGN_OR_RETURN(NdIndexing nd,
                           ResolveNdIndices(node, x.shape(), ctx.input(1), batch_dims));
    const int64_t count = static_cast<int64_t>(nd.offsets.size());
    if (y.num_elements() != count * nd.slice || y.dtype() != x.dtype()) {
      return Internal(node.Describe(), ": output ", ShapeToString(y.shape()), " does not hold ",
                      count, " slices of ", nd.slice);
    }
    kernels::gather_nd_ref(count, nd.offsets.data(), nd.slice, DataTypeSize(x.dtype()),
                           x.raw_data(), y.mutable_raw_data());
    return Status::Ok();
  });
}

Factory MakeScatterND(const KernelBuildContext& b) {
  FINCH_ASSIGN_OR_RETURN(std::string reduction, ParseScatterReduction(b.node, b.opset));
  return LambdaKernelOf("scatter_nd_ref", [node = b.node, reduction](KernelContext& ctx) -> Status {
    const Tensor& x = ctx.input(0);
    const Tensor& updates = ctx.input(2);
    Tensor& y = ctx.output(0);
    FINCH_ASSIGN_OR_RETURN(NdIndexing nd, ResolveNdIndices(node, x.shape(), ctx.input(1), 0));
    const int64_t count = static_cast<int64_t>(nd.offsets.size());
    if (updates.num_elements() != count * nd.slice || updates.dtype() != x.dtype()) {
      return InvalidArgument(node.Describe(), ": input 2 (updates) ",
                             ShapeToString(updates.shape()), " does not hold ", count,
                             " slices of ", nd.slice, " elements");
    }
    FINCH_RETURN_IF_ERROR(CopyTensorBytes(node, x, y));
    if (reduction == "none") {
      kernels::scatter_nd_ref(count, nd.offsets.data(), nd.slice, DataTypeSize(x.dtype()),
                              updates.raw_data(), y.mutable_raw_data());
      return Status::Ok();
    }
    const kernels::ScatterReduction op = reduction == "add"   ? kernels::ScatterReduction::kAdd
                                         : reduction == "mul" ? kernels::ScatterReduction::kMul
                                         : reduction == "max" ? kernels::ScatterReduction::kMax
                                                              : kernels::ScatterReduction::kMin;
    const int64_t* off = nd.offsets.data();
    switch (x.dtype()) {
      case DataType::kFloat32:
        kernels::scatter_nd_f32_ref(op, count, off, nd.slice, updates.data<float>(),
                                    y.mutable_data<float>());
        break;
      case DataType::kFloat64:
        kernels::scatter_nd_f64_ref(op, count, off, nd.slice, updates.data<double>(),
                                    y.mutable_data<double>());
        break;
      case DataType::kInt32:
        kernels::scatter_nd_i32_ref(op, count, off, nd.slice, updates.data<int32_t>(),
                                    y.mutable_data<int32_t>());
        break;
      case DataType::kInt64:
        kernels::scatter_nd_i64_ref(op, count, off, nd.slice, updates.data<int64_t>(),
                                    y.mutable_data<int64_t>());
        break;
      default:
        return Unimplemented(node.Describe(), ": reduction '", reduction, "' on ",
                             DataTypeName(x.dtype()), " data");
    }
    return Status::Ok();
  });
}

}  // namespace

void RegisterShapeNdKernels(KernelRegistry& r) {
  r.Register("", "GatherND", MakeGatherND);
  r.Register("", "ScatterND", MakeScatterND);
}

}  // namespace finch
