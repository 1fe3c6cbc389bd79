#include "runtime/kernel_calibration.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <memory>

#include "graph/cost/cost_model.h"
#include "graph/zoo/layer_builder.h"
#include "graph/quantize/qdq_builder.h"
#include "runtime/plan.h"
#include "runtime/roofline.h"
#include "runtime/session.h"

namespace finch {
namespace {

constexpr int kWarmupRuns = 3;
constexpr int kTimedRuns = 15;
// Efficiencies are clamped into this range: a case whose time is mostly accounted for by other
// terms (a tiny remainder) must not produce a wild number.
constexpr double kMinEfficiency = 0.02;
constexpr double kMaxEfficiency = 1.2;

using zoo::LayerBuilder;

// One layer (or block) in a graph of its own: x [1, C, H, W] -> ... -> y.
struct Case {
  std::string cls;  // the class it calibrates
  Graph graph;
};

enum class Act { kRelu6, kSiLU };

ValueId Activate(LayerBuilder& b, const std::string& name, ValueId x, Act act) {
  return act == Act::kRelu6 ? b.Relu6(name, x) : b.SiLU(name, x);
}

Graph NewGraph() {
  Graph g;
  g.name = "calibration";
  g.opset_imports[""] = 13;
  return g;
}

void Finish(Graph& g, ValueId y) { g.outputs.push_back(y); }

// Conv (with bias) + activation: pointwise (k 1), depthwise (groups = cin = cout) or the stem.
Case ConvCase(const std::string& cls, int64_t hw, int64_t cin, int64_t cout, int64_t kernel,
              int64_t stride, int64_t groups, Act act) {
  Case c{cls, NewGraph()};
  LayerBuilder b(&c.graph, 1, 13);
  ValueId x = b.Input("x", {1, cin, hw, hw});
  x = b.Conv("conv", x, cin, cout, kernel, stride, groups, /*bias=*/true);
  Finish(c.graph, Activate(b, "act", x, act));
  return c;
}

// An inverted-residual block: 1×1 expand -> act -> k×k depthwise -> act -> [squeeze-excite]
// -> 1×1 project (+ x when the shapes allow).
Case BlockCase(int64_t hw, int64_t cin, int64_t expand, int64_t cout, int64_t kernel,
               int64_t stride, Act act, int64_t se_channels) {
  Case c{"inverted_residual", NewGraph()};
  LayerBuilder b(&c.graph, 1, 13);
  const ValueId x = b.Input("x", {1, cin, hw, hw});
  const int64_t hidden = cin * expand;
  ValueId y = Activate(b, "expand.act", b.Conv("expand", x, cin, hidden, 1, 1, 1, true), act);
  y = Activate(b, "dw.act", b.Conv("dw", y, hidden, hidden, kernel, stride, hidden, true), act);
  if (se_channels > 0) {
    ValueId s = b.AddNode("se.pool", "GlobalAveragePool", {y}).outputs[0];
    s = b.SiLU("se.act", b.Conv("se.reduce", s, hidden, se_channels, 1, 1, 1, true));
    s = b.Conv("se.expand", s, se_channels, hidden, 1, 1, 1, true);
    s = b.AddNode("se.gate", "Sigmoid", {s}).outputs[0];
    y = b.AddNode("se.scale", "Mul", {y, s}).outputs[0];
  }
  y = b.Conv("project", y, hidden, cout, 1, 1, 1, true);
  if (stride == 1 && cin == cout) y = b.AddNode("add", "Add", {x, y}).outputs[0];
  Finish(c.graph, y);
  return c;
}

// MatMul by a constant [K, N] (a ViT's linear layer, 197 tokens).
Case MatMulCase(int64_t m, int64_t k, int64_t n) {
  Case c{"matmul", NewGraph()};
  LayerBuilder b(&c.graph, 1, 13);
  const ValueId x = b.Input("x", {m, k});
  const ValueId w = b.Normal("w", {k, n}, 0.0, 0.05);
  Finish(c.graph, b.AddNode("matmul", "MatMul", {x, w}).outputs[0]);
  return c;
}

// The int8 twin of a float case: its Conv quantized (QDQ, per-channel weights, the ReLU6
// absorbed into the output range), which the fuse-qdq pass turns into a QLinearConv.
StatusOr<Case> Int8Case(Case c) {
  const std::vector<QuantTarget> targets = FindQuantTargets(c.graph);
  std::map<std::string, ActivationQuant> params;
  for (const QuantTarget& t : targets) {
    for (const std::string& in : t.inputs) params[in] = ChooseActivationQuant(-1.f, 1.f);
    params[t.output] = ChooseActivationQuant(0.f, 6.f);
  }
  FINCH_ASSIGN_OR_RETURN(Graph q, BuildQdqGraph(c.graph, targets, params, QdqOptions{true}));
  // The graph output is the float Conv's; read the dequantized twin instead, so that the Conv's
  // only reader is its QuantizeLinear and fuse-qdq can fuse it.
  for (ValueId& out : q.outputs) {
    const ValueId dq = q.FindValue(q.values[out].name + "_dequantized");
    if (dq != kNoValue) out = dq;
  }
  return Case{"int8_" + c.cls, std::move(q)};
}

// A chain of 16 Adds on [1, 64]: each step's time is the fixed cost of a step.
Case TinyStepsCase() {
  Case c{"step", NewGraph()};
  LayerBuilder b(&c.graph, 1, 13);
  ValueId x = b.Input("x", {1, 64});
  const ValueId one = b.Normal("one", {1, 64}, 1.0, 0.0);
  for (int i = 0; i < 16; ++i) {
    x = b.AddNode("add" + std::to_string(i), "Add", {x, one}).outputs[0];
  }
  Finish(c.graph, x);
  return c;
}

// Memory-bound ops at ViT and MobileNet sizes: the head-split Transpose, the QKV Slice, a
// Reshape, residual Adds and a LayerNormalization.
std::vector<Case> BandwidthCases() {
  std::vector<Case> cases;
  {
    Case c{"data", NewGraph()};
    LayerBuilder b(&c.graph, 1, 13);
    const ValueId x = b.Input("x", {197, 3, 64});
    Node& t = b.AddNode("transpose", "Transpose", {x});
    t.attributes["perm"] = LayerBuilder::Ints({1, 0, 2});
    Finish(c.graph, t.outputs[0]);
    cases.push_back(std::move(c));
  }
  {
    Case c{"data", NewGraph()};
    LayerBuilder b(&c.graph, 1, 13);
    const ValueId x = b.Input("x", {197, 576});
    auto ints = [&](const char* name, std::vector<int64_t> v) {
      return c.graph.AddConstant(name, std::make_shared<const Tensor>(Tensor::FromVector<int64_t>(
                                           {static_cast<int64_t>(v.size())}, v)));
    };
    const ValueId y = b.AddNode("slice", "Slice", {x, ints("starts", {192}),
                                                   ints("ends", {384}), ints("axes", {1})})
                          .outputs[0];
    // The Reshape's input is computed (a Slice), so it runs as a copy, as in the ViT.
    Finish(c.graph, b.AddNode("reshape", "Reshape", {y, ints("shape", {197, 3, 64})}).outputs[0]);
    cases.push_back(std::move(c));
  }
  for (const Shape& shape : std::vector<Shape>{{1, 197, 192}, {1, 24, 56, 56}}) {
    Case c{"elementwise", NewGraph()};
    LayerBuilder b(&c.graph, 1, 13);
    const ValueId x = b.Input("x", shape), y = b.Input("y", shape);
    Finish(c.graph, b.AddNode("add", "Add", {x, y}).outputs[0]);
    cases.push_back(std::move(c));
  }
  {
    Case c{"norm", NewGraph()};
    c.graph.opset_imports["finch"] = 1;
    LayerBuilder b(&c.graph, 1, 13);
    const ValueId x = b.Input("x", {1, 197, 192});
    Node& n = b.AddNode("ln", "LayerNormalization",
                        {x, b.Normal("gamma", {192}, 1.0, 0.1), b.Normal("beta", {192}, 0.0, 0.1)});
    n.domain = "finch";
    n.attributes["axis"] = LayerBuilder::Int(-1);
    n.attributes["epsilon"] = LayerBuilder::Float(1e-6f);
    Finish(c.graph, n.outputs[0]);
    cases.push_back(std::move(c));
  }
  return cases;
}

// The compute steps of one case: cost and median time.
struct Measured {
  NodeCost cost;
  double ms = 0;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Runs `c` on `threads` threads and returns its compute steps (those with MACs; every step with
// `all_steps`), each with the median of its step times.
StatusOr<std::vector<Measured>> Measure(Case& c, int threads, bool all_steps = false) {
  FINCH_RETURN_IF_ERROR(c.graph.TopologicalSort());
  SessionOptions options;
  options.threads = threads;
  FINCH_ASSIGN_OR_RETURN(std::unique_ptr<Session> session,
                         Session::Create(std::move(c.graph), options));
  std::vector<Tensor> inputs;
  std::vector<Shape> shapes;
  for (size_t i = 0; i < session->input_names().size(); ++i) {
    const Shape shape = session->DefaultInputShape(i);
    FINCH_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(DataType::kFloat32, shape));
    float* p = t.mutable_data<float>();
    for (int64_t j = 0; j < t.num_elements(); ++j) p[j] = static_cast<float>(j % 17) * 0.1f - 0.8f;
    inputs.push_back(std::move(t));
    shapes.push_back(shape);
  }
  FINCH_ASSIGN_OR_RETURN(const Plan* plan, session->PlanFor(shapes));
  const ModelCost cost = CostOf(session->graph(), plan->types, plan->constants);

  for (int i = 0; i < kWarmupRuns; ++i) FINCH_RETURN_IF_ERROR(session->Run(inputs).status());
  RunOptions run_options;
  run_options.time_steps = true;
  std::vector<std::vector<double>> samples(plan->steps.size());
  for (int i = 0; i < kTimedRuns; ++i) {
    RunProfile profile;
    FINCH_RETURN_IF_ERROR(session->Run(inputs, run_options, &profile).status());
    if (profile.steps.size() != plan->steps.size()) {
      return Internal("calibration: ", profile.steps.size(), " steps, plan has ",
                      plan->steps.size());
    }
    for (size_t s = 0; s < samples.size(); ++s) samples[s].push_back(profile.steps[s].ms);
  }
  std::vector<Measured> out;
  for (size_t s = 0; s < plan->steps.size(); ++s) {
    const NodeCostEntry& e = cost.nodes[static_cast<size_t>(plan->steps[s].node)];
    if (!e.known || (e.cost.macs == 0 && !all_steps)) continue;
    out.push_back({e.cost, Median(samples[s])});
  }
  return out;
}

// The class a measured compute step calibrates (a gemm is priced as a matmul).
std::string ClassOf(const NodeCost& c) {
  const std::string cls = SplitWork(c, false).main_class;
  return cls == "gemm" ? "matmul" : cls;
}

}  // namespace

StatusOr<KernelCalibration> CalibrateKernels(double fma_gflops_1t, double int8_gops_1t,
                                             int threads, double transcendental_geps_1t,
                                             const MachineModel* roofs) {
  KernelCalibration out;
  if (fma_gflops_1t <= 0) {
    out.notes.push_back("no FMA peak (AVX2/FMA absent): efficiencies not calibrated");
    return out;
  }
  threads = std::max(threads, 1);
  const double peak_per_ms = fma_gflops_1t * 1e6;  // FLOP per ms
  const auto Measure = [threads](Case& c) { return finch::Measure(c, threads); };

  // 0. The fixed cost of a step: tiny Adds, whose arithmetic and traffic are negligible.
  {
    Case tiny = TinyStepsCase();
    FINCH_ASSIGN_OR_RETURN(std::vector<Measured> steps, finch::Measure(tiny, threads, true));
    std::vector<double> ms;
    for (const Measured& m : steps) ms.push_back(m.ms);
    out.step_overhead_ms = Median(ms);
  }

  // 0b. The memory-bound kinds: the fraction of the bandwidth roof their kernels reach.
  if (roofs != nullptr && (roofs->l2_gbps > 0 || roofs->dram_gbps > 0)) {
    MachineModel plain = *roofs;
    plain.efficiency.clear();  // the roof itself, no calibrated fraction
    std::map<std::string, std::pair<double, double>> bw;  // kind -> (Σ roof ms, Σ ms)
    for (Case& c : BandwidthCases()) {
      const std::string kind = c.cls;
      FINCH_ASSIGN_OR_RETURN(std::vector<Measured> steps, finch::Measure(c, threads, true));
      for (const Measured& m : steps) {
        if (m.cost.kind != kind) continue;
        const double gbps = MemoryGbps(m.cost, plain, threads);
        bw[kind].first += static_cast<double>(m.cost.bytes()) / (gbps * 1e6);
        bw[kind].second += m.ms;
      }
    }
    for (const auto& [kind, t] : bw) {
      if (t.second > 0) {
        out.efficiency["bw_" + kind] =
            std::clamp(t.first / t.second, kMinEfficiency, kMaxEfficiency);
      }
    }
  }

  // 1. The epilogue transcendental rate: one pointwise layer, ReLU6 against SiLU (on several
  // threads, the one-thread rate times the threads, as the roofline prices it).
  if (threads > 1) {
    out.transcendental_geps = transcendental_geps_1t * threads;
  } else {
    Case relu = ConvCase("pointwise", 56, 24, 144, 1, 1, 1, Act::kRelu6);
    Case silu = ConvCase("pointwise", 56, 24, 144, 1, 1, 1, Act::kSiLU);
    FINCH_ASSIGN_OR_RETURN(std::vector<Measured> a, Measure(relu));
    FINCH_ASSIGN_OR_RETURN(std::vector<Measured> b, Measure(silu));
    if (a.size() != 1 || b.size() != 1 || b[0].cost.transcendentals == 0) {
      out.notes.push_back("transcendental rate: the SiLU layer was not fused");
    } else if (b[0].ms > a[0].ms) {
      out.transcendental_geps =
          static_cast<double>(b[0].cost.transcendentals) / ((b[0].ms - a[0].ms) * 1e6);
    } else {
      out.notes.push_back(std::string(kTimingNote) +
                          "transcendental rate: the SiLU layer measured no slower than ReLU6");
    }
  }
  const bool trans_separate = out.transcendental_geps > 0;
  const auto trans_ms = [&](const NodeCost& c) {
    return trans_separate ? static_cast<double>(c.transcendentals) /
                                (out.transcendental_geps * 1e6)
                          : 0.0;
  };

  // 2. Layers priced by one class each.
  std::vector<Case> layers;
  for (const auto& [hw, cin, cout] : std::vector<std::array<int64_t, 3>>{
           {56, 24, 144}, {28, 192, 32}, {14, 64, 384}, {14, 384, 96}, {7, 960, 160},
           {7, 320, 1280}}) {
    layers.push_back(ConvCase("pointwise", hw, cin, cout, 1, 1, 1, Act::kRelu6));
  }
  layers.push_back(ConvCase("conv", 224, 3, 32, 3, 2, 1, Act::kRelu6));
  for (const auto& [hw, c, k, s] : std::vector<std::array<int64_t, 4>>{
           {56, 144, 3, 1}, {14, 384, 3, 1}, {112, 96, 3, 2}, {28, 192, 3, 2},
           {14, 480, 5, 1}, {7, 1152, 5, 1}, {28, 240, 5, 2}, {14, 672, 5, 2}}) {
    layers.push_back(ConvCase("depthwise", hw, c, c, k, s, c, Act::kRelu6));
  }
  layers.push_back(MatMulCase(197, 192, 768));
  layers.push_back(MatMulCase(197, 768, 192));
  // The int8 kernels (QDQ twins of MobileNetV2's layers), priced against the int8 peak.
  if (int8_gops_1t > 0) {
    std::vector<Case> int8;
    for (const auto& [hw, cin, cout] : std::vector<std::array<int64_t, 3>>{
             {112, 16, 96}, {56, 24, 144}, {28, 192, 32}, {14, 384, 96}, {7, 320, 1280}}) {
      int8.push_back(ConvCase("pointwise", hw, cin, cout, 1, 1, 1, Act::kRelu6));
    }
    int8.push_back(ConvCase("conv", 224, 3, 32, 3, 2, 1, Act::kRelu6));
    for (const auto& [hw, c, s] : std::vector<std::array<int64_t, 3>>{
             {112, 32, 1}, {56, 144, 1}, {14, 384, 1}, {112, 96, 2}, {28, 192, 2}}) {
      int8.push_back(ConvCase("depthwise", hw, c, c, 3, s, c, Act::kRelu6));
    }
    for (Case& c : int8) {
      FINCH_ASSIGN_OR_RETURN(Case q, Int8Case(std::move(c)));
      layers.push_back(std::move(q));
    }
  }

  struct Sums {
    double work = 0, ms = 0;
  };
  std::map<std::string, Sums> sums;
  for (Case& c : layers) {
    const std::string wanted = c.cls;
    FINCH_ASSIGN_OR_RETURN(std::vector<Measured> steps, Measure(c));
    for (const Measured& m : steps) {
      const std::string cls = ClassOf(m.cost);
      if (wanted != "depthwise" && wanted != "int8_depthwise" && cls != wanted) {
        out.notes.push_back("a " + wanted + " case ran as " + cls);
      }
      Sums& s = sums[cls];
      s.work += SplitWork(m.cost, trans_separate).main;
      s.ms += m.ms - trans_ms(m.cost);
    }
  }
  for (const auto& [cls, s] : sums) {
    if (s.ms <= 0) continue;
    const double peak = cls.rfind("int8_", 0) == 0 ? int8_gops_1t * 1e6 : peak_per_ms;
    out.efficiency[cls] = std::clamp(s.work / (peak * s.ms), kMinEfficiency, kMaxEfficiency);
  }
  if (out.efficiency.count("matmul")) out.efficiency["gemm"] = out.efficiency["matmul"];

  // 3. Fused blocks: their GEMM part, once the depthwise and transcendental parts are priced.
  std::vector<Case> blocks;
  blocks.push_back(BlockCase(28, 32, 6, 32, 3, 1, Act::kRelu6, 0));    // MobileNetV2 stage 3
  blocks.push_back(BlockCase(56, 24, 6, 24, 3, 1, Act::kRelu6, 0));    // MobileNetV2 stage 2
  blocks.push_back(BlockCase(14, 80, 6, 80, 3, 1, Act::kSiLU, 20));    // EfficientNet-B0 stage 4
  blocks.push_back(BlockCase(14, 112, 6, 112, 5, 1, Act::kSiLU, 28));  // EfficientNet-B0 stage 5
  Sums ir;
  for (Case& c : blocks) {
    FINCH_ASSIGN_OR_RETURN(std::vector<Measured> steps, Measure(c));
    if (steps.size() != 1 || steps[0].cost.kind != "inverted_residual") {
      out.notes.push_back("a block case was not fused into one InvertedResidual");
      continue;
    }
    const NodeCost& cost = steps[0].cost;
    const WorkSplit w = SplitWork(cost, trans_separate);
    const auto dw = out.efficiency.find(w.depthwise_class);
    if (dw == out.efficiency.end()) continue;
    const double dw_ms = w.depthwise / (peak_per_ms * dw->second);
    ir.work += w.main;
    ir.ms += steps[0].ms - dw_ms - trans_ms(cost);
  }
  if (ir.ms > 0) {
    out.efficiency["inverted_residual"] =
        std::clamp(ir.work / (peak_per_ms * ir.ms), kMinEfficiency, kMaxEfficiency);
  } else {
    out.notes.push_back("inverted_residual: no block measured");
  }
  return out;
}

}  // namespace finch
