// NHWC pooling: the references against the NCHW references (maxpool_f32_ref, avgpool_f32_ref,
// global_avgpool_f32_ref) after layout conversion, and the AVX2 versions against the references,
// over channels and sizes at, below and above the 8/32-channel blocks, batch 1 and 2, and window
// shapes with strides, dilations, asymmetric and ceil-mode pads. The summation order is the same
// everywhere, so real-valued data must agree bit for bit.
#include "kernels/pool/pool_nhwc.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/pool/avgpool_ref.h"
#include "kernels/pool/maxpool_ref.h"
#include "runtime/cpu_features.h"
#include "tests/util/guarded_buffer.h"

namespace finch::kernels {
namespace {

bool HaveAvx2() {
  const CpuFeatures& f = GetCpuFeatures();
  return f.avx2 && f.fma;
}

const int64_t kChannels[] = {1, 3, 7, 8, 9, 16, 17, 32, 37};
const int64_t kSizes[] = {1, 2, 3, 7, 8, 9, 13};

// [N][C][HW] -> [N][HW][C].
std::vector<float> ToNhwc(const float* x, int64_t N, int64_t C, int64_t HW) {
  std::vector<float> r(N * C * HW);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < HW; ++i) r[(n * HW + i) * C + c] = x[(n * C + c) * HW + i];
  return r;
}

void FillReal(std::mt19937& rng, float* v, int64_t n) {
  std::uniform_real_distribution<float> d(-2.f, 2.f);
  for (int64_t i = 0; i < n; ++i) v[i] = d(rng);
}

bool SameBits(const float* a, const float* b, int64_t n, int64_t* at) {
  for (int64_t i = 0; i < n; ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) {
      *at = i;
      return false;
    }
  }
  return true;
}

TEST(PoolNhwcKernels, GlobalAveragePool) {
  const bool avx2 = HaveAvx2();
  std::mt19937 rng(1);
  for (int64_t N : {1, 2})
    for (int64_t C : kChannels)
      for (int64_t H : kSizes)
        for (int64_t W : kSizes) {
          const int64_t HW = H * W;
          std::vector<float> x(N * C * HW), want(N * C);
          FillReal(rng, x.data(), x.size());
          global_avgpool_f32_ref(N * C, HW, x.data(), want.data());
          const std::vector<float> xv = ToNhwc(x.data(), N, C, HW);
          GuardedBuffer xg(xv.size()), y(N * C);
          std::copy(xv.begin(), xv.end(), xg.data());
          const std::string what = "N=" + std::to_string(N) + " C=" + std::to_string(C) +
                                   " H=" + std::to_string(H) + " W=" + std::to_string(W);
          int64_t at = 0;
          y.Fill(std::nanf(""));
          global_avgpool_nhwc_f32_ref(N, HW, C, xg.data(), y.data());
          ASSERT_TRUE(SameBits(want.data(), y.data(), N * C, &at))
              << "ref, index " << at << " " << what;
          if (!avx2) continue;
          y.Fill(std::nanf(""));
          global_avgpool_nhwc_f32_avx2(N, HW, C, xg.data(), y.data());
          ASSERT_TRUE(SameBits(want.data(), y.data(), N * C, &at))
              << "avx2, index " << at << ": want " << want[at] << " got " << y.data()[at] << " "
              << what;
        }
  if (!avx2) GTEST_SKIP() << "CPU lacks avx2/fma: only the reference was checked";
}

struct Window {
  int64_t k, stride, dilation, pb, pe;
  bool ceil;
};

// ONNX output size, floor or ceil; in ceil mode the last window must start inside the input or
// its leading pad (the extra window may run past the end pad: the references never count that).
int64_t OutSize(int64_t in, const Window& w) {
  const int64_t span = in + w.pb + w.pe - ((w.k - 1) * w.dilation + 1);
  if (span < 0) return 0;
  int64_t out = (w.ceil ? (span + w.stride - 1) / w.stride : span / w.stride) + 1;
  if (w.ceil && (out - 1) * w.stride >= in + w.pb) --out;
  return out;
}

std::string Describe(int64_t N, int64_t C, int64_t H, int64_t W, const Window& w) {
  std::ostringstream s;
  s << "N=" << N << " C=" << C << " H=" << H << " W=" << W << " k=" << w.k << " s=" << w.stride
    << " d=" << w.dilation << " pads=" << w.pb << "," << w.pe << " ceil=" << w.ceil;
  return s.str();
}

