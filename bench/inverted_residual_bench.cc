// The fused inverted-residual block (runtime/ops/inverted_residual_nhwc.cc) against the same
// block as separate NHWC kernels, at the real block shapes of MobileNetV2 and EfficientNet-B0
// (224² input).
//
//   BM_FusedBlock/<block>    one finch::InvertedResidual node, layout NHWC: the fused kernel.
//   BM_ThreeKernels/<block>  FusedConv 1×1 expand + act → FusedConv depthwise k×k + act →
//                            [SqueezeExcite] → FusedConv 1×1 project [+ Z = block input], all
//                            NHWC: the unfused kernels, the expanded tensor written whole.
// Both run through a Session (optimize = false, lower = false: the nodes are NHWC already) on
// the same weights and input; before timing, each block checks once that the two graphs agree
// (max |Δ| < 1e-4 · max |y|) and skips with an error if not.
//
// Arg "threads": the session's intra-op threads (1, 2). "Time" is wall-clock (UseRealTime: the
// rate counters divide by it, so 2 threads are measured as the caller sees them); "CPU" is the
// whole process's CPU time (MeasureProcessCPUTime: both threads), the fairer comparison on a
// machine shared with other work, where wall time also counts time slices given to others.
// Counters (bench/machine_peak.h), the same for both rows of a block, so their ratio is the
// speed ratio: GFLOP/s (2 · MACs of expand, depthwise, SE FCs, project), GB/s (input + output +
// weights, each once: the traffic a perfect fusion needs), peak% of threads × single-core FMA
// peak, bw% of single-core DRAM read bandwidth.
// At the end a table gives unfused ÷ fused time (the fused speedup), wall and process CPU, per
// block and thread count (from the medians when run with repetitions).
//
// Run: build-x/bench/inverted_residual_bench --benchmark_min_time=0.3 --benchmark_repetitions=3
//        --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench/inverted_residual_blocks.h"
#include "bench/machine_peak.h"
#include "runtime/session.h"

namespace finch {
namespace {

using bench::BlockSpec;
using bench::Weights;

// Both graphs of a block, with one session per thread count; built on first use.
struct Block {
  BlockSpec spec;
  Weights w;
  std::map<std::pair<bool, int>, std::unique_ptr<Session>> sessions;  // (fused, threads)
  bool verified = false;
  std::string error;  // non-empty: the block failed to build or verify

  Session* Get(bool fused, int threads) {
    auto& s = sessions[{fused, threads}];
    if (!s) {
      SessionOptions o;
      o.threads = threads;
      o.optimize = false;
      o.lower = false;
      auto created =
          Session::Create(fused ? bench::FusedGraph(spec, w) : bench::UnfusedGraph(spec, w), o);
      if (!created.ok()) {
        error = created.status().ToString();
        return nullptr;
      }
      s = std::move(*created);
    }
    return s.get();
  }

  // The kernels a session ran, "a + b + c".
  static std::string Kernels(const Session& s, const Tensor& x) {
    RunOptions ro;
    ro.time_steps = true;
    RunProfile prof;
    if (!s.Run({x}, ro, &prof).ok()) return "?";
    std::string k;
    for (const auto& step : prof.steps) k += (k.empty() ? "" : " + ") + step.kernel;
    return k;
  }

  // Runs both graphs (1 thread) once and compares; sets `error` on a mismatch.
  void Verify() {
    if (verified) return;
    verified = true;
    Session* f = Get(true, 1);
    Session* u = Get(false, 1);
    if (!f || !u) return;
    auto yf = f->Run({w.x});
    auto yu = u->Run({w.x});
    if (!yf.ok() || !yu.ok()) {
      error = !yf.ok() ? yf.status().ToString() : yu.status().ToString();
      return;
    }
    const Tensor& a = (*yf)[0];
    const Tensor& b = (*yu)[0];
    if (a.num_elements() != b.num_elements()) {
      error = "output sizes differ";
      return;
    }
    double max_y = 0, max_diff = 0;
    for (int64_t i = 0; i < a.num_elements(); ++i) {
      max_y = std::max(max_y, std::fabs(double(b.data<float>()[i])));
      max_diff = std::max(max_diff, std::fabs(double(a.data<float>()[i]) - b.data<float>()[i]));
    }
    std::fprintf(stderr, "%-32s max|y| %.3g max|diff| %.3g\n  fused:   %s\n  unfused: %s\n",
                 spec.name, max_y, max_diff, Kernels(*f, w.x).c_str(), Kernels(*u, w.x).c_str());
    if (!(max_diff < 1e-4 * max_y)) {
      error = "fused and unfused outputs differ: max |diff| " + std::to_string(max_diff) +
              " vs max |y| " + std::to_string(max_y);
    }
  }

