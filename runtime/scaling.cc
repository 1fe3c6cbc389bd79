#include "runtime/scaling.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "graph/cost/cost_model.h"
#include "graph/zoo/efficientnet.h"
#include "graph/zoo/efficientnet_count.h"
#include "graph/zoo/mobilenetv1.h"
#include "graph/zoo/mobilenetv2.h"
#include "runtime/plan.h"
#include "runtime/roofline.h"

namespace finch {
namespace {

constexpr ScaleFamily kFamilies[] = {ScaleFamily::kEfficientNet, ScaleFamily::kMobileNetV2,
                                     ScaleFamily::kMobileNetV1};

std::string Trim(const std::string& s) {
  const size_t a = s.find_first_not_of(' ');
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(' ') - a + 1);
}

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    out.push_back(Trim(text.substr(start, comma - start)));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

StatusOr<int64_t> ParseInt(const std::string& s, const std::string& what) {
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0') return InvalidArgument(what, ": \"", s, "\" is not an integer");
  return static_cast<int64_t>(v);
}

template <typename T>
Status CheckIncreasing(const std::vector<T>& v, const std::string& what) {
  for (size_t i = 1; i < v.size(); ++i) {
    if (!(v[i - 1] < v[i])) {
      return InvalidArgument(what, ": values must increase (", v[i - 1], " then ", v[i], ")");
    }
  }
  return Status::Ok();
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// A deterministic input in [-0.8, 0.8]: timing does not depend on the values (no denormals).
Tensor FillInput(Tensor t) {
  float* p = t.mutable_data<float>();
  for (int64_t j = 0; j < t.num_elements(); ++j) p[j] = static_cast<float>(j % 17) * 0.1f - 0.8f;
  return t;
}

}  // namespace

const char* FamilyName(ScaleFamily family) {
  switch (family) {
    case ScaleFamily::kEfficientNet:
      return "efficientnet";
    case ScaleFamily::kMobileNetV2:
      return "mobilenetv2";
    case ScaleFamily::kMobileNetV1:
      return "mobilenetv1";
  }
  return "?";
}

StatusOr<ScaleFamily> ParseFamily(const std::string& name) {
  for (ScaleFamily f : kFamilies) {
    if (name == FamilyName(f)) return f;
  }
  return InvalidArgument("unknown family \"", name,
                         "\"; known: efficientnet, mobilenetv2, mobilenetv1");
}

std::string ScaleVariant::Label() const {
  char buf[64];
  switch (family) {
    case ScaleFamily::kEfficientNet:
      std::snprintf(buf, sizeof buf, "B%d", phi);
      break;
    case ScaleFamily::kMobileNetV2:
      std::snprintf(buf, sizeof buf, "%g/%lld", width, static_cast<long long>(resolution));
      break;
    case ScaleFamily::kMobileNetV1:
      std::snprintf(buf, sizeof buf, "V1 %g/%lld", width, static_cast<long long>(resolution));
      break;
  }
  return std::string(buf) + (standard ? " std" : "");
}

StatusOr<std::vector<int64_t>> ParseIntList(const std::string& text, const std::string& what,
                                            int64_t lo, int64_t hi) {
  std::vector<int64_t> out;
  for (const std::string& item : SplitCommas(text)) {
    if (item.empty()) {
      return InvalidArgument(what, ": empty list or element in \"", text,
                             "\" (e.g. 0..7 or 0,2,4)");
    }
    const size_t dots = item.find("..");
    int64_t a = 0, b = 0;
    if (dots == std::string::npos) {
      FINCH_ASSIGN_OR_RETURN(a, ParseInt(item, what));
      b = a;
    } else {
      FINCH_ASSIGN_OR_RETURN(a, ParseInt(Trim(item.substr(0, dots)), what));
      FINCH_ASSIGN_OR_RETURN(b, ParseInt(Trim(item.substr(dots + 2)), what));
      if (b < a) return InvalidArgument(what, ": range ", item, " is empty");
    }
    for (int64_t v : {a, b}) {
      if (v < lo || v > hi) {
        return InvalidArgument(what, ": ", v, " is out of range [", lo, ", ", hi, "]");
      }
    }
    for (int64_t v = a; v <= b; ++v) out.push_back(v);
  }
  FINCH_RETURN_IF_ERROR(CheckIncreasing(out, what));
  return out;
}

StatusOr<std::vector<double>> ParseNumberList(const std::string& text, const std::string& what,
                                              double hi) {
  std::vector<double> out;
  for (const std::string& item : SplitCommas(text)) {
    if (item.empty()) {
      return InvalidArgument(what, ": empty list or element in \"", text, "\" (e.g. 0.35,0.5,1.0)");
    }
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (*end != '\0') return InvalidArgument(what, ": \"", item, "\" is not a number");
    if (!std::isfinite(v) || v <= 0 || v > hi) {
      return InvalidArgument(what, ": ", v, " is out of range (0, ", hi, "]");
    }
    out.push_back(v);
  }
  FINCH_RETURN_IF_ERROR(CheckIncreasing(out, what));
  return out;
}

std::vector<ScaleVariant> EfficientNetVariants(const std::vector<int64_t>& phis, bool standard) {
  std::vector<ScaleVariant> out;
  for (int64_t phi : phis) {
    ScaleVariant v;
    v.family = ScaleFamily::kEfficientNet;
    v.phi = static_cast<int>(std::clamp<int64_t>(phi, 0, zoo::kEfficientNetMaxPhi));
    const zoo::EfficientNetScaling& row = zoo::kEfficientNetTable[v.phi];
    v.width = row.width;
    v.depth = row.depth;
    v.resolution = row.resolution;
    v.standard = standard;
    out.push_back(v);
  }
  return out;
}

std::vector<ScaleVariant> MobileNetV2Variants(const std::vector<double>& widths,
                                              const std::vector<int64_t>& resolutions,
                                              bool standard) {
  std::vector<ScaleVariant> out;
  for (double w : widths) {
    for (int64_t r : resolutions) {
      ScaleVariant v;
      v.family = ScaleFamily::kMobileNetV2;
      v.width = w;
      v.resolution = r;
      v.standard = standard;
      out.push_back(v);
    }
  }
  return out;
}

std::vector<ScaleVariant> FamilyGrid(ScaleFamily family) {
  switch (family) {
    case ScaleFamily::kEfficientNet:
      return EfficientNetVariants({0, 1, 2, 3, 4, 5, 6, 7});
    case ScaleFamily::kMobileNetV2:
      return MobileNetV2Variants({0.35, 0.5, 0.75, 1.0, 1.3, 1.4}, {96, 128, 160, 192, 224});
    case ScaleFamily::kMobileNetV1: {
      std::vector<ScaleVariant> out;
      for (double w : {0.25, 0.5, 0.75, 1.0}) {
        for (int64_t r : {128, 160, 192, 224}) {
          ScaleVariant v;
          v.family = family;
          v.width = w;
          v.resolution = r;
          out.push_back(v);
        }
      }
      return out;
    }
  }
  return {};
}

StatusOr<Graph> BuildVariant(const ScaleVariant& v) {
  switch (v.family) {
    case ScaleFamily::kEfficientNet: {
      zoo::EfficientNetOptions o;
      o.phi = v.phi;
      o.standard = v.standard;
      return zoo::MakeEfficientNet(o);
    }
    case ScaleFamily::kMobileNetV2: {
      zoo::MobileNetV2Options o;
      o.width = v.width;
      o.resolution = v.resolution;
      o.standard = v.standard;
      return zoo::MakeMobileNetV2(o);
    }
    case ScaleFamily::kMobileNetV1: {
      zoo::MobileNetV1Options o;
      o.width = v.width;
      o.resolution = v.resolution;
      o.standard = v.standard;
      return zoo::MakeMobileNetV1(o);
    }
  }
  return InvalidArgument("unknown family");
}

int64_t GraphParams(const Graph& graph) {
  std::set<const Tensor*> seen;
  int64_t params = 0;
  for (const Node& node : graph.nodes) {
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const ValueId v = node.inputs[i];
      if (v == kNoValue || !graph.values[v].constant) continue;
      const Tensor& t = *graph.values[v].constant;
      if (RoleOfConstant(node, i, t) != ConstantRole::kParam || !seen.insert(&t).second) continue;
      params += t.num_elements();
    }
  }
  return params;
}

