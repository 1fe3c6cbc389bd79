// The oneDNN convolution wrapper (kernels/onednn/conv_onednn.h) against finch's references:
// conv_f32_ref for NCHW, conv_nhwc_f32_ref for NHWC, then + z and the activation as
// runtime/ops/fused.cc composes them, over a sweep of groups (1, 2, depthwise, a channel
// multiplier), strides, dilations, asymmetric pads, batch 2 and every post-op combination.
//
// Two kinds of data:
//  - small integers (-3..3): every partial sum is an integer far below 2^24, exact in float in
//    any order, so with an exact activation (none, Relu, Clip, LeakyRelu by 0.5) the outputs
//    must be EQUAL — this checks the indexing (pads, dilations, groups, layout) exactly;
//  - uniform floats in [-1, 1): oneDNN blocks the channel sum its own way, so a bound is
//    derived per element: |got − want| ≤ 1e-5 · (Σ|x||w| + |b| + |z|) · L + 1e-6 · |want| +
//    1e-6, with L = 1.5 the largest slope of the activations (HardSwish at x = 3; SiLU 1.1),
//    1e-5 ≈ 84 ulps of the sum's magnitude (K ≤ 600 terms: the worst-case reassociation
//    error is about K·ε·Σ|x||w|, the typical √K·ε, both below), and 1e-6 for oneDNN's vector
//    exp (logistic, swish) against std::exp.
//
// Skipped with a message when oneDNN does not run on this CPU (OneDnnConv::Available()).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "graph/status.h"
#include "kernels/common/activation.h"
#include "kernels/conv/conv_nhwc.h"
#include "kernels/conv/conv_ref.h"
#include "kernels/onednn/conv_onednn.h"

namespace finch::kernels {
namespace {

struct Case {
  int64_t batch = 1, cin = 1, cout = 1, group = 1, h = 1, w = 1, kh = 1, kw = 1;
  int64_t sh = 1, sw = 1, dh = 1, dw = 1;
  int64_t pads[4] = {0, 0, 0, 0};  // top, left, bottom, right
  bool bias = true;
  bool residual = false;
  Activation act;

