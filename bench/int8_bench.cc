// The exact int8 kernels (kernels/int8/) against their fp32 counterparts at MobileNetV2's shapes:
// the quantized packed GEMM (int16 vpmaddwd, and VNNI vpdpbusd where the CPU has it) vs the fp32
// packed GEMM at every pointwise shape, and the int8 NHWC depthwise 3×3 (AVX2, and VNNI) vs the
// fp32 NHWC depthwise at every depthwise shape (224²). The int8 kernels run the QLinearConv
// epilogue: uint8 activations (zero point 3), int8 weights (per-channel zero points for the
// AVX2 kernels, 0 for the VNNI ones: their packing's condition), int32 bias, per-channel
// multipliers, uint8 output clamped as a fused ReLU6. The fp32 kernels run bias + ReLU6. The
// VNNI GEMM is called on blocks of 96 rows, as runtime/ops/qlinear_conv_nhwc.cc calls it.
//
// Counters: GOP/s (2 ops per multiply-add, for int8 and fp32 alike); on the int8 rows
// "int8peak%" = 100 · GOP/s ÷ the single-core int8 peak of the AVX2 idiom (vpmaddubsw +
// vpmaddwd: vpmaddwd-based kernels share that roof, kernels/int8/int8.h) — the VNNI kernels
// exceed 100% of it (vpdpbusd's roof is about twice as high); on the fp32 rows "peak%" of the
// single-core FMA peak. The ratio that matters is int8 time ÷ fp32 time at the same shape (same
// MACs).
// Run: build/bench/int8_bench --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <vector>

#include "bench/machine_peak.h"
#include "kernels/dwconv/avx2/dwconv_avx2.h"
#include "kernels/gemm/gemm_packed.h"
#include "kernels/int8/qdwconv.h"
#include "kernels/int8/qgemm.h"
#include "kernels/int8/qgemm_vnni.h"
#include "kernels/machine/peak.h"
#include "runtime/cpu_features.h"

