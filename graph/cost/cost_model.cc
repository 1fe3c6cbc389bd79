// The cost model: op classification, byte and param accounting, model totals. The MACs of the
// compute ops are in compute_cost.cc; the conventions in cost_model.h.
#include "graph/cost/cost_model.h"

#include "graph/ops/layout.h"

#include <map>
#include <set>

#include "graph/cost/compute_cost.h"
#include "graph/ops/fused.h"

namespace finch {
namespace {

// The default ONNX domain, or one of its ops run channels-last (graph/ops/layout.h), which
// costs the same.
bool IsDefaultDomain(const Node& node) {
  if (node.domain.empty() || node.domain == "ai.onnx") return true;
  return IsNhwc(node) && (node.op_type == "BatchNormalization" || node.op_type == "MaxPool" ||
                          node.op_type == "AveragePool" || node.op_type == "GlobalAveragePool");
}

bool OneOf(const std::string& op, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (op == n) return true;
  }
  return false;
}

// Ops that move or index data without arithmetic.
bool IsDataOp(const std::string& op) {
  return OneOf(op, {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout", "Shape",
                    "Size", "Transpose", "Concat", "Split", "Slice", "Gather", "GatherElements",
                    "GatherND", "ScatterND", "Tile", "Expand", "ConstantOfShape", "Range", "Pad",
                    "DepthToSpace", "SpaceToDepth", "EyeLike", "OneHot", "Trilu"});
}

bool IsNormOp(const std::string& op) {
  return OneOf(op, {"BatchNormalization", "LayerNormalization", "InstanceNormalization",
                    "GroupNormalization", "LpNormalization"});
}

// Ops whose constant inputs are weights whatever their size.
bool CarriesWeights(const Node& node) {
  return cost_internal::IsComputeOp(node) ||
         (IsDefaultDomain(node) && (IsNormOp(node.op_type) || node.op_type == "PRelu"));
}

bool IsFloat(DataType t) {
  return t == DataType::kFloat32 || t == DataType::kFloat16 || t == DataType::kFloat64 ||
         t == DataType::kBfloat16;
}

int64_t Bytes(const TensorType& t) {
  if (t.dtype == DataType::kUndefined) return 0;
  return NumElements(t.static_shape()) * static_cast<int64_t>(DataTypeSize(t.dtype));
}

int64_t Elements(const TensorType& t) { return NumElements(t.static_shape()); }

// other_ops and kind of the ops that are not compute ops (conventions in the header).
void SimpleOpCost(const Node& node, const std::vector<TensorType>& in,
                  const std::vector<TensorType>& out, NodeCost* cost) {
  const std::string& op = node.op_type;
  int64_t out_elements = 0;
  for (const TensorType& t : out) {
    if (t.dtype != DataType::kUndefined) out_elements += Elements(t);
  }
  const int64_t in0 = !in.empty() && in[0].dtype != DataType::kUndefined ? Elements(in[0]) : 0;
  if (!IsDefaultDomain(node)) {
    cost->kind = "elementwise";
    cost->other_ops = out_elements;
  } else if (IsDataOp(op)) {
    cost->kind = "data";
  } else if (op == "MaxPool" || op == "AveragePool") {
    cost->kind = "pool";
    int64_t window = 1;
    if (const Attribute* k = node.FindAttribute("kernel_shape")) {
      for (int64_t d : k->ints) window *= d;
    }
    // Only Y counts (MaxPool's optional indices are a by-product of the same comparisons).
    cost->other_ops = window * (out.empty() ? 0 : Elements(out[0]));
  } else if (op == "GlobalAveragePool" || op == "GlobalMaxPool") {
    cost->kind = "pool";
    cost->other_ops = in0;
  } else if (op.rfind("Reduce", 0) == 0 || OneOf(op, {"ArgMax", "ArgMin", "TopK", "CumSum"})) {
    cost->kind = "reduce";
    cost->other_ops = in0;
  } else if (OneOf(op, {"Softmax", "LogSoftmax", "Hardmax"})) {
    cost->kind = "softmax";
    cost->other_ops = in0;
    if (op != "Hardmax") cost->transcendentals = in0;  // one exp per element
  } else if (IsNormOp(op)) {
    cost->kind = "norm";
    cost->other_ops = 2 * (out.empty() ? 0 : Elements(out[0]));
  } else if (op == "Resize" || op == "Upsample") {
    cost->kind = "resize";
    cost->other_ops = out_elements;
  } else {
    cost->kind = "elementwise";
    cost->other_ops = out_elements;
    if (OneOf(op, {"Sigmoid", "Tanh", "Exp", "Log", "Erf", "Gelu", "Softplus", "Elu", "Selu",
                   "Celu", "Mish"})) {
      cost->transcendentals = out_elements;
    }
  }
}

}  // namespace

