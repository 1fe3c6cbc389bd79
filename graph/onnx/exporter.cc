#include "graph/onnx/exporter.h"

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <map>
#include <unordered_set>

#include "graph/onnx/tensor_proto.h"
#include "onnx/onnx_pb.h"

namespace finch {
namespace {

// The IR version written: 8 is what ONNX 1.10..1.12 write; every finch-imported model fits.
constexpr int64_t kIrVersion = 8;

// One unique, non-empty name per value. Names are kept where they are free; the others get
// "finch_value_<id>" (with a suffix in the unlikely case a real value already has that name).
std::vector<std::string> UniqueValueNames(const Graph& graph) {
  std::vector<std::string> names(graph.values.size());
  std::unordered_set<std::string> taken;
  std::vector<size_t> renamed;
  for (size_t v = 0; v < graph.values.size(); ++v) {
    const std::string& name = graph.values[v].name;
    if (!name.empty() && taken.insert(name).second) {
      names[v] = name;
    } else {
      renamed.push_back(v);
    }
  }
  for (size_t v : renamed) {
    std::string name = StrCat("finch_value_", v);
    for (int k = 1; !taken.insert(name).second; ++k) name = StrCat("finch_value_", v, "_", k);
    names[v] = name;
  }
  return names;
}

void TypeToProto(const TensorType& type, onnx::TypeProto* proto) {
  onnx::TypeProto_Tensor* tt = proto->mutable_tensor_type();
  tt->set_elem_type(static_cast<int32_t>(type.dtype));
  if (!type.dims) return;  // rank unknown: no shape field at all
  onnx::TensorShapeProto* shape = tt->mutable_shape();
  for (const Dim& d : *type.dims) {
    onnx::TensorShapeProto_Dimension* dim = shape->add_dim();
    if (d.known()) {
      dim->set_dim_value(d.value);
    } else if (!d.param.empty()) {
      dim->set_dim_param(d.param);
    }  // else: an unknown, unnamed dim is a Dimension with neither field set
  }
}

void ValueInfoToProto(const std::string& name, const TensorType& type,
                      onnx::ValueInfoProto* proto) {
  proto->set_name(name);
  if (type.dtype != DataType::kUndefined) TypeToProto(type, proto->mutable_type());
}

void AttributeToProto(const std::string& name, const Attribute& a, onnx::AttributeProto* proto) {
  using AP = onnx::AttributeProto;
  proto->set_name(name);
  switch (a.kind) {
    case Attribute::Kind::kFloat:
      proto->set_type(AP::FLOAT);
      proto->set_f(a.f);
      break;
    case Attribute::Kind::kInt:
      proto->set_type(AP::INT);
      proto->set_i(a.i);
      break;
    case Attribute::Kind::kString:
      proto->set_type(AP::STRING);
      proto->set_s(a.s);
      break;
    case Attribute::Kind::kTensor:
      proto->set_type(AP::TENSOR);
      if (a.t) TensorToProto(*a.t, "", proto->mutable_t());
      break;
    case Attribute::Kind::kFloats:
      proto->set_type(AP::FLOATS);
      for (float f : a.floats) proto->add_floats(f);
      break;
    case Attribute::Kind::kInts:
      proto->set_type(AP::INTS);
      for (int64_t i : a.ints) proto->add_ints(i);
      break;
    case Attribute::Kind::kStrings:
      proto->set_type(AP::STRINGS);
      for (const std::string& s : a.strings) proto->add_strings(s);
      break;
    case Attribute::Kind::kGraph:
      // The importer keeps no body for graph attributes; CheckExportable() reports the loss.
      proto->set_type(AP::GRAPH);
      proto->mutable_g();
      break;
    case Attribute::Kind::kUndefined:
      break;  // written as an untyped, empty attribute, as it was read
  }
}

}  // namespace

void ExportOnnxModel(const Graph& graph, onnx::ModelProto* model) {
  model->Clear();
  model->set_ir_version(kIrVersion);
  model->set_producer_name("finch");

  // Opsets: the declared ones, plus version 1 of any domain a node uses without a declaration.
  std::map<std::string, int64_t> opsets = graph.opset_imports;
  for (const Node& node : graph.nodes) opsets.emplace(node.domain, 1);
  for (const auto& [domain, version] : opsets) {
    onnx::OperatorSetIdProto* op = model->add_opset_import();
    op->set_domain(domain);
    op->set_version(version);
  }

  onnx::GraphProto* g = model->mutable_graph();
  g->set_name(graph.name.empty() ? "finch" : graph.name);
  const std::vector<std::string> names = UniqueValueNames(graph);
  auto name_of = [&](ValueId v) { return v == kNoValue ? std::string() : names[v]; };

  // Constants read by a node or a graph output, in value order (stable across runs).
  std::vector<bool> read(graph.values.size(), false);
  for (const Node& node : graph.nodes) {
    for (ValueId v : node.inputs) {
      if (v != kNoValue) read[v] = true;
    }
  }
  for (ValueId v : graph.outputs) read[v] = true;
  for (size_t v = 0; v < graph.values.size(); ++v) {
    if (read[v] && graph.values[v].constant) {
      TensorToProto(*graph.values[v].constant, names[v], g->add_initializer());
    }
  }

  std::vector<bool> is_io(graph.values.size(), false);
  for (ValueId v : graph.inputs) {
    is_io[v] = true;
    ValueInfoToProto(names[v], graph.values[v].type, g->add_input());
  }
  for (ValueId v : graph.outputs) {
    is_io[v] = true;
    ValueInfoToProto(names[v], graph.values[v].type, g->add_output());
  }

  for (const Node& node : graph.nodes) {
    onnx::NodeProto* np = g->add_node();
    np->set_name(node.name);
    np->set_op_type(node.op_type);
    if (!node.domain.empty()) np->set_domain(node.domain);
    for (ValueId v : node.inputs) np->add_input(name_of(v));
    for (ValueId v : node.outputs) np->add_output(name_of(v));
    // std::map iterates in name order: the same graph always serializes to the same bytes.
    for (const auto& [name, attr] : node.attributes) {
      // Provenance that passes record on standard ops (a Conv that absorbed a BatchNorm) is
      // not an ONNX attribute of those ops; other runtimes would reject it.
      if (node.domain.empty() && name == "fused_from") continue;
      AttributeToProto(name, attr, np->add_attribute());
    }
    // Typed intermediate values: hints for the importer (graph I/O types are already written).
    for (ValueId v : node.outputs) {
      if (v == kNoValue || is_io[v] || graph.values[v].type.dtype == DataType::kUndefined) continue;
      ValueInfoToProto(names[v], graph.values[v].type, g->add_value_info());
    }
  }
}

Status CheckExportable(const Graph& graph) {
  for (const Node& node : graph.nodes) {
    for (const auto& [name, attr] : node.attributes) {
      if (attr.kind == Attribute::Kind::kGraph) {
        return Unimplemented(node.Describe(), ": attribute '", name,
                             "' is a graph (control flow), which finch cannot export");
      }
    }
  }
  return Status::Ok();
}

StatusOr<std::string> SerializeOnnxModel(const Graph& graph) {
  FINCH_RETURN_IF_ERROR(CheckExportable(graph));
  onnx::ModelProto model;
  ExportOnnxModel(graph, &model);
  const size_t size = model.ByteSizeLong();
  if (size > static_cast<size_t>(INT_MAX)) {
    return Unimplemented("the model would be ", size, " bytes, above protobuf's 2 GiB limit; "
                         "finch does not write external data yet");
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes)) return Internal("serializing the ModelProto failed");
  return bytes;
}

Status SaveOnnxModel(const Graph& graph, const std::string& path) {
  FINCH_ASSIGN_OR_RETURN(std::string bytes, SerializeOnnxModel(graph));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return IoError("cannot open \"", path, "\" for writing: ", std::strerror(errno));
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return IoError("writing \"", path, "\" failed: ", std::strerror(errno));
  return Status::Ok();
}

}  // namespace finch
