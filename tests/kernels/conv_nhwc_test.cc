// NHWC convolution: conv_nhwc_f32_ref against conv_f32_ref (NCHW) after layout conversion, and
// im2col rows · w_ohwiᵀ (a plain triple loop) against conv_nhwc_f32_ref.
//
// The two references sum in different orders (NCHW: bias, then ci, ky, kx; NHWC: ky, kx, ci, then
// bias), so they are compared on small integers, where every partial sum is exact: bit for bit.
// The im2col GEMM sums in exactly the NHWC reference's order, so it must match bit for bit on any
// data (a padding tap adds +0·w to a sum that started at +0, which changes nothing).
#include "kernels/conv/conv_nhwc.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/conv/conv_ref.h"
#include "tests/util/guarded_buffer.h"

namespace finch::kernels {
namespace {

// [N][C][HW] -> [N][HW][C].
std::vector<float> ToNhwc(const float* x, int64_t N, int64_t C, int64_t HW) {
  std::vector<float> r(N * C * HW);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < HW; ++i) r[(n * HW + i) * C + c] = x[(n * C + c) * HW + i];
  return r;
}

int64_t OutSize(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe) {
  const int64_t span = in + pb + pe - (k - 1) * d - 1;
  return span < 0 ? 0 : span / s + 1;
}

struct Case {
  int64_t batch, in_c, out_c, group, h, w, kh, kw, stride, dilation, pt, pl, pb, pr;
  Activation act;
  bool with_bias;

  ConvNhwcParams Params() const {
    ConvNhwcParams p;
    p.batch = batch;
    p.in_h = h;
    p.in_w = w;
    p.in_c = in_c;
    p.out_c = out_c;
    p.group = group;
    p.kernel_h = kh;
    p.kernel_w = kw;
    p.stride_h = p.stride_w = stride;
    p.dilation_h = p.dilation_w = dilation;
    p.pad_top = pt;
    p.pad_left = pl;
    p.out_h = OutSize(h, kh, stride, dilation, pt, pb);
    p.out_w = OutSize(w, kw, stride, dilation, pl, pr);
    p.act = act;
    return p;
  }
  std::string Describe() const {
    std::ostringstream s;
    s << "N=" << batch << " Cin=" << in_c << " Cout=" << out_c << " group=" << group << " H=" << h
      << " W=" << w << " k=" << kh << "x" << kw << " stride=" << stride << " dilation=" << dilation
      << " pads(t,l,b,r)=" << pt << "," << pl << "," << pb << "," << pr
      << " act=" << static_cast<int>(act.kind) << " bias=" << with_bias;
    return s.str();
  }
};

void ExpectBits(const Case& c, const char* what, const float* want, const float* got, int64_t n) {
  int printed = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (std::memcmp(&want[i], &got[i], sizeof(float)) != 0) {
      ADD_FAILURE() << what << " differs at flat index " << i << ": want " << want[i] << " got "
                    << got[i] << " | " << c.Describe();
      if (++printed == 3) return;
    }
  }
}

std::vector<Case> Cases() {
  const Activation none{}, relu6{ActivationKind::kClip, 0, 6};
  std::vector<Case> cs = {
      // N, Cin, Cout, group, H, W, kh, kw, stride, dil, pt, pl, pb, pr, act, bias
      {2, 3, 8, 1, 9, 7, 3, 3, 2, 1, 1, 1, 1, 1, relu6, true},   // stem, 3 input channels
      {2, 3, 5, 1, 8, 8, 3, 3, 2, 1, 0, 0, 1, 1, none, true},    // TF-style asymmetric SAME
      {1, 16, 24, 1, 5, 6, 1, 1, 1, 1, 0, 0, 0, 0, none, true},  // 1×1
      {2, 17, 9, 1, 7, 5, 1, 1, 2, 1, 0, 0, 0, 0, none, false},  // 1×1 stride 2
      {2, 8, 6, 2, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, none, true},    // 2 groups
      {1, 6, 12, 2, 6, 7, 3, 2, 2, 2, 2, 1, 0, 2, relu6, true},  // groups, dilation 2, odd pads
      {2, 9, 9, 9, 7, 8, 3, 3, 1, 1, 1, 1, 1, 1, none, true},    // depthwise
      {1, 8, 16, 8, 9, 9, 3, 3, 2, 2, 2, 2, 2, 2, relu6, true},  // depthwise ×2, dilation 2
      {2, 5, 7, 1, 6, 6, 5, 5, 1, 2, 4, 3, 4, 5, none, true},    // 5×5 dilated, big pads
      {1, 4, 4, 1, 3, 3, 3, 3, 1, 1, 3, 3, 3, 3, none, true},    // windows made only of padding
      {2, 12, 6, 3, 5, 4, 2, 3, 2, 1, 0, 1, 1, 0, none, true},   // 3 groups, 2×3 kernel
  };
  return cs;
}

