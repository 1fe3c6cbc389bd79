// finch profile MODEL [--threads N] [--no-opt] [--iters N] [--input FILE.pb ...] [--json FILE]
//                     [--csv FILE] [--trace FILE.json]
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
// --json writes {"totals": {...}, "layers": [...]}; --csv the layer table; --trace a Chrome
// trace-event file of the run with the median wall time (chrome://tracing, ui.perfetto.dev):
// one complete ("X") event per node. The runtime records each step's duration, not its start,
// so events are laid end to end: ts = the sum of the durations before it.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "graph/cost/cost_model.h"
#include "runtime/machine_model.h"
#include "runtime/roofline.h"
#include "runtime/session.h"
#include "tools/cli_util.h"
#include "tools/commands.h"

namespace finch::cli {
namespace {

constexpr char kConvention[] =
    "MACs count multiply-accumulates of Conv, Gemm, MatMul, attention, also inside fused nodes; "
    "FLOPs = 2 x MACs; bias, activation, BN and pooling work are other_ops";

struct Layer {
  const Node* node = nullptr;
  std::string op, kernel, shape;  // shape: the first output's
  std::vector<std::string> input_shapes, output_shapes;
  const NodeCostEntry* cost = nullptr;
  std::vector<double> samples;  // ms, one per timed run
  double ms = 0;                // their median
  RooflinePrediction pred;      // zero when the cost is unknown
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

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string JsonNumber(double v) {
  std::ostringstream os;
  os.precision(10);
  os << v;
  return os.str();
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
      << ", \"predicted_ms\": " << JsonNumber(t.predicted_ms)
      << ", \"prediction_error_pct\": " << JsonNumber(t.prediction_error_pct)
      << ", \"median_abs_layer_error_pct\": " << JsonNumber(t.median_abs_layer_error_pct)
      << "},\n \"layers\": [";
  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer& l = layers[i];
    out << (i ? ",\n  " : "\n  ") << "{\"name\": " << JsonString(l.node->name)
        << ", \"op\": " << JsonString(l.op) << ", \"kernel\": " << JsonString(l.kernel)
        << ", \"output_shape\": " << JsonString(l.shape);
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
    out << ", \"measured_ms\": " << JsonNumber(l.ms) << "}";
  }
  out << "]}\n";
  if (!out) return IoError("cannot write \"", path, "\"");
  return Status::Ok();
}

Status WriteCsv(const std::string& path, const std::vector<Layer>& layers) {
  std::ofstream out(path);
  out << "name,op,kind,kernel,output_shape,params,macs,flops,other_ops,weight_bytes,input_bytes,"
         "output_bytes,bytes,intensity,measured_ms,gflops,gbps\n";
  for (const Layer& l : layers) {
    out << CsvField(l.node->name) << ',' << CsvField(l.op) << ',';
    if (l.cost && l.cost->known) {
      const NodeCost& c = l.cost->cost;
      out << c.kind << ',' << CsvField(l.kernel) << ',' << CsvField(l.shape) << ',' << c.params
          << ',' << c.macs << ',' << JsonNumber(c.flops()) << ',' << c.other_ops << ','
          << c.weight_bytes << ',' << c.input_bytes << ',' << c.output_bytes << ',' << c.bytes()
          << ',' << JsonNumber(c.intensity()) << ',' << JsonNumber(l.ms) << ','
          << JsonNumber(Rate(c.flops(), l.ms)) << ','
          << JsonNumber(Rate(static_cast<double>(c.bytes()), l.ms)) << '\n';
    } else {
      out << ',' << CsvField(l.kernel) << ',' << CsvField(l.shape) << ",,,,,,,,,,"
          << JsonNumber(l.ms) << ",,\n";
    }
  }
  if (!out) return IoError("cannot write \"", path, "\"");
  return Status::Ok();
}

// Chrome's trace-event format: {"traceEvents": [{"ph": "X", "ts": µs, "dur": µs, ...}]}.
Status WriteTrace(const std::string& path, const std::vector<Layer>& layers, size_t run) {
  std::ofstream out(path);
  out << "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n"
      << "  {\"ph\": \"M\", \"pid\": 1, \"tid\": 1, \"name\": \"thread_name\", "
         "\"args\": {\"name\": \"finch run\"}}";
  double ts = 0;
  for (const Layer& l : layers) {
    const double dur = l.samples.size() > run ? l.samples[run] * 1000.0 : 0.0;
    out << ",\n  {\"ph\": \"X\", \"pid\": 1, \"tid\": 1, \"name\": " << JsonString(l.node->name)
        << ", \"cat\": " << JsonString(l.op) << ", \"ts\": " << JsonNumber(ts)
        << ", \"dur\": " << JsonNumber(dur) << ", \"args\": {\"kernel\": " << JsonString(l.kernel)
        << ", \"inputs\": [";
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
    ts += dur;
  }
  out << "\n]}\n";
  if (!out) return IoError("cannot write \"", path, "\"");
  return Status::Ok();
}

void PrintTable(const std::vector<Layer>& layers) {
  std::printf("%-40s %-23s %-16s %10s %14s %12s %8s %9s %8s %7s %9s %6s %5s\n", "node", "op",
              "output", "params", "MACs", "bytes", "FLOP/B", "ms", "GFLOP/s", "GB/s", "pred ms",
              "% roof", "bound");
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
      std::printf(" %5s\n", l.pred.compute_bound ? "C" : "M");
    } else {
      std::printf("%10s %14s %12s %8s %9.4f %8s %7s %9s %6s %5s\n", "?", "?", "?", "?", l.ms, "?",
                  "?", "?", "?", "?");
    }
  }
}

}  // namespace

