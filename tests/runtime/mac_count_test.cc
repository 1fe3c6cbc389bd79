// The multiply-add counter (kernels/common/mac_counter.h): each counting kernel against a count
// made here by brute force (every output, every tap), over sweeps of odd sizes, pads, strides and
// column ranges; then whole counted runs (RunOptions::count_macs) of the zoo MobileNetV2 checked
// step by step against the cost model (tests/runtime/mac_count_check.h), fused and unfused,
// channels-last and NCHW, on one and two threads. The Session* suites also run on the scalar
// path (the unit_scalar test: FINCH_DISABLE_ISA=avx2), where other kernels count.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "graph/zoo/mobilenetv2.h"
#include "kernels/common/mac_counter.h"
#include "kernels/conv/conv_nhwc.h"
#include "kernels/conv/conv_ref.h"
#include "kernels/conv/conv_transpose_ref.h"
#include "kernels/dwconv/avx2/dwconv_avx2.h"
#include "kernels/dwconv/dwconv_ref.h"
#include "kernels/gemm/gemm_packed.h"
#include "kernels/gemm/gemm_ref.h"
#include "kernels/onednn/conv_onednn.h"
#include "kernels/se/se_nhwc.h"
#include "runtime/cpu_features.h"
#include "tests/runtime/mac_count_check.h"

