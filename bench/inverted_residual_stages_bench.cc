// Where the fused inverted-residual block spends its time, stage by stage: a single-thread copy
// of the NHWC fused kernel's loop (runtime/ops/inverted_residual_nhwc.cc, RunImageRows and the
// squeeze-excite tail: the same band height, the same kernels, the same calls) with a clock read
// around each stage, at the block shapes of bench/inverted_residual_blocks.h.
//
//   BM_FusedStages/<block>    the instrumented copy. Counters, µs per block run: expand (the
//                             1×1 GEMM into the band buffer E), memmove (the k − stride rows
//                             kept from the previous band), dw (depthwise into D), se (pool +
//                             FCs + scale of the whole D, SE blocks only), project (the 1×1 GEMM,
//                             + residual), and each as a share of their sum ("expand%", ...).
//   BM_FusedSession/<block>   the real fused kernel through a Session (1 thread), uninstrumented:
//                             what the copy's total should match.
// Before timing, the copy's output is checked against the Session's (they run the same float
// operations, so they must agree to the bit; SkipWithError otherwise). If the kernel changes,
// update the copy (RunCopy below) with it.
//
// Run: build-x/bench/inverted_residual_stages_bench --benchmark_min_time=0.3
//        --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench/inverted_residual_blocks.h"
#include "kernels/dwconv/avx2/dwconv_avx2.h"
#include "kernels/dwconv/dwconv_rows.h"
#include "kernels/gemm/gemm_packed.h"
#include "kernels/se/se_nhwc.h"
#include "runtime/cpu_features.h"
#include "runtime/ops/gemm_driver.h"
#include "runtime/session.h"

namespace finch {
namespace {

using bench::BlockSpec;
using Clock = std::chrono::steady_clock;

enum Stage { kExpand, kMemmove, kDw, kSe, kProject, kNumStages };
constexpr const char* kStageNames[kNumStages] = {"expand", "memmove", "dw", "se", "project"};

int64_t Align(int64_t floats) { return (floats + 15) / 16 * 16; }

// The fused kernel's state for one block (batch 1, no dilation, AVX2 depthwise and SE).
class FusedCopy {
 public:
  explicit FusedCopy(const BlockSpec& s, const bench::Weights& w) : s_(s) {
    const int64_t hidden = s.hidden;
    expand_ = PackedB(s.in, hidden, w.we->data<float>(), 1, s.in);
    expand_bias_.assign(w.be->data<float>(), w.be->data<float>() + hidden);
    d_.batch = 1;
    d_.channels = hidden;
    d_.in_h = s.h;
    d_.in_w = s.w;
    d_.out_h = s.out_h();
    d_.out_w = s.out_w();
    d_.kernel_h = d_.kernel_w = s.k;
    d_.stride_h = d_.stride_w = s.stride;
    d_.pad_top = d_.pad_left = s.k / 2;
    act_ = s.silu ? kernels::Activation{kernels::ActivationKind::kSiLU, 0.f, 0.f}
                  : kernels::Activation{kernels::ActivationKind::kClip, 0.f, 6.f};
    d_.act = act_;
    dw_packed_.resize(kernels::dwconv_nhwc_avx2_packed_size(d_));
    kernels::dwconv_nhwc_avx2_pack(d_, w.wd->data<float>(), w.bd->data<float>(), dw_packed_.data());
    if (s.se_reduced) {
      se_.batch = 1;
      se_.hw = s.out_h() * s.out_w();
      se_.channels = hidden;
      se_.reduced = s.se_reduced;
      se_.act = {kernels::ActivationKind::kSiLU, 0.f, 0.f};
      se_.gate = {kernels::ActivationKind::kSigmoid, 0.f, 0.f};
      se_w_ = {w.ws1->data<float>(), w.bs1->data<float>(), w.ws2->data<float>(),
               w.bs2->data<float>()};
      se_scratch_.resize(Align(kernels::se_nhwc_scratch_size(se_)) + 16);
      d_full_.resize(s.out_h() * s.out_w() * hidden);
    }
    project_ = PackedB(hidden, s.out, w.wp->data<float>(), 1, hidden);
    project_bias_.assign(w.bp->data<float>(), w.bp->data<float>() + s.out);
    // The kernel's band height: E and D within half of L2 (256 KiB when unknown).
    const int64_t l2 = GetCpuFeatures().l2_bytes;
    const int64_t budget = (l2 > 0 ? l2 : 512 * 1024) / 2;
    const int64_t e_row = s.w * hidden * 4, d_row = s.out_w() * hidden * 4;
    band_ = 1;
    while (band_ < s.out_h() &&
           ((band_ * s.stride + s.k) * e_row + (band_ + 1) * d_row) <= budget) {
      ++band_;
    }
    e_.resize(Align(((band_ - 1) * s.stride + s.k) * s.w * hidden) + 16);
    d_buf_.resize(Align(band_ * s.out_w() * hidden) + 16);
  }

