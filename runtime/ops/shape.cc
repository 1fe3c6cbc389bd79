// Kernels of the ops that keep the bytes and change the shape (Reshape, Flatten, Squeeze,
// Unsqueeze, Identity, Dropout): one copy into the preallocated output. Shape and Size write
// the input's dims, for inputs whose shape was not known when the plan was built (otherwise
// inference computed their values and no kernel runs).
#include "graph/ops/shape.h"

#include <cstring>

#include "runtime/ops/shape_kernels.h"

namespace finch {

Status CopyTensorBytes(const Node& node, const Tensor& in, Tensor& out) {
  if (in.byte_size() != out.byte_size() || in.dtype() != out.dtype()) {
    return Internal(node.Describe(), ": input ", DataTypeName(in.dtype()),
                    ShapeToString(in.shape()), " and output ", DataTypeName(out.dtype()),
                    ShapeToString(out.shape()), " differ in size");
  }
  if (in.byte_size() > 0 && in.raw_data() != out.raw_data()) {
    std::memcpy(out.mutable_raw_data(), in.raw_data(), in.byte_size());
  }
  return Status::Ok();
}

Status CheckOutputShape(const Node& node, const Tensor& out, const Shape& want) {
  if (out.shape() != want) {
    return Internal(node.Describe(), ": output was allocated as ", ShapeToString(out.shape()),
                    ", the kernel computes ", ShapeToString(want));
  }
  return Status::Ok();
}

namespace {

using Factory = StatusOr<std::unique_ptr<OpKernel>>;

Factory MakeCopyKernel(const KernelBuildContext& b) {
  return LambdaKernelOf("copy_ref", [node = b.node](KernelContext& ctx) -> Status {
    return CopyTensorBytes(node, ctx.input(0), ctx.output(0));
  });
}

// An all-true mask: bool true, or 1 of the data's type before opset 10.
Status FillOnes(const Node& node, Tensor& mask) {
  const int64_t n = mask.num_elements();
  switch (mask.dtype()) {
    case DataType::kBool:
      for (int64_t i = 0; i < n; ++i) mask.mutable_data<bool>()[i] = true;
      return Status::Ok();
    case DataType::kFloat32:
      for (int64_t i = 0; i < n; ++i) mask.mutable_data<float>()[i] = 1.f;
      return Status::Ok();
    case DataType::kFloat64:
      for (int64_t i = 0; i < n; ++i) mask.mutable_data<double>()[i] = 1.0;
      return Status::Ok();
    case DataType::kFloat16:
      for (int64_t i = 0; i < n; ++i) mask.mutable_data<uint16_t>()[i] = 0x3C00;  // 1.0
      return Status::Ok();
    default:
      return Unimplemented(node.Describe(), ": a ", DataTypeName(mask.dtype()), " mask");
  }
}

Factory MakeDropoutKernel(const KernelBuildContext& b) {
  return LambdaKernelOf(
      "dropout_inference_ref", [node = b.node, opset = b.opset](KernelContext& ctx) -> Status {
        if (opset >= 12 && ctx.has_input(2) && ctx.input(2).num_elements() == 1 &&
            ElementAsInt64(ctx.input(2), 0) != 0) {
          const double ratio = ctx.has_input(1) && ctx.input(1).num_elements() == 1
                                   ? ElementAsDouble(ctx.input(1), 0)
                                   : 0.5;
          if (ratio != 0) {
            return Unimplemented(node.Describe(), ": input 2 (training_mode) is true, which asks ",
                                 "for training-mode (random) dropout; finch only runs inference");
          }
        }
        FINCH_RETURN_IF_ERROR(CopyTensorBytes(node, ctx.input(0), ctx.output(0)));
        if (ctx.outputs.size() > 1 && ctx.outputs[1] != nullptr) {
          FINCH_RETURN_IF_ERROR(FillOnes(node, ctx.output(1)));
        }
        return Status::Ok();
      });
}

Factory MakeShapeKernel(const KernelBuildContext& b) {
  return LambdaKernelOf(
      "shape_ref", [node = b.node, opset = b.opset](KernelContext& ctx) -> Status {
        const Shape& in = ctx.input(0).shape();
        FINCH_ASSIGN_OR_RETURN(ShapeRange r,
                               ResolveShapeRange(node, opset, static_cast<int64_t>(in.size())));
        Tensor& out = ctx.output(0);
        if (out.num_elements() != r.end - r.start) {
          return Internal(node.Describe(), ": output has ", out.num_elements(),
                          " elements, expected ", r.end - r.start);
        }
        for (int64_t i = r.start; i < r.end; ++i) out.mutable_data<int64_t>()[i - r.start] = in[i];
        return Status::Ok();
      });
}

Factory MakeSizeKernel(const KernelBuildContext& b) {
  return LambdaKernelOf("size_ref", [](KernelContext& ctx) -> Status {
    ctx.output(0).mutable_data<int64_t>()[0] = ctx.input(0).num_elements();
    return Status::Ok();
  });
}

}  // namespace

void RegisterShapeViewKernels(KernelRegistry& r) {
  for (const char* op : {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity"}) {
    r.Register("", op, MakeCopyKernel);
  }
  r.Register("", "Dropout", MakeDropoutKernel);
  r.Register("", "Shape", MakeShapeKernel);
  r.Register("", "Size", MakeSizeKernel);
}

void RegisterShapeKernels(KernelRegistry& r) {
  RegisterShapeViewKernels(r);
  RegisterShapeCopyKernels(r);
  RegisterShapeGenerateKernels(r);
  RegisterShapeNdKernels(r);
  RegisterShapePadKernels(r);
}

}  // namespace finch
