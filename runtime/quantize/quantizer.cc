#include "runtime/quantize/quantizer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>

#include "graph/onnx/opset_upgrade.h"
#include "graph/passes/pipeline.h"
#include "runtime/node_evaluator.h"
#include "runtime/session.h"

namespace finch {
namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Per node name, the median over `iters` runs of the summed time of its steps; "" holds the
// whole run's median.
StatusOr<std::map<std::string, double>> TimeSteps(const Session& session,
                                                  const std::vector<Tensor>& input, int iters) {
  RunOptions ro;
  ro.time_steps = true;
  std::map<std::string, std::vector<double>> samples;
  for (int i = 0; i < iters + 2; ++i) {
    RunProfile profile;
    const auto start = std::chrono::steady_clock::now();
    FINCH_RETURN_IF_ERROR(session.Run(input, ro, &profile).status());
    const double total =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count();
    if (i < 2) continue;  // warm-up: plans, arenas, caches
    std::map<std::string, double> per_node;
    for (const RunProfile::Step& s : profile.steps) per_node[s.node] += s.ms;
    for (const auto& [node, ms] : per_node) samples[node].push_back(ms);
    samples[""].push_back(total);
  }
  std::map<std::string, double> medians;
  for (auto& [node, v] : samples) medians[node] = Median(std::move(v));
  return medians;
}

std::string QuantizedName(const std::string& tensor) { return tensor + "_quantized"; }

// A layer is "slower in int8" only beyond the noise of per-step medians on a shared machine
// (a few percent and a few microseconds): otherwise the plan would flip between runs.
constexpr double kSlowerMargin = 1.1;
constexpr double kSlowerFloorMs = 0.005;

struct ErrorSums {
  bool measured = false;  // an int8 layer writes the tensor (else only its float side exists)
  double signal = 0, noise = 0, dot = 0, ref2 = 0, approx2 = 0;
  int64_t clipped = 0, count = 0;
};

}  // namespace

StatusOr<Graph> PrepareForQuantization(const Graph& graph, bool per_channel) {
  static const std::set<std::string> kKeep = {"eliminate-identity", "fold-constants",
                                              "fold-batchnorm", "eliminate-dead-nodes"};
  std::vector<PassInfo> passes;
  for (const PassInfo& p : OptimizationPipeline()) {
    if (kKeep.count(p.name)) passes.push_back(p);
  }
  FINCH_ASSIGN_OR_RETURN(Graph prepared,
                         RunPasses(passes, graph, RuntimePassContext(), {}, nullptr));
  return UpgradeOpset(prepared, per_channel ? 13 : 10);
}

