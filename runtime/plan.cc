#include "runtime/plan.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

#include "runtime/kernel_registry.h"

namespace finch {
namespace {

bool VerboseDispatch() {
  const char* v = std::getenv("FINCH_VERBOSE");
  return v != nullptr && std::strstr(v, "dispatch") != nullptr;
}

// Allocates the outputs a step writes, from their inferred static types.
Status AllocateOutputs(const Node& node, const std::vector<TensorType>& types,
                       std::vector<Tensor>* storage, std::vector<Tensor*>* outputs) {
  storage->assign(node.outputs.size(), Tensor());
  outputs->assign(node.outputs.size(), nullptr);
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (node.outputs[i] == kNoValue) continue;
    const TensorType& t = types[i];
    if (!t.is_static()) {
      return Internal(node.Describe(), ": output ", i, " has no static shape after inference");
    }
    FINCH_ASSIGN_OR_RETURN((*storage)[i], Tensor::Allocate(t.dtype, t.static_shape()));
    (*outputs)[i] = &(*storage)[i];
  }
  return Status::Ok();
}

// A constant tensor's bytes once per storage: values may share one tensor.
void AddConstantBytes(const Tensor* t, std::set<const void*>* seen, size_t* total) {
  if (t == nullptr || t->raw_data() == nullptr) return;
  if (seen->insert(t->raw_data()).second) *total += t->byte_size();
}

}  // namespace

size_t StaticTypeBytes(const TensorType& type) {
  if (!type.is_static()) return 0;
  auto n = CheckedNumElements(type.static_shape());
  const size_t elem = DataTypeSize(type.dtype);
  if (!n.ok() || elem == 0 || static_cast<uint64_t>(*n) > SIZE_MAX / elem) return 0;
  return static_cast<size_t>(*n) * elem;
}