ConstantRole RoleOfConstant(const Node& node, size_t input, const Tensor& value) {
  const std::string& op = node.op_type;
  if ((node.domain.empty() || node.domain == kFinchDomain) &&
      (op == "QLinearConv" || op == "QLinearMatMul" || op == "ConvInteger" ||
       op == "MatMulInteger")) {
    // The integer weight (QLinear*: input 3, *Integer: input 1) and QLinearConv's int32 bias
    // (8) are the parameters; scales and zero points are stored, not trained.
    const bool qlinear = op.rfind("QLinear", 0) == 0;
    if (input == (qlinear ? 3u : 1u) || (op == "QLinearConv" && input == 8)) {
      return ConstantRole::kParam;
    }
    return input == 0 ? ConstantRole::kOther : ConstantRole::kStat;
  }
  if (!IsFloat(value.dtype())) return ConstantRole::kOther;
  if (IsDefaultDomain(node) && node.op_type == "BatchNormalization") {
    // X, scale, B, input_mean, input_var: the running statistics are not trained.
    if (input == 1 || input == 2) return ConstantRole::kParam;
    return input >= 3 ? ConstantRole::kStat : ConstantRole::kOther;
  }
  if (CarriesWeights(node)) return ConstantRole::kParam;
  if (IsDefaultDomain(node) && IsDataOp(node.op_type)) return ConstantRole::kOther;
  // An elementwise op: a tensor of parameters (a position embedding, a layer scale) is a
  // weight, a scalar (a Clip bound, a divisor) is not.
  return value.num_elements() > 1 ? ConstantRole::kParam : ConstantRole::kOther;
}

StatusOr<NodeCost> NodeCostOf(const Node& node, const std::vector<TensorType>& input_types,
                              const std::vector<const Tensor*>& constants,
                              const std::vector<TensorType>& output_types) {
  for (size_t i = 0; i < input_types.size(); ++i) {
    const TensorType& t = input_types[i];
    if (t.dtype != DataType::kUndefined && !t.is_static()) {
      return InvalidArgument(node.Describe(), ": input ", i, " has type ", t.ToString(),
                             "; the cost model needs static shapes");
    }
  }
  for (size_t i = 0; i < output_types.size(); ++i) {
    const TensorType& t = output_types[i];
    if (t.dtype != DataType::kUndefined && !t.is_static()) {
      return InvalidArgument(node.Describe(), ": output ", i, " has type ", t.ToString(),
                             "; the cost model needs static shapes");
    }
  }
  NodeCost cost;
  if (cost_internal::IsComputeOp(node)) {
    std::vector<Shape> shapes(input_types.size());
    cost_internal::InputShapes ptrs(input_types.size(), nullptr);
    for (size_t i = 0; i < input_types.size(); ++i) {
      if (input_types[i].dtype == DataType::kUndefined) continue;
      shapes[i] = input_types[i].static_shape();
      ptrs[i] = &shapes[i];
    }
    const Shape out = output_types.empty() || output_types[0].dtype == DataType::kUndefined
                          ? Shape()
                          : output_types[0].static_shape();
    FINCH_RETURN_IF_ERROR(cost_internal::ComputeCost(node, ptrs, out, &cost));
  } else {
    SimpleOpCost(node, input_types, output_types, &cost);
  }
  // Shape and Size read only their input's shape.
  const bool reads_data = !(IsDefaultDomain(node) && OneOf(node.op_type, {"Shape", "Size"}));
  for (size_t i = 0; i < input_types.size(); ++i) {
    const Tensor* c = i < constants.size() ? constants[i] : nullptr;
    const ConstantRole role = c ? RoleOfConstant(node, i, *c) : ConstantRole::kOther;
    if (role == ConstantRole::kOther) {
      if (reads_data) cost.input_bytes += Bytes(input_types[i]);
      continue;
    }
    cost.weight_bytes += Bytes(input_types[i]);
    if (role == ConstantRole::kParam) cost.params += c->num_elements();
  }
  for (const TensorType& t : output_types) cost.output_bytes += Bytes(t);
  return cost;
}

