// finch profile MODEL [--threads N] [--no-opt] [--iters N] [--input FILE.pb ...] [--json FILE]
//                     [--csv FILE] [--trace FILE.json] [--svg FILE.svg]
//
// Per executed node: what the cost model (graph/cost/cost_model.h) says it costs — params,
// MACs, bytes moved, arithmetic intensity — and what it measured: the median of its step time
// over --iters timed runs (after one untimed warm-up run), with the achieved GFLOP/s and GB/s
// that follow. Then the totals, with the peak activation memory the plan's arena takes.
//
// Next to each measured time, the roofline prediction (runtime/roofline.h) on this machine's
// model (runtime/machine_model.h, cached; measured once, ~3 s, on first use): "pred ms", "% roof"
// = predicted / measured × 100 and "bound" (C compute, M memory); under the table the whole-model
// error (Σ predicted − measured) / measured and the median per-layer |error|.
//
// Measured MACs: one more run, untimed, with the kernels' multiply-add counter on
// (RunOptions::count_macs, kernels/common/mac_counter.h), printed under the totals as
//   MACs: analytic N, executed E + P zero-padding taps skipped = N (match)
// E is what the kernels ran; P the taps on zero padding that the depthwise and direct kernels
// skip and the cost model's convention counts. Where E + P differs from the analytic count the
// line names the layers and by how much (on several threads the banded inverted-residual kernel
// expands the input rows two threads share twice).
//
// --json writes {"totals": {...}, "layers": [...]}; --csv the layer table; --trace a Chrome
// trace-event file of the timed run of median wall time (chrome://tracing, ui.perfetto.dev): one
// complete ("X") event per node at the step's real start (RunProfile::Step::start_ms, µs from the
// start of the run) with its duration, op, kernel and shapes; --svg the roofline plot of this
// machine with every layer as a point (tools/roofline_svg.h).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "graph/cost/cost_model.h"
#include "graph/onnx/importer.h"
#include "graph/passes/match.h"
#include "runtime/json.h"
#include "runtime/machine_model.h"
#include "runtime/roofline.h"
#include "runtime/session.h"
#include "tools/cli_util.h"
#include "tools/commands.h"
#include "tools/roofline_svg.h"

