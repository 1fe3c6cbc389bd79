// Conversion between ONNX TensorProto and finch Tensor, including external data.
#pragma once

#include <string>

#include "graph/status.h"
#include "graph/tensor.h"

namespace onnx {
class TensorProto;
}

namespace finch {

// Limits checked before any allocation a file can request.
inline constexpr int kMaxTensorRank = 16;

// Decodes every storage form: raw_data, the typed repeated fields (float_data, int32_data, ...)
// and external data. External data is read relative to `base_dir` (the model's folder); a
// location that is absolute, contains "..", or resolves (symlinks included) outside `base_dir`
// is refused. `what` names the tensor in errors ("initializer \"conv.weight\"").
StatusOr<Tensor> TensorFromProto(const onnx::TensorProto& proto, const std::string& base_dir,
                                 const std::string& what);

// Encodes as raw_data.
void TensorToProto(const Tensor& tensor, const std::string& name, onnx::TensorProto* proto);

// A serialized TensorProto file (the .pb files of ONNX test data).
StatusOr<Tensor> ReadTensorFile(const std::string& path);
Status WriteTensorFile(const Tensor& tensor, const std::string& name, const std::string& path);

}  // namespace finch