namespace finch {
namespace {

using kernels::MacCount;
using kernels::MacCounter;

bool HaveAvx2() { return GetCpuFeatures().avx2 && GetCpuFeatures().fma; }

// What `fn` added to the counter, counting switched on around it.
MacCount Counted(const std::function<void()>& fn) {
  MacCounter::SetEnabled(true);
  const MacCount before = MacCounter::Read();
  fn();
  const MacCount after = MacCounter::Read();
  MacCounter::SetEnabled(false);
  return {after.executed - before.executed, after.padding - before.padding};
}

TEST(MacCounterKernels, NothingIsCountedWhenOff) {
  const std::vector<float> a(6 * 5, 1.f), b(5 * 7, 1.f);
  std::vector<float> c(6 * 7);
  kernels::GemmParams p;
  p.m = 6, p.n = 7, p.k = 5, p.lda = 5, p.ldb = 7, p.ldc = 7;
  const MacCount before = MacCounter::Read();
  kernels::gemm_f32_ref(p, a.data(), b.data(), c.data());
  EXPECT_EQ(MacCounter::Read().executed, before.executed);
  EXPECT_EQ(Counted([&] { kernels::gemm_f32_ref(p, a.data(), b.data(), c.data()); }).executed,
            6 * 7 * 5);
}

// The packed GEMM over any rows × column range: M · (n_end − n_begin) · K, whatever tiles (6×16,
// 12×8, row tails, the single-row panels) cover it; the panel's zero columns are not counted.
TEST(MacCounterKernels, PackedGemmCountsRowsTimesLiveColumnsTimesK) {
  for (const bool avx2 : {false, true}) {
    if (avx2 && !HaveAvx2()) continue;
    auto* fn = avx2 ? kernels::gemm_f32_packed_avx2 : kernels::gemm_f32_packed_ref;
    for (int64_t M : {1, 2, 5, 6, 7, 12, 13, 25}) {
      for (int64_t N : {1, 8, 15, 16, 17, 24, 33}) {
        for (int64_t K : {1, 3, 16}) {
          const std::vector<float> a(M * K, 1.f), b(K * N, 1.f);
          std::vector<float> packed(kernels::gemm_packed_b_size(K, N)), c(M * N);
          kernels::gemm_pack_b(K, N, b.data(), N, 1, packed.data());
          const kernels::GemmEpilogue e;
          for (const int64_t n_begin : {int64_t{0}, int64_t{16}}) {
            if (n_begin >= N) continue;
            const MacCount got = Counted(
                [&] { fn(M, N, K, a.data(), K, packed.data(), c.data(), N, e, n_begin, N); });
            EXPECT_EQ(got.executed, M * (N - n_begin) * K)
                << (avx2 ? "avx2" : "ref") << " M " << M << " N " << N << " K " << K << " n_begin "
                << n_begin;
            EXPECT_EQ(got.padding, 0);
          }
        }
      }
    }
  }
}

// Depthwise: executed = Σ over outputs of the taps inside the image (those the kernels run),
// padding = the rest; the NCHW AVX2 kernel runs every tap on its zero-padded copy.
TEST(MacCounterKernels, DepthwiseCountsValidTapsAndSkippedPadding) {
  int cases = 0;
  for (int64_t k : {3, 5}) {
    for (int64_t s : {1, 2}) {
      for (int64_t h : {1, 2, 7, 9}) {
        for (int64_t w : {1, 3, 8, 17}) {
          for (int64_t pad : {0, 1, 2}) {
            kernels::DwConvParams p;
            p.batch = 2;
            p.channels = 11;
            p.in_h = h;
            p.in_w = w;
            p.kernel_h = p.kernel_w = k;
            p.stride_h = p.stride_w = s;
            p.pad_top = p.pad_left = pad;
            p.out_h = kernels::DwConvOutSize(h, k, s, pad, pad);
            p.out_w = kernels::DwConvOutSize(w, k, s, pad, pad);
            if (p.out_h < 1 || p.out_w < 1) continue;
            ++cases;
            // Brute force: every output, every tap.
            int64_t valid = 0;
            for (int64_t oy = 0; oy < p.out_h; ++oy) {
              for (int64_t ox = 0; ox < p.out_w; ++ox) {
                for (int64_t ky = 0; ky < k; ++ky) {
                  for (int64_t kx = 0; kx < k; ++kx) {
                    const int64_t iy = oy * s - pad + ky, ix = ox * s - pad + kx;
                    if (iy >= 0 && iy < h && ix >= 0 && ix < w) ++valid;
                  }
                }
              }
            }
            const int64_t planes = p.batch * p.channels;
            const int64_t all = planes * p.out_h * p.out_w * k * k;
            const MacCount want{planes * valid, all - planes * valid};
            const std::vector<float> x(p.batch * p.channels * h * w, 1.f);
            const std::vector<float> wt(p.channels * k * k, 1.f);
            std::vector<float> y(p.batch * p.channels * p.out_h * p.out_w);
            const std::string where = "k " + std::to_string(k) + " s " + std::to_string(s) + " " +
                                      std::to_string(h) + "x" + std::to_string(w) + " pad " +
                                      std::to_string(pad);
            for (auto* ref : {kernels::dwconv_f32_nhwc_ref, kernels::dwconv_f32_nchw_ref}) {
              const MacCount got = Counted([&] { ref(p, x.data(), wt.data(), nullptr, y.data()); });
              EXPECT_EQ(got.executed, want.executed) << "ref " << where;
              EXPECT_EQ(got.padding, want.padding) << "ref " << where;
            }
            if (!HaveAvx2() || !kernels::dwconv_avx2_applies(p)) continue;
            std::vector<float> packed(kernels::dwconv_nhwc_avx2_packed_size(p));
            kernels::dwconv_nhwc_avx2_pack(p, wt.data(), nullptr, packed.data());
            MacCount got = Counted([&] {
              kernels::dwconv_f32_nhwc_avx2(p, x.data(), packed.data(), y.data(), nullptr);
            });
            EXPECT_EQ(got.executed, want.executed) << "nhwc avx2 " << where;
            EXPECT_EQ(got.padding, want.padding) << "nhwc avx2 " << where;
            packed.resize(kernels::dwconv_nchw_avx2_packed_size(p));
            kernels::dwconv_nchw_avx2_pack(p, wt.data(), nullptr, packed.data());
            std::vector<float> scratch(kernels::dwconv_nchw_avx2_scratch_size(p));
            got = Counted([&] {
              kernels::dwconv_f32_nchw_avx2(p, x.data(), packed.data(), y.data(), scratch.data());
            });
            EXPECT_EQ(got.executed, all) << "nchw avx2 " << where;
            EXPECT_EQ(got.padding, 0) << "nchw avx2 " << where;
          }
        }
      }
    }
  }
  EXPECT_GT(cases, 100);
}

// The direct convolutions (NCHW and NHWC references): grouped, strided, dilated, padded.
TEST(MacCounterKernels, DirectConvolutionsCountValidTapsAndSkippedPadding) {
  struct Case {
    int64_t n, cin, cout, group, h, w, kh, kw, s, d, pad;
  };
  const Case cases[] = {{1, 3, 8, 1, 9, 7, 3, 3, 2, 1, 1},
                        {2, 4, 6, 2, 5, 5, 3, 1, 1, 2, 2},
                        {1, 6, 6, 6, 11, 4, 5, 5, 1, 1, 2},
                        {1, 2, 3, 1, 1, 1, 3, 3, 1, 1, 1},
                        {1, 5, 5, 1, 8, 8, 1, 1, 1, 1, 0}};
  for (const Case& c : cases) {
    const int64_t oh = (c.h + 2 * c.pad - c.d * (c.kh - 1) - 1) / c.s + 1;
    const int64_t ow = (c.w + 2 * c.pad - c.d * (c.kw - 1) - 1) / c.s + 1;
    int64_t valid = 0;  // per (image, output channel, input channel)
    for (int64_t oy = 0; oy < oh; ++oy) {
      for (int64_t ox = 0; ox < ow; ++ox) {
        for (int64_t ky = 0; ky < c.kh; ++ky) {
          for (int64_t kx = 0; kx < c.kw; ++kx) {
            const int64_t iy = oy * c.s - c.pad + ky * c.d, ix = ox * c.s - c.pad + kx * c.d;
            if (iy >= 0 && iy < c.h && ix >= 0 && ix < c.w) ++valid;
          }
        }
      }
    }
    const int64_t planes = c.n * c.cout * (c.cin / c.group);
    const MacCount want{planes * valid, planes * (oh * ow * c.kh * c.kw - valid)};
    const std::vector<float> x(c.n * c.cin * c.h * c.w, 1.f);
    const std::vector<float> wt(c.cout * (c.cin / c.group) * c.kh * c.kw, 1.f);
    std::vector<float> y(c.n * c.cout * oh * ow);

    kernels::ConvParams p;
    p.batch = c.n, p.in_channels = c.cin, p.out_channels = c.cout, p.groups = c.group;
    p.in[0] = c.h, p.in[1] = c.w, p.out[0] = oh, p.out[1] = ow;
    p.kernel[0] = c.kh, p.kernel[1] = c.kw, p.stride[0] = p.stride[1] = c.s;
    p.dilation[0] = p.dilation[1] = c.d, p.pad_begin[0] = p.pad_begin[1] = c.pad;
    MacCount got =
        Counted([&] { kernels::conv_f32_ref(p, x.data(), wt.data(), nullptr, y.data()); });
    EXPECT_EQ(got.executed, want.executed) << "conv_f32_ref h " << c.h;
    EXPECT_EQ(got.padding, want.padding) << "conv_f32_ref h " << c.h;

    kernels::ConvNhwcParams q;
    q.batch = c.n, q.in_h = c.h, q.in_w = c.w, q.in_c = c.cin, q.out_h = oh, q.out_w = ow;
    q.out_c = c.cout, q.group = c.group, q.kernel_h = c.kh, q.kernel_w = c.kw;
    q.stride_h = q.stride_w = c.s, q.dilation_h = q.dilation_w = c.d;
    q.pad_top = q.pad_left = c.pad;
    got = Counted([&] { kernels::conv_nhwc_f32_ref(q, x.data(), wt.data(), nullptr, y.data()); });
    EXPECT_EQ(got.executed, want.executed) << "conv_nhwc_f32_ref h " << c.h;
    EXPECT_EQ(got.padding, want.padding) << "conv_nhwc_f32_ref h " << c.h;
  }
}

// ConvTranspose: the (input pixel, tap) pairs that land inside the output run, those cropped by
// the pads are skipped; together they are the cost model's N · C_in · in · (C_out/g) · k.
TEST(MacCounterKernels, ConvTransposeCountsHitsAndCroppedPairs) {
  kernels::ConvParams p;
  p.batch = 2, p.in_channels = 4, p.out_channels = 6, p.groups = 2;
  p.in[0] = 5, p.in[1] = 3, p.kernel[0] = 3, p.kernel[1] = 2;
  p.stride[0] = 2, p.stride[1] = 1, p.pad_begin[0] = 1, p.pad_begin[1] = 1;
  // out = (in − 1)·s − pads + k: pads 1 + 1 on H, 1 + 0 on W.
  p.out[0] = (5 - 1) * 2 - 2 + 3, p.out[1] = (3 - 1) * 1 - 1 + 2;
  int64_t hits = 0;  // per (image, output channel, input channel of its group)
  for (int64_t i0 = 0; i0 < p.in[0]; ++i0) {
    for (int64_t i1 = 0; i1 < p.in[1]; ++i1) {
      for (int64_t k0 = 0; k0 < p.kernel[0]; ++k0) {
        for (int64_t k1 = 0; k1 < p.kernel[1]; ++k1) {
          const int64_t o0 = i0 * p.stride[0] - p.pad_begin[0] + k0;
          const int64_t o1 = i1 * p.stride[1] - p.pad_begin[1] + k1;
          if (o0 >= 0 && o0 < p.out[0] && o1 >= 0 && o1 < p.out[1]) ++hits;
        }
      }
    }
  }
  const int64_t planes = p.batch * p.out_channels * (p.in_channels / p.groups);
  const std::vector<float> x(2 * 4 * 5 * 3, 1.f), w(4 * 3 * 3 * 2, 1.f);
  std::vector<float> y(2 * 6 * p.out[0] * p.out[1]);
  const MacCount got =
      Counted([&] { kernels::conv_transpose_f32_ref(p, x.data(), w.data(), nullptr, y.data()); });
  EXPECT_EQ(got.executed, planes * hits);
  EXPECT_EQ(got.executed + got.padding, 2 * 4 * (5 * 3) * (6 / 2) * (3 * 2));
  EXPECT_GT(got.padding, 0);
}

TEST(MacCounterKernels, SqueezeExciteGatesCountBothFullyConnectedLayers) {
  kernels::SqueezeExciteParams p;
  p.batch = 3, p.hw = 5, p.channels = 19, p.reduced = 7;
  const std::vector<float> mean(3 * 19, 0.5f), w1(7 * 19, 0.1f), w2(19 * 7, 0.1f);
  std::vector<float> gates(3 * 19), scratch(kernels::se_nhwc_scratch_size(p));
  std::vector<float> x(3 * 5 * 19, 1.f), y(x.size());
  const int64_t want = 2 * 3 * 19 * 7;
  EXPECT_EQ(Counted([&] {
              kernels::se_nhwc_gates_f32_ref(p, mean.data(), w1.data(), nullptr, w2.data(), nullptr,
                                             gates.data(), scratch.data());
            }).executed,
            want);
  EXPECT_EQ(Counted([&] {
              kernels::se_nhwc_f32_ref(p, x.data(), w1.data(), nullptr, w2.data(), nullptr,
                                       y.data(), scratch.data());
            }).executed,
            want);
  if (!HaveAvx2()) return;
  EXPECT_EQ(Counted([&] {
              kernels::se_nhwc_f32_avx2(p, x.data(), w1.data(), nullptr, w2.data(), nullptr,
                                        y.data(), scratch.data());
            }).executed,
            want);
}

// oneDNN's work is counted as requested: every tap of every output, padding included.
TEST(MacCounterKernels, OneDnnCountsTheConvolutionRequested) {
  if (!kernels::OneDnnConv::Available()) GTEST_SKIP() << "oneDNN unavailable";
  kernels::OneDnnConvParams p;
  p.batch = 1, p.in_c = 8, p.out_c = 8, p.group = 4, p.in_h = 9, p.in_w = 6;
  p.kernel_h = p.kernel_w = 3, p.stride_h = p.stride_w = 2;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
  p.out_h = (9 + 2 - 3) / 2 + 1, p.out_w = (6 + 2 - 3) / 2 + 1;
  const std::vector<float> x(8 * 9 * 6, 1.f), w(8 * 2 * 3 * 3, 1.f);
  std::vector<float> y(8 * p.out_h * p.out_w);
  std::string why;
  auto conv = kernels::OneDnnConv::Create(p, w.data(), nullptr, 1, &why);
  ASSERT_NE(conv, nullptr) << why;
  std::vector<unsigned char> scratch(conv->scratch_bytes() + 64);
  void* s = scratch.data() + (64 - reinterpret_cast<uintptr_t>(scratch.data()) % 64) % 64;
  const MacCount got = Counted([&] {
    EXPECT_TRUE(conv->Execute(x.data(), nullptr, y.data(), conv->scratch_bytes() ? s : nullptr, 1));
  });
  EXPECT_EQ(got.executed, 8 * p.out_h * p.out_w * 2 * 9);
  EXPECT_EQ(got.padding, 0);
}

// Whole runs of the zoo MobileNetV2. At 128² and width 0.5 the first blocks' expanded tensors
// exceed half of a 1 MiB L2, so they run banded (and a thread split falls inside the image).
struct RunCase {
  const char* name;
  bool optimize, lower;
  int threads;
  int64_t batch, resolution;
  double width;
};

void PrintTo(const RunCase& c, std::ostream* os) { *os << c.name; }

class SessionMacCount : public ::testing::TestWithParam<RunCase> {};

TEST_P(SessionMacCount, EveryStepMatchesTheCostModel) {
  const RunCase& c = GetParam();
  zoo::MobileNetV2Options o;
  o.width = c.width;
  o.resolution = c.resolution;
  auto graph = zoo::MakeMobileNetV2(o);
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  SessionOptions options;
  options.threads = c.threads;
  options.optimize = c.optimize;
  options.lower = c.lower;
  auto session = Session::Create(*graph, options);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  Tensor x = *Tensor::Allocate(DataType::kFloat32, {c.batch, 3, c.resolution, c.resolution});
  for (int64_t i = 0; i < x.num_elements(); ++i) {
    x.mutable_data<float>()[i] = static_cast<float>(i % 7) * 0.25f - 0.75f;
  }
  const testing::MacTotals t = testing::CheckCountedRun(**session, {x}, c.name);
  EXPECT_GT(t.compute_steps, 0);
  EXPECT_GT(t.analytic, 0);
  EXPECT_EQ(t.executed + t.padding - t.recompute, t.analytic);
  if (c.threads == 1) {
    EXPECT_EQ(t.recompute, 0);
  }
  std::printf("%s: analytic %lld, executed %lld + %lld padding skipped, %lld recomputed\n", c.name,
              static_cast<long long>(t.analytic), static_cast<long long>(t.executed),
              static_cast<long long>(t.padding), static_cast<long long>(t.recompute));

  // Counting changes no output bit, and leaves the counter off.
  RunProfile counted_profile;
  auto counted = (*session)->Run({x}, RunOptions{{}, false, true}, &counted_profile);
  auto plain = (*session)->Run({x});
  ASSERT_TRUE(counted.ok() && plain.ok());
  EXPECT_FALSE(MacCounter::enabled());
  ASSERT_EQ(counted->size(), plain->size());
  for (size_t i = 0; i < plain->size(); ++i) {
    const Tensor& a = (*counted)[i];
    const Tensor& b = (*plain)[i];
    ASSERT_EQ(a.byte_size(), b.byte_size());
    EXPECT_EQ(std::memcmp(a.raw_data(), b.raw_data(), a.byte_size()), 0);
  }
  // Without count_macs, steps report no MACs.
  RunProfile profile;
  ASSERT_TRUE((*session)->Run({x}, RunOptions{}, &profile).ok());
  for (const RunProfile::Step& s : profile.steps) {
    EXPECT_EQ(s.macs, 0) << s.node;
    EXPECT_EQ(s.padding_macs, 0) << s.node;
  }
}

// (The prefix starts with "Session" so that unit_scalar's Session* filter runs these too.)
INSTANTIATE_TEST_SUITE_P(
    SessionZooMobileNetV2, SessionMacCount,
    ::testing::Values(RunCase{"optimized_t1", true, true, 1, 1, 96, 0.35},
                      RunCase{"optimized_t2", true, true, 2, 1, 96, 0.35},
                      RunCase{"optimized_t2_batch2", true, true, 2, 2, 96, 0.35},
                      RunCase{"optimized_t1_128", true, true, 1, 1, 128, 0.5},
                      RunCase{"optimized_t2_128", true, true, 2, 1, 128, 0.5},
                      RunCase{"unoptimized_t1", false, true, 1, 1, 96, 0.35},
                      RunCase{"unoptimized_t2", false, true, 2, 1, 96, 0.35},
                      RunCase{"nchw_optimized_t1", true, false, 1, 1, 96, 0.35},
                      RunCase{"nchw_unoptimized_t2", false, false, 2, 1, 96, 0.35}),
    [](const ::testing::TestParamInfo<RunCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace finch