  int64_t band() const { return band_; }

  // One block run; adds each stage's nanoseconds to ns[stage].
  void Run(const float* x, float* y, double* ns) {
    const int64_t W = s_.w, hidden = s_.hidden, out_h = s_.out_h(), out_w = s_.out_w();
    const bool se = s_.se_reduced > 0;
    int64_t have0 = 0, have1 = 0;
    kernels::GemmEpilogue ee;
    ee.bias = expand_bias_.data();
    ee.act = act_;
    float* e = e_.data();
    float* d = d_buf_.data();
    auto t = Clock::now();
    auto lap = [&](Stage stage) {
      const auto now = Clock::now();
      ns[stage] += std::chrono::duration<double, std::nano>(now - t).count();
      t = now;
    };
    for (int64_t oy0 = 0; oy0 < out_h; oy0 += band_) {
      const int64_t oy1 = std::min(out_h, oy0 + band_);
      int64_t in0 = 0, in1 = 0;
      const kernels::DwConvParams band = kernels::DwConvRowBand(d_, oy0, oy1, &in0, &in1);
      int64_t first_new = in0;
      if (in0 >= have0 && in0 < have1) {
        std::memmove(e, e + (in0 - have0) * W * hidden, (have1 - in0) * W * hidden * 4);
        first_new = have1;
        lap(kMemmove);
      }
      if (in1 > first_new) {
        kernels::gemm_f32_packed_avx2((in1 - first_new) * W, hidden, s_.in,
                                      x + first_new * W * s_.in, s_.in, expand_.data.data(),
                                      e + (first_new - in0) * W * hidden, hidden, ee, 0, hidden);
        lap(kExpand);
      }
      have0 = in0;
      have1 = in1;
      const int64_t out_off = oy0 * out_w;
      float* dst = se ? d_full_.data() + out_off * hidden : d;
      kernels::dwconv_f32_nhwc_avx2(band, e, dw_packed_.data(), dst, nullptr);
      lap(kDw);
      if (se) continue;
      kernels::GemmEpilogue pe = Epilogue(x);
      if (pe.residual) pe.residual += out_off * s_.in;
      kernels::gemm_f32_packed_avx2((oy1 - oy0) * out_w, s_.out, hidden, d, hidden,
                                    project_.data.data(), y + out_off * s_.out, s_.out, pe, 0,
                                    s_.out);
      lap(kProject);
    }
    if (!se) return;
    kernels::se_nhwc_f32_avx2(se_, d_full_.data(), se_w_[0], se_w_[1], se_w_[2], se_w_[3],
                              d_full_.data(), se_scratch_.data());
    lap(kSe);
    kernels::gemm_f32_packed_avx2(out_h * out_w, s_.out, hidden, d_full_.data(), hidden,
                                  project_.data.data(), y, s_.out, Epilogue(x), 0, s_.out);
    lap(kProject);
  }