namespace finch::cli {
namespace {

constexpr char kConvention[] =
    "MACs count multiply-accumulates of Conv, Gemm, MatMul, attention, also inside fused nodes; "
    "FLOPs = 2 x MACs; bias, activation, BN and pooling work are other_ops";

struct Layer {
  const Node* node = nullptr;
  std::string op, kernel, shape;  // shape: the first output's
  std::vector<std::string> fused_from;  // the original nodes a fused node stands for
  std::string covers;                   // their ops, "3xConv+2xClip+Add" ("" when not fused)
  std::vector<std::string> input_shapes, output_shapes;
  const NodeCostEntry* cost = nullptr;
  std::vector<double> samples;  // ms, one per timed run
  std::vector<double> starts;   // ms from the start of each timed run (RunProfile::Step)
  double ms = 0;                // their median
  RooflinePrediction pred;      // zero when the cost is unknown
  int64_t macs_executed = 0;    // the counted run's (RunOptions::count_macs)
  int64_t macs_padding = 0;
};

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// GFLOP/s or GB/s for `amount` per `ms` (0 when not measurable).
double Rate(double amount, double ms) { return ms > 0 ? amount / (ms * 1e6) : 0; }

std::string TypeString(const std::vector<TensorType>& types, ValueId v) {
  if (v == kNoValue) return "";
  const TensorType& t = types[v];
  return t.is_static() ? ShapeToString(t.static_shape()) : t.ToString();
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// The last `width` characters of a long name, marked: torch names differ at their end.
std::string Tail(const std::string& s, size_t width) {
  return s.size() <= width ? s : ".." + s.substr(s.size() - (width - 2));
}

std::string Commas(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (v < 0 ? "-" : "") + out;
}

struct Totals {
  double measured_ms = 0;  // sum of the per-node medians
  double run_ms = 0;       // median wall time of a profiled run
  size_t peak_activation_bytes = 0;
  double predicted_ms = 0;                // sum of the per-node roofline predictions
  double prediction_error_pct = 0;        // (predicted_ms - measured_ms) / measured_ms × 100
  double median_abs_layer_error_pct = 0;  // over the layers with a known cost and a time > 0
  int64_t macs_executed = 0;              // the counted run: multiply-adds the kernels ran
  int64_t macs_padding = 0;               // and the zero-padding taps they skipped
};

// "% roof": predicted / measured × 100 (0 when nothing was measured).
double RoofPct(const Layer& l) { return l.ms > 0 ? l.pred.predicted_ms / l.ms * 100.0 : 0.0; }

Status WriteJson(const std::string& path, const std::string& model, const Session& session,
                 int64_t iters, const ModelCost& cost, const Totals& t,
                 const std::vector<Layer>& layers) {
  std::ofstream out(path);
  out << "{\"model\": " << JsonString(model) << ", \"threads\": " << session.threads()
      << ", \"iters\": " << iters
      << ", \"optimized\": " << (session.pass_records().empty() ? "false" : "true")
      << ",\n \"convention\": " << JsonString(kConvention)
      << ",\n \"totals\": {\"nodes\": " << layers.size() << ", \"params\": " << cost.params
      << ", \"macs\": " << cost.macs << ", \"flops\": " << JsonNumber(cost.flops())
      << ", \"other_ops\": " << cost.other_ops << ", \"weight_bytes\": " << cost.weight_bytes
      << ", \"activation_bytes\": " << cost.input_bytes + cost.output_bytes
      << ", \"peak_activation_bytes\": " << t.peak_activation_bytes
      << ", \"measured_ms\": " << JsonNumber(t.measured_ms)
      << ", \"run_median_ms\": " << JsonNumber(t.run_ms)
      << ", \"unknown_cost_nodes\": " << cost.unknown_nodes
      << ", \"macs_executed\": " << t.macs_executed
      << ", \"macs_padding_skipped\": " << t.macs_padding
      << ", \"predicted_ms\": " << JsonNumber(t.predicted_ms)
      << ", \"prediction_error_pct\": " << JsonNumber(t.prediction_error_pct)
      << ", \"median_abs_layer_error_pct\": " << JsonNumber(t.median_abs_layer_error_pct)
      << "},\n \"layers\": [";
  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer& l = layers[i];
    out << (i ? ",\n  " : "\n  ") << "{\"name\": " << JsonString(l.node->name)
        << ", \"op\": " << JsonString(l.op) << ", \"kernel\": " << JsonString(l.kernel)
        << ", \"output_shape\": " << JsonString(l.shape) << ", \"covers\": "
        << JsonString(l.covers) << ", \"fused_from\": [";
    for (size_t j = 0; j < l.fused_from.size(); ++j) {
      out << (j ? ", " : "") << JsonString(l.fused_from[j]);
    }
    out << "]";
    if (l.cost && l.cost->known) {
      const NodeCost& c = l.cost->cost;
      out << ", \"kind\": " << JsonString(c.kind) << ", \"params\": " << c.params
          << ", \"macs\": " << c.macs << ", \"flops\": " << JsonNumber(c.flops())
          << ", \"other_ops\": " << c.other_ops << ", \"weight_bytes\": " << c.weight_bytes
          << ", \"input_bytes\": " << c.input_bytes << ", \"output_bytes\": " << c.output_bytes
          << ", \"bytes\": " << c.bytes() << ", \"intensity\": " << JsonNumber(c.intensity())
          << ", \"gflops\": " << JsonNumber(Rate(c.flops(), l.ms))
          << ", \"gbps\": " << JsonNumber(Rate(static_cast<double>(c.bytes()), l.ms))
          << ", \"predicted_ms\": " << JsonNumber(l.pred.predicted_ms)
          << ", \"bound\": " << JsonString(l.pred.compute_bound ? "compute" : "memory");
    } else {
      out << ", \"kind\": null, \"params\": null, \"macs\": null, \"bytes\": null, "
             "\"intensity\": null";
    }
    out << ", \"macs_executed\": " << l.macs_executed
        << ", \"macs_padding_skipped\": " << l.macs_padding
        << ", \"measured_ms\": " << JsonNumber(l.ms) << "}";
  }
  out << "]}\n";
  if (!out) return IoError("cannot write \"", path, "\"");
  return Status::Ok();
}

Status WriteCsv(const std::string& path, const std::vector<Layer>& layers) {
  std::ofstream out(path);
  out << "name,op,kind,kernel,output_shape,params,macs,flops,other_ops,weight_bytes,input_bytes,"
         "output_bytes,bytes,intensity,measured_ms,gflops,gbps,macs_executed,"
         "macs_padding_skipped,covers\n";
  for (const Layer& l : layers) {
    out << CsvField(l.node->name) << ',' << CsvField(l.op) << ',';
    if (l.cost && l.cost->known) {
      const NodeCost& c = l.cost->cost;
      out << c.kind << ',' << CsvField(l.kernel) << ',' << CsvField(l.shape) << ',' << c.params
          << ',' << c.macs << ',' << JsonNumber(c.flops()) << ',' << c.other_ops << ','
          << c.weight_bytes << ',' << c.input_bytes << ',' << c.output_bytes << ',' << c.bytes()
          << ',' << JsonNumber(c.intensity()) << ',' << JsonNumber(l.ms) << ','
          << JsonNumber(Rate(c.flops(), l.ms)) << ','
          << JsonNumber(Rate(static_cast<double>(c.bytes()), l.ms));
    } else {
      out << ',' << CsvField(l.kernel) << ',' << CsvField(l.shape) << ",,,,,,,,,,"
          << JsonNumber(l.ms) << ",,";
    }
    out << ',' << l.macs_executed << ',' << l.macs_padding << ',' << CsvField(l.covers) << '\n';
  }
  if (!out) return IoError("cannot write \"", path, "\"");
  return Status::Ok();
}

// Chrome's trace-event format: {"traceEvents": [{"ph": "X", "ts": µs, "dur": µs, ...}]}, the
// process and thread named by metadata ("M") events. Run `run` of the timed runs: each step at
// its recorded start, so the gaps between events are the run's own bookkeeping between kernels.
Status WriteTrace(const std::string& path, const std::string& model, int threads,
                  const std::vector<Layer>& layers, size_t run) {
  std::ofstream out(path);
  out << "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n"
      << "  {\"ph\": \"M\", \"pid\": 1, \"tid\": 1, \"name\": \"process_name\", "
         "\"args\": {\"name\": "
      << JsonString("finch profile " + model) << "}},\n"
      << "  {\"ph\": \"M\", \"pid\": 1, \"tid\": 1, \"name\": \"thread_name\", "
         "\"args\": {\"name\": "
      << JsonString(StrCat("finch run (", threads, " thread", threads == 1 ? "" : "s", ")"))
      << "}}";
  for (const Layer& l : layers) {
    const double ts = l.starts.size() > run ? l.starts[run] * 1000.0 : 0.0;
    const double dur = l.samples.size() > run ? l.samples[run] * 1000.0 : 0.0;
    out << ",\n  {\"ph\": \"X\", \"pid\": 1, \"tid\": 1, \"name\": " << JsonString(l.node->name)
        << ", \"cat\": " << JsonString(l.op) << ", \"ts\": " << JsonNumber(ts)
        << ", \"dur\": " << JsonNumber(dur) << ", \"args\": {\"kernel\": " << JsonString(l.kernel)
        << ", \"op\": " << JsonString(l.op) << ", \"inputs\": [";
    for (size_t i = 0; i < l.input_shapes.size(); ++i) {
      out << (i ? ", " : "") << JsonString(l.input_shapes[i]);
    }
    out << "], \"outputs\": [";
    for (size_t i = 0; i < l.output_shapes.size(); ++i) {
      out << (i ? ", " : "") << JsonString(l.output_shapes[i]);
    }
    out << "]";
    if (l.cost && l.cost->known) {
      out << ", \"macs\": " << l.cost->cost.macs << ", \"bytes\": " << l.cost->cost.bytes();
    }
    out << "}}";
  }
  out << "\n]}\n";
  if (!out) return IoError("cannot write \"", path, "\"");
  return Status::Ok();
}

void PrintTable(const std::vector<Layer>& layers) {
  std::printf("%-40s %-23s %-16s %10s %14s %12s %8s %9s %8s %7s %9s %6s %5s\n", "node", "op",
              "output", "params", "MACs", "bytes", "FLOP/B", "ms", "GFLOP/s", "GB/s", "pred ms",
              "% roof", "bound  covers");
  for (const Layer& l : layers) {
    std::printf("%-40s %-23s %-16s ", Tail(l.node->name, 40).c_str(), Tail(l.op, 23).c_str(),
                Tail(l.shape, 16).c_str());
    if (l.cost && l.cost->known) {
      const NodeCost& c = l.cost->cost;
      std::printf("%10s %14s %12s %8.2f %9.4f ", Commas(c.params).c_str(), Commas(c.macs).c_str(),
                  Commas(c.bytes()).c_str(), c.intensity(), l.ms);
      if (c.macs > 0) {
        std::printf("%8.2f", Rate(c.flops(), l.ms));
      } else {
        std::printf("%8s", "-");
      }
      std::printf(" %7.2f %9.4f ", Rate(static_cast<double>(c.bytes()), l.ms), l.pred.predicted_ms);
      if (l.ms > 0) {
        std::printf("%6.0f", RoofPct(l));
      } else {
        std::printf("%6s", "-");
      }
      std::printf(" %5s  %s\n", l.pred.compute_bound ? "C" : "M", l.covers.c_str());
    } else {
      std::printf("%10s %14s %12s %8s %9.4f %8s %7s %9s %6s %5s  %s\n", "?", "?", "?", "?", l.ms,
                  "?", "?", "?", "?", "?", l.covers.c_str());
    }
  }
}

// "MACs: analytic N, executed E + P zero-padding taps skipped = N (match)", or where E + P
// differs from the cost model, by how much and in which layers.
std::string MeasuredMacsLine(const ModelCost& cost, const Totals& t,
                             const std::vector<Layer>& layers) {
  std::string line =
      "MACs: analytic " + Commas(cost.macs) + ", executed " + Commas(t.macs_executed);
  if (t.macs_padding > 0) {
    line += " + " + Commas(t.macs_padding) +
            " zero-padding taps skipped = " + Commas(t.macs_executed + t.macs_padding);
  }
  const int64_t diff = t.macs_executed + t.macs_padding - cost.macs;
  if (diff == 0) return line + " (match)";
  std::string where;
  int differing = 0;
  bool all_banded = true;
  for (const Layer& l : layers) {
    const int64_t analytic = l.cost && l.cost->known ? l.cost->cost.macs : 0;
    const int64_t d = l.macs_executed + l.macs_padding - analytic;
    if (d == 0) continue;
    all_banded &= l.kernel.find("inverted_residual_nhwc_banded") != std::string::npos && d > 0;
    if (++differing <= 3) {
      where += StrCat(where.empty() ? "" : ", ", Tail(l.node->name, 40), " [", l.kernel, "] ",
                      d > 0 ? "+" : "", Commas(d));
    }
  }
  if (differing > 3) where += StrCat(", and ", differing - 3, " more");
  line += StrCat(" (differs by ", diff > 0 ? "+" : "", Commas(diff), " in ", differing, " layer",
                 differing == 1 ? "" : "s", ": ", where, ")");
  if (all_banded) {
    line += "; the banded inverted-residual kernel expands the input rows two threads share twice";
  }
  return line;
}

// The plot of `finch profile --svg`: the compute roof at `threads`, the DRAM roof (one stream,
// as runtime/roofline.h uses it) and the L2 roof × threads, every layer with MACs as a point at
// (FLOPs / bytes, FLOPs / ms), FLOPs = 2 × MACs; a layer without MACs but with other ops
// (elementwise, pooling, normalization) at (other ops / bytes, other ops / ms), drawn hollow.
RooflinePlot MakeRooflinePlot(const std::string& model, const Session& session,
                              const MachineModel& m, int threads,
                              const std::vector<Layer>& layers) {
  RooflinePlot plot;
  plot.title = "finch roofline: " + model;
  if (!m.fma_gflops.empty()) {
    plot.peak_gflops = m.fma_gflops[std::min<size_t>(threads, m.fma_gflops.size()) - 1];
  }
  plot.peak_label = StrCat("FMA peak, ", threads, " thread", threads == 1 ? "" : "s");
  if (m.dram_gbps > 0) plot.bandwidths.push_back({"DRAM", m.dram_gbps});
  if (m.l2_gbps > 0) {
    plot.bandwidths.push_back(
        {StrCat("L2 x ", threads, " thread", threads == 1 ? "" : "s"), m.l2_gbps * threads});
  }
  int drawn_with_macs = 0;
  for (const Layer& l : layers) {
    if (!l.cost || !l.cost->known) continue;
    const NodeCost& c = l.cost->cost;
    if (c.macs == 0 && c.bytes() == 0) continue;
    RooflinePoint p{l.node->name, l.op, c.kind};
    p.ms = l.ms;
    if (c.macs > 0) {
      p.intensity = c.intensity();
      p.gflops = Rate(c.flops(), l.ms);
      ++drawn_with_macs;
    } else {
      const double ops = static_cast<double>(c.other_ops);
      p.intensity = c.bytes() > 0 ? ops / static_cast<double>(c.bytes()) : 0;
      p.gflops = Rate(ops, l.ms);
      p.other_ops = true;
    }
    plot.points.push_back(p);
  }
  plot.subtitle = StrCat(
      m.cpu.empty() ? "unknown CPU" : m.cpu, " | ", threads, " thread", threads == 1 ? "" : "s",
      " | ", layers.size(), " layers run (", drawn_with_macs, " with MACs) | ",
      session.pass_records().empty() ? "unoptimized" : "optimized", " | median time per layer");
  plot.footnote = StrCat(
      "FLOPs = 2 x MACs (Conv, Gemm, MatMul, attention, also in fused nodes); "
      "intensity = FLOPs / (weight + input + output bytes), each byte once. ",
      "Roofs measured by finch machine.");
  return plot;
}

}  // namespace

Status ProfileCommand(Args& args) {
  const std::vector<std::string> input_files = args.GetAll("input");
  const std::string json_path = args.Get("json");
  const std::string csv_path = args.Get("csv");
  const std::string trace_path = args.Get("trace");
  const std::string svg_path = args.Get("svg");
  FINCH_ASSIGN_OR_RETURN(int64_t threads, args.GetInt("threads", 0));
  FINCH_ASSIGN_OR_RETURN(int64_t iters, args.GetInt("iters", 10));
  const bool no_opt = args.Has("no-opt");
  FINCH_RETURN_IF_ERROR(args.CheckAllUsed());
  if (args.positional().size() != 1) {
    return InvalidArgument(
        "usage: finch profile MODEL [--threads N] [--no-opt] [--iters N] "
        "[--input FILE.pb ...] [--json FILE] [--csv FILE] [--trace FILE.json] [--svg FILE.svg]");
  }
  if (threads < 0 || threads > 1024) return InvalidArgument("--threads must be 0..1024");
  if (iters < 1 || iters > 100000) return InvalidArgument("--iters must be 1..100000");
  const std::string model = args.positional()[0];

  SessionOptions options;
  options.threads = static_cast<int>(threads);
  options.optimize = !no_opt;
  FINCH_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Session::Load(model, options));
  FINCH_ASSIGN_OR_RETURN(std::vector<Tensor> inputs, LoadOrMakeInputs(*session, input_files));
  std::vector<Shape> shapes;
  for (const Tensor& t : inputs) shapes.push_back(t.shape());
  FINCH_ASSIGN_OR_RETURN(const Plan* plan, session->PlanFor(shapes));
  const Graph& graph = session->graph();
  const ModelCost cost = CostOf(graph, plan->types, plan->constants);

