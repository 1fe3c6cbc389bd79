// The graph IR: typed values, nodes with attributes, constants shared read-only.
//
// A Graph owns a flat table of Values and a list of Nodes in topological order. Nodes refer to
// values by index (ValueId), so a graph copies cheaply and a pass can build a new graph from an
// old one without pointer fix-ups. Constant tensors are held by shared_ptr<const Tensor>: every
// copy of a graph shares the same weights.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "graph/status.h"
#include "graph/tensor.h"

namespace finch {

using ValueId = int32_t;
inline constexpr ValueId kNoValue = -1;  // an omitted optional input ("" in ONNX)

// One dimension of a declared shape: a known size, or a symbol ("batch", "N") or unknown.
struct Dim {
  int64_t value = -1;  // >= 0 when known
  std::string param;   // the symbol, when value < 0 (may be empty: unknown and unnamed)
  bool known() const { return value >= 0; }
};

// A value's element type and (possibly partial) shape.
struct TensorType {
  DataType dtype = DataType::kUndefined;
  std::optional<std::vector<Dim>> dims;  // nullopt: rank unknown

  bool has_rank() const { return dims.has_value(); }
  // True when the rank and every dimension are known.
  bool is_static() const;
  // The dims as a Shape; only meaningful when is_static().
  Shape static_shape() const;
  static TensorType Static(DataType dtype, const Shape& shape);
  std::string ToString() const;  // "float32[N,3,224,224]"
};

struct Attribute {
  enum class Kind { kUndefined, kFloat, kInt, kString, kTensor, kFloats, kInts, kStrings, kGraph };
  Kind kind = Kind::kUndefined;
  float f = 0;
  int64_t i = 0;
  std::string s;
  std::shared_ptr<const Tensor> t;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
};
const char* AttributeKindName(Attribute::Kind kind);

struct Value {
  std::string name;
  TensorType type;
  // Set for initializers and folded constants: the value is known before any input is fed.
  std::shared_ptr<const Tensor> constant;
};

struct Node {
  std::string name;  // may be empty in the file; the importer names such nodes "<op>_<index>"
  std::string op_type;
  std::string domain;  // "" is the default ONNX domain
  std::vector<ValueId> inputs;
  std::vector<ValueId> outputs;
  std::map<std::string, Attribute> attributes;

  // "Conv \"features.0.0\"" — how errors refer to a node.
  std::string Describe() const;
  const Attribute* FindAttribute(const std::string& name) const;
  bool has_input(size_t i) const { return i < inputs.size() && inputs[i] != kNoValue; }

  // Typed attribute readers: the default when absent, an error naming the node when the
  // attribute has another type.
  StatusOr<int64_t> GetInt(const std::string& name, int64_t fallback) const;
  StatusOr<float> GetFloat(const std::string& name, float fallback) const;
  StatusOr<std::string> GetString(const std::string& name, const std::string& fallback) const;
  StatusOr<std::vector<int64_t>> GetInts(const std::string& name,
                                         const std::vector<int64_t>& fallback) const;
  StatusOr<std::vector<float>> GetFloats(const std::string& name,
                                         const std::vector<float>& fallback) const;
  // Tensor attribute; null when absent.
  StatusOr<std::shared_ptr<const Tensor>> GetTensor(const std::string& name) const;
};

class Graph {
 public:
  std::vector<Value> values;
  std::vector<Node> nodes;      // topological order
  std::vector<ValueId> inputs;  // fed at run time (initializers excluded)
  std::vector<ValueId> outputs;
  std::map<std::string, int64_t> opset_imports;  // domain -> version ("" is ai.onnx)
  std::string name;

  ValueId AddValue(std::string name, TensorType type = {});
  ValueId AddConstant(std::string name, std::shared_ptr<const Tensor> tensor);
  // The value named `name`, or kNoValue.
  ValueId FindValue(const std::string& name) const;
  int64_t opset(const std::string& domain = "") const;

  // For each value, the index of the node that produces it (-1: graph input or constant).
  std::vector<int> Producers() const;
  // For each value, how many node inputs and graph outputs read it.
  std::vector<int> UseCounts() const;
  // Re-sorts `nodes` topologically; fails naming a node on a cycle or a value read before any
  // node, input or initializer defines it.
  Status TopologicalSort();
};

}  // namespace finch
