#include "graph/ir.h"

#include <queue>

namespace finch {

bool TensorType::is_static() const {
  if (!dims) return false;
  for (const Dim& d : *dims) {
    if (!d.known()) return false;
  }
  return true;
}

Shape TensorType::static_shape() const {
  Shape s;
  if (dims) {
    for (const Dim& d : *dims) s.push_back(d.value);
  }
  return s;
}

TensorType TensorType::Static(DataType dtype, const Shape& shape) {
  TensorType t;
  t.dtype = dtype;
  t.dims.emplace();
  for (int64_t d : shape) t.dims->push_back(Dim{d, ""});
  return t;
}

std::string TensorType::ToString() const {
  std::string s = DataTypeName(dtype);
  if (!dims) return s + "[?]";
  s += "[";
  for (size_t i = 0; i < dims->size(); ++i) {
    if (i) s += ",";
    const Dim& d = (*dims)[i];
    s += d.known() ? std::to_string(d.value) : (d.param.empty() ? "?" : d.param);
  }
  return s + "]";
}

const char* AttributeKindName(Attribute::Kind kind) {
  switch (kind) {
    case Attribute::Kind::kUndefined: return "undefined";
    case Attribute::Kind::kFloat: return "float";
    case Attribute::Kind::kInt: return "int";
    case Attribute::Kind::kString: return "string";
    case Attribute::Kind::kTensor: return "tensor";
    case Attribute::Kind::kFloats: return "floats";
    case Attribute::Kind::kInts: return "ints";
    case Attribute::Kind::kStrings: return "strings";
    case Attribute::Kind::kGraph: return "graph";
  }
  return "unknown";
}

std::string Node::Describe() const { return StrCat(op_type, " \"", name, "\""); }

const Attribute* Node::FindAttribute(const std::string& attr) const {
  auto it = attributes.find(attr);
  return it == attributes.end() ? nullptr : &it->second;
}

namespace {
Status WrongKind(const Node& node, const std::string& name, const Attribute& a,
                 Attribute::Kind want) {
  return InvalidArgument(node.Describe(), ": attribute '", name, "' is ",
                         AttributeKindName(a.kind), ", expected ", AttributeKindName(want));
}
}  // namespace

StatusOr<int64_t> Node::GetInt(const std::string& attr, int64_t fallback) const {
  const Attribute* a = FindAttribute(attr);
  if (!a) return fallback;
  if (a->kind != Attribute::Kind::kInt) return WrongKind(*this, attr, *a, Attribute::Kind::kInt);
  return a->i;
}

StatusOr<float> Node::GetFloat(const std::string& attr, float fallback) const {
  const Attribute* a = FindAttribute(attr);
  if (!a) return fallback;
  if (a->kind == Attribute::Kind::kInt) return static_cast<float>(a->i);  // lenient: 1 for 1.0
  if (a->kind != Attribute::Kind::kFloat) {
    return WrongKind(*this, attr, *a, Attribute::Kind::kFloat);
  }
  return a->f;
}

StatusOr<std::string> Node::GetString(const std::string& attr, const std::string& fallback) const {
  const Attribute* a = FindAttribute(attr);
  if (!a) return fallback;
  if (a->kind != Attribute::Kind::kString) {
    return WrongKind(*this, attr, *a, Attribute::Kind::kString);
  }
  return a->s;
}

StatusOr<std::vector<int64_t>> Node::GetInts(const std::string& attr,
                                             const std::vector<int64_t>& fallback) const {
  const Attribute* a = FindAttribute(attr);
  if (!a) return fallback;
  if (a->kind == Attribute::Kind::kInt) return std::vector<int64_t>{a->i};
  if (a->kind != Attribute::Kind::kInts) return WrongKind(*this, attr, *a, Attribute::Kind::kInts);
  return a->ints;
}

StatusOr<std::vector<float>> Node::GetFloats(const std::string& attr,
                                             const std::vector<float>& fallback) const {
  const Attribute* a = FindAttribute(attr);
  if (!a) return fallback;
  if (a->kind != Attribute::Kind::kFloats) {
    return WrongKind(*this, attr, *a, Attribute::Kind::kFloats);
  }
  return a->floats;
}

StatusOr<std::shared_ptr<const Tensor>> Node::GetTensor(const std::string& attr) const {
  const Attribute* a = FindAttribute(attr);
  if (!a) return std::shared_ptr<const Tensor>();
  if (a->kind != Attribute::Kind::kTensor) {
    return WrongKind(*this, attr, *a, Attribute::Kind::kTensor);
  }
  return a->t;
}

ValueId Graph::AddValue(std::string value_name, TensorType type) {
  values.push_back(Value{std::move(value_name), std::move(type), nullptr});
  return static_cast<ValueId>(values.size() - 1);
}

ValueId Graph::AddConstant(std::string value_name, std::shared_ptr<const Tensor> tensor) {
  TensorType type = TensorType::Static(tensor->dtype(), tensor->shape());
  values.push_back(Value{std::move(value_name), std::move(type), std::move(tensor)});
  return static_cast<ValueId>(values.size() - 1);
}

ValueId Graph::FindValue(const std::string& value_name) const {
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].name == value_name) return static_cast<ValueId>(i);
  }
  return kNoValue;
}