  // The model as written, for the ops of the nodes each fused node replaced ("covers").
  std::map<std::string, std::string> original_ops;
  if (StatusOr<Graph> original = LoadOnnxModel(model); original.ok()) {
    for (const Node& n : original->nodes) {
      original_ops[n.name] = n.domain.empty() ? n.op_type : n.domain + "::" + n.op_type;
    }
  }
  std::vector<Layer> layers(plan->steps.size());
  for (size_t s = 0; s < plan->steps.size(); ++s) {
    Layer& l = layers[s];
    l.node = &graph.nodes[plan->steps[s].node];
    l.op = l.node->domain.empty() ? l.node->op_type : l.node->domain + "::" + l.node->op_type;
    l.kernel = plan->steps[s].kernel->name();
    l.cost = &cost.nodes[plan->steps[s].node];
    for (ValueId v : l.node->inputs) l.input_shapes.push_back(TypeString(plan->types, v));
    for (ValueId v : l.node->outputs) l.output_shapes.push_back(TypeString(plan->types, v));
    l.shape = l.output_shapes.empty() ? "" : l.output_shapes[0];
    if (l.node->FindAttribute("fused_from") != nullptr) {
      l.fused_from = FusedFrom(*l.node);
      std::vector<std::string> ops;
      for (const std::string& name : l.fused_from) {
        const auto it = original_ops.find(name);
        ops.push_back(it == original_ops.end() ? "?" : it->second);
      }
      l.covers = OpCountSummary(ops);
    }
  }