namespace finch::kernels {
namespace {

double Int8PeakGops() {
  static const double peak = [] {
    const CpuFeatures& f = GetCpuFeatures();
    const double p = measure_int8_peak_gops(0.5, f.avx2);
    std::fprintf(stderr, "single-core int8 peak (vpmaddubsw + vpmaddwd) %.1f GOP/s\n", p);
    return p;
  }();
  return peak;
}

void SetOpsCounters(benchmark::State& st, double ops_per_iter, bool int8) {
  using benchmark::Counter;
  st.counters["GOP/s"] = Counter(ops_per_iter * 1e-9, Counter::kIsIterationInvariantRate);
  const double peak = int8 ? Int8PeakGops() : bench::GetMachinePeak().fma_gflops;
  if (peak > 0) {
    st.counters[int8 ? "int8peak%" : "peak%"] =
        Counter(100 * ops_per_iter * 1e-9 / peak, Counter::kIsIterationInvariantRate);
  }
}

bool SkipWithoutAvx2(benchmark::State& st) {
  const CpuFeatures& f = GetCpuFeatures();
  if (f.avx2 && f.fma) return false;
  st.SkipWithError("CPU lacks avx2/fma");
  return true;
}

// ReLU6 on an output scale of 0.05 with zero point 3: [3, 123].
QuantEpilogue Relu6Epilogue(const std::vector<float>& mult, const std::vector<int32_t>& bias) {
  QuantEpilogue e = QuantEpilogue::Quantized(QType::kUint8, mult.data(), true, 3, bias.data());
  QuantizedClampRange(0.f, 6.f, 0.05f, 3, QType::kUint8, &e.qmin, &e.qmax);
  return e;
}

void BM_qgemm_avx2(benchmark::State& st) {
  if (SkipWithoutAvx2(st)) return;
  const int64_t M = st.range(0), K = st.range(1), N = st.range(2);
  std::mt19937 rng(1);
  std::vector<uint8_t> a(M * K), c(M * N);
  std::vector<int8_t> w(N * K);
  std::vector<int32_t> zp(N), bias(N);
  std::vector<float> mult(N);
  for (auto& v : a) v = static_cast<uint8_t>(rng());
  for (auto& v : w) v = static_cast<int8_t>(rng());
  for (int64_t n = 0; n < N; ++n) {
    zp[n] = static_cast<int32_t>(rng() % 7) - 3;
    bias[n] = static_cast<int32_t>(rng() % 20001) - 10000;
    mult[n] = 1e-4f * static_cast<float>(1 + rng() % 10);
  }
  std::vector<int16_t> packed(qgemm_packed_b_size(K, N));
  qgemm_pack_b(K, N, {w.data(), QType::kInt8, zp.data(), true}, 1, K, packed.data());
  std::vector<int16_t> scratch(qgemm_scratch_bytes(K) / 2 + 1);
  const QGemmA qa{a.data(), K, QType::kUint8, 3};
  const QuantEpilogue e = Relu6Epilogue(mult, bias);
  for (auto _ : st) {
    qgemm_packed_avx2(M, N, K, qa, packed.data(), c.data(), N, e, 0, N, scratch.data());
    benchmark::DoNotOptimize(c.data());
  }
  SetOpsCounters(st, 2.0 * M * N * K, true);
}

// The VNNI QGEMM at the same shapes, on symmetric int8 weights (zero point 0, as quantizers
// write them: the condition of its packing).
void BM_qgemm_vnni(benchmark::State& st) {
  const CpuFeatures& f = GetCpuFeatures();
  if (!(f.avx2 && f.fma && f.avx512vl && f.avx512bw && f.avx512_vnni)) {
    st.SkipWithError("CPU lacks avx512vl/bw/vnni");
    return;
  }
  const int64_t M = st.range(0), K = st.range(1), N = st.range(2);
  std::mt19937 rng(1);
  std::vector<uint8_t> a(M * K), c(M * N);
  std::vector<int8_t> w(N * K);
  std::vector<int32_t> bias(N);
  std::vector<float> mult(N);
  for (auto& v : a) v = static_cast<uint8_t>(rng());
  for (auto& v : w) v = static_cast<int8_t>(rng());
  for (int64_t n = 0; n < N; ++n) {
    bias[n] = static_cast<int32_t>(rng() % 20001) - 10000;
    mult[n] = 1e-4f * static_cast<float>(1 + rng() % 10);
  }
  std::vector<uint8_t> packed(qgemm_vnni_packed_b_bytes(K, N));
  qgemm_vnni_pack_b(K, N, {w.data(), QType::kInt8, nullptr, false}, 1, K, packed.data());
  const QuantEpilogue e = Relu6Epilogue(mult, bias);
  for (auto _ : st) {
    // In row blocks of 96, as runtime/ops/qlinear_conv_nhwc.cc calls it.
    for (int64_t m0 = 0; m0 < M; m0 += 96) {
      const QGemmA part{a.data() + m0 * K, K, QType::kUint8, 3};
      qgemm_packed_vnni(std::min<int64_t>(96, M - m0), N, K, part, packed.data(), c.data() + m0 * N,
                        N, e, 0, N);
    }
    benchmark::DoNotOptimize(c.data());
  }
  SetOpsCounters(st, 2.0 * M * N * K, true);
}

void BM_gemm_f32_avx2(benchmark::State& st) {
  if (SkipWithoutAvx2(st)) return;
  const int64_t M = st.range(0), K = st.range(1), N = st.range(2);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  std::vector<float> a(M * K), b(K * N), bias(N), c(M * N);
  for (float& v : a) v = d(rng);
  for (float& v : b) v = d(rng);
  for (float& v : bias) v = d(rng);
  std::vector<float> packed(gemm_packed_b_size(K, N));
  gemm_pack_b(K, N, b.data(), N, 1, packed.data());
  GemmEpilogue e;
  e.bias = bias.data();
  e.act = {ActivationKind::kClip, 0.f, 6.f};
  for (auto _ : st) {
    gemm_f32_packed_avx2(M, N, K, a.data(), K, packed.data(), c.data(), N, e, 0, N);
    benchmark::DoNotOptimize(c.data());
  }
  SetOpsCounters(st, 2.0 * M * N * K, false);
}

// {C, H, W, stride} of a 3×3 depthwise with pads 1.
DwConvParams DwShape(const benchmark::State& st) {
  DwConvParams p;
  p.channels = st.range(0);
  p.in_h = st.range(1);
  p.in_w = st.range(2);
  p.kernel_h = p.kernel_w = 3;
  p.stride_h = p.stride_w = st.range(3);
  p.pad_top = p.pad_left = 1;
  p.out_h = DwConvOutSize(p.in_h, 3, p.stride_h, 1, 1);
  p.out_w = DwConvOutSize(p.in_w, 3, p.stride_w, 1, 1);
  return p;
}

void BM_qdwconv_nhwc_avx2(benchmark::State& st) {
  if (SkipWithoutAvx2(st)) return;
  QDwConvParams p;
  p.conv = DwShape(st);
  p.x_type = QType::kUint8;
  p.x_zero_point = 3;
  const int64_t C = p.conv.channels;
  std::mt19937 rng(1);
  std::vector<uint8_t> x(C * p.conv.in_h * p.conv.in_w), y(C * p.conv.out_h * p.conv.out_w);
  std::vector<int8_t> w(C * 9);
  std::vector<int32_t> zp(C), bias(C);
  std::vector<float> mult(C);
  for (auto& v : x) v = static_cast<uint8_t>(rng());
  for (auto& v : w) v = static_cast<int8_t>(rng());
  for (int64_t c = 0; c < C; ++c) {
    zp[c] = static_cast<int32_t>(rng() % 7) - 3;
    bias[c] = static_cast<int32_t>(rng() % 20001) - 10000;
    mult[c] = 1e-3f * static_cast<float>(1 + rng() % 10);
  }
  std::vector<int16_t> packed(qdwconv_nhwc_avx2_packed_size(p.conv));
  qdwconv_nhwc_avx2_pack(p.conv, {w.data(), QType::kInt8, zp.data(), true}, packed.data());
  const QuantEpilogue e = Relu6Epilogue(mult, bias);
  for (auto _ : st) {
    qdwconv_nhwc_avx2(p, x.data(), packed.data(), y.data(), e, 0, p.conv.out_h);
    benchmark::DoNotOptimize(y.data());
  }
  SetOpsCounters(st, 2.0 * C * p.conv.out_h * p.conv.out_w * 9, true);
}

// The VNNI depthwise kernel at the same shapes, on symmetric int8 weights.
void BM_qdwconv_nhwc_vnni(benchmark::State& st) {
  const CpuFeatures& f = GetCpuFeatures();
  if (!(f.avx2 && f.fma && f.avx512vl && f.avx512bw && f.avx512_vnni)) {
    st.SkipWithError("CPU lacks avx512vl/bw/vnni");
    return;
  }
  QDwConvParams p;
  p.conv = DwShape(st);
  p.x_type = QType::kUint8;
  p.x_zero_point = 3;
  const int64_t C = p.conv.channels;
  std::mt19937 rng(1);
  std::vector<uint8_t> x(C * p.conv.in_h * p.conv.in_w), y(C * p.conv.out_h * p.conv.out_w);
  std::vector<int8_t> w(C * 9);
  std::vector<int32_t> bias(C);
  std::vector<float> mult(C);
  for (auto& v : x) v = static_cast<uint8_t>(rng());
  for (auto& v : w) v = static_cast<int8_t>(rng());
  for (int64_t c = 0; c < C; ++c) {
    bias[c] = static_cast<int32_t>(rng() % 20001) - 10000;
    mult[c] = 1e-3f * static_cast<float>(1 + rng() % 10);
  }
  std::vector<uint8_t> packed(qdwconv_nhwc_vnni_packed_bytes(p.conv));
  qdwconv_nhwc_vnni_pack(p.conv, {w.data(), QType::kInt8, nullptr, false}, packed.data());
  const QuantEpilogue e = Relu6Epilogue(mult, bias);
  for (auto _ : st) {
    qdwconv_nhwc_vnni(p, x.data(), packed.data(), y.data(), e, 0, p.conv.out_h);
    benchmark::DoNotOptimize(y.data());
  }
  SetOpsCounters(st, 2.0 * C * p.conv.out_h * p.conv.out_w * 9, true);
}

void BM_dwconv_f32_nhwc_avx2(benchmark::State& st) {
  if (SkipWithoutAvx2(st)) return;
  DwConvParams p = DwShape(st);
  p.act = {ActivationKind::kClip, 0.f, 6.f};
  const int64_t C = p.channels;
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  std::vector<float> x(C * p.in_h * p.in_w), w(C * 9), b(C), y(C * p.out_h * p.out_w);
  for (float& v : x) v = d(rng);
  for (float& v : w) v = d(rng);
  for (float& v : b) v = d(rng);
  std::vector<float> packed(dwconv_nhwc_avx2_packed_size(p));
  dwconv_nhwc_avx2_pack(p, w.data(), b.data(), packed.data());
  for (auto _ : st) {
    dwconv_f32_nhwc_avx2(p, x.data(), packed.data(), y.data(), nullptr);
    benchmark::DoNotOptimize(y.data());
  }
  SetOpsCounters(st, 2.0 * C * p.out_h * p.out_w * 9, false);
}

// {M, K, N}: every distinct pointwise shape of MobileNetV2 224², in network order.
const std::vector<std::vector<int64_t>> kPointwise = {
    {12544, 32, 16},                                   // block 1 project (t = 1)
    {12544, 16, 96}, {3136, 96, 24},                   // 24: expand, project
    {3136, 24, 144}, {3136, 144, 24},                  //     repeat
    {784, 144, 32},  {784, 32, 192},  {784, 192, 32},  // 32
    {196, 192, 64},  {196, 64, 384},  {196, 384, 64},  // 64
    {196, 384, 96},  {196, 96, 576},  {196, 576, 96},  // 96
    {49, 576, 160},  {49, 160, 960},  {49, 960, 160},  // 160
    {49, 960, 320},                                    // 320
    {49, 320, 1280},                                   // head
};

// {C, H, W, stride}: every depthwise 3×3 shape of MobileNetV2 224².
const std::vector<std::vector<int64_t>> kDepthwise = {
    {32, 112, 112, 1}, {96, 112, 112, 2}, {144, 56, 56, 1}, {144, 56, 56, 2}, {192, 28, 28, 1},
    {192, 28, 28, 2},  {384, 14, 14, 1},  {576, 14, 14, 1}, {576, 14, 14, 2}, {960, 7, 7, 1},
};

void Pointwise(benchmark::internal::Benchmark* b) {
  b->ArgNames({"M", "K", "N"});
  for (const auto& s : kPointwise) b->Args(s);
}
void Depthwise(benchmark::internal::Benchmark* b) {
  b->ArgNames({"C", "H", "W", "s"});
  for (const auto& s : kDepthwise) b->Args(s);
}

BENCHMARK(BM_qgemm_avx2)->Apply(Pointwise);
BENCHMARK(BM_qgemm_vnni)->Apply(Pointwise);
BENCHMARK(BM_gemm_f32_avx2)->Apply(Pointwise);
BENCHMARK(BM_qdwconv_nhwc_avx2)->Apply(Depthwise);
BENCHMARK(BM_qdwconv_nhwc_vnni)->Apply(Depthwise);
BENCHMARK(BM_dwconv_f32_nhwc_avx2)->Apply(Depthwise);

}  // namespace
}  // namespace finch::kernels

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  finch::bench::GetMachinePeak();  // measured before any benchmark, printed once
  finch::kernels::Int8PeakGops();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
