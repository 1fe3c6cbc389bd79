// The elementwise and pooling kernels without a benchmark elsewhere, AVX2 against the scalar
// reference, at real layer shapes:
//   unary (kernels/elementwise/avx2/unary_avx2.h vs unary_ref / clip_ref): Relu, Clip (ReLU6),
//     Sigmoid, Tanh, Exp, Erf, HardSwish; silu_f32_avx2 (accurate sigmoid), gelu_f32_avx2 and
//     activation_f32_avx2 with SiLU (the fused kernels' epilogue). SiLU's and the epilogue's
//     reference is ApplyActivation (kernels/common/activation.h) per element; GELU has no
//     reference kernel, so its scalar baseline is x/2·(1 + std::erf(x/√2)), written out here;
//   binary (binary_avx2.h vs binary_ref): Add and Mul of equal shapes, Add of an NHWC tensor and
//     a per-channel [C] vector (a bias);
//   pooling (kernels/pool/pool_nhwc.h): global average 1280×7×7 (MobileNetV2 head) and
//     672×14×14 (EfficientNet-B0 SE input), max 3×3 stride 2 pad 1 at 64×112×112 (ResNet stem).
// Elementwise sizes, H×W×C: 112×112×96 (1.2 M floats, the largest expanded tensor of
// MobileNetV2/EfficientNet-B0: 4.8 MB per operand, beyond L2, so these runs mostly stream from
// L3) and 7×7×1152 (56 K floats, 226 KB, L2-resident).
//
// Counters: items_per_second = elements (unary, binary) or input elements (pooling) per second;
// GB/s and bw% (bench/machine_peak.h) = bytes the kernel must move, every input read once and the
// output written once, float32; cyc/8 (transcendental ops only) = core cycles per 8 values (one
// ymm vector) at the clock the FMA peak was measured at. That clock is derived, not read:
// machine_peak.h's FMA loop runs 12 independent ymm FMA chains, enough to saturate both FMA
// pipes of current x86 cores (Zen 2-4, Haswell and later), each retiring one 8-lane FMA = 16 FLOP
// per cycle, so clock = peak GFLOP/s ÷ 32 FLOP/cycle (printed to stderr). cyc/8 = seconds per
// element × clock × 8. On a core with one 256-bit FMA pipe (Zen 1) the clock is half that and
// cyc/8 is twice too small; under frequency boost it is the clock of an FMA-saturated core.
// GFLOP/s and peak% are left out: these kernels do a handful of mixed ops per element, not FMAs.
// Run: build/bench/elementwise_bench --benchmark_min_time=0.2 [--benchmark_format=json]
// (console or JSON: the CSV reporter aborts when runs carry different counters, and only some
// carry cyc/8; the console prints cyc/8, an inverted rate, with a stray "s" suffix.)
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <vector>

#include "bench/machine_peak.h"
#include "kernels/common/activation.h"
#include "kernels/elementwise/avx2/binary_avx2.h"
#include "kernels/elementwise/avx2/unary_avx2.h"
#include "kernels/elementwise/binary_ref.h"
#include "kernels/elementwise/broadcast.h"
#include "kernels/elementwise/unary_ref.h"
#include "kernels/pool/pool_nhwc.h"
#include "runtime/cpu_features.h"

