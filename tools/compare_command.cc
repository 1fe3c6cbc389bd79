// finch compare MODEL [--input FILE.pb ...] [--threads N] [--iters N] [--json FILE]
//                     [--disable-pass NAME ...]
//
// Runs the graph as imported (unfused) and after the pass pipeline (fused) on the same input.
// Every node of the fused graph is matched with the unfused nodes it replaced by value names:
// passes keep the name of the last replaced node's output, so walking back from that name in
// the unfused graph until reaching values both graphs have gives the group. For each group
// that changed: its numerical error against the unfused tensor of the same name, and the time
// of the group both ways (per-node medians over --iters runs). Then whole-graph latencies.
//
// Errors: max_abs = max |fused − unfused|; max_rel = max_abs / max |unfused| (norm-wise, so
// elements near zero do not blow it up); cosine = <f, u> / (|f|·|u|). Each graph runs on its
// own inputs, so a group's error includes what the groups before it changed (cumulative, as a
// deployment sees it).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "graph/onnx/importer.h"
#include "runtime/json.h"
#include "runtime/session.h"
#include "tools/cli_util.h"
#include "tools/commands.h"

namespace finch::cli {
namespace {

std::string OpName(const Node& n) { return n.domain.empty() ? n.op_type : n.domain + "::" + n.op_type; }

struct Group {
  const Node* fused = nullptr;
  std::vector<const Node*> replaced;  // unfused nodes, in graph order
  std::string output;                 // the compared value
  double max_abs = 0, max_rel = 0, cosine = 1;
  double unfused_ms = 0, fused_ms = 0;
};

// The unfused nodes that computed what fused node `f` computes (see the file comment).
std::vector<const Node*> ReplacedNodes(const Graph& unfused, const Graph& fused, const Node& f) {
  std::set<std::string> shared;  // activation values the fused graph has too
  for (const Value& v : fused.values) {
    if (!v.constant) shared.insert(v.name);
  }
  const std::vector<int> producer = unfused.Producers();
  std::set<int> group;
  std::vector<ValueId> stack;
  for (ValueId out : f.outputs) {
    if (out == kNoValue) continue;
    const ValueId u = unfused.FindValue(fused.values[out].name);
    if (u != kNoValue) stack.push_back(u);
  }
  const std::set<ValueId> starts(stack.begin(), stack.end());
  while (!stack.empty()) {
    const ValueId v = stack.back();
    stack.pop_back();
    const int p = producer[v];
    if (p < 0) continue;
    if (!starts.count(v) && shared.count(unfused.values[v].name)) continue;
    if (!group.insert(p).second) continue;
    for (ValueId in : unfused.nodes[p].inputs) {
      if (in != kNoValue) stack.push_back(in);
    }
  }
  std::vector<const Node*> nodes;
  for (int n : group) nodes.push_back(&unfused.nodes[n]);
  return nodes;
}

void Errors(const Tensor& f, const Tensor& u, Group* g) {
  double max_abs = 0, max_ref = 0, dot = 0, nf = 0, nu = 0;
  const float* a = f.data<float>();
  const float* b = u.data<float>();
  for (int64_t i = 0; i < f.num_elements(); ++i) {
    max_abs = std::max(max_abs, std::fabs(double(a[i]) - b[i]));
    max_ref = std::max(max_ref, std::fabs(double(b[i])));
    dot += double(a[i]) * b[i];
    nf += double(a[i]) * a[i];
    nu += double(b[i]) * b[i];
  }
  g->max_abs = max_abs;
  g->max_rel = max_ref > 0 ? max_abs / max_ref : max_abs;
  g->cosine = nf > 0 && nu > 0 ? dot / std::sqrt(nf * nu) : (nf == nu ? 1.0 : 0.0);
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Per-node median step time over `iters` profiled runs, by node name.
StatusOr<std::map<std::string, double>> StepTimes(const Session& s, const std::vector<Tensor>& in,
                                                  int iters) {
  std::map<std::string, std::vector<double>> samples;
  RunOptions options;
  options.time_steps = true;
  for (int i = 0; i < iters; ++i) {
    RunProfile profile;
    FINCH_RETURN_IF_ERROR(s.Run(in, options, &profile).status());
    for (const auto& step : profile.steps) samples[step.node].push_back(step.ms);
  }
  std::map<std::string, double> medians;
  for (auto& [name, v] : samples) medians[name] = Median(v);
  return medians;
}

}  // namespace

Status CompareCommand(Args& args) {
  const std::vector<std::string> input_files = args.GetAll("input");
  const std::vector<std::string> disabled = args.GetAll("disable-pass");
  const std::string json_path = args.Get("json");
  FINCH_ASSIGN_OR_RETURN(int64_t threads, args.GetInt("threads", 0));
  FINCH_ASSIGN_OR_RETURN(int64_t iters, args.GetInt("iters", 20));
  FINCH_RETURN_IF_ERROR(args.CheckAllUsed());
  if (args.positional().size() != 1) {
    return InvalidArgument("usage: finch compare MODEL [--input FILE.pb ...] [--threads N] "
                           "[--iters N] [--json FILE] [--disable-pass NAME ...]");
  }
  if (iters < 1 || iters > 100000) return InvalidArgument("--iters must be 1..100000");
  FINCH_ASSIGN_OR_RETURN(Graph graph, LoadOnnxModel(args.positional()[0]));
  SessionOptions base;
  base.threads = static_cast<int>(threads);
  SessionOptions off = base, on = base;
  off.optimize = false;
  on.disabled_passes.insert(disabled.begin(), disabled.end());
  FINCH_ASSIGN_OR_RETURN(std::unique_ptr<Session> unfused, Session::Create(graph, off));
  FINCH_ASSIGN_OR_RETURN(std::unique_ptr<Session> fused, Session::Create(graph, on));
  FINCH_ASSIGN_OR_RETURN(std::vector<Tensor> inputs, LoadOrMakeInputs(*unfused, input_files));

  const Graph& ug = unfused->graph();
  const Graph& fg = fused->graph();
  // Groups: fused nodes that are not a plain copy of one unfused node.
  std::vector<Group> groups;
  RunOptions fetch_u, fetch_f;
  for (const Node& f : fg.nodes) {
    Group g;
    g.fused = &f;
    g.replaced = ReplacedNodes(ug, fg, f);
    if (f.outputs.empty() || f.outputs[0] == kNoValue) continue;
    g.output = fg.values[f.outputs[0]].name;
    const bool same = g.replaced.size() == 1 && g.replaced[0]->name == f.name &&
                      OpName(*g.replaced[0]) == OpName(f);
    if (same || g.replaced.empty() || ug.FindValue(g.output) == kNoValue) continue;
    fetch_u.fetch.push_back(g.output);
    fetch_f.fetch.push_back(g.output);
    groups.push_back(std::move(g));
  }
  RunProfile pu, pf;
  FINCH_RETURN_IF_ERROR(unfused->Run(inputs, fetch_u, &pu).status());
  FINCH_ASSIGN_OR_RETURN(std::vector<Tensor> fused_out, fused->Run(inputs, fetch_f, &pf));
  FINCH_ASSIGN_OR_RETURN(std::vector<Tensor> unfused_out, unfused->Run(inputs));
  FINCH_ASSIGN_OR_RETURN(auto tu, StepTimes(*unfused, inputs, static_cast<int>(iters)));
  FINCH_ASSIGN_OR_RETURN(auto tf, StepTimes(*fused, inputs, static_cast<int>(iters)));
  for (Group& g : groups) {
    const Tensor& f = pf.fetched.at(g.output);
    const Tensor& u = pu.fetched.at(g.output);
    if (f.dtype() == DataType::kFloat32 && u.dtype() == DataType::kFloat32 &&
        f.shape() == u.shape()) {
      Errors(f, u, &g);
    }
    g.fused_ms = tf.count(g.fused->name) ? tf[g.fused->name] : 0;
    for (const Node* n : g.replaced) g.unfused_ms += tu.count(n->name) ? tu[n->name] : 0;
  }
  // Whole-graph latency: plain runs, alternating so that drift hits both alike.
  std::vector<double> lat_u, lat_f;
  using Clock = std::chrono::steady_clock;
  for (int64_t i = 0; i < iters; ++i) {
    auto t0 = Clock::now();
    FINCH_RETURN_IF_ERROR(unfused->Run(inputs).status());
    auto t1 = Clock::now();
    FINCH_RETURN_IF_ERROR(fused->Run(inputs).status());
    auto t2 = Clock::now();
    lat_u.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    lat_f.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
  }
  const double med_u = Median(lat_u), med_f = Median(lat_f);
  Group total;
  for (size_t i = 0; i < fused_out.size(); ++i) {
    Group g;
    Errors(fused_out[i], unfused_out[i], &g);
    total.max_abs = std::max(total.max_abs, g.max_abs);
  }

  std::printf("%-22s %-34s %-30s %10s %10s %9s %9s %9s\n", "fused op", "node", "replaced",
              "max_abs", "max_rel", "cosine", "unfused", "fused");
  for (const Group& g : groups) {
    std::vector<std::string> ops;
    for (const Node* n : g.replaced) ops.push_back(OpName(*n));
    const std::string what = OpCountSummary(ops);
    std::printf("%-22s %-34.34s %-30.30s %10.3g %10.3g %9.6f %7.3fms %7.3fms\n",
                OpName(*g.fused).c_str(), g.fused->name.c_str(), what.c_str(), g.max_abs,
                g.max_rel, g.cosine, g.unfused_ms, g.fused_ms);
  }
  std::printf("nodes: unfused %zu, fused %zu; fused groups: %zu\n", ug.nodes.size(),
              fg.nodes.size(), groups.size());
  std::printf("latency (median of %lld, %d thread%s): unfused %.3f ms, fused %.3f ms, "
              "speedup %.3fx; max |fused - unfused| over the outputs: %.3g\n",
              static_cast<long long>(iters), fused->threads(), fused->threads() == 1 ? "" : "s",
              med_u, med_f, med_f > 0 ? med_u / med_f : 0.0, total.max_abs);

  if (!json_path.empty()) {
    std::ofstream out(json_path);
    out << "{\"unfused\": {\"nodes\": " << ug.nodes.size() << ", \"median_ms\": " << med_u
        << "},\n \"fused\": {\"nodes\": " << fg.nodes.size() << ", \"median_ms\": " << med_f
        << ", \"ops\": {";
    bool first = true;
    for (const auto& [op, c] : CountOps(fg)) {
      out << (first ? "" : ", ") << JsonString(op) << ": " << c;
      first = false;
    }
    out << "}},\n \"speedup\": " << (med_f > 0 ? med_u / med_f : 0.0)
        << ", \"max_abs_error\": " << total.max_abs << ", \"threads\": " << fused->threads()
        << ",\n \"groups\": [";
    for (size_t i = 0; i < groups.size(); ++i) {
      const Group& g = groups[i];
      out << (i ? ",\n  " : "\n  ") << "{\"node\": " << JsonString(g.fused->name)
          << ", \"op\": " << JsonString(OpName(*g.fused)) << ", \"output\": "
          << JsonString(g.output) << ", \"replaced\": [";
      for (size_t j = 0; j < g.replaced.size(); ++j) {
        out << (j ? ", " : "") << "{\"node\": " << JsonString(g.replaced[j]->name)
            << ", \"op\": " << JsonString(OpName(*g.replaced[j])) << "}";
      }
      out << "], \"max_abs\": " << g.max_abs << ", \"max_rel\": " << g.max_rel
          << ", \"cosine\": " << g.cosine << ", \"unfused_ms\": " << g.unfused_ms
          << ", \"fused_ms\": " << g.fused_ms << "}";
    }
    out << "]}\n";
    if (!out) return IoError("cannot write \"", json_path, "\"");
    std::printf("wrote %s\n", json_path.c_str());
  }
  return Status::Ok();
}

}  // namespace finch::cli