ModelCost CostOf(const Graph& graph, const std::vector<TensorType>& value_types) {
  std::vector<std::shared_ptr<const Tensor>> constants(graph.values.size());
  for (size_t v = 0; v < graph.values.size(); ++v) constants[v] = graph.values[v].constant;
  return CostOf(graph, value_types, constants);
}

ModelCost CostOf(const Graph& graph, const std::vector<TensorType>& value_types,
                 const std::vector<std::shared_ptr<const Tensor>>& value_constants) {
  ModelCost model;
  std::set<const Tensor*> counted;  // weights already in the totals
  // A folded Identity's output is the tensor it passes on. Torch exports tie equal
  // initializers through Identity nodes; a plan folds them into copies, eliminate-identity into
  // one tensor; both must count it once.
  std::map<const Tensor*, const Tensor*> same_as;
  auto canonical = [&](const Tensor* t) {
    auto it = same_as.find(t);
    return it == same_as.end() ? t : it->second;
  };
  auto type_of = [&](ValueId v) {
    return v >= 0 && static_cast<size_t>(v) < value_types.size() ? value_types[v] : TensorType();
  };
  auto constant_of = [&](ValueId v) -> const Tensor* {
    return v >= 0 && static_cast<size_t>(v) < value_constants.size() ? value_constants[v].get()
                                                                     : nullptr;
  };
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    NodeCostEntry entry;
    entry.node = static_cast<int>(n);
    bool all_constant = !node.outputs.empty();
    std::vector<TensorType> in, out;
    std::vector<const Tensor*> constants;
    for (ValueId v : node.inputs) {
      in.push_back(type_of(v));
      constants.push_back(constant_of(v));
    }
    for (ValueId v : node.outputs) {
      out.push_back(type_of(v));
      if (v != kNoValue && !constant_of(v)) all_constant = false;
    }
    if (IsNhwc(node)) {  // the costs are those of the NCHW op: see its activations as NCHW
      for (size_t i = 0; i < in.size(); ++i) {
        if (!constants[i]) in[i] = NhwcToNchw(in[i]);
      }
      for (TensorType& t : out) t = NhwcToNchw(t);
    }
    if (all_constant) {
      entry.folded = true;
      if (IsDefaultDomain(node) && node.op_type == "Identity" && constants.size() == 1 &&
          constants[0] && node.outputs.size() == 1) {
        same_as[constant_of(node.outputs[0])] = canonical(constants[0]);
      }
      model.nodes.push_back(std::move(entry));
      continue;
    }
    StatusOr<NodeCost> cost = NodeCostOf(node, in, constants, out);
    if (!cost.ok()) {
      entry.known = false;
      entry.why = cost.status().message();
      ++model.unknown_nodes;
      model.nodes.push_back(std::move(entry));
      continue;
    }
    entry.cost = *cost;
    model.macs += entry.cost.macs;
    model.other_ops += entry.cost.other_ops;
    model.transcendentals += entry.cost.transcendentals;
    model.input_bytes += entry.cost.input_bytes;
    model.output_bytes += entry.cost.output_bytes;
    for (size_t i = 0; i < constants.size(); ++i) {
      const Tensor* c = constants[i];
      if (!c) continue;
      const ConstantRole role = RoleOfConstant(node, i, *c);
      if (role == ConstantRole::kOther || !counted.insert(canonical(c)).second) continue;
      model.weight_bytes += static_cast<int64_t>(c->byte_size());
      if (role == ConstantRole::kParam) model.params += c->num_elements();
    }
    model.nodes.push_back(std::move(entry));
  }
  return model;
}

}  // namespace finch
