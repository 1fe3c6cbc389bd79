// Op schemas: what finch knows about each op's inputs, attributes and output types.
//
// Each op family (graph/ops/<family>.cc) registers an OpSchema per op with an infer function.
// Inference runs once per node when a session builds its plan: it validates the attributes and
// input types (errors name the node, input and values at fault) and computes the output types.
// When an input's value is known at that time (an initializer, a folded constant), the infer
// function sees it, so shape subgraphs (Shape -> Gather -> Concat -> Reshape) resolve to static
// shapes. An infer function may also compute an output's value itself (Shape does).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/status.h"
#include "graph/tensor.h"

namespace finch {

struct InferContext {
  const Node& node;
  int64_t opset;                          // the model's opset for the node's domain
  std::vector<TensorType> inputs;         // omitted optional inputs have dtype kUndefined
  std::vector<const Tensor*> constants;   // an input's value where known now, else nullptr
  std::vector<TensorType> outputs;        // filled by the infer function
  std::vector<std::shared_ptr<const Tensor>> output_values;  // optional, filled by infer

  InferContext(const Node& n, int64_t op_version)
      : node(n), opset(op_version), outputs(n.outputs.size()), output_values(n.outputs.size()) {}

  size_t num_inputs() const { return inputs.size(); }
  bool has_input(size_t i) const {
    return i < inputs.size() && inputs[i].dtype != DataType::kUndefined;
  }
  const TensorType& input(size_t i) const { return inputs[i]; }
  // The value of input i if known now, else nullptr.
  const Tensor* constant(size_t i) const { return i < constants.size() ? constants[i] : nullptr; }
  void SetOutput(size_t i, DataType dtype, const Shape& shape) {
    if (i < outputs.size()) outputs[i] = TensorType::Static(dtype, shape);
  }

  // InvalidArgument("<Op> \"<name>\": " + message).
  template <typename... Args>
  Status Error(const Args&... args) const {
    return InvalidArgument(node.Describe(), ": ", args...);
  }
  template <typename... Args>
  Status Unsupported(const Args&... args) const {
    return Unimplemented(node.Describe(), ": ", args...);
  }
};

using InferFn = std::function<Status(InferContext&)>;

struct OpSchema {
  std::string domain;  // "" is ai.onnx
  std::string op_type;
  int min_inputs = 1;
  int max_inputs = 1;  // -1: variadic
  int min_outputs = 1;
  int max_outputs = 1;
  int since_opset = 1;  // the oldest opset whose semantics finch implements
  InferFn infer;
};

class OpSchemaRegistry {
 public:
  void Register(OpSchema schema);
  const OpSchema* Find(const std::string& domain, const std::string& op_type) const;
  // "Add, AveragePool, ..." sorted, for error messages and docs.
  std::vector<std::string> OpNames() const;

 private:
  std::vector<OpSchema> schemas_;
};

// All schemas: the families below, registered once.
const OpSchemaRegistry& GlobalOpSchemas();

// Runs the schema's checks and inference for one node: arity, then infer.
Status InferNode(const OpSchema& schema, InferContext& ctx);

// One per family file in graph/ops/.
void RegisterConvSchemas(OpSchemaRegistry& r);
void RegisterPoolSchemas(OpSchemaRegistry& r);
void RegisterGemmSchemas(OpSchemaRegistry& r);
void RegisterNormalizationSchemas(OpSchemaRegistry& r);
void RegisterElementwiseSchemas(OpSchemaRegistry& r);
void RegisterReduceSchemas(OpSchemaRegistry& r);
void RegisterShapeSchemas(OpSchemaRegistry& r);
void RegisterFusedSchemas(OpSchemaRegistry& r);  // the "finch" domain: graph/ops/fused.h
void RegisterMiscSchemas(OpSchemaRegistry& r);
void RegisterResizeSchemas(OpSchemaRegistry& r);
void RegisterConvTransposeSchemas(OpSchemaRegistry& r);
void RegisterQuantizeSchemas(OpSchemaRegistry& r);
// finch::LayerNormalization, Gelu, FusedMatMul, Attention: graph/ops/transformer.h
void RegisterTransformerSchemas(OpSchemaRegistry& r);

}  // namespace finch
