#include "graph/onnx/importer.h"

#include <google/protobuf/io/coded_stream.h>

#include <unordered_map>

#include "graph/file_util.h"
#include "graph/onnx/tensor_proto.h"
#include "onnx/onnx_pb.h"

namespace finch {
namespace {

std::string NormalizeDomain(const std::string& domain) {
  return domain == "ai.onnx" ? std::string() : domain;
}

StatusOr<TensorType> TypeFromProto(const onnx::ValueInfoProto& info) {
  TensorType type;
  if (!info.has_type()) return type;  // untyped: inferred later
  if (!info.type().has_tensor_type()) {
    return Unimplemented("value \"", info.name(),
                         "\" is not a tensor (sequences, maps and optionals are not supported)");
  }
  const auto& tt = info.type().tensor_type();
  type.dtype = static_cast<DataType>(tt.elem_type());
  if (tt.has_shape()) {
    if (tt.shape().dim_size() > kMaxTensorRank) {
      return InvalidArgument("value \"", info.name(), "\" has rank ", tt.shape().dim_size(),
                             ", above the limit of ", kMaxTensorRank);
    }
    type.dims.emplace();
    for (const auto& d : tt.shape().dim()) {
      Dim dim;
      if (d.has_dim_value()) {
        if (d.dim_value() < 0) {
          return InvalidArgument("value \"", info.name(), "\" has negative dimension ",
                                 d.dim_value());
        }
        dim.value = d.dim_value();
      } else if (d.has_dim_param()) {
        dim.param = d.dim_param();
      }
      type.dims->push_back(dim);
    }
  }
  return type;
}

StatusOr<Attribute> AttributeFromProto(const onnx::AttributeProto& a, const std::string& base_dir,
                                       const std::string& node_desc) {
  Attribute out;
  using AP = onnx::AttributeProto;
  AP::AttributeType type = a.type();
  if (type == AP::UNDEFINED) {  // very old files omit the type; take it from the set field
    if (a.has_f()) type = AP::FLOAT;
    else if (a.has_i()) type = AP::INT;
    else if (a.has_s()) type = AP::STRING;
    else if (a.has_t()) type = AP::TENSOR;
    else if (a.has_g()) type = AP::GRAPH;
    else if (a.floats_size()) type = AP::FLOATS;
    else if (a.ints_size()) type = AP::INTS;
    else if (a.strings_size()) type = AP::STRINGS;
  }
  switch (type) {
    case AP::FLOAT: out.kind = Attribute::Kind::kFloat; out.f = a.f(); break;
    case AP::INT: out.kind = Attribute::Kind::kInt; out.i = a.i(); break;
    case AP::STRING: out.kind = Attribute::Kind::kString; out.s = a.s(); break;
    case AP::FLOATS:
      out.kind = Attribute::Kind::kFloats;
      out.floats.assign(a.floats().begin(), a.floats().end());
      break;
    case AP::INTS:
      out.kind = Attribute::Kind::kInts;
      out.ints.assign(a.ints().begin(), a.ints().end());
      break;
    case AP::STRINGS:
      out.kind = Attribute::Kind::kStrings;
      out.strings.assign(a.strings().begin(), a.strings().end());
      break;
    case AP::TENSOR: {
      out.kind = Attribute::Kind::kTensor;
      FINCH_ASSIGN_OR_RETURN(
          Tensor t, TensorFromProto(a.t(), base_dir,
                                    StrCat(node_desc, ": attribute '", a.name(), "'")));
      out.t = std::make_shared<const Tensor>(std::move(t));
      break;
    }
    case AP::GRAPH:
    case AP::GRAPHS:
      out.kind = Attribute::Kind::kGraph;  // control flow: the op itself is unsupported
      break;
    default:
      return Unimplemented(node_desc, ": attribute '", a.name(), "' has unsupported type ",
                           AP::AttributeType_Name(type));
  }
  return out;
}

// A Constant node's value, from whichever value_* attribute it carries.
StatusOr<Tensor> ConstantNodeValue(const onnx::NodeProto& node, const std::string& base_dir,
                                   const std::string& desc) {
  if (node.attribute_size() != 1) {
    return InvalidArgument(desc, ": a Constant node needs exactly one value attribute, it has ",
                           node.attribute_size());
  }
  const onnx::AttributeProto& a = node.attribute(0);
  const std::string& n = a.name();
  if (n == "value") return TensorFromProto(a.t(), base_dir, StrCat(desc, ": attribute 'value'"));
  if (n == "value_float") return Tensor::Scalar<float>(a.f());
  if (n == "value_int") return Tensor::Scalar<int64_t>(a.i());
  if (n == "value_floats") {
    std::vector<float> v(a.floats().begin(), a.floats().end());
    return Tensor::FromVector<float>({static_cast<int64_t>(v.size())}, v);
  }
  if (n == "value_ints") {
    std::vector<int64_t> v(a.ints().begin(), a.ints().end());
    return Tensor::FromVector<int64_t>({static_cast<int64_t>(v.size())}, v);
  }
  if (n == "value_string" || n == "value_strings") {
    return Unimplemented(desc, ": string constants are not supported");
  }
  if (n == "sparse_value") return Unimplemented(desc, ": sparse constants are not supported");
  return InvalidArgument(desc, ": unknown Constant attribute '", n, "'");
}

}  // namespace

StatusOr<Graph> ImportOnnxModel(const onnx::ModelProto& model, const std::string& base_dir) {
  if (!model.has_graph()) return InvalidArgument("the model has no graph");
  const onnx::GraphProto& g = model.graph();
  Graph graph;
  graph.name = g.name();
  for (const auto& op : model.opset_import()) {
    graph.opset_imports[NormalizeDomain(op.domain())] = op.version();
  }
  if (model.opset_import_size() == 0) graph.opset_imports[""] = 1;  // IR v1/v2 default

  std::unordered_map<std::string, ValueId> by_name;
  auto define = [&](const std::string& name, const std::string& what) -> StatusOr<ValueId> {
    if (name.empty()) return InvalidArgument(what, " has an empty name");
    if (by_name.count(name)) return InvalidArgument(what, " \"", name, "\" is defined twice");
    ValueId id = graph.AddValue(name);
    by_name[name] = id;
    return id;
  };

  for (const auto& init : g.initializer()) {
    const std::string what = StrCat("initializer \"", init.name(), "\"");
    FINCH_ASSIGN_OR_RETURN(ValueId id, define(init.name(), what));
    FINCH_ASSIGN_OR_RETURN(Tensor t, TensorFromProto(init, base_dir, what));
    graph.values[id].type = TensorType::Static(t.dtype(), t.shape());
    graph.values[id].constant = std::make_shared<const Tensor>(std::move(t));
  }
  if (g.sparse_initializer_size() > 0) {
    return Unimplemented("sparse initializers are not supported");
  }
  for (const auto& in : g.input()) {
    FINCH_ASSIGN_OR_RETURN(TensorType type, TypeFromProto(in));
    auto it = by_name.find(in.name());
    if (it != by_name.end()) continue;  // an initializer listed as input: a constant
    FINCH_ASSIGN_OR_RETURN(ValueId id, define(in.name(), "graph input"));
    graph.values[id].type = std::move(type);
    graph.inputs.push_back(id);
  }

  // Nodes. Inputs may name values defined by later nodes (we sort afterwards), so first define
  // every output, then resolve inputs.
  graph.nodes.reserve(g.node_size());
  for (int i = 0; i < g.node_size(); ++i) {
    const onnx::NodeProto& np = g.node(i);
    std::string desc = StrCat(np.op_type(), " \"",
                              np.name().empty() ? StrCat(np.op_type(), "_", i) : np.name(), "\"");
    if (np.op_type() == "Constant" && NormalizeDomain(np.domain()).empty()) {
      if (np.output_size() != 1) {
        return InvalidArgument(desc, ": a Constant node has ", np.output_size(),
                               " outputs, expected 1");
      }
      FINCH_ASSIGN_OR_RETURN(ValueId id, define(np.output(0), StrCat(desc, ": output")));
      FINCH_ASSIGN_OR_RETURN(Tensor t, ConstantNodeValue(np, base_dir, desc));
      graph.values[id].type = TensorType::Static(t.dtype(), t.shape());
      graph.values[id].constant = std::make_shared<const Tensor>(std::move(t));
      continue;
    }
    Node node;
    node.name = np.name().empty() ? StrCat(np.op_type(), "_", i) : np.name();
    node.op_type = np.op_type();
    node.domain = NormalizeDomain(np.domain());
    for (const auto& out : np.output()) {
      if (out.empty()) {
        node.outputs.push_back(kNoValue);
        continue;
      }
      FINCH_ASSIGN_OR_RETURN(ValueId id, define(out, StrCat(desc, ": output")));
      node.outputs.push_back(id);
    }
    for (const auto& a : np.attribute()) {
      if (node.attributes.count(a.name())) {
        return InvalidArgument(desc, ": attribute '", a.name(), "' is given twice");
      }
      FINCH_ASSIGN_OR_RETURN(Attribute attr, AttributeFromProto(a, base_dir, desc));
      node.attributes[a.name()] = std::move(attr);
    }
    graph.nodes.push_back(std::move(node));
  }
  // Resolve node inputs.
  int node_index = 0;
  for (int i = 0; i < g.node_size(); ++i) {
    const onnx::NodeProto& np = g.node(i);
    if (np.op_type() == "Constant" && NormalizeDomain(np.domain()).empty()) continue;
    Node& node = graph.nodes[node_index++];
    for (const auto& in : np.input()) {
      if (in.empty()) {
        node.inputs.push_back(kNoValue);
        continue;
      }
      auto it = by_name.find(in);
      if (it == by_name.end()) {
        return InvalidArgument(node.Describe(), " reads \"", in,
                               "\", which no node, graph input or initializer defines");
      }
      node.inputs.push_back(it->second);
    }
  }
  // Declared types of intermediate values and outputs (hints; inference checks them).
  for (const auto& info : g.value_info()) {
    auto it = by_name.find(info.name());
    if (it == by_name.end() || graph.values[it->second].constant) continue;
    auto type = TypeFromProto(info);
    if (type.ok()) graph.values[it->second].type = std::move(type).value();
  }
  for (const auto& out : g.output()) {
    auto it = by_name.find(out.name());
    if (it == by_name.end()) {
      return InvalidArgument("graph output \"", out.name(), "\" is never produced");
    }
    FINCH_ASSIGN_OR_RETURN(TensorType type, TypeFromProto(out));
    Value& v = graph.values[it->second];
    if (!v.constant && type.dtype != DataType::kUndefined) v.type = std::move(type);
    graph.outputs.push_back(it->second);
  }
  FINCH_RETURN_IF_ERROR(graph.TopologicalSort());
  return graph;
}

Status ParseModelProto(const std::string& bytes, onnx::ModelProto* model) {
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) {
    return Unimplemented("the model is larger than 2 GiB; use external data for weights");
  }
  google::protobuf::io::CodedInputStream stream(reinterpret_cast<const uint8_t*>(bytes.data()),
                                                static_cast<int>(bytes.size()));
  stream.SetTotalBytesLimit(INT32_MAX);
  if (!model->ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage()) {
    return InvalidArgument("not a valid ONNX model: the protobuf is corrupt or truncated");
  }
  return Status::Ok();
}

StatusOr<Graph> ParseOnnxModel(const std::string& bytes, const std::string& base_dir) {
  onnx::ModelProto model;
  FINCH_RETURN_IF_ERROR(ParseModelProto(bytes, &model));
  return ImportOnnxModel(model, base_dir);
}

StatusOr<Graph> LoadOnnxModel(const std::string& path) {
  FINCH_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) {
    return Unimplemented("\"", path, "\" is larger than 2 GiB; use external data for weights");
  }
  auto graph = ParseOnnxModel(bytes, DirName(path));
  if (!graph.ok()) {
    return Status(graph.status().code(), StrCat("\"", path, "\": ", graph.status().message()));
  }
  return graph;
}

}  // namespace finch
