#include "runtime/separable_compare.h"

#include <algorithm>
#include <memory>

#include "graph/zoo/layer_builder.h"
#include "runtime/plan.h"
#include "runtime/session.h"

namespace finch {
namespace {

// Channels or pixels beyond this make a single layer of gigabytes: not a representative shape.
constexpr int64_t kMaxChannels = 8192;
constexpr int64_t kMaxSize = 1024;
// The pass that turns a depthwise -> pointwise pair into one finch::InvertedResidual (no expand).
constexpr char kFuseBlocksPass[] = "fuse-inverted-residual";

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// x [1, Cin, H, W] -> Conv + bias -> ReLU for each (cout, kernel, stride, groups) in turn.
struct ConvSpec {
  int64_t cout, kernel, stride, groups;
};
Graph ConvChain(const LayerShape& s, const std::vector<ConvSpec>& convs) {
  Graph g;
  g.name = "separable_compare";
  g.opset_imports[""] = 13;
  zoo::LayerBuilder b(&g, 1, 13);
  ValueId x = b.Input("x", {1, s.cin, s.hw, s.hw});
  int64_t cin = s.cin;
  for (size_t i = 0; i < convs.size(); ++i) {
    const ConvSpec& c = convs[i];
    const std::string name = StrCat("conv", i);
    x = b.Conv(name, x, cin, c.cout, c.kernel, c.stride, c.groups, /*bias=*/true);
    x = b.AddNode(name + ".relu", "Relu", {x}).outputs[0];
    cin = c.cout;
  }
  g.outputs.push_back(x);
  return g;
}

// One graph of the comparison as a session, with the step times of its timed runs.
struct Chain {
  std::unique_ptr<Session> session;
  std::vector<Tensor> inputs;
  const Plan* plan = nullptr;
  std::vector<std::vector<double>> samples;  // per plan step, one per timed run
};

StatusOr<Chain> PrepareChain(Graph graph, int threads, bool fuse_blocks) {
  FINCH_RETURN_IF_ERROR(graph.TopologicalSort());
  SessionOptions options;
  options.threads = threads;
  if (!fuse_blocks) options.disabled_passes.insert(kFuseBlocksPass);
  Chain c;
  FINCH_ASSIGN_OR_RETURN(c.session, Session::Create(std::move(graph), options));
  const Shape shape = c.session->DefaultInputShape(0);
  FINCH_ASSIGN_OR_RETURN(Tensor x, Tensor::Allocate(DataType::kFloat32, shape));
  float* p = x.mutable_data<float>();
  for (int64_t i = 0; i < x.num_elements(); ++i) p[i] = static_cast<float>(i % 13) * 0.1f - 0.6f;
  c.inputs.push_back(std::move(x));
  FINCH_ASSIGN_OR_RETURN(c.plan, c.session->PlanFor({shape}));
  c.samples.resize(c.plan->steps.size());
  FINCH_RETURN_IF_ERROR(c.session->Run(c.inputs).status());  // warm-up
  return c;
}

Status TimeOnce(Chain& c) {
  RunOptions options;
  options.time_steps = true;
  RunProfile profile;
  FINCH_RETURN_IF_ERROR(c.session->Run(c.inputs, options, &profile).status());
  if (profile.steps.size() != c.samples.size()) {
    return Internal("profile has ", profile.steps.size(), " steps, the plan ", c.samples.size());
  }
  for (size_t s = 0; s < c.samples.size(); ++s) c.samples[s].push_back(profile.steps[s].ms);
  return Status::Ok();
}

// The compute steps (those with MACs) of `c`, in order, each with its median step time.
std::vector<ConvMeasure> Results(const Chain& c, const MachineModel& machine) {
  const ModelCost cost = CostOf(c.session->graph(), c.plan->types, c.plan->constants);
  const int threads = std::max(c.session->threads(), 1);
  std::vector<ConvMeasure> out;
  for (size_t s = 0; s < c.plan->steps.size(); ++s) {
    const NodeCostEntry& e = cost.nodes[static_cast<size_t>(c.plan->steps[s].node)];
    if (!e.known || e.cost.macs == 0) continue;
    ConvMeasure m;
    m.cost = e.cost;
    m.pred = PredictNode(e.cost, machine, threads);
    m.ms = Median(c.samples[s]);
    m.kernel = c.plan->steps[s].kernel->name();
    out.push_back(m);
  }
  return out;
}

}  // namespace

std::vector<LayerShape> RepresentativeLayers() {
  return {
      {"textbook 3x3 at 56x56", 256, 256, 56, 3, 1},
      {"MobileNetV1 features.2 (s2)", 64, 128, 112, 3, 2},
      {"MobileNetV1 features.3", 128, 128, 56, 3, 1},
      {"MobileNetV1 features.7", 512, 512, 14, 3, 1},
      {"MobileNetV1 features.13", 1024, 1024, 7, 3, 1},
      {"MobileNetV2 features.3 (dw + project)", 144, 24, 56, 3, 1},
      {"MobileNetV2 features.13 (dw + project)", 576, 96, 14, 3, 1},
  };
}

StatusOr<LayerComparison> CompareLayer(const LayerShape& shape, const MachineModel& machine,
                                       int threads, int runs) {
  const LayerShape& s = shape;
  if (s.cin < 1 || s.cin > kMaxChannels || s.cout < 1 || s.cout > kMaxChannels || s.hw < 1 ||
      s.hw > kMaxSize || s.kernel < 1 || s.kernel % 2 == 0 || s.kernel > s.hw || s.stride < 1 ||
      s.stride > s.hw) {
    return InvalidArgument("layer \"", s.name, "\": ", s.kernel, "x", s.kernel, " ", s.cin, "->",
                           s.cout, " stride ", s.stride, " at ", s.hw, "x", s.hw,
                           " is out of range (channels 1..", kMaxChannels, ", size 1..", kMaxSize,
                           ", odd kernel and stride within the image)");
  }
  LayerComparison out;
  out.shape = s;
  const std::vector<ConvSpec> standard_convs = {{s.cout, s.kernel, s.stride, 1}};
  const std::vector<ConvSpec> separable_convs = {{s.cin, s.kernel, s.stride, s.cin},
                                                 {s.cout, 1, 1, 1}};
  // Timed in rounds, each graph in turn, so that load from other processes on a shared machine
  // hits the three alike; within a round a graph runs twice and the second run is timed, so its
  // input and weights are as warm in the caches as a layer's are in a network (the other graphs'
  // runs in between would otherwise evict them, slowing the memory-bound depthwise most).
  FINCH_ASSIGN_OR_RETURN(Chain standard,
                         PrepareChain(ConvChain(s, standard_convs), threads, false));
  FINCH_ASSIGN_OR_RETURN(Chain separable,
                         PrepareChain(ConvChain(s, separable_convs), threads, false));
  FINCH_ASSIGN_OR_RETURN(Chain fused, PrepareChain(ConvChain(s, separable_convs), threads, true));
  for (int i = 0; i < std::max(runs, 1); ++i) {
    for (Chain* c : {&standard, &separable, &fused}) {
      FINCH_RETURN_IF_ERROR(c->session->Run(c->inputs).status());
      FINCH_RETURN_IF_ERROR(TimeOnce(*c));
    }
  }
  const std::vector<ConvMeasure> a = Results(standard, machine);
  const std::vector<ConvMeasure> b = Results(separable, machine);
  const std::vector<ConvMeasure> f = Results(fused, machine);
  if (a.size() != 1 || b.size() != 2) {
    return Internal("layer \"", s.name, "\": expected 1 and 2 compute steps, got ", a.size(),
                    " and ", b.size());
  }
  out.standard = a[0];
  out.depthwise = b[0];
  out.pointwise = b[1];
  if (f.size() == 1) {
    out.fused = f[0];
    out.has_fused = true;
  }
  return out;
}

}  // namespace finch