int64_t Graph::opset(const std::string& domain) const {
  auto it = opset_imports.find(domain);
  return it == opset_imports.end() ? 0 : it->second;
}

std::vector<int> Graph::Producers() const {
  std::vector<int> producer(values.size(), -1);
  for (size_t n = 0; n < nodes.size(); ++n) {
    for (ValueId v : nodes[n].outputs) {
      if (v != kNoValue) producer[v] = static_cast<int>(n);
    }
  }
  return producer;
}

std::vector<int> Graph::UseCounts() const {
  std::vector<int> uses(values.size(), 0);
  for (const Node& node : nodes) {
    for (ValueId v : node.inputs) {
      if (v != kNoValue) ++uses[v];
    }
  }
  for (ValueId v : outputs) ++uses[v];
  return uses;
}

Status Graph::TopologicalSort() {
  // Kahn's algorithm, keeping the file's order among ready nodes so the result is stable.
  std::vector<int> producer(values.size(), -1);
  for (size_t n = 0; n < nodes.size(); ++n) {
    for (ValueId v : nodes[n].outputs) {
      if (v == kNoValue) continue;
      if (producer[v] >= 0) {
        return InvalidArgument("value \"", values[v].name, "\" is produced by two nodes: ",
                               nodes[producer[v]].Describe(), " and ", nodes[n].Describe());
      }
      if (values[v].constant) {
        return InvalidArgument(nodes[n].Describe(), " writes \"", values[v].name,
                               "\", which is an initializer");
      }
      producer[v] = static_cast<int>(n);
    }
  }
  std::vector<bool> is_input(values.size(), false);
  for (ValueId v : inputs) is_input[v] = true;
  std::vector<int> pending(nodes.size(), 0);
  std::vector<std::vector<int>> consumers(nodes.size());
  for (size_t n = 0; n < nodes.size(); ++n) {
    for (ValueId v : nodes[n].inputs) {
      if (v == kNoValue) continue;
      if (producer[v] >= 0) {
        ++pending[n];
        consumers[producer[v]].push_back(static_cast<int>(n));
      } else if (!is_input[v] && !values[v].constant) {
        return InvalidArgument(nodes[n].Describe(), " reads \"", values[v].name,
                               "\", which no node, graph input or initializer defines");
      }
    }
  }
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (size_t n = 0; n < nodes.size(); ++n) {
    if (pending[n] == 0) ready.push(static_cast<int>(n));
  }
  std::vector<Node> sorted;
  sorted.reserve(nodes.size());
  while (!ready.empty()) {
    int n = ready.top();
    ready.pop();
    for (int c : consumers[n]) {
      if (--pending[c] == 0) ready.push(c);
    }
    sorted.push_back(std::move(nodes[n]));
  }
  if (sorted.size() != nodes.size()) {
    for (size_t n = 0; n < nodes.size(); ++n) {
      if (pending[n] > 0) {
        return InvalidArgument("the graph has a cycle through ", nodes[n].Describe());
      }
    }
  }
  nodes = std::move(sorted);
  for (ValueId v : outputs) {
    if (!is_input[v] && !values[v].constant && producer[v] < 0) {
      return InvalidArgument("graph output \"", values[v].name, "\" is never produced");
    }
  }
  return Status::Ok();
}

}  // namespace finch