  // The roofs, before any timing: measuring them (first use only) must not overlap a timed run.
  const int model_threads = std::max(session->threads(), 1);
  const LoadedMachine machine = LoadOrMeasureMachine(false, model_threads);
  if (machine.measured) {
    std::printf("machine model measured now (about 3 s, first use only)%s%s\n",
                machine.cache_path.empty() ? "" : ", cached in ", machine.cache_path.c_str());
  }
  if (!machine.note.empty()) std::printf("machine model: %s\n", machine.note.c_str());
  for (Layer& l : layers) {
    if (l.cost && l.cost->known) l.pred = PredictNode(l.cost->cost, machine.model, model_threads);
  }

  RunOptions run_options;
  run_options.time_steps = true;
  FINCH_RETURN_IF_ERROR(session->Run(inputs).status());  // warm-up: arenas, caches
  std::vector<double> run_ms;
  for (int64_t i = 0; i < iters; ++i) {
    RunProfile profile;
    const auto start = std::chrono::steady_clock::now();
    FINCH_RETURN_IF_ERROR(session->Run(inputs, run_options, &profile).status());
    run_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
    if (profile.steps.size() != layers.size()) {
      return Internal("profile has ", profile.steps.size(), " steps, the plan ", layers.size());
    }
    for (size_t s = 0; s < layers.size(); ++s) {
      layers[s].samples.push_back(profile.steps[s].ms);
      layers[s].starts.push_back(profile.steps[s].start_ms);
    }
  }
  // One more run, untimed, counting the multiply-adds the kernels execute.
  {
    RunOptions counted;
    counted.count_macs = true;
    RunProfile profile;
    FINCH_RETURN_IF_ERROR(session->Run(inputs, counted, &profile).status());
    if (profile.steps.size() != layers.size()) {
      return Internal("profile has ", profile.steps.size(), " steps, the plan ", layers.size());
    }
    for (size_t s = 0; s < layers.size(); ++s) {
      layers[s].macs_executed = profile.steps[s].macs;
      layers[s].macs_padding = profile.steps[s].padding_macs;
    }
  }
  Totals totals;
  totals.peak_activation_bytes = plan->memory.arena_bytes;
  totals.run_ms = Median(run_ms);
  for (Layer& l : layers) {
    l.ms = Median(l.samples);
    totals.measured_ms += l.ms;
    totals.predicted_ms += l.pred.predicted_ms;
  }
  if (totals.measured_ms > 0) {
    totals.prediction_error_pct =
        (totals.predicted_ms - totals.measured_ms) / totals.measured_ms * 100.0;
  }
  std::vector<double> layer_errors;
  for (const Layer& l : layers) {
    if (l.cost && l.cost->known && l.ms > 0) layer_errors.push_back(std::abs(RoofPct(l) - 100.0));
  }
  totals.median_abs_layer_error_pct = Median(layer_errors);
  for (const Layer& l : layers) {
    totals.macs_executed += l.macs_executed;
    totals.macs_padding += l.macs_padding;
  }