TEST(PoolNhwcKernels, MaxAndAveragePool) {
  const bool avx2 = HaveAvx2();
  std::mt19937 rng(2);
  const Window windows[] = {
      {3, 2, 1, 1, 1, false},  // ResNet stem max pool
      {2, 2, 1, 0, 0, true},   // ceil mode: a partial last window
      {3, 1, 2, 2, 1, false},  // dilated, asymmetric pads
      {3, 3, 1, 0, 2, true},   // stride = kernel, end pad + ceil
  };
  int checked = 0;
  for (int64_t N : {1, 2})
    for (int64_t C : kChannels)
      for (int64_t H : kSizes)
        for (int64_t W : kSizes)
          for (const Window& win : windows) {
            // The 2-D window; width uses the same window with pads swapped (asymmetry per dim).
            PoolParams p;
            p.spatial = 2;
            p.in[0] = H;
            p.in[1] = W;
            p.kernel[0] = p.kernel[1] = win.k;
            p.stride[0] = p.stride[1] = win.stride;
            p.dilation[0] = p.dilation[1] = win.dilation;
            p.pad_begin[0] = win.pb;
            p.pad_end[0] = win.pe;
            p.pad_begin[1] = win.pe;
            p.pad_end[1] = win.pb;
            p.out[0] = OutSize(H, win);
            p.out[1] =
                OutSize(W, Window{win.k, win.stride, win.dilation, win.pe, win.pb, win.ceil});
            if (p.out[0] <= 0 || p.out[1] <= 0) continue;
            p.planes = N * C;
            const int64_t HW = H * W, OHW = p.out[0] * p.out[1];
            std::vector<float> x(N * C * HW), want(N * C * OHW);
            FillReal(rng, x.data(), x.size());
            const std::vector<float> xv = ToNhwc(x.data(), N, C, HW);
            GuardedBuffer xg(xv.size()), y(N * C * OHW);
            std::copy(xv.begin(), xv.end(), xg.data());
            const std::string what = Describe(N, C, H, W, win);
            int64_t at = 0;
            for (int kind = 0; kind < 3; ++kind) {  // max, avg excluding pad, avg including pad
              const bool cip = kind == 2;
              if (kind == 0) {
                maxpool_f32_ref(p, x.data(), want.data(), nullptr, IndexOrder::kRowMajor);
              } else {
                avgpool_f32_ref(p, cip, x.data(), want.data());
              }
              const std::vector<float> wv = ToNhwc(want.data(), N, C, OHW);
              const char* name = kind == 0 ? "max" : cip ? "avg(count_include_pad)" : "avg";
              y.Fill(std::nanf(""));
              if (kind == 0) {
                maxpool_nhwc_f32_ref(p, N, C, xg.data(), y.data());
              } else {
                avgpool_nhwc_f32_ref(p, N, C, cip, xg.data(), y.data());
              }
              ASSERT_TRUE(SameBits(wv.data(), y.data(), wv.size(), &at))
                  << name << " ref vs NCHW ref, index " << at << " | " << what;
              if (!avx2) continue;
              y.Fill(std::nanf(""));
              if (kind == 0) {
                maxpool_nhwc_f32_avx2(p, N, C, xg.data(), y.data());
              } else {
                avgpool_nhwc_f32_avx2(p, N, C, cip, xg.data(), y.data());
              }
              ASSERT_TRUE(SameBits(wv.data(), y.data(), wv.size(), &at))
                  << name << " avx2, index " << at << ": want " << wv[at] << " got " << y.data()[at]
                  << " | " << what;
              ++checked;
            }
          }
  if (!avx2) GTEST_SKIP() << "CPU lacks avx2/fma: only the references were checked";
  EXPECT_GT(checked, 1000);
}

TEST(PoolNhwcKernels, OneAndThreeSpatialDims) {
  // 1-D [N, L, C] and 3-D [N, D, H, W, C] go through the same code; spot-check both.
  std::mt19937 rng(4);
  const bool avx2 = HaveAvx2();
  for (int spatial : {1, 3}) {
    PoolParams p;
    p.spatial = spatial;
    const int64_t N = 2, C = 11;
    int64_t in_size = 1, out_size = 1;
    for (int d = 0; d < spatial; ++d) {
      p.in[d] = 5 + d;
      p.kernel[d] = 3;
      p.stride[d] = 2;
      p.pad_begin[d] = 1;
      p.pad_end[d] = d % 2;
      p.out[d] = (p.in[d] + p.pad_begin[d] + p.pad_end[d] - 3) / 2 + 1;
      in_size *= p.in[d];
      out_size *= p.out[d];
    }
    p.planes = N * C;
    std::vector<float> x(N * C * in_size), want(N * C * out_size);
    FillReal(rng, x.data(), x.size());
    const std::vector<float> xv = ToNhwc(x.data(), N, C, in_size);
    std::vector<float> got(want.size());
    int64_t at = 0;
    maxpool_f32_ref(p, x.data(), want.data(), nullptr, IndexOrder::kRowMajor);
    std::vector<float> wv = ToNhwc(want.data(), N, C, out_size);
    maxpool_nhwc_f32_ref(p, N, C, xv.data(), got.data());
    EXPECT_TRUE(SameBits(wv.data(), got.data(), wv.size(), &at)) << "max spatial=" << spatial;
    if (avx2) {
      maxpool_nhwc_f32_avx2(p, N, C, xv.data(), got.data());
      EXPECT_TRUE(SameBits(wv.data(), got.data(), wv.size(), &at)) << "max avx2 " << spatial;
    }
    avgpool_f32_ref(p, true, x.data(), want.data());
    wv = ToNhwc(want.data(), N, C, out_size);
    avgpool_nhwc_f32_ref(p, N, C, true, xv.data(), got.data());
    EXPECT_TRUE(SameBits(wv.data(), got.data(), wv.size(), &at)) << "avg spatial=" << spatial;
    if (avx2) {
      avgpool_nhwc_f32_avx2(p, N, C, true, xv.data(), got.data());
      EXPECT_TRUE(SameBits(wv.data(), got.data(), wv.size(), &at)) << "avg avx2 " << spatial;
    }
  }
}

}  // namespace
}  // namespace finch::kernels
