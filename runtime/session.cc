#include "runtime/session.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>

#include "graph/onnx/importer.h"
#include "graph/ops/layout.h"
#include "graph/passes/layout.h"
#include "kernels/common/mac_counter.h"
#include "runtime/node_evaluator.h"
#include "runtime/thread_pool.h"

namespace finch {

Session::Session(Graph graph, const SessionOptions& options)
    : graph_(std::move(graph)), options_(options) {
  int threads = options.threads > 0 ? options.threads : PhysicalCoreCount();
  pool_ = std::make_unique<ThreadPool>(threads);
  for (ValueId v : graph_.inputs) input_names_.push_back(graph_.values[v].name);
  for (ValueId v : graph_.outputs) output_names_.push_back(graph_.values[v].name);
}

Session::~Session() = default;

int Session::threads() const { return pool_->threads(); }

StatusOr<std::unique_ptr<Session>> Session::Load(const std::string& path,
                                                 const SessionOptions& options) {
  FINCH_ASSIGN_OR_RETURN(Graph graph, LoadOnnxModel(path));
  return Create(std::move(graph), options);
}

StatusOr<std::unique_ptr<Session>> Session::Create(Graph graph, const SessionOptions& options) {
  std::vector<PassRecord> records;
  PipelineOptions pipeline;
  pipeline.disabled = options.disabled_passes;
  const PassContext pass_ctx = RuntimePassContext(options.memory_limit_bytes);
  if (options.optimize) {
    FINCH_ASSIGN_OR_RETURN(graph, RunPipeline(graph, pass_ctx, pipeline, &records));
  }
  if (options.lower) {
    FINCH_ASSIGN_OR_RETURN(graph, RunPasses(LoweringPasses(), graph, pass_ctx, pipeline, &records));
  }
  std::unique_ptr<Session> session(new Session(std::move(graph), options));
  session->pass_records_ = std::move(records);
  const Graph& g = session->graph_;
  for (ValueId v : g.inputs) {
    const TensorType& t = g.values[v].type;
    if (t.dtype == DataType::kUndefined) {
      return InvalidArgument("graph input \"", g.values[v].name, "\" has no declared type");
    }
    if (!IsStorable(t.dtype)) {
      return Unimplemented("graph input \"", g.values[v].name, "\" has type ",
                           DataTypeName(t.dtype), ", which finch does not support");
    }
  }
  // Every op must be known before any plan is built; name each missing op once, with its
  // first node, and list what is supported.
  std::map<std::string, std::pair<int, const Node*>> missing;
  const OpSchemaRegistry& schemas = GlobalOpSchemas();
  for (const Node& node : g.nodes) {
    if (schemas.Find(node.domain, node.op_type) != nullptr) continue;
    auto& entry = missing[(node.domain.empty() ? "" : node.domain + "::") + node.op_type];
    if (entry.first++ == 0) entry.second = &node;
  }
  if (!missing.empty()) {
    std::string what;
    for (const auto& [op, entry] : missing) {
      const Node& node = *entry.second;
      what += StrCat(what.empty() ? "" : "; ", op, " (domain \"",
                     node.domain.empty() ? "ai.onnx" : node.domain, "\", opset ",
                     g.opset(node.domain), "; ", entry.first, " node", entry.first > 1 ? "s" : "",
                     ", first ", node.Describe(), ")");
    }
    std::string supported;
    for (const std::string& op : schemas.OpNames()) supported += (supported.empty() ? "" : " ") + op;
    return Unimplemented("unsupported op", missing.size() > 1 ? "s: " : ": ", what,
                         ". Supported ops: ", supported);
  }
  bool all_ranked = true;
  for (ValueId v : g.inputs) all_ranked &= g.values[v].type.has_rank();
  if (all_ranked) {
    std::vector<Shape> shapes;
    for (size_t i = 0; i < g.inputs.size(); ++i) shapes.push_back(session->DefaultInputShape(i));
    FINCH_RETURN_IF_ERROR(session->PlanFor(shapes).status());
  }
  return session;
}

Shape Session::DefaultInputShape(size_t i, int64_t fill) const {
  Shape s;
  const TensorType& t = input_type(i);
  if (t.dims) {
    for (const Dim& d : *t.dims) s.push_back(d.known() ? d.value : fill);
  }
  return s;
}

StatusOr<const Plan*> Session::PlanFor(const std::vector<Shape>& input_shapes) const {
  std::lock_guard<std::mutex> lock(plans_mutex_);
  auto it = plans_.find(input_shapes);
  if (it != plans_.end()) return static_cast<const Plan*>(it->second.get());
  FINCH_ASSIGN_OR_RETURN(std::unique_ptr<Plan> plan,
                         BuildPlan(graph_, input_shapes, options_.memory_limit_bytes,
                                   pool_->threads()));
  const Plan* p = plan.get();
  plans_[input_shapes] = std::move(plan);
  return p;
}

Status Session::CheckInputs(const std::vector<Tensor>& inputs) const {
  if (inputs.size() != graph_.inputs.size()) {
    return InvalidArgument("the model has ", graph_.inputs.size(), " inputs, ", inputs.size(),
                           " were given");
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorType& want = input_type(i);
    const Tensor& got = inputs[i];
    auto got_str = [&got] { return StrCat(DataTypeName(got.dtype()), ShapeToString(got.shape())); };
    if (got.dtype() != want.dtype) {
      return InvalidArgument("input \"", input_names_[i], "\" expects ", want.ToString(),
                             ", got ", got_str());
    }
    if (!want.dims) continue;
    bool ok = want.dims->size() == got.rank();
    for (size_t d = 0; ok && d < got.rank(); ++d) {
      const Dim& dim = (*want.dims)[d];
      if (dim.known() && dim.value != got.dim(d)) ok = false;
    }
    if (!ok) {
      return InvalidArgument("input \"", input_names_[i], "\" expects ", want.ToString(),
                             ", got ", got_str());
    }
  }
  return Status::Ok();
}

namespace {

// Counted runs (RunOptions::count_macs) one at a time: the kernels' counter is process-wide.
// While one holds the lock the counter is on; it goes off however the run ends.
class MacCountScope {
 public:
  explicit MacCountScope(bool on) {
    if (!on) return;
    lock_ = std::unique_lock<std::mutex>(Mutex());
    kernels::MacCounter::SetEnabled(true);
  }
  ~MacCountScope() {
    if (lock_.owns_lock()) kernels::MacCounter::SetEnabled(false);
  }

