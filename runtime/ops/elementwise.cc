// The elementwise family's kernels: reference kernels for every op and element type the schemas
// accept (graph/ops/elementwise.cc), and AVX2 kernels ahead of them for float32 (unary math and
// activations, Clip, Add/Sub/Mul/Div/Min/Max/Sum/Mean) when the CPU has avx2 and fma.
#include <cctype>

#include "runtime/cpu_features.h"
#include "runtime/ops/elementwise_util.h"

namespace finch {

std::string ShortTypeName(DataType t) {
  switch (t) {
    case DataType::kFloat32:
      return "f32";
    case DataType::kFloat64:
      return "f64";
    case DataType::kFloat16:
      return "f16";
    case DataType::kInt8:
      return "i8";
    case DataType::kInt16:
      return "i16";
    case DataType::kInt32:
      return "i32";
    case DataType::kInt64:
      return "i64";
    case DataType::kUint8:
      return "u8";
    case DataType::kUint16:
      return "u16";
    case DataType::kUint32:
      return "u32";
    case DataType::kUint64:
      return "u64";
    case DataType::kBool:
      return "bool";
    default:
      return DataTypeName(t);
  }
}

std::string LowerName(const std::string& op_type) {
  std::string s = op_type;
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string RefKernelName(const std::string& op_type, DataType t) {
  return StrCat(LowerName(op_type), "_", ShortTypeName(t), "_ref");
}

std::string Avx2KernelName(const std::string& op_type, DataType t) {
  return StrCat(LowerName(op_type), "_", ShortTypeName(t), "_avx2");
}

bool HaveAvx2Fma() {
  const CpuFeatures& f = GetCpuFeatures();
  return f.avx2 && f.fma;
}

StatusOr<kernels::BroadcastSpace> MakeSpace(const Node& node, const std::vector<Shape>& shapes,
                                            const Shape& out) {
  kernels::BroadcastSpace space;
  if (!kernels::MakeBroadcastSpace(shapes, out, &space)) {
    std::string in;
    for (const Shape& s : shapes) in += StrCat(in.empty() ? "" : " ", ShapeToString(s));
    return Internal(node.Describe(), ": input shapes ", in, " do not broadcast to the output ",
                    ShapeToString(out));
  }
  return space;
}

void RegisterElementwiseKernels(KernelRegistry& r) {
  RegisterElementwiseUnaryKernels(r);
  RegisterElementwiseBinaryKernels(r);
  RegisterElementwiseCastKernels(r);
}

}  // namespace finch
