#include "graph/passes/shape_facts.h"

#include <cstring>

#include "graph/ops/op_schema.h"

namespace finch {
namespace {

constexpr int64_t kProbes[] = {1009, 1013, 3};
// Values computed on the way only when small: shape arithmetic, not activations.
constexpr int64_t kMaxEvaluatedElements = 4096;

void Infer(const Graph& graph, const PassContext& ctx, int64_t probe,
           std::vector<TensorType>* types_out,
           std::vector<std::shared_ptr<const Tensor>>* values_out) {
  std::vector<TensorType>& types = *types_out;
  std::vector<std::shared_ptr<const Tensor>>& values = *values_out;
  types.assign(graph.values.size(), TensorType());
  values.assign(graph.values.size(), nullptr);
  for (size_t v = 0; v < graph.values.size(); ++v) {
    values[v] = graph.values[v].constant;
    if (values[v]) types[v] = graph.values[v].type;
  }
  // Every shape the probes work with passes the same overflow check a plan applies, so infer
  // functions may multiply dims: a hostile declared shape is simply unknown here.
  auto checked = [](const TensorType& t) {
    return !t.is_static() || CheckedNumElements(t.static_shape()).ok() ? t : TensorType();
  };
  for (ValueId v : graph.inputs) {
    TensorType t = graph.values[v].type;
    if (t.dims) {
      for (Dim& d : *t.dims) {
        if (!d.known()) d.value = probe;
      }
    }
    types[v] = checked(t);
  }
  const OpSchemaRegistry& schemas = GlobalOpSchemas();
  for (const Node& node : graph.nodes) {
    const OpSchema* schema = schemas.Find(node.domain, node.op_type);
    if (schema == nullptr) continue;  // outputs stay unknown
    InferContext ic(node, graph.opset(node.domain));
    ic.inputs.resize(node.inputs.size());
    ic.constants.resize(node.inputs.size(), nullptr);
    bool all_known = !node.inputs.empty();
    int64_t elements = 0;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const ValueId v = node.inputs[i];
      if (v == kNoValue) continue;
      ic.inputs[i] = types[v];
      ic.constants[i] = values[v].get();
      if (!values[v]) all_known = false;
      else elements += values[v]->num_elements();
    }
    if (!InferNode(*schema, ic).ok()) continue;
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      const ValueId v = node.outputs[i];
      if (v == kNoValue) continue;
      types[v] = checked(ic.outputs[i]);
      values[v] = types[v].dtype == DataType::kUndefined ? nullptr : ic.output_values[i];
    }
    if (!all_known || !ctx.evaluate || elements > kMaxEvaluatedElements) continue;
    bool small = true;
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      if (node.outputs[i] != kNoValue &&
          (!ic.outputs[i].is_static() ||
           NumElements(ic.outputs[i].static_shape()) > kMaxEvaluatedElements)) {
        small = false;
      }
    }
    if (!small) continue;
    auto out = ctx.evaluate(node, graph.opset(node.domain), ic.constants);
    if (!out.ok()) continue;
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      if (node.outputs[i] == kNoValue) continue;
      values[node.outputs[i]] = std::make_shared<const Tensor>(std::move((*out)[i]));
    }
  }
}

}  // namespace

ShapeFacts ShapeFacts::Compute(const Graph& graph, const PassContext& ctx) {
  ShapeFacts facts;
  for (int64_t probe : kProbes) {
    facts.probes_.emplace_back();
    Infer(graph, ctx, probe, &facts.probes_.back().types, &facts.probes_.back().values);
  }
  return facts;
}

bool ShapeFacts::SameShape(ValueId a, ValueId b) const {
  if (a == kNoValue || b == kNoValue) return false;
  for (const Probe& p : probes_) {
    const TensorType& ta = p.types[a];
    const TensorType& tb = p.types[b];
    if (!ta.is_static() || !tb.is_static() || ta.static_shape() != tb.static_shape()) return false;
  }
  return true;
}

std::optional<Shape> ShapeFacts::ProbeShape(ValueId v) const {
  if (v == kNoValue || !probes_[0].types[v].is_static()) return std::nullopt;
  return probes_[0].types[v].static_shape();
}

std::shared_ptr<const Tensor> ShapeFacts::InvariantValue(ValueId v) const {
  if (v == kNoValue) return nullptr;
  const std::shared_ptr<const Tensor>& first = probes_[0].values[v];
  if (!first) return nullptr;
  for (const Probe& p : probes_) {
    const Tensor* t = p.values[v].get();
    if (t == nullptr || t->dtype() != first->dtype() || t->shape() != first->shape() ||
        std::memcmp(t->raw_data(), first->raw_data(), first->byte_size()) != 0) {
      return nullptr;
    }
  }
  return first;
}

}  // namespace finch