Status InferStep(const Graph& graph, const Node& node, const OpSchema& schema,
                 const std::vector<TensorType>& input_types,
                 const std::vector<const Tensor*>& input_values, InferContext* ctx) {
  ctx->inputs = input_types;
  ctx->constants = input_values;
  FINCH_RETURN_IF_ERROR(InferNode(schema, *ctx));
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (node.outputs[i] == kNoValue) continue;
    const TensorType& got = ctx->outputs[i];
    const TensorType& declared = graph.values[node.outputs[i]].type;
    if (got.dtype == DataType::kUndefined) {
      return Internal(node.Describe(), ": inference gave no type for output ", i);
    }
    // Every shape in a plan has a product of dims (of non-zero dims) that fits int64, so that
    // kernels and their factories may multiply dims freely.
    if (got.is_static()) {
      auto n = CheckedNumElements(got.static_shape());
      if (!n.ok()) {
        return InvalidArgument(node.Describe(), ": output ", i, " would have ",
                               n.status().message());
      }
      // Byte counts too stay far from overflow, so that the memory planner may add them up.
      const uint64_t elem = DataTypeSize(got.dtype);
      if (elem > 0 && static_cast<uint64_t>(*n) > kMaxTensorBytes / elem) {
        return ResourceExhausted(node.Describe(), ": output ", i, " would be ",
                                 got.ToString(), ", more than ", kMaxTensorBytes,
                                 " bytes");
      }
    }
    if (declared.dtype != DataType::kUndefined && declared.dtype != got.dtype) {
      return InvalidArgument(node.Describe(), ": output \"", graph.values[node.outputs[i]].name,
                             "\" is declared ", DataTypeName(declared.dtype), " but the op yields ",
                             DataTypeName(got.dtype));
    }
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<Plan>> BuildPlan(const Graph& graph,
                                          const std::vector<Shape>& input_shapes,
                                          size_t memory_limit_bytes, int threads) {
  auto plan = std::make_unique<Plan>();
  plan->input_shapes = input_shapes;
  const size_t n_values = graph.values.size();
  plan->types.resize(n_values);
  plan->constants.resize(n_values);
  std::set<const void*> counted;  // storage of constants already in plan->constant_bytes
  for (size_t v = 0; v < n_values; ++v) {
    plan->constants[v] = graph.values[v].constant;
    if (graph.values[v].constant) plan->types[v] = graph.values[v].type;
    AddConstantBytes(plan->constants[v].get(), &counted, &plan->constant_bytes);
  }
  const size_t limit = memory_limit_bytes;
  if (limit > 0 && plan->constant_bytes > limit) {
    return ResourceExhausted("memory limit of ", limit, " bytes exceeded: the model's constants "
                             "take ", plan->constant_bytes, " bytes");
  }
  if (input_shapes.size() != graph.inputs.size()) {
    return InvalidArgument("the model has ", graph.inputs.size(), " inputs, ",
                           input_shapes.size(), " shapes were given");
  }
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    const ValueId v = graph.inputs[i];
    auto n = CheckedNumElements(input_shapes[i]);
    if (!n.ok()) {
      return InvalidArgument("input \"", graph.values[v].name, "\": ", n.status().message());
    }
    plan->types[v] = TensorType::Static(graph.values[v].type.dtype, input_shapes[i]);
  }

  const bool verbose = VerboseDispatch();
  size_t max_scratch = 0;
  const KernelRegistry& kernels = GlobalKernels();
  const OpSchemaRegistry& schemas = GlobalOpSchemas();
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    const OpSchema* schema = schemas.Find(node.domain, node.op_type);
    const KernelFactory* factory = kernels.Find(node.domain, node.op_type);
    if (schema == nullptr || factory == nullptr) {
      return Unimplemented(node.Describe(), ": op ", node.op_type, " (domain \"",
                           node.domain.empty() ? "ai.onnx" : node.domain, "\", opset ",
                           graph.opset(node.domain), ") is not supported");
    }
    std::vector<TensorType> in_types(node.inputs.size());
    std::vector<const Tensor*> in_values(node.inputs.size(), nullptr);
    bool all_known = true;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const ValueId v = node.inputs[i];
      if (v == kNoValue) continue;
      in_types[i] = plan->types[v];
      in_values[i] = plan->constants[v].get();
      if (!in_values[i]) all_known = false;
    }
    InferContext ctx(node, graph.opset(node.domain));
    FINCH_RETURN_IF_ERROR(InferStep(graph, node, *schema, in_types, in_values, &ctx));
    bool dynamic = false;
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      const ValueId v = node.outputs[i];
      if (v == kNoValue) continue;
      plan->types[v] = ctx.outputs[i];
      if (ctx.output_values[i]) {
        plan->constants[v] = ctx.output_values[i];
        AddConstantBytes(plan->constants[v].get(), &counted, &plan->constant_bytes);
      }
      if (!ctx.outputs[i].is_static()) dynamic = true;
    }
    bool values_given = true;
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      if (node.outputs[i] != kNoValue && !ctx.output_values[i]) values_given = false;
    }
    if (values_given) {  // inference computed the values (Shape): nothing left to run
      ++plan->folded_nodes;
      continue;
    }

    KernelBuildContext build{node, graph.opset(node.domain), in_types, in_values, ctx.outputs};
    build.threads = std::max(1, threads);
    FINCH_ASSIGN_OR_RETURN(std::unique_ptr<OpKernel> kernel, (*factory)(build));

    if (all_known && !node.inputs.empty() && !dynamic) {
      // Constant folding: run the node now, keep its outputs as constants; checked against the
      // limit before the outputs are allocated.
      size_t fold_bytes = 0;
      for (size_t i = 0; i < node.outputs.size(); ++i) {
        if (node.outputs[i] != kNoValue) fold_bytes += StaticTypeBytes(ctx.outputs[i]);
      }
      if (limit > 0 && fold_bytes > limit - std::min(limit, plan->constant_bytes)) {
        return ResourceExhausted(node.Describe(), ": folding it needs ", fold_bytes,
                                 " bytes, which with the ", plan->constant_bytes,
                                 " bytes of constants so far exceeds the memory limit of ", limit,
                                 " bytes");
      }
      std::vector<Tensor> storage;
      KernelContext kctx;
      kctx.inputs = in_values;
      FINCH_RETURN_IF_ERROR(AllocateOutputs(node, ctx.outputs, &storage, &kctx.outputs));
      FINCH_RETURN_IF_ERROR(kernel->Run(kctx));
      for (size_t i = 0; i < node.outputs.size(); ++i) {
        if (node.outputs[i] == kNoValue) continue;
        plan->constants[node.outputs[i]] = std::make_shared<const Tensor>(std::move(storage[i]));
        AddConstantBytes(plan->constants[node.outputs[i]].get(), &counted, &plan->constant_bytes);
      }
      ++plan->folded_nodes;
      continue;
    }
    if (verbose) {
      std::string skipped;
      for (const std::string& s : build.skipped) skipped += (skipped.empty() ? "" : "; ") + s;
      std::fprintf(stderr, "[finch dispatch] %s -> %s%s%s%s%s\n", node.Describe().c_str(),
                   kernel->name().c_str(), dynamic ? " (dynamic shape)" : "",
                   skipped.empty() ? "" : " (skipped ", skipped.c_str(),
                   skipped.empty() ? "" : ")");
    }
    if (!dynamic) max_scratch = std::max(max_scratch, kernel->scratch_bytes());
    plan->constant_bytes += kernel->held_bytes();
    if (limit > 0 && plan->constant_bytes > limit) {
      return ResourceExhausted(node.Describe(), ": its kernel's packed weights take the ",
                               "constants to ", plan->constant_bytes,
                               " bytes, more than the memory limit of ", limit, " bytes");
    }
    PlanStep step;
    step.node = static_cast<int>(n);
    step.schema = schema;
    step.kernel = std::move(kernel);
    step.dynamic = dynamic;
    plan->steps.push_back(std::move(step));
  }

  plan->last_use.assign(n_values, -1);
  for (size_t s = 0; s < plan->steps.size(); ++s) {
    for (ValueId v : graph.nodes[plan->steps[s].node].inputs) {
      if (v != kNoValue) plan->last_use[v] = static_cast<int>(s);
    }
  }
  for (ValueId v : graph.outputs) plan->last_use[v] = static_cast<int>(plan->steps.size());
  plan->memory = PlanMemory(graph, *plan);
  if (plan->memory.total_bytes >= kMaxTensorBytes << 8) {  // also catches a saturated sum
    return ResourceExhausted("the activations would take ", plan->memory.total_bytes,
                             " bytes, more than any machine has");
  }
  plan->scratch_offset = (plan->memory.arena_bytes + 63) / 64 * 64;
  plan->scratch_bytes = max_scratch;
  plan->run_states = std::make_unique<RunStatePool>(plan->arena_bytes());

  // Each run allocates the graph outputs of static steps (the caller keeps them).
  std::set<ValueId> outputs(graph.outputs.begin(), graph.outputs.end());
  for (ValueId v : outputs) {
    if (!plan->constants[v]) plan->output_bytes += StaticTypeBytes(plan->types[v]);
  }
  if (limit > 0 && plan->EstimatedBytes() > limit) {
    return ResourceExhausted("memory limit of ", limit, " bytes exceeded: constants ",
                             plan->constant_bytes, " + activation arena ",
                             plan->memory.arena_bytes,
                             plan->scratch_bytes ? StrCat(" + kernel scratch ",
                                                          plan->scratch_bytes) : std::string(),
                             " + graph outputs ", plan->output_bytes,
                             " = ", plan->EstimatedBytes(), " bytes");
  }
  return plan;
}

Plan::~Plan() = default;

}  // namespace finch