TEST(ConvNhwcKernels, MatchesNchwReference) {
  std::mt19937 rng(11);
  for (const Case& c : Cases()) {
    const ConvNhwcParams p = c.Params();
    ASSERT_GT(p.out_h, 0) << c.Describe();
    ASSERT_GT(p.out_w, 0) << c.Describe();
    const int64_t hw = c.h * c.w, ohw = p.out_h * p.out_w;
    const int64_t xs = c.batch * c.in_c * hw, ys = c.batch * c.out_c * ohw;
    const int64_t ws = c.out_c * (c.in_c / c.group) * c.kh * c.kw;
    std::vector<float> x(xs), w(ws), b(c.out_c);
    FillInts(rng, -4, 4, x.data(), xs);
    FillInts(rng, -3, 3, w.data(), ws);
    FillInts(rng, -8, 8, b.data(), c.out_c);
    const float* bias = c.with_bias ? b.data() : nullptr;

    ConvParams cp;
    cp.batch = c.batch;
    cp.in_channels = c.in_c;
    cp.out_channels = c.out_c;
    cp.groups = c.group;
    cp.in[0] = c.h;
    cp.in[1] = c.w;
    cp.out[0] = p.out_h;
    cp.out[1] = p.out_w;
    cp.kernel[0] = c.kh;
    cp.kernel[1] = c.kw;
    cp.stride[0] = cp.stride[1] = c.stride;
    cp.dilation[0] = cp.dilation[1] = c.dilation;
    cp.pad_begin[0] = c.pt;
    cp.pad_begin[1] = c.pl;
    std::vector<float> y_nchw(ys);
    conv_f32_ref(cp, x.data(), w.data(), bias, y_nchw.data());
    activation_f32_ref(c.act, y_nchw.data(), ys);
    const std::vector<float> want = ToNhwc(y_nchw.data(), c.batch, c.out_c, ohw);

    const std::vector<float> xv = ToNhwc(x.data(), c.batch, c.in_c, hw);
    GuardedBuffer xg(xs), wg(ws), bg(c.out_c), yg(ys);
    std::copy(xv.begin(), xv.end(), xg.data());
    std::copy(w.begin(), w.end(), wg.data());
    std::copy(b.begin(), b.end(), bg.data());
    yg.Fill(std::nanf(""));
    conv_nhwc_f32_ref(p, xg.data(), wg.data(), c.with_bias ? bg.data() : nullptr, yg.data());
    ExpectBits(c, "conv_nhwc_f32_ref vs conv_f32_ref", want.data(), yg.data(), ys);
  }
}

// y = act(rows · w_ohwiᵀ + b) per group, the GEMM a fast path would run; rows are built in
// `chunks` pieces of the m range to exercise m_begin > 0.
std::vector<float> Im2colGemm(const Case& c, const float* x, const float* w, const float* bias,
                              int chunks) {
  const ConvNhwcParams p = c.Params();
  const int64_t m_total = c.batch * p.out_h * p.out_w;
  const int64_t k = conv_nhwc_im2col_k(p);
  const int64_t cout_g = c.out_c / c.group;
  GuardedBuffer w_ohwi(c.out_c * k);
  conv_weights_to_ohwi(p, w, w_ohwi.data());
  std::vector<float> y(m_total * c.out_c);
  for (int64_t g = 0; g < c.group; ++g) {
    for (int chunk = 0; chunk < chunks; ++chunk) {
      const int64_t m0 = m_total * chunk / chunks, m1 = m_total * (chunk + 1) / chunks;
      if (m1 == m0) continue;
      GuardedBuffer rows((m1 - m0) * k);
      rows.Fill(std::nanf(""));  // every entry must be written, padding included
      conv_nhwc_im2col(p, x, g, m0, m1, rows.data());
      for (int64_t m = m0; m < m1; ++m) {
        for (int64_t o = 0; o < cout_g; ++o) {
          const int64_t co = g * cout_g + o;
          float acc = 0.f;
          for (int64_t i = 0; i < k; ++i)
            acc += rows.data()[(m - m0) * k + i] * w_ohwi.data()[co * k + i];
          if (bias) acc += bias[co];
          y[m * c.out_c + co] = ApplyActivation(c.act, acc);
        }
      }
    }
  }
  return y;
}

TEST(ConvNhwcKernels, Im2colGemmMatchesReference) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  for (const Case& c : Cases()) {
    const ConvNhwcParams p = c.Params();
    const int64_t xs = c.batch * c.h * c.w * c.in_c, ys = c.batch * p.out_h * p.out_w * c.out_c;
    const int64_t ws = c.out_c * (c.in_c / c.group) * c.kh * c.kw;
    GuardedBuffer x(xs), w(ws), b(c.out_c), y(ys);
    // Real-valued data: the GEMM sums in the reference's own order, so the bits must agree.
    for (int64_t i = 0; i < xs; ++i) x.data()[i] = d(rng);
    for (int64_t i = 0; i < ws; ++i) w.data()[i] = d(rng);
    for (int64_t i = 0; i < c.out_c; ++i) b.data()[i] = d(rng);
    const float* bias = c.with_bias ? b.data() : nullptr;
    conv_nhwc_f32_ref(p, x.data(), w.data(), bias, y.data());
    for (int chunks : {1, 3}) {
      const std::vector<float> got = Im2colGemm(c, x.data(), w.data(), bias, chunks);
      ExpectBits(c, chunks == 1 ? "im2col GEMM (one call)" : "im2col GEMM (3 m-chunks)", y.data(),
                 got.data(), ys);
    }
  }
}

TEST(ConvNhwcKernels, WeightsToOhwi) {
  ConvNhwcParams p;
  p.in_c = 4;
  p.out_c = 3;
  p.group = 2;  // Cg = 2
  p.kernel_h = 2;
  p.kernel_w = 3;
  std::vector<float> w(3 * 2 * 2 * 3), w2(w.size());
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i);
  conv_weights_to_ohwi(p, w.data(), w2.data());
  for (int co = 0; co < 3; ++co)
    for (int ci = 0; ci < 2; ++ci)
      for (int ky = 0; ky < 2; ++ky)
        for (int kx = 0; kx < 3; ++kx)
          EXPECT_EQ(w2[((co * 2 + ky) * 3 + kx) * 2 + ci], w[((co * 2 + ci) * 2 + ky) * 3 + kx]);
  EXPECT_EQ(conv_nhwc_im2col_k(p), 12);
}

}  // namespace
}  // namespace finch::kernels
