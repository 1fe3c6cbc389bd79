// Kernels of the misc family: Hardmax, CumSum, TopK, OneHot, EyeLike, Trilu, DepthToSpace and
// SpaceToDepth, all on the reference kernels of kernels/misc.
#include <cstring>
#include <vector>

#include "graph/ops/axes.h"
#include "graph/ops/misc.h"
#include "graph/ops/normalization.h"
#include "kernels/misc/misc_ref.h"
#include "runtime/ops/elementwise_util.h"

namespace finch {
namespace {

using Factory = StatusOr<std::unique_ptr<OpKernel>>;

template <typename Fn>
Factory Kernel(std::string name, Fn fn) {
  return std::unique_ptr<OpKernel>(MakeKernel(std::move(name), std::move(fn)));
}

Factory MakeHardmax(const KernelBuildContext& b) {
  return Kernel("hardmax_f32_ref", [node = b.node, opset = b.opset](KernelContext& ctx) -> Status {
    const Tensor& x = ctx.input(0);
    FINCH_ASSIGN_OR_RETURN(SoftmaxGeometry g, ResolveSoftmax(node, opset, x.shape()));
    kernels::hardmax_f32_ref(g.outer, g.axis, g.inner, x.data<float>(),
                             ctx.output(0).mutable_data<float>());
    return Status::Ok();
  });
}

Factory MakeCumSum(const KernelBuildContext& b) {
  FINCH_ASSIGN_OR_RETURN(CumSumAttributes a, ParseCumSum(b.node));
  return Kernel(RefKernelName("CumSum", b.inputs[0].dtype),
                [node = b.node, a](KernelContext& ctx) -> Status {
                  const Tensor& x = ctx.input(0);
                  FINCH_ASSIGN_OR_RETURN(std::vector<int64_t> axes,
                                         ReadInts(node, "input 1 (axis)", ctx.input(1)));
                  if (axes.size() != 1) {
                    return InvalidArgument(node.Describe(), ": input 1 (axis) has ", axes.size(),
                                           " elements, expected 1");
                  }
                  FINCH_ASSIGN_OR_RETURN(
                      int64_t axis, NormalizeAxis(node, "input 1 (axis)", axes[0],
                                                  static_cast<int64_t>(x.rank()), true));
                  const AxisSplit s = SplitAtAxis(x.shape(), axis);
                  VisitFloatOrInt32Int64(x.dtype(), [&](auto tag) {
                    using T = typename decltype(tag)::type;
                    kernels::cumsum_ref<T>(s.outer, s.axis, s.inner, a.exclusive, a.reverse,
                                           x.data<T>(), ctx.output(0).mutable_data<T>());
                  });
                  return Status::Ok();
                });
}

Factory MakeTopK(const KernelBuildContext& b) {
  FINCH_ASSIGN_OR_RETURN(TopKAttributes a, ParseTopK(b.node, b.opset));
  return Kernel(RefKernelName("TopK", b.inputs[0].dtype),
                [node = b.node, opset = b.opset, a](KernelContext& ctx) -> Status {
                  const Tensor& x = ctx.input(0);
                  FINCH_ASSIGN_OR_RETURN(
                      int64_t axis, NormalizeAxis(node, "attribute 'axis'", a.axis,
                                                  static_cast<int64_t>(x.rank()), true));
                  const AxisSplit s = SplitAtAxis(x.shape(), axis);
                  FINCH_ASSIGN_OR_RETURN(
                      int64_t k, ResolveTopK(node, opset, ctx.has_input(1) ? &ctx.input(1) : nullptr,
                                             s.axis));
                  if (ctx.output(0).num_elements() != s.outer * k * s.inner) {
                    return Internal(node.Describe(), ": output ",
                                    ShapeToString(ctx.output(0).shape()), " does not hold k = ", k);
                  }
                  VisitFloatOrInt32Int64(x.dtype(), [&](auto tag) {
                    using T = typename decltype(tag)::type;
                    kernels::topk_ref<T>(s.outer, s.axis, s.inner, k, a.largest, x.data<T>(),
                                         ctx.output(0).mutable_data<T>(),
                                         ctx.output(1).mutable_data<int64_t>());
                  });
                  return Status::Ok();
                });
}

Factory MakeOneHot(const KernelBuildContext& b) {
  return Kernel("onehot_ref", [node = b.node](KernelContext& ctx) -> Status {
    const Tensor& ind = ctx.input(0);
    const Tensor& values = ctx.input(2);
    Tensor& y = ctx.output(0);
    FINCH_ASSIGN_OR_RETURN(int64_t depth, ReadOneHotDepth(node, ctx.input(1)));
    if (values.num_elements() != 2) {
      return InvalidArgument(node.Describe(), ": input 2 (values) has shape ",
                             ShapeToString(values.shape()), ", expected 2 elements");
    }
    FINCH_ASSIGN_OR_RETURN(int64_t axis, node.GetInt("axis", -1));
    FINCH_ASSIGN_OR_RETURN(axis, NormalizeAxis(node, "attribute 'axis'", axis,
                                               static_cast<int64_t>(ind.rank()) + 1, true));
    AxisSplit s;
    for (int64_t i = 0; i < static_cast<int64_t>(ind.rank()); ++i) {
      (i < axis ? s.outer : s.inner) *= ind.dim(i);
    }
    if (y.num_elements() != s.outer * depth * s.inner) {
      return Internal(node.Describe(), ": output ", ShapeToString(y.shape()),
                      " does not hold depth ", depth);
    }
    // Indices of any numeric type, cast to integers (truncated, as ONNX specifies).
    std::vector<int64_t> indices(static_cast<size_t>(ind.num_elements()));
    for (int64_t i = 0; i < ind.num_elements(); ++i) indices[i] = ElementAsInt64(ind, i);
    const size_t size = DataTypeSize(values.dtype());
    const char* v = static_cast<const char*>(values.raw_data());
    kernels::onehot_ref(s.outer, depth, s.inner, indices.data(), v + size, v, size,
                        y.mutable_raw_data());
    return Status::Ok();
  });
}

// The value 1 of type t, as bytes.
std::vector<char> OneOf(DataType t) {
  std::vector<char> one(DataTypeSize(t));
  VisitNumericOrBool(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = static_cast<T>(1);
    std::memcpy(one.data(), &v, sizeof(T));
  });
  return one;
}

Factory MakeEyeLike(const KernelBuildContext& b) {
  FINCH_ASSIGN_OR_RETURN(DataType t, ParseEyeLikeType(b.node, b.inputs[0].dtype));
  FINCH_ASSIGN_OR_RETURN(int64_t k, b.node.GetInt("k", 0));
  return Kernel("eyelike_ref", [one = OneOf(t), k](KernelContext& ctx) -> Status {
    Tensor& y = ctx.output(0);
    kernels::eyelike_ref(y.dim(0), y.dim(1), k, one.data(), one.size(), y.mutable_raw_data());
    return Status::Ok();
  });
}

Factory MakeTrilu(const KernelBuildContext& b) {
  FINCH_ASSIGN_OR_RETURN(bool upper, ParseTriluUpper(b.node));
  return Kernel(upper ? "triu_ref" : "tril_ref", [node = b.node, upper](KernelContext& ctx) {
    const Tensor& x = ctx.input(0);
    FINCH_ASSIGN_OR_RETURN(int64_t k, ReadTriluK(node, ctx.has_input(1) ? &ctx.input(1) : nullptr));
    const int64_t rows = x.dim(x.rank() - 2), cols = x.dim(x.rank() - 1);
    const int64_t batch = rows * cols == 0 ? 0 : x.num_elements() / (rows * cols);
    kernels::trilu_ref(batch, rows, cols, k, upper, DataTypeSize(x.dtype()), x.raw_data(),
                       ctx.output(0).mutable_raw_data());
    return Status::Ok();
  });
}

Factory MakeDepthSpace(const KernelBuildContext& b) {
  const bool to_space = b.node.op_type == "DepthToSpace";
  return Kernel(to_space ? "depth_to_space_ref" : "space_to_depth_ref",
                [node = b.node, opset = b.opset, to_space](KernelContext& ctx) -> Status {
                  const Tensor& x = ctx.input(0);
                  FINCH_ASSIGN_OR_RETURN(DepthSpace d, ResolveDepthSpace(node, opset, x.shape()));
                  const size_t size = DataTypeSize(x.dtype());
                  void* y = ctx.output(0).mutable_raw_data();
                  if (to_space) {
                    kernels::depth_to_space_ref(x.dim(0), x.dim(1), x.dim(2), x.dim(3),
                                                d.blocksize, d.crd, size, x.raw_data(), y);
                  } else {
                    kernels::space_to_depth_ref(x.dim(0), x.dim(1), d.out[2], d.out[3],
                                                d.blocksize, size, x.raw_data(), y);
                  }
                  return Status::Ok();
                });
}

}  // namespace

void RegisterMiscKernels(KernelRegistry& r) {
  r.Register("", "Hardmax", MakeHardmax);
  r.Register("", "CumSum", MakeCumSum);
  r.Register("", "TopK", MakeTopK);
  r.Register("", "OneHot", MakeOneHot);
  r.Register("", "EyeLike", MakeEyeLike);
  r.Register("", "Trilu", MakeTrilu);
  r.Register("", "DepthToSpace", MakeDepthSpace);
  r.Register("", "SpaceToDepth", MakeDepthSpace);
}

}  // namespace finch