 private:
  kernels::GemmEpilogue Epilogue(const float* x) const {
    kernels::GemmEpilogue e;
    e.bias = project_bias_.data();
    if (s_.residual) {
      e.residual = x;
      e.ldr = s_.in;
    }
    return e;
  }

  BlockSpec s_;
  kernels::Activation act_;
  PackedB expand_, project_;
  std::vector<float> expand_bias_, project_bias_, dw_packed_, e_, d_buf_, d_full_, se_scratch_;
  kernels::DwConvParams d_;
  kernels::SqueezeExciteParams se_;
  std::vector<const float*> se_w_;
  int64_t band_ = 1;
};

std::unique_ptr<Session> FusedSession(const BlockSpec& s, const bench::Weights& w,
                                      std::string* error) {
  SessionOptions o;
  o.threads = 1;
  o.optimize = false;
  o.lower = false;
  auto created = Session::Create(bench::FusedGraph(s, w), o);
  if (!created.ok()) {
    *error = created.status().ToString();
    return nullptr;
  }
  return std::move(*created);
}

bool SkipWithoutAvx2(benchmark::State& st) {
  const CpuFeatures& f = GetCpuFeatures();
  if (f.avx2 && f.fma) return false;
  st.SkipWithError("CPU lacks avx2/fma");
  return true;
}

void BM_FusedStages(benchmark::State& st, const BlockSpec& s) {
  if (SkipWithoutAvx2(st)) return;
  const bench::Weights w = bench::MakeWeights(s);
  FusedCopy copy(s, w);
  std::vector<float> y(s.out_h() * s.out_w() * s.out);
  double ns[kNumStages] = {};
  // The copy must compute what the kernel computes.
  std::string error;
  auto session = FusedSession(s, w, &error);
  if (!session) {
    st.SkipWithError(error.c_str());
    return;
  }
  auto ref = session->Run({w.x});
  if (!ref.ok()) {
    st.SkipWithError(ref.status().ToString().c_str());
    return;
  }
  copy.Run(w.x.data<float>(), y.data(), ns);
  if (std::memcmp(y.data(), (*ref)[0].data<float>(), y.size() * sizeof(float)) != 0) {
    st.SkipWithError("the instrumented copy's output differs from the fused kernel's");
    return;
  }
  std::fill(ns, ns + kNumStages, 0.0);
  for (auto _ : st) {
    copy.Run(w.x.data<float>(), y.data(), ns);
    benchmark::DoNotOptimize(y.data());
  }
  double total = 0;
  for (double v : ns) total += v;
  for (int i = 0; i < kNumStages; ++i) {
    if (i == kSe && s.se_reduced == 0) continue;
    st.counters[kStageNames[i]] =
        benchmark::Counter(ns[i] * 1e-3, benchmark::Counter::kAvgIterations);
    st.counters[std::string(kStageNames[i]) + "%"] = 100 * ns[i] / total;
  }
  st.counters["band"] = static_cast<double>(copy.band());
}

void BM_FusedSession(benchmark::State& st, const BlockSpec& s) {
  const bench::Weights w = bench::MakeWeights(s);
  std::string error;
  auto session = FusedSession(s, w, &error);
  if (!session) {
    st.SkipWithError(error.c_str());
    return;
  }
  const std::vector<Tensor> inputs = {w.x};
  for (auto _ : st) {
    auto y = session->Run(inputs);
    benchmark::DoNotOptimize(y.ok());
  }
}

}  // namespace
}  // namespace finch

int main(int argc, char** argv) {
  for (const finch::bench::BlockSpec& s : finch::bench::kBlocks) {
    benchmark::RegisterBenchmark((std::string("BM_FusedStages/") + s.name).c_str(),
                                 [s](benchmark::State& st) { finch::BM_FusedStages(st, s); })
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark((std::string("BM_FusedSession/") + s.name).c_str(),
                                 [s](benchmark::State& st) { finch::BM_FusedSession(st, s); })
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