StatusOr<QuantizeResult> QuantizeModel(const Graph& float_graph,
                                       const std::vector<std::vector<Tensor>>& calibration,
                                       const std::vector<std::vector<Tensor>>& evaluation,
                                       const QuantizeOptions& options) {
  if (evaluation.empty()) return InvalidArgument("quantization needs evaluation inputs");
  FINCH_ASSIGN_OR_RETURN(Graph prepared,
                         PrepareForQuantization(float_graph, options.per_channel));
  std::vector<QuantTarget> targets = FindQuantTargets(prepared);
  if (targets.empty()) {
    return InvalidArgument("nothing to quantize: the model has no Conv, Add or "
                           "GlobalAveragePool on computed tensors");
  }
  for (const std::string& name : options.exclude) {
    if (std::none_of(targets.begin(), targets.end(),
                     [&](const QuantTarget& t) { return t.node == name; })) {
      return InvalidArgument("--exclude ", name, ": no quantizable node of that name");
    }
  }
  // Every tensor a candidate reads or writes, in first-use order.
  std::vector<std::string> tensors;
  std::set<std::string> seen;
  for (const QuantTarget& t : targets) {
    for (const std::string& name : t.inputs) {
      if (seen.insert(name).second) tensors.push_back(name);
    }
    if (seen.insert(t.output).second) tensors.push_back(t.output);
  }
  for (const std::string& name : tensors) {
    if (prepared.FindValue(QuantizedName(name)) != kNoValue) {
      return InvalidArgument("tensor ", QuantizedName(name), " exists already: the model looks "
                             "quantized");
    }
  }
  FINCH_ASSIGN_OR_RETURN(auto stats,
                         CollectTensorStats(prepared, tensors, calibration, options.calibration));
  std::map<std::string, ActivationQuant> params;
  std::map<std::string, std::pair<float, float>> ranges;
  for (const std::string& name : tensors) {
    ranges[name] = ChooseRange(stats.at(name), options.calibration);
    params[name] = ChooseActivationQuant(ranges[name].first, ranges[name].second);
  }

  // Everything in int8 first (but the exclusions), to measure each layer.
  std::vector<QuantTarget> chosen;
  for (const QuantTarget& t : targets) {
    if (!options.exclude.count(t.node)) chosen.push_back(t);
  }
  const QdqOptions qdq_options{options.per_channel};
  FINCH_ASSIGN_OR_RETURN(Graph all_int8, BuildQdqGraph(prepared, chosen, params, qdq_options));

  SessionOptions so;
  so.threads = options.calibration.threads;
  SessionOptions reference_options = so;
  reference_options.optimize = false;  // every float tensor stays fetchable
  FINCH_ASSIGN_OR_RETURN(auto reference, Session::Create(prepared, reference_options));
  FINCH_ASSIGN_OR_RETURN(auto int8, Session::Create(all_int8, so));

  // Errors: the int8 model's tensors against the float model's, over the evaluation inputs.
  std::map<std::string, ErrorSums> errors;
  std::map<std::string, int64_t> elements;
  RunOptions fetch_float, fetch_int8;
  fetch_float.fetch = tensors;
  std::vector<std::string> fetched_int8;
  for (const QuantTarget& t : chosen) fetched_int8.push_back(QuantizedName(t.output));
  fetch_int8.fetch = fetched_int8;
  const size_t error_inputs = std::min<size_t>(evaluation.size(), 8);
  for (size_t i = 0; i < error_inputs; ++i) {
    RunProfile ref, q;
    FINCH_RETURN_IF_ERROR(reference->Run(evaluation[i], fetch_float, &ref).status());
    FINCH_RETURN_IF_ERROR(int8->Run(evaluation[i], fetch_int8, &q).status());
    for (const std::string& name : tensors) {
      const Tensor& f = ref.fetched.at(name);
      const ActivationQuant& aq = params.at(name);
      ErrorSums& e = errors[name];
      elements[name] = f.num_elements();
      const float* x = f.data<float>();
      const auto [lo, hi] = ranges.at(name);
      for (int64_t k = 0; k < f.num_elements(); ++k) e.clipped += x[k] < lo || x[k] > hi;
      e.count += f.num_elements();
      auto it = q.fetched.find(QuantizedName(name));
      if (it == q.fetched.end()) continue;  // only an input of int8 layers: no int8 twin
      e.measured = true;
      const uint8_t* y = it->second.data<uint8_t>();
      for (int64_t k = 0; k < f.num_elements(); ++k) {
        const double r = x[k], a = aq.scale * (static_cast<double>(y[k]) - aq.zero_point);
        e.signal += r * r;
        e.noise += (r - a) * (r - a);
        e.dot += r * a;
        e.ref2 += r * r;
        e.approx2 += a * a;
      }
    }
  }
  auto sqnr = [&](const std::string& name) {
    const ErrorSums& e = errors[name];
    if (e.noise == 0) return std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(e.signal / e.noise);
  };

  // Times: each layer as its own step in both (no block fusion on the float side).
  SessionOptions per_layer = so;
  per_layer.disabled_passes = {"fuse-inverted-residual", "fuse-squeeze-excite"};
  FINCH_ASSIGN_OR_RETURN(auto fp32_layers, Session::Create(prepared, per_layer));
  FINCH_ASSIGN_OR_RETURN(auto fp32_times,
                         TimeSteps(*fp32_layers, evaluation[0], options.timing_iters));
  FINCH_ASSIGN_OR_RETURN(auto int8_times, TimeSteps(*int8, evaluation[0], options.timing_iters));
  // The cost of one Quantize + Dequantize per element, from the int8 model's own steps.
  double q_ms = 0, q_elements = 0;
  for (const std::string& name : tensors) {
    auto it = int8_times.find(name + "_QuantizeLinear");
    if (it != int8_times.end() && elements.count(name)) {
      q_ms += it->second;
      q_elements += static_cast<double>(elements[name]);
    }
  }
  const double convert_ms_per_element = q_elements > 0 ? 2 * q_ms / q_elements : 0;

  QuantizeResult result;
  std::set<std::string> keep_fp32 = options.exclude;
  for (const QuantTarget& t : targets) {
    LayerQuantReport r;
    r.node = t.node;
    r.op_type = t.op_type;
    r.output = t.output;
    r.quant = params.at(t.output);
    r.range_lo = ranges.at(t.output).first;
    r.range_hi = ranges.at(t.output).second;
    const ErrorSums& e = errors[t.output];
    r.clip_rate = e.count ? static_cast<double>(e.clipped) / e.count : 0;
    const bool int8_layer = !options.exclude.count(t.node);
    if (int8_layer) {
      r.sqnr_db = sqnr(t.output);
      r.cosine = e.ref2 > 0 && e.approx2 > 0 ? e.dot / std::sqrt(e.ref2 * e.approx2) : 1.0;
      // The error already in its inputs; an input no int8 layer writes (the model's input,
      // a float layer's output) brings only its own rounding, not measured: +inf.
      double in_sqnr = std::numeric_limits<double>::infinity();
      for (const std::string& in : t.inputs) {
        if (errors[in].measured) in_sqnr = std::min(in_sqnr, sqnr(in));
      }
      r.sqnr_drop_db = std::isfinite(in_sqnr) ? std::max(0.0, in_sqnr - r.sqnr_db) : 0;
    }
    auto f = fp32_times.find(t.node);
    auto q = int8_times.find(t.node);
    if (f != fp32_times.end()) r.fp32_ms = f->second;
    if (q != int8_times.end()) r.int8_ms = q->second;
    double island = static_cast<double>(elements[t.output]);
    for (const std::string& in : t.inputs) island += static_cast<double>(elements[in]);
    r.convert_ms = convert_ms_per_element * island;
    if (!int8_layer) {
      r.decision = "fp32: excluded";
    } else if (options.auto_precision && r.sqnr_drop_db > options.max_sqnr_drop_db) {
      r.decision = "fp32: error";
      keep_fp32.insert(t.node);
    } else if (options.auto_precision && r.int8_ms > 0 && r.fp32_ms > 0 &&
               r.int8_ms > kSlowerMargin * (r.fp32_ms + r.convert_ms) + kSlowerFloorMs) {
      r.decision = "fp32: slower in int8";
      keep_fp32.insert(t.node);
    } else {
      r.decision = "int8";
      ++result.int8_layers;
    }
    result.layers.push_back(std::move(r));
  }

  std::vector<QuantTarget> final_targets;
  for (const QuantTarget& t : targets) {
    if (!keep_fp32.count(t.node)) final_targets.push_back(t);
  }
  if (final_targets.size() == chosen.size()) {
    result.qdq = std::move(all_int8);
  } else {
    FINCH_ASSIGN_OR_RETURN(result.qdq,
                           BuildQdqGraph(prepared, final_targets, params, qdq_options));
    FINCH_ASSIGN_OR_RETURN(int8, Session::Create(result.qdq, so));
    FINCH_ASSIGN_OR_RETURN(int8_times, TimeSteps(*int8, evaluation[0], options.timing_iters));
  }
  FINCH_ASSIGN_OR_RETURN(auto fp32, Session::Create(prepared, so));
  FINCH_ASSIGN_OR_RETURN(auto fp32_model, TimeSteps(*fp32, evaluation[0], options.timing_iters));
  result.fp32_model_ms = fp32_model[""];
  result.int8_model_ms = int8_times[""];
  return result;
}

}  // namespace finch