StatusOr<PreparedVariant> PrepareVariant(const ScaleVariant& v, const MachineModel& machine,
                                         int threads) {
  PreparedVariant out;
  out.report.variant = v;
  {
    FINCH_ASSIGN_OR_RETURN(Graph graph, BuildVariant(v));
    out.report.params = GraphParams(graph);
    SessionOptions options;
    options.threads = threads;
    FINCH_ASSIGN_OR_RETURN(out.session, Session::Create(std::move(graph), options));
  }
  const Session& session = *out.session;
  const Shape shape = session.DefaultInputShape(0);
  FINCH_ASSIGN_OR_RETURN(const Plan* plan, session.PlanFor({shape}));
  const ModelCost cost = CostOf(session.graph(), plan->types, plan->constants);
  if (cost.unknown_nodes > 0) {
    return Internal(v.Label(), ": the cost of ", cost.unknown_nodes, " nodes is unknown");
  }
  VariantReport& r = out.report;
  r.threads = std::max(session.threads(), 1);
  r.macs = cost.macs;
  r.peak_activation_bytes = plan->memory.arena_bytes;
  for (const PlanStep& step : plan->steps) {
    const NodeCostEntry& e = cost.nodes[static_cast<size_t>(step.node)];
    const bool known = e.known && !e.folded;
    out.depthwise_step.push_back(known && e.cost.kind == "depthwise");
    if (!known) continue;
    r.depthwise_macs += e.cost.depthwise_macs;
    r.predicted_ms += PredictNode(e.cost, machine, r.threads).predicted_ms;
  }
  FINCH_ASSIGN_OR_RETURN(Tensor input, Tensor::Allocate(DataType::kFloat32, shape));
  out.inputs.push_back(FillInput(std::move(input)));
  return out;
}

