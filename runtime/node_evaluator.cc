#include "runtime/node_evaluator.h"

#include "graph/ops/op_schema.h"
#include "runtime/kernel_registry.h"
#include "runtime/plan.h"

namespace finch {

StatusOr<std::vector<Tensor>> EvaluateNode(const Node& node, int64_t opset,
                                           const std::vector<const Tensor*>& inputs,
                                           size_t max_output_bytes) {
  const OpSchema* schema = GlobalOpSchemas().Find(node.domain, node.op_type);
  const KernelFactory* factory = GlobalKernels().Find(node.domain, node.op_type);
  if (schema == nullptr || factory == nullptr) {
    return Unimplemented(node.Describe(), ": op ", node.op_type, " is not supported");
  }
  InferContext ctx(node, opset);
  ctx.constants = inputs;
  ctx.inputs.resize(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i]) ctx.inputs[i] = TensorType::Static(inputs[i]->dtype(), inputs[i]->shape());
  }
  FINCH_RETURN_IF_ERROR(InferNode(*schema, ctx));
  std::vector<Tensor> outputs(node.outputs.size());
  bool all_given = true;
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (node.outputs[i] == kNoValue) continue;
    if (ctx.output_values[i]) {
      outputs[i] = *ctx.output_values[i];
    } else {
      all_given = false;
    }
  }
  if (all_given) return outputs;
  if (max_output_bytes > 0) {
    size_t bytes = 0;
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      if (node.outputs[i] != kNoValue && !ctx.output_values[i]) {
        bytes += StaticTypeBytes(ctx.outputs[i]);
      }
    }
    if (bytes > max_output_bytes) {
      return ResourceExhausted(node.Describe(), ": evaluating it needs ", bytes,
                               " bytes, more than the memory limit of ", max_output_bytes,
                               " bytes");
    }
  }
  KernelBuildContext build{node, opset, ctx.inputs, inputs, ctx.outputs};
  FINCH_ASSIGN_OR_RETURN(std::unique_ptr<OpKernel> kernel, (*factory)(build));
  KernelContext run;
  run.inputs = inputs;
  run.outputs.assign(node.outputs.size(), nullptr);
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (node.outputs[i] == kNoValue) continue;
    const TensorType& t = ctx.outputs[i];
    if (!t.is_static()) {
      return Internal(node.Describe(), ": output ", i, " has no static shape on known inputs");
    }
    FINCH_ASSIGN_OR_RETURN(outputs[i], Tensor::Allocate(t.dtype, t.static_shape()));
    run.outputs[i] = &outputs[i];
  }
  FINCH_RETURN_IF_ERROR(kernel->Run(run));
  return outputs;
}

PassContext RuntimePassContext(size_t memory_limit_bytes) {
  PassContext ctx;
  ctx.evaluate = [memory_limit_bytes](const Node& node, int64_t opset,
                                      const std::vector<const Tensor*>& inputs) {
    return EvaluateNode(node, opset, inputs, memory_limit_bytes);
  };
  return ctx;
}

}  // namespace finch