Status ProfileCommand(Args& args) {
  const std::vector<std::string> input_files = args.GetAll("input");
  const std::string json_path = args.Get("json");
  const std::string csv_path = args.Get("csv");
  const std::string trace_path = args.Get("trace");
  FINCH_ASSIGN_OR_RETURN(int64_t threads, args.GetInt("threads", 0));
  FINCH_ASSIGN_OR_RETURN(int64_t iters, args.GetInt("iters", 10));
  const bool no_opt = args.Has("no-opt");
  FINCH_RETURN_IF_ERROR(args.CheckAllUsed());
  if (args.positional().size() != 1) {
    return InvalidArgument(
        "usage: finch profile MODEL [--threads N] [--no-opt] [--iters N] "
        "[--input FILE.pb ...] [--json FILE] [--csv FILE] [--trace FILE.json]");
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
    for (size_t s = 0; s < layers.size(); ++s) layers[s].samples.push_back(profile.steps[s].ms);
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

  PrintTable(layers);
  std::printf("\n%s (%s).\n", kConvention, "intensity = FLOPs / (weight + input + output bytes)");
  const std::string unknown =
      cost.unknown_nodes ? StrCat(", ", cost.unknown_nodes, " with run-time shapes: cost ?") : "";
  std::printf("nodes run: %zu (%d folded at planning%s)\n", layers.size(), plan->folded_nodes,
              unknown.c_str());
  std::printf("params: %s   MACs: %s   FLOPs: %s   other ops: %s\n", Commas(cost.params).c_str(),
              Commas(cost.macs).c_str(), Commas(static_cast<int64_t>(cost.flops())).c_str(),
              Commas(cost.other_ops).c_str());
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
      "%+.1f%%, median per-layer |error| %.1f%% (efficiencies are uncalibrated first "
      "estimates, runtime/roofline.h)\n",
      totals.predicted_ms, model_threads, model_threads == 1 ? "" : "s",
      totals.prediction_error_pct, totals.median_abs_layer_error_pct);

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
    FINCH_RETURN_IF_ERROR(WriteTrace(trace_path, layers, order[order.size() / 2]));
    std::printf("wrote %s\n", trace_path.c_str());
  }
  return Status::Ok();
}

}  // namespace finch::cli
