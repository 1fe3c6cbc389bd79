#include "graph/passes/transformer_match.h"

#include <cmath>

namespace finch {

bool IsPlainOp(Rewriter& rw, const Node& node, const char* op, size_t inputs) {
  if (node.op_type != op || !node.domain.empty() || node.inputs.size() != inputs ||
      node.outputs.size() != 1 || node.outputs[0] == kNoValue) {
    return false;
  }
  for (size_t i = 0; i < inputs; ++i) {
    if (!node.has_input(i)) return false;
  }
  return DefaultOpset(rw.graph()) >= 7;
}

std::optional<float> ScalarConstant(Rewriter& rw, ValueId v) {
  const Tensor* t = rw.Constant(v);
  if (t == nullptr || t->dtype() != DataType::kFloat32 || t->num_elements() != 1 || t->rank() > 1) {
    return std::nullopt;
  }
  return t->data<float>()[0];
}

int OtherInput(const Node& node, ValueId v) {
  if (node.inputs.size() != 2 || node.inputs[0] == node.inputs[1]) return -1;
  if (node.inputs[0] == v) return 1;
  if (node.inputs[1] == v) return 0;
  return -1;
}

int SoleReader(Rewriter& rw, ValueId v) {
  if (!rw.HasSingleUse(v)) return -1;
  return rw.Consumers(v)[0];
}

bool CloseTo(float got, double want) {
  return std::fabs(static_cast<double>(got) - want) <= 1e-6 * std::fabs(want);
}

std::optional<Shape> LazyShapeFacts::ProbeShape(ValueId v) {
  if (v == kNoValue || v >= static_cast<ValueId>(graph_.values.size())) return std::nullopt;
  if (!facts_) facts_ = ShapeFacts::Compute(graph_, ctx_);
  return facts_->ProbeShape(v);
}

std::optional<int64_t> RankOf(Rewriter& rw, ValueId v, LazyShapeFacts& facts) {
  const TensorType& t = rw.graph().values[v].type;
  if (t.has_rank()) return static_cast<int64_t>(t.dims->size());
  if (const Tensor* c = rw.Constant(v)) return c->rank();
  std::optional<Shape> s = facts.ProbeShape(v);
  if (s) return static_cast<int64_t>(s->size());
  return std::nullopt;
}

}  // namespace finch