int RunsFor(double predicted_ms, int max_runs) {
  max_runs = std::max(max_runs, 1);
  if (!(predicted_ms > 0)) return max_runs;
  const double fit = std::floor(kMeasureBudgetMs / predicted_ms);
  const int lo = std::min(kMinRuns, max_runs);
  return static_cast<int>(std::clamp(fit, static_cast<double>(lo), static_cast<double>(max_runs)));
}

Status MeasureVariant(PreparedVariant& prepared, int runs) {
  return MeasureInterleaved({&prepared}, runs);
}

Status MeasureInterleaved(const std::vector<PreparedVariant*>& variants, int rounds) {
  rounds = std::max(rounds, 1);
  for (PreparedVariant* p : variants) {
    // Arenas, packed weights, caches; then on for kWarmupMs, so that the first variant of a
    // sweep (the base of its ratios) is not timed on a cold process.
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kMaxWarmupRuns; ++i) {
      FINCH_RETURN_IF_ERROR(p->session->Run(p->inputs).status());
      if (std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count() >= kWarmupMs) {
        break;
      }
    }
  }
  RunOptions options;
  options.time_steps = true;
  std::vector<std::vector<double>> total(variants.size()), depthwise(variants.size());
  for (int i = 0; i < rounds; ++i) {
    for (size_t v = 0; v < variants.size(); ++v) {
      PreparedVariant& p = *variants[v];
      RunProfile profile;
      const auto start = std::chrono::steady_clock::now();
      FINCH_RETURN_IF_ERROR(p.session->Run(p.inputs, options, &profile).status());
      total[v].push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
      if (profile.steps.size() != p.depthwise_step.size()) {
        return Internal("profile has ", profile.steps.size(), " steps, the plan ",
                        p.depthwise_step.size());
      }
      double dw = 0;
      for (size_t s = 0; s < profile.steps.size(); ++s) {
        if (p.depthwise_step[s]) dw += profile.steps[s].ms;
      }
      depthwise[v].push_back(dw);
    }
  }
  for (size_t v = 0; v < variants.size(); ++v) {
    VariantReport& r = variants[v]->report;
    r.measured_ms = Median(total[v]);
    r.measured_depthwise_ms = Median(depthwise[v]);
    r.runs = rounds;
  }
  return Status::Ok();
}

