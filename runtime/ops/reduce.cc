// Reduction kernels: Reduce* and ArgMax/ArgMin on float32, float64, int32 and int64, bound to the
// reference kernels in kernels/reduce.
#include "graph/ops/reduce.h"

#include <cstring>

#include "kernels/reduce/reduce_ref.h"
#include "runtime/kernel_registry.h"

namespace finch {
namespace {

using Factory = StatusOr<std::unique_ptr<OpKernel>>;

template <typename Fn>
Factory LambdaKernel(std::string name, Fn fn) {
  return std::unique_ptr<OpKernel>(MakeKernel(std::move(name), std::move(fn)));
}

kernels::ReduceKind KindOf(const std::string& op) {
  if (op == "ReduceMean") return kernels::ReduceKind::kMean;
  if (op == "ReduceMax") return kernels::ReduceKind::kMax;
  if (op == "ReduceMin") return kernels::ReduceKind::kMin;
  if (op == "ReduceProd") return kernels::ReduceKind::kProd;
  if (op == "ReduceL1") return kernels::ReduceKind::kL1;
  if (op == "ReduceL2") return kernels::ReduceKind::kL2;
  if (op == "ReduceSumSquare") return kernels::ReduceKind::kSumSquare;
  if (op == "ReduceLogSum") return kernels::ReduceKind::kLogSum;
  if (op == "ReduceLogSumExp") return kernels::ReduceKind::kLogSumExp;
  return kernels::ReduceKind::kSum;
}

Factory MakeReduce(const KernelBuildContext& b) {
  FINCH_ASSIGN_OR_RETURN(ReduceAttrs attrs, ParseReduceAttrs(b.node, b.opset));
  const kernels::ReduceKind kind = KindOf(b.node.op_type);
  return LambdaKernel("reduce_ref", [node = b.node, attrs, kind](KernelContext& ctx) -> Status {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    std::vector<int64_t> axes = attrs.axes;
    if (attrs.axes_from_input && ctx.has_input(1)) {
      FINCH_ASSIGN_OR_RETURN(axes, ReadInts(node, "input 1 (axes)", ctx.input(1)));
    }
    FINCH_ASSIGN_OR_RETURN(ReducedAxes r,
                           ResolveReduceAxes(node, attrs, static_cast<int64_t>(x.rank()), axes));
    const Shape want = ReducedShape(x.shape(), r, attrs.keepdims);
    if (y.shape() != want || y.dtype() != x.dtype()) {
      return Internal(node.Describe(), ": output was allocated as ", ShapeToString(y.shape()),
                      ", the reduction gives ", ShapeToString(want));
    }
    if (r.noop) {
      if (x.byte_size() > 0) std::memcpy(y.mutable_raw_data(), x.raw_data(), x.byte_size());
      return Status::Ok();
    }
    const kernels::ReduceParams p{x.shape(), r.reduced};
    switch (x.dtype()) {
      case DataType::kFloat32:
        kernels::reduce_f32_ref(kind, p, x.data<float>(), y.mutable_data<float>());
        break;
      case DataType::kFloat64:
        kernels::reduce_f64_ref(kind, p, x.data<double>(), y.mutable_data<double>());
        break;
      case DataType::kInt32:
        kernels::reduce_i32_ref(kind, p, x.data<int32_t>(), y.mutable_data<int32_t>());
        break;
      case DataType::kInt64:
        kernels::reduce_i64_ref(kind, p, x.data<int64_t>(), y.mutable_data<int64_t>());
        break;
      default:
        return Unimplemented(node.Describe(), ": ", DataTypeName(x.dtype()), " input");
    }
    return Status::Ok();
  });
}

Factory MakeArgReduce(const KernelBuildContext& b) {
  FINCH_ASSIGN_OR_RETURN(ArgReduceAttrs attrs, ParseArgReduceAttrs(b.node, b.opset));
  const bool is_max = b.node.op_type == "ArgMax";
  return LambdaKernel(
      "argreduce_ref", [node = b.node, attrs, is_max](KernelContext& ctx) -> Status {
        const Tensor& x = ctx.input(0);
        Tensor& y = ctx.output(0);
        FINCH_ASSIGN_OR_RETURN(
            int64_t axis, NormalizeAxis(node, "attribute 'axis'", attrs.axis,
                                        static_cast<int64_t>(x.rank()), /*allow_negative=*/true));
        if (x.dim(axis) == 0) {
          return InvalidArgument(node.Describe(), ": cannot take ", node.op_type, " over axis ",
                                 axis, " of size 0 (input ", ShapeToString(x.shape()), ")");
        }
        kernels::ArgReduceParams p;
        for (int64_t d = 0; d < axis; ++d) p.outer *= x.dim(d);
        p.axis_dim = x.dim(axis);
        for (size_t d = axis + 1; d < x.rank(); ++d) p.inner *= x.dim(d);
        p.is_max = is_max;
        p.select_last = attrs.select_last_index;
        if (y.num_elements() != p.outer * p.inner || y.dtype() != DataType::kInt64) {
          return Internal(node.Describe(), ": output ", ShapeToString(y.shape()),
                          " does not match the input ", ShapeToString(x.shape()));
        }
        int64_t* out = y.mutable_data<int64_t>();
        switch (x.dtype()) {
          case DataType::kFloat32:
            kernels::argreduce_f32_ref(p, x.data<float>(), out);
            break;
          case DataType::kFloat64:
            kernels::argreduce_f64_ref(p, x.data<double>(), out);
            break;
          case DataType::kInt32:
            kernels::argreduce_i32_ref(p, x.data<int32_t>(), out);
            break;
          case DataType::kInt64:
            kernels::argreduce_i64_ref(p, x.data<int64_t>(), out);
            break;
          default:
            return Unimplemented(node.Describe(), ": ", DataTypeName(x.dtype()), " input");
        }
        return Status::Ok();
      });
}

}  // namespace

void RegisterReduceKernels(KernelRegistry& r) {
  for (const char* op :
       {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
        "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp"}) {
    r.Register("", op, MakeReduce);
  }
  r.Register("", "ArgMax", MakeArgReduce);
  r.Register("", "ArgMin", MakeArgReduce);
}

}  // namespace finch