  PrintTable(layers);
  std::printf("\n%s (%s).\n", kConvention, "intensity = FLOPs / (weight + input + output bytes)");
  const std::string unknown =
      cost.unknown_nodes ? StrCat(", ", cost.unknown_nodes, " with run-time shapes: cost ?") : "";
  std::printf("nodes run: %zu (%d folded at planning%s)\n", layers.size(), plan->folded_nodes,
              unknown.c_str());
  std::printf("params: %s   MACs: %s   FLOPs: %s   other ops: %s\n", Commas(cost.params).c_str(),
              Commas(cost.macs).c_str(), Commas(static_cast<int64_t>(cost.flops())).c_str(),
              Commas(cost.other_ops).c_str());
  std::printf("%s\n", MeasuredMacsLine(cost, totals, layers).c_str());
  std::printf(
      "weight bytes: %s (%.2f MiB)   activation bytes moved: %s   peak activation: %s "
      "(%.2f MiB arena)\n",
      Commas(cost.weight_bytes).c_str(), cost.weight_bytes / 1048576.0,
      Commas(cost.input_bytes + cost.output_bytes).c_str(),
      Commas(static_cast<int64_t>(totals.peak_activation_bytes)).c_str(),
      totals.peak_activation_bytes / 1048576.0);
  std::printf(
      "measured: %.3f ms (sum of per-node medians), %.3f ms per run (median of %lld, "
      "%d thread%s): %.2f GFLOP/s\n",
      totals.measured_ms, totals.run_ms, static_cast<long long>(iters), session->threads(),
      session->threads() == 1 ? "" : "s", Rate(cost.flops(), totals.run_ms));
  std::printf(
      "roofline predicted: %.3f ms (sum over nodes, %d thread%s): whole-model error "
      "%+.1f%%, median per-layer |error| %.1f%% (%s, runtime/roofline.h)\n",
      totals.predicted_ms, model_threads, model_threads == 1 ? "" : "s",
      totals.prediction_error_pct, totals.median_abs_layer_error_pct,
      machine.model.efficiency.empty()
          ? "kernel efficiencies: uncalibrated first estimates"
          : "kernel efficiencies calibrated on this machine by finch machine");

  if (!json_path.empty()) {
    FINCH_RETURN_IF_ERROR(WriteJson(json_path, model, *session, iters, cost, totals, layers));
    std::printf("wrote %s\n", json_path.c_str());
  }
  if (!csv_path.empty()) {
    FINCH_RETURN_IF_ERROR(WriteCsv(csv_path, layers));
    std::printf("wrote %s\n", csv_path.c_str());
  }
  if (!trace_path.empty()) {
    // The run of median wall time.
    std::vector<size_t> order(run_ms.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return run_ms[a] < run_ms[b]; });
    FINCH_RETURN_IF_ERROR(
        WriteTrace(trace_path, model, session->threads(), layers, order[order.size() / 2]));
    std::printf("wrote %s\n", trace_path.c_str());
  }
  if (!svg_path.empty()) {
    const RooflinePlot plot =
        MakeRooflinePlot(model, *session, machine.model, model_threads, layers);
    std::ofstream out(svg_path);
    out << RooflineSvg(plot);
    if (!out) return IoError("cannot write \"", svg_path, "\"");
    std::printf("wrote %s\n", svg_path.c_str());
  }
  return Status::Ok();
}

}  // namespace finch::cli