StatusOr<std::vector<GrowthStep>> EfficientNetGrowth(const std::vector<VariantReport>& rows) {
  std::vector<GrowthStep> steps;
  const double per_step = zoo::kCompoundAlpha * zoo::kCompoundBeta * zoo::kCompoundBeta *
                          zoo::kCompoundGamma * zoo::kCompoundGamma;
  for (size_t i = 0; i < rows.size(); ++i) {
    const ScaleVariant& v = rows[i].variant;
    if (v.family != ScaleFamily::kEfficientNet || v.phi < 0 || v.phi > zoo::kEfficientNetMaxPhi) {
      return InvalidArgument("growth: ", v.Label(), " is not an EfficientNet B0..B7");
    }
    if (i > 0 && v.phi <= rows[i - 1].variant.phi) {
      return InvalidArgument("growth: phi must increase (", rows[i - 1].variant.phi, " then ",
                             v.phi, ")");
    }
  }
  for (size_t i = 1; i < rows.size(); ++i) {
    const int a = rows[i - 1].variant.phi, b = rows[i].variant.phi;
    const zoo::EfficientNetScaling& ra = zoo::kEfficientNetTable[a];
    const zoo::EfficientNetScaling& rb = zoo::kEfficientNetTable[b];
    const bool std_conv = rows[i].variant.standard;
    // Depth first, then width, then resolution: each factor is a ratio of two counts that
    // differ in one multiplier only.
    const zoo::NetworkCount base =
        zoo::EfficientNetCount(ra.width, ra.depth, ra.resolution, 1000, std_conv);
    const zoo::NetworkCount deeper =
        zoo::EfficientNetCount(ra.width, rb.depth, ra.resolution, 1000, std_conv);
    const zoo::NetworkCount wider =
        zoo::EfficientNetCount(rb.width, rb.depth, ra.resolution, 1000, std_conv);
    const zoo::NetworkCount full =
        zoo::EfficientNetCount(rb.width, rb.depth, rb.resolution, 1000, std_conv);
    GrowthStep s;
    s.from = a;
    s.to = b;
    s.macs_factor = rows[i - 1].macs > 0
                        ? static_cast<double>(rows[i].macs) / static_cast<double>(rows[i - 1].macs)
                        : 0;
    s.ideal_factor = std::pow(per_step, b - a);
    s.depth_table = rb.depth / ra.depth;
    s.width_table = (rb.width / ra.width) * (rb.width / ra.width);
    const double r = static_cast<double>(rb.resolution) / static_cast<double>(ra.resolution);
    s.resolution_table = r * r;
    s.table_factor = s.depth_table * s.width_table * s.resolution_table;
    auto ratio = [](const zoo::NetworkCount& x, const zoo::NetworkCount& y) {
      return static_cast<double>(x.macs) / static_cast<double>(y.macs);
    };
    s.depth_factor = ratio(deeper, base);
    s.width_factor = ratio(wider, deeper);
    s.resolution_factor = ratio(full, wider);
    s.blocks_from = base.blocks;
    s.blocks_to = full.blocks;
    steps.push_back(s);
  }
  return steps;
}

StatusOr<FitChoice> PickFit(const std::vector<VariantReport>& rows, double budget_ms) {
  if (!std::isfinite(budget_ms) || budget_ms <= 0) {
    return InvalidArgument("latency budget ", budget_ms, " ms must be a positive number");
  }
  if (rows.empty()) return InvalidArgument("no variants to choose from");
  FitChoice c;
  // Larger by MACs; at equal MACs, the faster prediction counts as "smaller" (preferred).
  auto larger = [&](int a, int b) {
    if (rows[a].macs != rows[b].macs) return rows[a].macs > rows[b].macs;
    return rows[a].predicted_ms < rows[b].predicted_ms;
  };
  for (int i = 0; i < static_cast<int>(rows.size()); ++i) {
    if (rows[i].predicted_ms <= budget_ms && (c.chosen < 0 || larger(i, c.chosen))) c.chosen = i;
  }
  for (int i = 0; i < static_cast<int>(rows.size()); ++i) {
    if (c.chosen >= 0 && rows[i].macs <= rows[c.chosen].macs) continue;
    if (c.next_larger < 0 || rows[i].macs < rows[c.next_larger].macs ||
        (rows[i].macs == rows[c.next_larger].macs &&
         rows[i].predicted_ms < rows[c.next_larger].predicted_ms)) {
      c.next_larger = i;
    }
  }
  return c;
}

}  // namespace finch