  int64_t OutH() const { return (h + pads[0] + pads[2] - dh * (kh - 1) - 1) / sh + 1; }
  int64_t OutW() const { return (w + pads[1] + pads[3] - dw * (kw - 1) - 1) / sw + 1; }
  std::string Label(bool nhwc) const {
    return StrCat(nhwc ? "NHWC" : "NCHW", " N", batch, " ", cin, "->", cout, " g", group, " ", h,
                  "x", w, " k", kh, "x", kw, " s", sh, "x", sw, " d", dh, "x", dw, " pads[",
                  pads[0], ",", pads[1], ",", pads[2], ",", pads[3], "]", bias ? " bias" : "",
                  residual ? " +z" : "", " act", static_cast<int>(act.kind));
  }
  OneDnnConvParams Params(bool nhwc) const {
    OneDnnConvParams p;
    p.batch = batch;
    p.in_c = cin;
    p.out_c = cout;
    p.group = group;
    p.in_h = h;
    p.in_w = w;
    p.out_h = OutH();
    p.out_w = OutW();
    p.kernel_h = kh;
    p.kernel_w = kw;
    p.stride_h = sh;
    p.stride_w = sw;
    p.dilation_h = dh;
    p.dilation_w = dw;
    p.pad_top = pads[0];
    p.pad_left = pads[1];
    p.pad_bottom = pads[2];
    p.pad_right = pads[3];
    p.nhwc = nhwc;
    p.residual = residual;
    p.act = act;
    return p;
  }
  ConvParams RefNchw() const {
    ConvParams p;
    p.batch = batch;
    p.in_channels = cin;
    p.out_channels = cout;
    p.groups = group;
    p.in[0] = h;
    p.in[1] = w;
    p.out[0] = OutH();
    p.out[1] = OutW();
    p.kernel[0] = kh;
    p.kernel[1] = kw;
    p.stride[0] = sh;
    p.stride[1] = sw;
    p.dilation[0] = dh;
    p.dilation[1] = dw;
    p.pad_begin[0] = pads[0];
    p.pad_begin[1] = pads[1];
    return p;
  }
  ConvNhwcParams RefNhwc() const {
    ConvNhwcParams p;
    p.batch = batch;
    p.in_h = h;
    p.in_w = w;
    p.in_c = cin;
    p.out_h = OutH();
    p.out_w = OutW();
    p.out_c = cout;
    p.group = group;
    p.kernel_h = kh;
    p.kernel_w = kw;
    p.stride_h = sh;
    p.stride_w = sw;
    p.dilation_h = dh;
    p.dilation_w = dw;
    p.pad_top = pads[0];
    p.pad_left = pads[1];
    return p;
  }
};

std::vector<float> Fill(int64_t n, std::mt19937& rng, bool ints) {
  std::vector<float> v(n);
  std::uniform_int_distribution<int> idist(-3, 3);
  std::uniform_real_distribution<float> fdist(-1.f, 1.f);
  for (float& f : v) f = ints ? static_cast<float>(idist(rng)) : fdist(rng);
  return v;
}

std::vector<float> Abs(std::vector<float> v) {
  for (float& f : v) f = std::fabs(f);
  return v;
}

// 64-byte aligned scratch of `bytes`.
struct Scratch {
  explicit Scratch(size_t bytes) : buf(bytes + 64) {}
  void* get() {
    if (buf.size() == 64) return nullptr;
    auto a = reinterpret_cast<uintptr_t>(buf.data());
    return buf.data() + (64 - a % 64) % 64;
  }
  std::vector<unsigned char> buf;
};

// Runs `c` through oneDNN and the reference; exact when `ints` (and the activation is exact),
// else within the derived bound.
void Check(const Case& c, bool nhwc, bool ints, uint32_t seed) {
  SCOPED_TRACE(c.Label(nhwc) + (ints ? " ints" : " floats") + StrCat(" seed ", seed));
  std::mt19937 rng(seed);
  const int64_t oh = c.OutH(), ow = c.OutW();
  ASSERT_GE(oh, 1);
  ASSERT_GE(ow, 1);
  const int64_t xn = c.batch * c.cin * c.h * c.w, yn = c.batch * c.cout * oh * ow;
  const std::vector<float> x = Fill(xn, rng, ints);
  const std::vector<float> w = Fill(c.cout * (c.cin / c.group) * c.kh * c.kw, rng, ints);
  const std::vector<float> b = Fill(c.cout, rng, ints);
  const std::vector<float> z = Fill(yn, rng, ints);
  const float* bias = c.bias ? b.data() : nullptr;

  // want = act(conv + b + z) as FusedConvRef composes it; bound from |x|, |w|, |b|, |z|.
  std::vector<float> want(yn), mag(yn);
  const std::vector<float> ax = Abs(x), aw = Abs(w), ab = Abs(b);
  if (nhwc) {
    conv_nhwc_f32_ref(c.RefNhwc(), x.data(), w.data(), bias, want.data());
    conv_nhwc_f32_ref(c.RefNhwc(), ax.data(), aw.data(), c.bias ? ab.data() : nullptr,
                      mag.data());
  } else {
    conv_f32_ref(c.RefNchw(), x.data(), w.data(), bias, want.data());
    conv_f32_ref(c.RefNchw(), ax.data(), aw.data(), c.bias ? ab.data() : nullptr, mag.data());
  }
  for (int64_t i = 0; i < yn; ++i) {
    if (c.residual) {
      want[i] += z[i];
      mag[i] += std::fabs(z[i]);
    }
    want[i] = ApplyActivation(c.act, want[i]);
  }

  std::string why;
  auto conv = OneDnnConv::Create(c.Params(nhwc), w.data(), bias, 1, &why);
  ASSERT_NE(conv, nullptr) << why;
  Scratch scratch(conv->scratch_bytes());
  std::vector<float> got(yn, std::nanf(""));
  ASSERT_TRUE(conv->Execute(x.data(), c.residual ? z.data() : nullptr, got.data(), scratch.get(),
                            1));
  // The residual may also lie in y already (z == y).
  if (c.residual) {
    std::vector<float> inplace = z;
    ASSERT_TRUE(conv->Execute(x.data(), inplace.data(), inplace.data(), scratch.get(), 1));
    EXPECT_EQ(std::memcmp(inplace.data(), got.data(), yn * sizeof(float)), 0) << "z == y differs";
  }

  const bool exact_act = c.act.kind == ActivationKind::kNone ||
                         c.act.kind == ActivationKind::kRelu ||
                         c.act.kind == ActivationKind::kClip ||
                         c.act.kind == ActivationKind::kLeakyRelu;
  int64_t bad = 0, first = -1;
  double worst = 0;
  for (int64_t i = 0; i < yn; ++i) {
    const double err = std::fabs(static_cast<double>(got[i]) - want[i]);
    const double tol = (ints && exact_act)
                           ? 0.0
                           : 1e-5 * mag[i] * 1.5 + 1e-6 * std::fabs(want[i]) + 1e-6;
    if (!(err <= tol)) {
      if (first < 0) first = i;
      ++bad;
    }
    worst = std::max(worst, err);
  }
  EXPECT_EQ(bad, 0) << bad << " of " << yn << " differ, first at " << first << " (got "
                    << (first >= 0 ? got[first] : 0.f) << ", want "
                    << (first >= 0 ? want[first] : 0.f) << "), max |error| " << worst
                    << ", impl " << conv->impl();
}

Activation Act(ActivationKind k, float alpha = 0, float beta = 0) {
  Activation a;
  a.kind = k;
  a.alpha = alpha;
  a.beta = beta;
  return a;
}

const Activation kActivations[] = {
    Act(ActivationKind::kNone),         Act(ActivationKind::kRelu),
    Act(ActivationKind::kClip, 0, 6),   Act(ActivationKind::kSigmoid),
    Act(ActivationKind::kSiLU),         Act(ActivationKind::kHardSwish),
    Act(ActivationKind::kHardSigmoid, 0.2f, 0.5f), Act(ActivationKind::kLeakyRelu, 0.5f),
};

#define SKIP_IF_UNAVAILABLE()                                                 \
  if (!OneDnnConv::Available()) GTEST_SKIP() << "oneDNN does not run on this CPU"

// The geometry sweep, each in both layouts, integer and float data.
std::vector<Case> Geometries() {
  std::vector<Case> cases;
  auto add = [&](Case c) { cases.push_back(c); };
  Case c;
  // Dense 3x3, pad 1.
  c.cin = 5; c.cout = 7; c.h = 9; c.w = 11; c.kh = c.kw = 3;
  c.pads[0] = c.pads[1] = c.pads[2] = c.pads[3] = 1;
  add(c);
  // Stride 2, asymmetric pads (TF "SAME" style: more at the bottom/right).
  c.sh = c.sw = 2; c.pads[0] = 0; c.pads[1] = 0; c.pads[2] = 1; c.pads[3] = 1; c.h = 10;
  add(c);
  // Different strides per axis, pads only at the top/left.
  c.sh = 1; c.sw = 3; c.pads[0] = 2; c.pads[1] = 1; c.pads[2] = 0; c.pads[3] = 0; c.kh = 5;
  add(c);
  // Dilation 2 and 3, 3x3.
  Case d;
  d.cin = 8; d.cout = 16; d.h = d.w = 13; d.kh = d.kw = 3; d.dh = 2; d.dw = 3;
  d.pads[0] = 2; d.pads[1] = 3; d.pads[2] = 2; d.pads[3] = 3;
  add(d);
  // Groups 2 and 4, batch 2.
  Case g;
  g.batch = 2; g.cin = 8; g.cout = 12; g.group = 2; g.h = 7; g.w = 6; g.kh = g.kw = 3;
  g.pads[0] = g.pads[1] = g.pads[2] = g.pads[3] = 1;
  add(g);
  g.group = 4; g.sh = g.sw = 2; g.dh = g.dw = 2; g.pads[2] = 2;
  add(g);
  // Depthwise 3x3 s1 / 5x5 s2 / 7x7 dilated, and a channel multiplier of 2.
  Case dw;
  dw.cin = dw.cout = dw.group = 24; dw.h = 14; dw.w = 9; dw.kh = dw.kw = 3;
  dw.pads[0] = dw.pads[1] = dw.pads[2] = dw.pads[3] = 1;
  add(dw);
  dw.kh = dw.kw = 5; dw.sh = dw.sw = 2; dw.pads[0] = dw.pads[1] = 2; dw.pads[2] = dw.pads[3] = 1;
  dw.batch = 2;
  add(dw);
  dw.kh = dw.kw = 7; dw.sh = dw.sw = 1; dw.dh = dw.dw = 2;
  dw.pads[0] = dw.pads[1] = dw.pads[2] = dw.pads[3] = 6; dw.cin = dw.cout = dw.group = 17;
  add(dw);
  dw.cout = 34; dw.kh = dw.kw = 3; dw.dh = dw.dw = 1;
  dw.pads[0] = dw.pads[1] = dw.pads[2] = dw.pads[3] = 1;
  add(dw);
  // 1x1, strided 1x1, a stem (3 -> 32, 3x3 s2), no bias.
  Case p;
  p.batch = 2; p.cin = 19; p.cout = 33; p.h = 5; p.w = 8;
  add(p);
  p.sh = p.sw = 2; p.bias = false;
  add(p);
  Case s;
  s.cin = 3; s.cout = 32; s.h = s.w = 17; s.kh = s.kw = 3; s.sh = s.sw = 2;
  s.pads[0] = s.pads[1] = s.pads[2] = s.pads[3] = 1;
  add(s);
  return cases;
}

TEST(OneDnnConv, GeometrySweepExactOnIntegers) {
  SKIP_IF_UNAVAILABLE();
  uint32_t seed = 1;
  for (const Case& c : Geometries()) {
    for (bool nhwc : {false, true}) Check(c, nhwc, /*ints=*/true, seed++);
  }
}

TEST(OneDnnConv, GeometrySweepFloats) {
  SKIP_IF_UNAVAILABLE();
  uint32_t seed = 100;
  for (const Case& c : Geometries()) {
    for (bool nhwc : {false, true}) Check(c, nhwc, /*ints=*/false, seed++);
  }
}

// Every activation with and without the residual, on a dense, a grouped and a depthwise conv:
// the sum post-op comes before the eltwise (act(conv + b + z)).
TEST(OneDnnConv, PostOps) {
  SKIP_IF_UNAVAILABLE();
  std::vector<Case> shapes = Geometries();
  const Case picks[] = {shapes[0], shapes[5], shapes[7]};
  uint32_t seed = 300;
  for (const Case& base : picks) {
    for (const Activation& act : kActivations) {
      for (bool residual : {false, true}) {
        Case c = base;
        c.act = act;
        c.residual = residual;
        for (bool nhwc : {false, true}) {
          Check(c, nhwc, /*ints=*/true, seed++);
          Check(c, nhwc, /*ints=*/false, seed++);
        }
      }
    }
  }
}

// finch promises the same bits for any thread count. oneDNN's forward convolution splits images,
// groups, channel blocks and rows, not one output's sum: 1, 2 and 3 threads must agree exactly.
TEST(OneDnnConv, ThreadCountIdentity) {
  SKIP_IF_UNAVAILABLE();
  std::vector<Case> cases;
  Case c;
  c.batch = 2; c.cin = 64; c.cout = 64; c.h = c.w = 28; c.kh = c.kw = 3;
  c.pads[0] = c.pads[1] = c.pads[2] = c.pads[3] = 1;
  c.act = Act(ActivationKind::kSiLU);
  cases.push_back(c);  // dense
  c.group = 4; c.dh = c.dw = 2; c.pads[0] = c.pads[1] = c.pads[2] = c.pads[3] = 2;
  c.residual = true;
  cases.push_back(c);  // grouped, dilated, residual
  Case s;
  s.cin = 3; s.cout = 32; s.h = s.w = 64; s.kh = s.kw = 3; s.sh = s.sw = 2;
  s.pads[0] = s.pads[1] = s.pads[2] = s.pads[3] = 1;
  cases.push_back(s);  // stem
  Case dw;
  dw.cin = dw.cout = dw.group = 96; dw.h = dw.w = 28; dw.kh = dw.kw = 7;
  dw.pads[0] = dw.pads[1] = dw.pads[2] = dw.pads[3] = 3;
  cases.push_back(dw);  // 7x7 depthwise
  Case p;
  p.cin = 144; p.cout = 24; p.h = p.w = 28;
  cases.push_back(p);  // 1x1
  uint32_t seed = 500;
  for (const Case& k : cases) {
    for (bool nhwc : {false, true}) {
      SCOPED_TRACE(k.Label(nhwc));
      std::mt19937 rng(seed++);
      const int64_t yn = k.batch * k.cout * k.OutH() * k.OutW();
      const std::vector<float> x = Fill(k.batch * k.cin * k.h * k.w, rng, false);
      const std::vector<float> w = Fill(k.cout * (k.cin / k.group) * k.kh * k.kw, rng, false);
      const std::vector<float> b = Fill(k.cout, rng, false);
      const std::vector<float> z = Fill(yn, rng, false);
      std::vector<std::vector<float>> outs;
      for (int threads : {1, 2, 3}) {
        // Built for `threads` too: oneDNN may choose its blocking by the team size.
        std::string why;
        auto conv = OneDnnConv::Create(k.Params(nhwc), w.data(), b.data(), threads, &why);
        ASSERT_NE(conv, nullptr) << why;
        Scratch scratch(conv->scratch_bytes());
        std::vector<float> y(yn);
        ASSERT_TRUE(conv->Execute(x.data(), k.residual ? z.data() : nullptr, y.data(),
                                  scratch.get(), threads));
        outs.push_back(std::move(y));
      }
      EXPECT_EQ(std::memcmp(outs[0].data(), outs[1].data(), yn * sizeof(float)), 0)
          << "1 vs 2 threads";
      EXPECT_EQ(std::memcmp(outs[0].data(), outs[2].data(), yn * sizeof(float)), 0)
          << "1 vs 3 threads";
    }
  }
}

TEST(OneDnnConv, RejectsWhatItCannotRun) {
  SKIP_IF_UNAVAILABLE();
  Case c;
  c.cin = 6;
  c.cout = 4;
  c.group = 4;  // 6 channels do not split into 4 groups
  std::vector<float> w(24, 1.f);
  std::string why;
  EXPECT_EQ(OneDnnConv::Create(c.Params(false), w.data(), nullptr, 1, &why), nullptr);
  EXPECT_FALSE(why.empty());
  // An output size that disagrees with the pads: oneDNN's own error, returned, not thrown.
  OneDnnConvParams p = Case{}.Params(false);
  p.out_h = 5;
  why.clear();
  EXPECT_EQ(OneDnnConv::Create(p, w.data(), nullptr, 1, &why), nullptr);
  EXPECT_FALSE(why.empty());
  // Execute with a residual the primitive was not built for: false.
  auto conv = OneDnnConv::Create(Case{}.Params(false), w.data(), nullptr, 1, &why);
  ASSERT_NE(conv, nullptr) << why;
  Scratch scratch(conv->scratch_bytes());
  float x = 1, y = 0, z = 0;
  EXPECT_FALSE(conv->Execute(&x, &z, &y, scratch.get(), 1));
  EXPECT_TRUE(conv->Execute(&x, nullptr, &y, scratch.get(), 1));
  EXPECT_EQ(y, 1.f);
}

}  // namespace
}  // namespace finch::kernels
