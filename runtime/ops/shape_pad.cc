// Pad's kernel: pads (and the constant value) resolved from attributes once, or from inputs at
// every run, then kernels/tensor/pad_ref.
#include "graph/ops/shape.h"
#include "kernels/tensor/pad_ref.h"
#include "runtime/ops/shape_kernels.h"

namespace finch {
namespace {

using Factory = StatusOr<std::unique_ptr<OpKernel>>;

// One element of `dtype` holding `v` (Pad's float 'value' attribute before opset 11).
StatusOr<Tensor> ScalarOfType(const Node& node, DataType dtype, double v) {
  FINCH_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(dtype, {}));
  switch (dtype) {
    case DataType::kFloat32:
      *t.mutable_data<float>() = static_cast<float>(v);
      break;
    case DataType::kFloat64:
      *t.mutable_data<double>() = v;
      break;
    case DataType::kUint8:
      *t.mutable_data<uint8_t>() = static_cast<uint8_t>(v);
      break;
    case DataType::kInt8:
      *t.mutable_data<int8_t>() = static_cast<int8_t>(v);
      break;
    case DataType::kUint16:
      *t.mutable_data<uint16_t>() = static_cast<uint16_t>(v);
      break;
    case DataType::kInt16:
      *t.mutable_data<int16_t>() = static_cast<int16_t>(v);
      break;
    case DataType::kInt32:
      *t.mutable_data<int32_t>() = static_cast<int32_t>(v);
      break;
    case DataType::kInt64:
      *t.mutable_data<int64_t>() = static_cast<int64_t>(v);
      break;
    case DataType::kUint32:
      *t.mutable_data<uint32_t>() = static_cast<uint32_t>(v);
      break;
    case DataType::kUint64:
      *t.mutable_data<uint64_t>() = static_cast<uint64_t>(v);
      break;
    case DataType::kBool:
      *t.mutable_data<bool>() = v != 0;
      break;
    default:  // float16, bfloat16: only 0 (all-zero bytes) is supported
      if (v != 0) {
        return Unimplemented(node.Describe(), ": a non-zero pad value for ", DataTypeName(dtype),
                             " data");
      }
  }
  return t;
}

Factory MakePad(const KernelBuildContext& b) {
  FINCH_ASSIGN_OR_RETURN(PadMode mode, ParsePadMode(b.node));
  std::vector<int64_t> attr_pads;
  Tensor attr_value;
  if (b.opset < 11) {
    FINCH_ASSIGN_OR_RETURN(attr_pads, PadsFromAttributes(b.node, b.opset));
    FINCH_ASSIGN_OR_RETURN(float value, b.node.GetFloat("value", 0.f));
    FINCH_ASSIGN_OR_RETURN(attr_value, ScalarOfType(b.node, b.inputs[0].dtype, value));
  }
  const kernels::PadMode kmode = mode == PadMode::kConstant  ? kernels::PadMode::kConstant
                                 : mode == PadMode::kReflect ? kernels::PadMode::kReflect
                                                             : kernels::PadMode::kEdge;
  return LambdaKernelOf(
      "pad_ref",
      [node = b.node, opset = b.opset, kmode, mode, attr_pads,
       attr_value](KernelContext& ctx) -> Status {
        const Tensor& x = ctx.input(0);
        Tensor& y = ctx.output(0);
        std::vector<int64_t> pads = attr_pads;
        const void* value = attr_value.raw_data();
        const uint64_t zero = 0;  // the default constant_value: all-zero bytes, any element size
        if (opset >= 11) {
          FINCH_ASSIGN_OR_RETURN(pads, ReadInts(node, InputName(1, "pads"), ctx.input(1)));
          value = &zero;
          if (ctx.has_input(2)) {
            const Tensor& v = ctx.input(2);
            if (v.dtype() != x.dtype() || v.num_elements() != 1) {
              return InvalidArgument(node.Describe(), ": input 2 (constant_value) is ",
                                     DataTypeName(v.dtype()), ShapeToString(v.shape()),
                                     ", expected one ", DataTypeName(x.dtype()));
            }
            value = v.raw_data();
          }
        }
        FINCH_ASSIGN_OR_RETURN(PadGeometry g, ResolvePad(node, mode, x.shape(), pads));
        FINCH_RETURN_IF_ERROR(CheckOutputShape(node, y, g.out));
        kernels::PadParams p;
        p.elem_size = DataTypeSize(x.dtype());
        p.mode = kmode;
        p.in_shape = x.shape();
        p.out_shape = g.out;
        p.pad_begin = g.begin;
        p.value = value;
        kernels::pad_ref(p, x.raw_data(), y.mutable_raw_data());
        return Status::Ok();
      });
}

}  // namespace

void RegisterShapePadKernels(KernelRegistry& r) { r.Register("", "Pad", MakePad); }

}  // namespace finch