namespace finch::kernels {
namespace {

// 64-byte aligned float buffer (cache-line aligned, as the runtime's arena hands them out).
struct Buffer {
  std::unique_ptr<float, decltype(&std::free)> p{nullptr, &std::free};
  explicit Buffer(int64_t n) {
    const size_t bytes = ((static_cast<size_t>(n) * sizeof(float) + 63) / 64) * 64;
    p.reset(static_cast<float*>(std::aligned_alloc(64, bytes > 0 ? bytes : 64)));
  }
  float* get() const { return p.get(); }
};

Buffer Random(int64_t n, uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  Buffer b(n);
  for (int64_t i = 0; i < n; ++i) b.get()[i] = d(rng);
  return b;
}

bool SkipWithoutAvx2(benchmark::State& st) {
  const CpuFeatures& f = GetCpuFeatures();
  if (f.avx2 && f.fma) return false;
  st.SkipWithError("CPU lacks avx2/fma");
  return true;
}

// GB/s and bw% from machine_peak.h; its FLOP counters do not apply here.
void SetBytes(benchmark::State& st, double bytes) {
  bench::SetPeakCounters(st, 0, bytes);
  st.counters.erase("GFLOP/s");
  st.counters.erase("peak%");
}

// Clock (Hz) of an FMA-saturated core: measured FMA peak ÷ 32 FLOP/cycle (2 pipes × 8 lanes ×
// 2 FLOP); 0 without AVX2/FMA.
double DerivedClockHz() {
  static const double hz = [] {
    const double h = bench::GetMachinePeak().fma_gflops * 1e9 / 32;
    if (h > 0)
      std::fprintf(stderr, "derived clock (FMA peak / 32 FLOP/cycle): %.2f GHz\n", h * 1e-9);
    return h;
  }();
  return hz;
}

// cyc/8 = (time per iteration ÷ (n/8)) × clock: an inverted iteration-invariant rate of
// n/8 ÷ clock per iteration gives exactly that.
void SetCyclesPer8(benchmark::State& st, int64_t n) {
  const double hz = DerivedClockHz();
  if (hz <= 0 || n <= 0) return;
  st.counters["cyc/8"] = benchmark::Counter(
      n / 8.0 / hz, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// ---------------------------------------------------------------------------------------------
// Unary

enum class Fn {
  kRelu,
  kClip,
  kSigmoid,
  kTanh,
  kExp,
  kErf,
  kHardSwish,
  kSiLU,
  kGelu,
  kEpilogueSiLU
};

constexpr bool IsTranscendental(Fn f) {
  return f == Fn::kSigmoid || f == Fn::kTanh || f == Fn::kExp || f == Fn::kErf || f == Fn::kSiLU ||
         f == Fn::kGelu || f == Fn::kEpilogueSiLU;
}

UnaryOp ToUnaryOp(Fn f) {
  switch (f) {
    case Fn::kRelu:
      return UnaryOp::kRelu;
    case Fn::kSigmoid:
      return UnaryOp::kSigmoid;
    case Fn::kTanh:
      return UnaryOp::kTanh;
    case Fn::kExp:
      return UnaryOp::kExp;
    case Fn::kErf:
      return UnaryOp::kErf;
    case Fn::kHardSwish:
      return UnaryOp::kHardSwish;
    default:
      return UnaryOp::kRelu;
  }
}

// The scalar baseline of GELU (no reference kernel exists): the exact form, in float.
void GeluScalar(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = 0.5f * x[i] * (1.f + std::erf(x[i] * 0.70710678f));
}

void SiLUScalar(const float* x, float* y, int64_t n) {
  const Activation a{ActivationKind::kSiLU, 0, 0};
  for (int64_t i = 0; i < n; ++i) y[i] = ApplyActivation(a, x[i]);
}

// Returns false when the kernel does not implement `f`.
bool RunUnary(Fn f, bool avx2, const float* x, float* y, int64_t n) {
  const UnaryParams p;
  switch (f) {
    case Fn::kClip:
      (avx2 ? clip_f32_avx2 : clip_ref<float>)(x, y, n, 0.f, 6.f);
      return true;
    case Fn::kSiLU:
      (avx2 ? silu_f32_avx2 : SiLUScalar)(x, y, n);
      return true;
    case Fn::kGelu:
      (avx2 ? gelu_f32_avx2 : GeluScalar)(x, y, n);
      return true;
    case Fn::kEpilogueSiLU:
      if (avx2) {
        activation_f32_avx2({ActivationKind::kSiLU, 0, 0}, x, y, n);
      } else {
        SiLUScalar(x, y, n);
      }
      return true;
    default:
      return avx2 ? unary_f32_avx2(ToUnaryOp(f), p, x, y, n)
                  : unary_ref<float>(ToUnaryOp(f), p, x, y, n);
  }
}

template <Fn kFn, bool kAvx2>
void BM_unary(benchmark::State& st) {
  if (kAvx2 && SkipWithoutAvx2(st)) return;
  const int64_t n = st.range(0) * st.range(1) * st.range(2);
  // [−6, 6] covers the inputs activations see and keeps Exp finite.
  const Buffer x = Random(n, 1, -6.f, 6.f);
  Buffer y(n);
  if (!RunUnary(kFn, kAvx2, x.get(), y.get(), n)) {
    st.SkipWithError("op not implemented by this kernel");
    return;
  }
  for (auto _ : st) {
    RunUnary(kFn, kAvx2, x.get(), y.get(), n);
    benchmark::DoNotOptimize(y.get());
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * n);
  SetBytes(st, 8.0 * n);
  if (IsTranscendental(kFn)) SetCyclesPer8(st, n);
}

// H, W, C of the elementwise tensors.
void Sizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"H", "W", "C"});
  b->Args({112, 112, 96});
  b->Args({7, 7, 1152});
}

#define FINCH_UNARY_BENCH(fn, name)                                          \
  BENCHMARK(BM_unary<Fn::fn, false>)->Name("BM_" name "_ref")->Apply(Sizes); \
  BENCHMARK(BM_unary<Fn::fn, true>)->Name("BM_" name "_avx2")->Apply(Sizes)

FINCH_UNARY_BENCH(kRelu, "relu");
FINCH_UNARY_BENCH(kClip, "clip06");
FINCH_UNARY_BENCH(kHardSwish, "hardswish");
FINCH_UNARY_BENCH(kSigmoid, "sigmoid");
FINCH_UNARY_BENCH(kTanh, "tanh");
FINCH_UNARY_BENCH(kExp, "exp");
FINCH_UNARY_BENCH(kErf, "erf");
FINCH_UNARY_BENCH(kSiLU, "silu");
FINCH_UNARY_BENCH(kEpilogueSiLU, "epilogue_silu");
FINCH_UNARY_BENCH(kGelu, "gelu");

#undef FINCH_UNARY_BENCH

// ---------------------------------------------------------------------------------------------
// Binary

// kPerChannel: [1, H, W, C] op [C] (an NHWC bias); else two [1, H, W, C].
template <BinaryOp kOp, bool kPerChannel, bool kAvx2>
void BM_binary(benchmark::State& st) {
  if (kAvx2 && SkipWithoutAvx2(st)) return;
  const int64_t H = st.range(0), W = st.range(1), C = st.range(2), n = H * W * C;
  const std::vector<int64_t> a_shape = {1, H, W, C};
  const std::vector<int64_t> b_shape = kPerChannel ? std::vector<int64_t>{C} : a_shape;
  const int64_t nb = kPerChannel ? C : n;
  BroadcastSpace s;
  if (!MakeBroadcastSpace({a_shape, b_shape}, a_shape, &s)) {
    st.SkipWithError("MakeBroadcastSpace failed");
    return;
  }
  const Buffer a = Random(n, 2, -1.f, 1.f), b = Random(nb, 3, -1.f, 1.f);
  Buffer y(n);
  for (auto _ : st) {
    if (kAvx2) {
      binary_f32_avx2(kOp, s, a.get(), b.get(), y.get(), 0, n);
    } else {
      binary_ref<float>(kOp, s, a.get(), b.get(), y.get(), 0, n);
    }
    benchmark::DoNotOptimize(y.get());
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * n);
  SetBytes(st, 4.0 * (2 * n + nb));
}

#define FINCH_BINARY_BENCH(op, per_channel, name)                                                \
  BENCHMARK(BM_binary<BinaryOp::op, per_channel, false>)->Name("BM_" name "_ref")->Apply(Sizes); \
  BENCHMARK(BM_binary<BinaryOp::op, per_channel, true>)->Name("BM_" name "_avx2")->Apply(Sizes)

FINCH_BINARY_BENCH(kAdd, false, "add");
FINCH_BINARY_BENCH(kMul, false, "mul");
FINCH_BINARY_BENCH(kAdd, true, "add_per_channel");

#undef FINCH_BINARY_BENCH

// ---------------------------------------------------------------------------------------------
// Pooling (NHWC, N = 1)

template <bool kAvx2>
void BM_global_avgpool_nhwc(benchmark::State& st) {
  if (kAvx2 && SkipWithoutAvx2(st)) return;
  const int64_t C = st.range(0), HW = st.range(1) * st.range(2);
  const Buffer x = Random(C * HW, 4, -1.f, 1.f);
  Buffer y(C);
  for (auto _ : st) {
    (kAvx2 ? global_avgpool_nhwc_f32_avx2 : global_avgpool_nhwc_f32_ref)(1, HW, C, x.get(),
                                                                         y.get());
    benchmark::DoNotOptimize(y.get());
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * C * HW);
  SetBytes(st, 4.0 * (C * HW + C));
}

// Max pooling, square kernel k, stride s, symmetric pad (floor mode).
template <bool kAvx2>
void BM_maxpool_nhwc(benchmark::State& st) {
  if (kAvx2 && SkipWithoutAvx2(st)) return;
  const int64_t C = st.range(0), H = st.range(1), W = st.range(2), k = st.range(3), s = st.range(4),
                pad = st.range(5);
  PoolParams p;
  p.spatial = 2;
  const int64_t in[2] = {H, W};
  for (int d = 0; d < 2; ++d) {
    p.in[d] = in[d];
    p.kernel[d] = k;
    p.stride[d] = s;
    p.pad_begin[d] = p.pad_end[d] = pad;
    p.out[d] = (in[d] + 2 * pad - k) / s + 1;
  }
  const int64_t in_n = C * H * W, out_n = C * p.out[0] * p.out[1];
  const Buffer x = Random(in_n, 5, -1.f, 1.f);
  Buffer y(out_n);
  for (auto _ : st) {
    (kAvx2 ? maxpool_nhwc_f32_avx2 : maxpool_nhwc_f32_ref)(p, 1, C, x.get(), y.get());
    benchmark::DoNotOptimize(y.get());
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * in_n);
  SetBytes(st, 4.0 * (in_n + out_n));
}

void GlobalPoolShapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"C", "H", "W"});
  b->Args({1280, 7, 7});
  b->Args({672, 14, 14});
}

void MaxPoolShapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"C", "H", "W", "k", "s", "pad"});
  b->Args({64, 112, 112, 3, 2, 1});
}

BENCHMARK(BM_global_avgpool_nhwc<false>)
    ->Name("BM_global_avgpool_nhwc_ref")
    ->Apply(GlobalPoolShapes);
BENCHMARK(BM_global_avgpool_nhwc<true>)
    ->Name("BM_global_avgpool_nhwc_avx2")
    ->Apply(GlobalPoolShapes);
BENCHMARK(BM_maxpool_nhwc<false>)->Name("BM_maxpool_nhwc_ref")->Apply(MaxPoolShapes);
BENCHMARK(BM_maxpool_nhwc<true>)->Name("BM_maxpool_nhwc_avx2")->Apply(MaxPoolShapes);

}  // namespace
}  // namespace finch::kernels

BENCHMARK_MAIN();