 private:
  static std::mutex& Mutex() {
    static std::mutex mutex;
    return mutex;
  }
  std::unique_lock<std::mutex> lock_;
};

// A channels-last activation [N, H, W, C] copied into its model layout [N, C, H, W].
StatusOr<Tensor> NhwcToNchwCopy(const Tensor& t) {
  if (t.rank() != 4) return t.Clone();
  FINCH_ASSIGN_OR_RETURN(Tensor y, Tensor::Allocate(t.dtype(), NhwcToNchw(t.shape())));
  CopyNhwcToNchw(t.raw_data(), y.mutable_raw_data(), DataTypeSize(t.dtype()), t.dim(0),
                 t.dim(3), t.dim(1) * t.dim(2));
  return y;
}

}  // namespace

StatusOr<std::vector<Tensor>> Session::Run(const std::vector<Tensor>& inputs) const {
  return Run(inputs, RunOptions(), nullptr);
}

StatusOr<std::vector<Tensor>> Session::Run(const std::vector<Tensor>& inputs,
                                           const RunOptions& options, RunProfile* profile) const {
  const auto run_start = std::chrono::steady_clock::now();  // the origin of Step::start_ms
  FINCH_RETURN_IF_ERROR(CheckInputs(inputs));
  FINCH_ASSIGN_OR_RETURN(const Plan* plan, PlanForInputs(inputs));

  // The run's state (arena, views, value table), back to the pool however the run ends.
  std::unique_ptr<RunState> state = plan->run_states->Acquire(graph_, *plan);
  if (!state) {
    return ResourceExhausted("out of memory allocating the ", plan->arena_bytes(),
                             "-byte activation arena");
  }
  struct StateReturn {
    RunStatePool* pool;
    std::unique_ptr<RunState>* state;
    ~StateReturn() { pool->Release(std::move(*state)); }
  } state_return{plan->run_states.get(), &state};
  RunState& rs = *state;

  std::fill(rs.keep.begin(), rs.keep.end(), false);
  // Names the layout pass replaced by a channels-last twin ("<name>.nhwc") are fetched through
  // it and returned in the model's NCHW layout.
  std::map<ValueId, std::string> nhwc_fetch;
  for (const std::string& name : options.fetch) {
    ValueId v = graph_.FindValue(name);
    if (v == kNoValue) {
      v = graph_.FindValue(name + ".nhwc");
      if (v == kNoValue) return InvalidArgument("cannot fetch \"", name, "\": no such value");
      nhwc_fetch[v] = name;
    }
    rs.keep[v] = true;
  }

  // Bytes held by outputs of dynamic steps, which the plan's estimate could not include.
  const size_t limit = options_.memory_limit_bytes;
  const size_t planned = plan->EstimatedBytes();
  size_t dynamic_live = 0;

  const size_t n_values = graph_.values.size();
  std::vector<const Tensor*>& env = rs.env;
  std::vector<Tensor>& owned = rs.owned;
  std::fill(rs.dynamic_bytes.begin(), rs.dynamic_bytes.end(), 0);
  for (size_t v = 0; v < n_values; ++v) env[v] = plan->constants[v].get();
  for (size_t i = 0; i < inputs.size(); ++i) env[graph_.inputs[i]] = &inputs[i];
  // Whatever a failed run left behind is dropped when the state is next used.
  struct OwnedClear {
    std::vector<Tensor>* owned;
    ~OwnedClear() {
      for (Tensor& t : *owned) {
        if (!t.empty()) t = Tensor();
      }
    }
  } owned_clear{&owned};

  KernelContext& ctx = rs.ctx;
  ctx.pool = pool_.get();
  const bool count_macs = profile != nullptr && options.count_macs;
  const MacCountScope count_scope(count_macs);
  for (size_t s = 0; s < plan->steps.size(); ++s) {
    const PlanStep& step = plan->steps[s];
    const Node& node = graph_.nodes[step.node];
    ctx.scratch = nullptr;
    ctx.scratch_bytes = 0;
    if (!step.dynamic && plan->scratch_bytes > 0) {
      ctx.scratch = rs.arena.get() + plan->scratch_offset;
      ctx.scratch_bytes = plan->scratch_bytes;
    }
    ctx.inputs.assign(node.inputs.size(), nullptr);
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i] != kNoValue) ctx.inputs[i] = env[node.inputs[i]];
    }
    std::vector<TensorType> out_types;
    if (step.dynamic) {
      std::vector<TensorType> in_types(node.inputs.size());
      for (size_t i = 0; i < node.inputs.size(); ++i) {
        if (ctx.inputs[i]) {
          in_types[i] = TensorType::Static(ctx.inputs[i]->dtype(), ctx.inputs[i]->shape());
        }
      }
      InferContext ictx(node, graph_.opset(node.domain));
      FINCH_RETURN_IF_ERROR(InferStep(graph_, node, *step.schema, in_types, ctx.inputs, &ictx));
      out_types = std::move(ictx.outputs);
    }
    ctx.outputs.assign(node.outputs.size(), nullptr);
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      const ValueId v = node.outputs[i];
      if (v == kNoValue) continue;
      if (!step.dynamic && plan->memory.offset[v] >= 0) {  // planned: its view in the arena
        env[v] = &rs.views[v];
        ctx.outputs[i] = &rs.views[v];
        continue;
      }
      const TensorType& t = step.dynamic ? out_types[i] : plan->types[v];
      if (!t.is_static()) {
        return Internal(node.Describe(), ": output ", i, " has no static shape at run time");
      }
      if (step.dynamic && limit > 0) {
        const size_t bytes = StaticTypeBytes(t);
        if (bytes > limit - std::min(limit, planned + dynamic_live)) {
          return ResourceExhausted(node.Describe(), ": output ", i, " (", t.ToString(),
                                   ", known only at run time) needs ", bytes,
                                   " bytes, which with the plan's ", planned, " and ",
                                   dynamic_live, " held by other run-time shapes exceeds the "
                                   "memory limit of ", limit, " bytes");
        }
        rs.dynamic_bytes[v] = bytes;
        dynamic_live += bytes;
      }
      FINCH_ASSIGN_OR_RETURN(owned[v], Tensor::Allocate(t.dtype, t.static_shape()));
      env[v] = &owned[v];
      ctx.outputs[i] = &owned[v];
    }
    const kernels::MacCount macs_before =
        count_macs ? kernels::MacCounter::Read() : kernels::MacCount{};
    const auto start = std::chrono::steady_clock::now();
    FINCH_RETURN_IF_ERROR(step.kernel->Run(ctx));
    if (profile) {
      using Ms = std::chrono::duration<double, std::milli>;
      const auto end = std::chrono::steady_clock::now();
      RunProfile::Step record;
      record.node = node.name;
      record.op_type = node.domain.empty() ? node.op_type : node.domain + "::" + node.op_type;
      record.kernel = step.kernel->name();
      if (options.time_steps) {
        record.start_ms = Ms(start - run_start).count();
        record.ms = Ms(end - start).count();
      }
      if (count_macs) {  // the step's threads have joined: every add of its kernels is in
        const kernels::MacCount after = kernels::MacCounter::Read();
        record.macs = after.executed - macs_before.executed;
        record.padding_macs = after.padding - macs_before.padding;
      }
      profile->steps.push_back(std::move(record));
      // A fetched activation is copied now: its arena bytes are reused by later steps.
      for (ValueId v : node.outputs) {
        if (v == kNoValue || !rs.keep[v]) continue;
        auto twin = nhwc_fetch.find(v);
        if (twin != nhwc_fetch.end()) {
          FINCH_ASSIGN_OR_RETURN(profile->fetched[twin->second], NhwcToNchwCopy(*env[v]));
        } else {
          FINCH_ASSIGN_OR_RETURN(profile->fetched[graph_.values[v].name], env[v]->Clone());
        }
      }
    }
    // Release what no later step reads (planned values simply stop being read).
    for (ValueId v : node.inputs) {
      if (v != kNoValue && plan->last_use[v] == static_cast<int>(s) && !rs.keep[v] &&
          !owned[v].empty()) {
        owned[v] = Tensor();
        dynamic_live -= rs.dynamic_bytes[v];
        rs.dynamic_bytes[v] = 0;
      }
    }
  }
  if (profile) {  // fetched constants and inputs (activations were copied as they were made)
    for (const std::string& name : options.fetch) {
      const ValueId v = graph_.FindValue(name);
      if (v == kNoValue) continue;  // fetched through its channels-last twin
      if (env[v] != nullptr && !profile->fetched.count(name)) profile->fetched[name] = *env[v];
    }
  }

  std::vector<Tensor> outputs;
  outputs.reserve(graph_.outputs.size());
  for (ValueId v : graph_.outputs) {
    if (env[v] == nullptr) {
      return Internal("graph output \"", graph_.values[v].name, "\" was not computed");
    }
    outputs.push_back(*env[v]);  // shares storage; constants stay read-only by convention
  }
  return outputs;
}

StatusOr<const Plan*> Session::PlanForInputs(const std::vector<Tensor>& inputs) const {
  // The common case, without building a key: the same shapes as the last run.
  if (const Plan* last = last_plan_.load(std::memory_order_acquire)) {
    bool same = last->input_shapes.size() == inputs.size();
    for (size_t i = 0; same && i < inputs.size(); ++i) {
      same = last->input_shapes[i] == inputs[i].shape();
    }
    if (same) return last;
  }
  std::vector<Shape> shapes;
  for (const Tensor& t : inputs) shapes.push_back(t.shape());
  FINCH_ASSIGN_OR_RETURN(const Plan* plan, PlanFor(shapes));
  last_plan_.store(plan, std::memory_order_release);
  return plan;
}

}  // namespace finch