  double Flops() const {
    const BlockSpec& s = spec;
    const double px_in = double(s.h) * s.w, px_out = double(s.out_h()) * s.out_w();
    const double macs = px_in * s.in * s.hidden + px_out * s.hidden * s.k * s.k +
                        2.0 * s.hidden * s.se_reduced + px_out * s.hidden * s.out;
    return 2 * macs;
  }
  double Bytes() const {
    const BlockSpec& s = spec;
    double n = double(s.h) * s.w * s.in + double(s.out_h()) * s.out_w() * s.out;
    for (const auto& t : {w.we, w.be, w.wd, w.bd, w.ws1, w.bs1, w.ws2, w.bs2, w.wp, w.bp}) {
      if (t) n += t->num_elements();
    }
    return 4 * n;
  }
};

std::vector<std::unique_ptr<Block>>& Blocks() {
  static std::vector<std::unique_ptr<Block>> blocks;
  return blocks;
}

void BM_Block(benchmark::State& st, Block* b, bool fused) {
  const int threads = static_cast<int>(st.range(0));
  b->Verify();
  Session* s = b->error.empty() ? b->Get(fused, threads) : nullptr;
  if (!b->error.empty() || s == nullptr) {
    st.SkipWithError(b->error.c_str());
    return;
  }
  const std::vector<Tensor> inputs = {b->w.x};
  for (auto _ : st) {
    auto y = s->Run(inputs);
    if (!y.ok()) {
      st.SkipWithError(y.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(y->data());
  }
  const double flops = b->Flops();
  bench::SetPeakCounters(st, flops, b->Bytes());
  const bench::MachinePeak& m = bench::GetMachinePeak();
  if (m.fma_gflops > 0) {  // of threads × the single-core peak
    st.counters["peak%"] = benchmark::Counter(100 * flops * 1e-9 / (threads * m.fma_gflops),
                                              benchmark::Counter::kIsIterationInvariantRate);
  }
}

// The console output, plus the fused ÷ unfused table at the end (medians when aggregated).
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.error_occurred) continue;
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name != "median") continue;
      const std::string& name = r.run_name.function_name;  // BM_x/<block>
      const size_t slash = name.find('/');
      if (slash == std::string::npos) continue;
      const bool fused = name.compare(0, slash, "BM_FusedBlock") == 0;
      Times& cell = times_[{name.substr(slash + 1), r.run_name.args}];
      (fused ? cell.fused_wall : cell.unfused_wall) = r.GetAdjustedRealTime();
      (fused ? cell.fused_cpu : cell.unfused_cpu) = r.GetAdjustedCPUTime();
      if (std::find(order_.begin(), order_.end(), name.substr(slash + 1)) == order_.end()) {
        order_.push_back(name.substr(slash + 1));
      }
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\n%-32s %-10s %10s %10s %7s %10s %10s %7s\n", "block", "threads", "fused",
                "unfused", "wall", "fused", "unfused", "CPU");
    for (const std::string& block : order_) {
      for (const auto& [key, t] : times_) {
        if (key.first != block || t.fused_wall <= 0 || t.unfused_wall <= 0) continue;
        std::printf("%-32s %-10s %10.1f %10.1f %6.2fx %10.1f %10.1f %6.2fx\n", block.c_str(),
                    key.second.c_str(), t.fused_wall, t.unfused_wall, t.unfused_wall / t.fused_wall,
                    t.fused_cpu, t.unfused_cpu, t.unfused_cpu / t.fused_cpu);
      }
    }
    std::printf("(wall and process-CPU times in us; the x columns: unfused / fused)\n");
  }

 private:
  struct Times {
    double fused_wall = 0, unfused_wall = 0, fused_cpu = 0, unfused_cpu = 0;
  };
  std::map<std::pair<std::string, std::string>, Times> times_;
  std::vector<std::string> order_;
};

}  // namespace
}  // namespace finch

int main(int argc, char** argv) {
  using finch::Block;
  for (const finch::bench::BlockSpec& spec : finch::bench::kBlocks) {
    auto b = std::make_unique<Block>();
    b->spec = spec;
    b->w = finch::bench::MakeWeights(spec);
    Block* p = b.get();
    finch::Blocks().push_back(std::move(b));
    for (bool fused : {true, false}) {
      benchmark::RegisterBenchmark(
          ((fused ? "BM_FusedBlock/" : "BM_ThreeKernels/") + std::string(spec.name)).c_str(),
          [p, fused](benchmark::State& st) { finch::BM_Block(st, p, fused); })
          ->ArgName("threads")
          ->Arg(1)
          ->Arg(2)
          ->UseRealTime()
          ->MeasureProcessCPUTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  finch::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
