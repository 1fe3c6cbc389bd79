#include "graph/onnx/tensor_proto.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "graph/file_util.h"
#include "onnx/onnx_pb.h"

namespace finch {
namespace {

// Copies a repeated proto field into the tensor, converting each element to T.
template <typename T, typename Field>
Status CopyTyped(const Field& field, Tensor* t, const std::string& what, const char* field_name) {
  if (static_cast<int64_t>(field.size()) != t->num_elements()) {
    return InvalidArgument(what, ": ", field_name, " holds ", field.size(), " values but shape ",
                           ShapeToString(t->shape()), " needs ", t->num_elements());
  }
  T* dst = t->mutable_data<T>();
  for (int i = 0; i < field.size(); ++i) dst[i] = static_cast<T>(field.Get(i));
  return Status::Ok();
}

// int32_data holds float16/bfloat16 as their 16 bit patterns.
Status CopyBits16(const google::protobuf::RepeatedField<int32_t>& field, Tensor* t,
                  const std::string& what) {
  if (static_cast<int64_t>(field.size()) != t->num_elements()) {
    return InvalidArgument(what, ": int32_data holds ", field.size(), " values but shape ",
                           ShapeToString(t->shape()), " needs ", t->num_elements());
  }
  uint16_t* dst = t->mutable_data<uint16_t>();
  for (int i = 0; i < field.size(); ++i) dst[i] = static_cast<uint16_t>(field.Get(i));
  return Status::Ok();
}

// Where an external tensor's bytes lie: checked against the shape's byte count and the file's
// size before anything is allocated.
struct ExternalRange {
  std::string path, location;
  int64_t offset = 0;
  int64_t length = 0;
};

StatusOr<ExternalRange> ResolveExternal(const onnx::TensorProto& proto, const std::string& base_dir,
                                        const std::string& what, const Shape& shape,
                                        DataType dtype, int64_t want) {
  ExternalRange r;
  int64_t length = -1;
  for (const auto& kv : proto.external_data()) {
    char* end = nullptr;
    if (kv.key() == "location") {
      r.location = kv.value();
    } else if (kv.key() == "offset" || kv.key() == "length") {
      errno = 0;
      long long v = std::strtoll(kv.value().c_str(), &end, 10);
      if (end == kv.value().c_str() || *end != '\0' || v < 0 || errno == ERANGE) {
        return InvalidArgument(what, ": external data ", kv.key(), " \"", kv.value(),
                               "\" is not a non-negative integer");
      }
      (kv.key() == "offset" ? r.offset : length) = v;
    }
  }
  FINCH_ASSIGN_OR_RETURN(r.path, ResolveInside(base_dir, r.location, what));
  FINCH_ASSIGN_OR_RETURN(int64_t file_size, FileSize(r.path));
  if (length < 0) length = want;
  if (length != want) {
    return InvalidArgument(what, ": external data length ", length, " but shape ",
                           ShapeToString(shape), " of ", DataTypeName(dtype), " needs ", want,
                           " bytes");
  }
  // Written so that neither side can overflow: offset <= file_size here.
  if (r.offset > file_size || length > file_size - r.offset) {
    return InvalidArgument(what, ": external data of ", length, " bytes at offset ", r.offset,
                           " lies beyond the end of \"", r.location, "\" (", file_size,
                           " bytes)");
  }
  r.length = length;
  return r;
}

Status ReadExternal(const ExternalRange& r, const std::string& what, Tensor* t) {
  std::ifstream in(r.path, std::ios::binary);
  in.seekg(r.offset);
  in.read(static_cast<char*>(t->mutable_raw_data()), r.length);
  if (!in) return IoError(what, ": failed reading external data from \"", r.location, "\"");
  return Status::Ok();
}

// The typed field that holds `dtype` and how many values it carries (-1: there is none).
std::pair<const char*, int64_t> TypedField(const onnx::TensorProto& proto, DataType dtype) {
  switch (dtype) {
    case DataType::kFloat32: return {"float_data", proto.float_data_size()};
    case DataType::kFloat64: return {"double_data", proto.double_data_size()};
    case DataType::kInt64: return {"int64_data", proto.int64_data_size()};
    case DataType::kInt32:
    case DataType::kInt16:
    case DataType::kInt8:
    case DataType::kUint16:
    case DataType::kUint8:
    case DataType::kBool:
    case DataType::kFloat16:
    case DataType::kBfloat16: return {"int32_data", proto.int32_data_size()};
    case DataType::kUint32:
    case DataType::kUint64: return {"uint64_data", proto.uint64_data_size()};
    default: return {"", -1};
  }
}

}  // namespace

StatusOr<Tensor> TensorFromProto(const onnx::TensorProto& proto, const std::string& base_dir,
                                 const std::string& what) {
  const DataType dtype = static_cast<DataType>(proto.data_type());
  if (!IsStorable(dtype)) {
    return Unimplemented(what, ": tensors of type ", DataTypeName(dtype), " (",
                         proto.data_type(), ") are not supported");
  }
  if (proto.dims_size() > kMaxTensorRank) {
    return InvalidArgument(what, ": rank ", proto.dims_size(), " exceeds the limit of ",
                           kMaxTensorRank);
  }
  if (proto.has_segment()) return Unimplemented(what, ": segmented tensors are not supported");
  Shape shape(proto.dims().begin(), proto.dims().end());
  for (int64_t d : shape) {
    if (d < 0) return InvalidArgument(what, ": negative dimension in ", ShapeToString(shape));
  }
  FINCH_ASSIGN_OR_RETURN(int64_t n, CheckedNumElements(shape));
  const int64_t elem = static_cast<int64_t>(DataTypeSize(dtype));
  if (n > INT64_MAX / elem) {
    return InvalidArgument(what, ": shape ", ShapeToString(shape), " overflows the byte count");
  }
  const int64_t bytes = n * elem;

  const bool external = proto.data_location() == onnx::TensorProto::EXTERNAL;
  // Check stored sizes against the shape before allocating what the shape asks for.
  if (!external && proto.has_raw_data() && static_cast<int64_t>(proto.raw_data().size()) != bytes) {
    return InvalidArgument(what, ": raw_data has ", proto.raw_data().size(), " bytes but shape ",
                           ShapeToString(shape), " of ", DataTypeName(dtype), " needs ", bytes);
  }
  // A typed field must hold exactly one value per element; checked here too, so that a
  // hostile shape with a short field never allocates what the shape asks for.
  if (!external && !proto.has_raw_data()) {
    const auto [field, stored] = TypedField(proto, dtype);
    if (stored >= 0 && stored != n) {
      return InvalidArgument(what, ": ", field, " holds ", stored, " values but shape ",
                             ShapeToString(shape), " needs ", n);
    }
  }
  if (external) {
    FINCH_ASSIGN_OR_RETURN(ExternalRange range,
                           ResolveExternal(proto, base_dir, what, shape, dtype, bytes));
    FINCH_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(dtype, shape));
    FINCH_RETURN_IF_ERROR(ReadExternal(range, what, &t));
    return t;
  }
  FINCH_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(dtype, shape));
  if (proto.has_raw_data()) {
    if (bytes > 0) std::memcpy(t.mutable_raw_data(), proto.raw_data().data(), bytes);
    return t;
  }
  // Typed fields. An empty field with zero elements is fine; an empty field with elements is
  // an error (the data is missing).
  switch (dtype) {
    case DataType::kFloat32:
      FINCH_RETURN_IF_ERROR(CopyTyped<float>(proto.float_data(), &t, what, "float_data"));
      break;
    case DataType::kFloat64:
      FINCH_RETURN_IF_ERROR(CopyTyped<double>(proto.double_data(), &t, what, "double_data"));
      break;
    case DataType::kInt64:
      FINCH_RETURN_IF_ERROR(CopyTyped<int64_t>(proto.int64_data(), &t, what, "int64_data"));
      break;
    case DataType::kInt32:
      FINCH_RETURN_IF_ERROR(CopyTyped<int32_t>(proto.int32_data(), &t, what, "int32_data"));
      break;
    case DataType::kInt16:
      FINCH_RETURN_IF_ERROR(CopyTyped<int16_t>(proto.int32_data(), &t, what, "int32_data"));
      break;
    case DataType::kInt8:
      FINCH_RETURN_IF_ERROR(CopyTyped<int8_t>(proto.int32_data(), &t, what, "int32_data"));
      break;
    case DataType::kUint16:
      FINCH_RETURN_IF_ERROR(CopyTyped<uint16_t>(proto.int32_data(), &t, what, "int32_data"));
      break;
    case DataType::kUint8:
      FINCH_RETURN_IF_ERROR(CopyTyped<uint8_t>(proto.int32_data(), &t, what, "int32_data"));
      break;
    case DataType::kBool:
      FINCH_RETURN_IF_ERROR(CopyTyped<bool>(proto.int32_data(), &t, what, "int32_data"));
      break;
    case DataType::kFloat16:
    case DataType::kBfloat16:
      FINCH_RETURN_IF_ERROR(CopyBits16(proto.int32_data(), &t, what));
      break;
    case DataType::kUint32:
      FINCH_RETURN_IF_ERROR(CopyTyped<uint32_t>(proto.uint64_data(), &t, what, "uint64_data"));
      break;
    case DataType::kUint64:
      FINCH_RETURN_IF_ERROR(CopyTyped<uint64_t>(proto.uint64_data(), &t, what, "uint64_data"));
      break;
    default:
      return Unimplemented(what, ": tensors of type ", DataTypeName(dtype), " are not supported");
  }
  return t;
}

void TensorToProto(const Tensor& tensor, const std::string& name, onnx::TensorProto* proto) {
  proto->Clear();
  proto->set_name(name);
  proto->set_data_type(static_cast<int32_t>(tensor.dtype()));
  for (int64_t d : tensor.shape()) proto->add_dims(d);
  proto->set_raw_data(tensor.raw_data(), tensor.byte_size());
}

StatusOr<Tensor> ReadTensorFile(const std::string& path) {
  FINCH_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
  onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes)) {
    return InvalidArgument("\"", path, "\" is not a valid ONNX TensorProto (corrupt or truncated)");
  }
  return TensorFromProto(proto, DirName(path), StrCat("tensor file \"", path, "\""));
}

Status WriteTensorFile(const Tensor& tensor, const std::string& name, const std::string& path) {
  onnx::TensorProto proto;
  TensorToProto(tensor, name, &proto);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out || !proto.SerializeToOstream(&out)) {
    return IoError("cannot write \"", path, "\"");
  }
  return Status::Ok();
}

}  // namespace finch
