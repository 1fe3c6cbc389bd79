#include "graph/ops/op_schema.h"

#include <algorithm>

namespace finch {

void OpSchemaRegistry::Register(OpSchema schema) { schemas_.push_back(std::move(schema)); }

const OpSchema* OpSchemaRegistry::Find(const std::string& domain,
                                       const std::string& op_type) const {
  for (const OpSchema& s : schemas_) {
    if (s.domain == domain && s.op_type == op_type) return &s;
  }
  return nullptr;
}

std::vector<std::string> OpSchemaRegistry::OpNames() const {
  std::vector<std::string> names;
  for (const OpSchema& s : schemas_) {
    names.push_back(s.domain.empty() ? s.op_type : s.domain + "::" + s.op_type);
  }
  std::sort(names.begin(), names.end());
  return names;
}

const OpSchemaRegistry& GlobalOpSchemas() {
  static const OpSchemaRegistry* registry = [] {
    auto* r = new OpSchemaRegistry;
    RegisterConvSchemas(*r);
    RegisterPoolSchemas(*r);
    RegisterGemmSchemas(*r);
    RegisterNormalizationSchemas(*r);
    RegisterElementwiseSchemas(*r);
    RegisterReduceSchemas(*r);
    RegisterShapeSchemas(*r);
    RegisterFusedSchemas(*r);
    RegisterMiscSchemas(*r);
    RegisterResizeSchemas(*r);
    RegisterConvTransposeSchemas(*r);
    RegisterQuantizeSchemas(*r);
    RegisterTransformerSchemas(*r);
    return r;
  }();
  return *registry;
}

Status InferNode(const OpSchema& schema, InferContext& ctx) {
  const Node& node = ctx.node;
  // Trailing omitted inputs do not count.
  int n_in = static_cast<int>(node.inputs.size());
  while (n_in > 0 && node.inputs[n_in - 1] == kNoValue) --n_in;
  if (n_in < schema.min_inputs || (schema.max_inputs >= 0 && n_in > schema.max_inputs)) {
    return ctx.Error("has ", n_in, " inputs, expected ",
                     schema.max_inputs == schema.min_inputs
                         ? StrCat(schema.min_inputs)
                         : StrCat(schema.min_inputs, " to ",
                                  schema.max_inputs < 0 ? std::string("any")
                                                        : StrCat(schema.max_inputs)));
  }
  for (int i = 0; i < schema.min_inputs; ++i) {
    if (!ctx.has_input(i)) return ctx.Error("required input ", i, " is missing");
  }
  const int n_out = static_cast<int>(node.outputs.size());
  if (n_out < schema.min_outputs || n_out > schema.max_outputs) {
    return ctx.Error("has ", n_out, " outputs, expected ", schema.min_outputs,
                     schema.max_outputs != schema.min_outputs ? StrCat(" to ", schema.max_outputs)
                                                              : std::string());
  }
  if (ctx.opset < schema.since_opset) {
    return ctx.Unsupported("opset ", ctx.opset, " is older than the oldest supported (",
                           schema.since_opset, ")");
  }
  return schema.infer(ctx);
}

}  // namespace finch
