// The channels-last QLinearConv as the runtime binds it (runtime/ops/qlinear_conv_nhwc.cc): one
// ONNX QLinearConv run through Session with the lowering on (finch::QLinearConv [NHWC] on the
// int8 kernels, between two uint8 Transposes) and off (the NCHW reference of
// kernels/quant/qconv_ref), over pointwise, depthwise 3×3/5×5 stride 1/2, the 3-channel stem,
// grouped (the NCHW fallback) and odd sizes, uint8 and int8 activations, per-tensor and
// per-channel weights with non-zero zero points, symmetric weights (zero points 0: the VNNI
// kernels; stems of 1, 3, 4, 6 channels), with and without bias. Integer outputs must be
// EQUAL: both paths requantize the same exact accumulators the same way. The NHWC run is
// repeated with 3 threads, same bytes. Each case checks the kernel the plan chose.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "runtime/cpu_features.h"
#include "runtime/session.h"
#include "tests/util/graph_builder.h"
#include "tests/util/test_util.h"

namespace finch::testing {
namespace {

struct QCase {
  int64_t batch = 1, cin = 8, cout = 8, h = 7, w = 7, k = 1, stride = 1, pad = 0, group = 1;
  DataType x_type = DataType::kUint8, w_type = DataType::kInt8;
  bool per_channel = true, bias = true;
  bool symmetric = false;   // weight zero points 0 (what the VNNI kernels need)
  std::string kernel;       // expected with AVX2 ("" when the scalar path runs)
  std::string kernel_vnni;  // expected with AVX-512 VL/BW + VNNI, when not empty
};

template <typename T>
Tensor RandomBytes(const Shape& shape, std::mt19937& rng, int lo, int hi) {
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<T> v(static_cast<size_t>(NumElements(shape)));
  for (T& x : v) x = static_cast<T>(d(rng));
  return Tensor::FromVector<T>(shape, v);
}

Tensor Random8(DataType t, const Shape& shape, std::mt19937& rng) {
  return t == DataType::kUint8 ? RandomBytes<uint8_t>(shape, rng, 0, 255)
                               : RandomBytes<int8_t>(shape, rng, -128, 127);
}

Tensor Scalar8(DataType t, int v) {
  return t == DataType::kUint8 ? Tensor::Scalar<uint8_t>(static_cast<uint8_t>(v))
                               : Tensor::Scalar<int8_t>(static_cast<int8_t>(v));
}

Graph QLinearConvGraph(const QCase& c, uint64_t seed) {
  std::mt19937 rng(seed);
  GraphBuilder b;
  const ValueId x = b.StaticInput("x", {c.batch, c.cin, c.h, c.w}, c.x_type);
  const int64_t cg = c.cin / c.group;
  const ValueId w = b.Const("w", Random8(c.w_type, {c.cout, cg, c.k, c.k}, rng));
  const int x_zp = c.x_type == DataType::kUint8 ? 131 : -7;
  const int y_zp = c.x_type == DataType::kUint8 ? 117 : 5;
  std::vector<float> w_scale(c.per_channel ? c.cout : 1);
  std::uniform_real_distribution<float> scale(0.002f, 0.02f);
  for (float& s : w_scale) s = scale(rng);
  Tensor w_zp = c.per_channel ? Random8(c.w_type, {c.cout}, rng) : Scalar8(c.w_type, 3);
  if (c.symmetric) {
    w_zp = c.per_channel
               ? (c.w_type == DataType::kUint8
                      ? Tensor::FromVector<uint8_t>({c.cout}, std::vector<uint8_t>(c.cout))
                      : Tensor::FromVector<int8_t>({c.cout}, std::vector<int8_t>(c.cout)))
               : Scalar8(c.w_type, 0);
  }
  std::vector<ValueId> in = {x,
                             b.Const("x_scale", Tensor::Scalar(0.05f)),
                             b.Const("x_zp", Scalar8(c.x_type, x_zp)),
                             w,
                             b.Const("w_scale", c.per_channel
                                                    ? Tensor::FromVector<float>({c.cout}, w_scale)
                                                    : Tensor::Scalar(w_scale[0])),
                             b.Const("w_zp", std::move(w_zp)),
                             b.Const("y_scale", Tensor::Scalar(0.11f)),
                             b.Const("y_zp", Scalar8(c.x_type, y_zp))};
  if (c.bias) {
    std::uniform_int_distribution<int32_t> d(-5000, 5000);
    std::vector<int32_t> bias(c.cout);
    for (int32_t& v : bias) v = d(rng);
    in.push_back(b.Const("bias", Tensor::FromVector<int32_t>({c.cout}, bias)));
  }
  b.g.outputs.push_back(b.Op("QLinearConv", "qconv", in,
                             {{"kernel_shape", IntsAttr({c.k, c.k})},
                              {"strides", IntsAttr({c.stride, c.stride})},
                              {"pads", IntsAttr({c.pad, c.pad, c.pad, c.pad})},
                              {"group", IntAttr(c.group)}}));
  return b.g;
}

// The output bytes and the kernel of the QLinearConv step.
struct Ran {
  std::vector<uint8_t> bytes;
  std::string kernel;
};

Ran RunQConv(const Graph& g, bool lower, int threads, const Tensor& x) {
  SessionOptions o;
  o.threads = threads;
  o.lower = lower;
  auto s = Session::Create(g, o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return {};
  RunOptions ro;
  ro.time_steps = true;
  RunProfile profile;
  auto out = (*s)->Run({x}, ro, &profile);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  if (!out.ok()) return {};
  Ran r;
  const Tensor& y = (*out)[0];
  const auto* p = static_cast<const uint8_t*>(y.raw_data());
  r.bytes.assign(p, p + y.byte_size());
  for (const auto& step : profile.steps) {
    if (step.op_type.find("QLinearConv") != std::string::npos) r.kernel = step.kernel;
  }
  return r;
}

std::vector<QCase> Cases() {
  std::vector<QCase> cases;
  // Pointwise (the GEMM), odd sizes around the 6×16 tile.
  for (auto [cin, cout, h, w] : std::vector<std::array<int64_t, 4>>{
           {8, 8, 7, 7}, {17, 33, 5, 3}, {1, 1, 1, 1}, {32, 16, 9, 11}, {96, 24, 4, 4}}) {
    QCase c;
    c.cin = cin;
    c.cout = cout;
    c.h = h;
    c.w = w;
    c.kernel = "qconv1x1_nhwc_qgemm";
    cases.push_back(c);
  }
  // Depthwise 3×3 / 5×5, stride 1 / 2, odd images and channel counts.
  for (int64_t k : {3, 5}) {
    for (int64_t stride : {1, 2}) {
      for (int64_t ch : {7, 16, 33}) {
        QCase c;
        c.cin = c.cout = c.group = ch;
        c.k = k;
        c.stride = stride;
        c.pad = k / 2;
        c.h = 9;
        c.w = 6;
        c.kernel = "qdwconv_nhwc_avx2";
        cases.push_back(c);
      }
    }
  }
  QCase stem;  // the 3-channel stem through im2col
  stem.cin = 3;
  stem.cout = 16;
  stem.k = 3;
  stem.stride = 2;
  stem.pad = 1;
  stem.h = stem.w = 15;
  stem.kernel = "qconv_nhwc_im2col_qgemm";
  cases.push_back(stem);
  QCase grouped = stem;  // grouped: the NCHW fallback
  grouped.cin = 8;
  grouped.cout = 8;
  grouped.group = 2;
  grouped.kernel = "_via_nchw";
  cases.push_back(grouped);
  // int8 activations, uint8 weights, per-tensor weights, no bias, batch 2.
  QCase mixed;
  mixed.batch = 2;
  mixed.cin = 12;
  mixed.cout = 20;
  mixed.x_type = DataType::kInt8;
  mixed.w_type = DataType::kUint8;
  mixed.per_channel = false;
  mixed.bias = false;
  mixed.kernel = "qconv1x1_nhwc_qgemm";
  cases.push_back(mixed);
  QCase dw_int8 = cases[5];
  dw_int8.x_type = DataType::kInt8;
  dw_int8.batch = 2;
  cases.push_back(dw_int8);

  // Symmetric int8 weights: the VNNI GEMM (pointwise, stem) and depthwise kernels.
  for (auto [cin, cout, h, w] : std::vector<std::array<int64_t, 4>>{
           {8, 8, 7, 7}, {17, 33, 5, 3}, {32, 16, 9, 11}, {96, 24, 4, 4}, {16, 96, 13, 1}}) {
    QCase c;
    c.cin = cin;
    c.cout = cout;
    c.h = h;
    c.w = w;
    c.symmetric = true;
    c.per_channel = cin % 2 == 0;
    c.x_type = cin == 17 ? DataType::kInt8 : DataType::kUint8;
    c.kernel = "qconv1x1_nhwc_qgemm_avx2";
    c.kernel_vnni = "qconv1x1_nhwc_qgemm_vnni";
    cases.push_back(c);
  }
  // Stems through the im2col rows: 3 channels (9-byte kernel rows), 1 (3 bytes), 4 × 5×5
  // (20 bytes), 6 unpadded (18 bytes), odd images.
  for (auto [cin, k, s, pad, h, w] : std::vector<std::array<int64_t, 6>>{
           {3, 3, 2, 1, 15, 15}, {1, 3, 1, 1, 7, 9}, {4, 5, 2, 2, 11, 8}, {6, 3, 1, 0, 6, 7}}) {
    QCase c;
    c.cin = cin;
    c.cout = 32;
    c.k = k;
    c.stride = s;
    c.pad = pad;
    c.h = h;
    c.w = w;
    c.symmetric = true;
    c.kernel = "qconv_nhwc_im2col_qgemm_avx2";
    c.kernel_vnni = "qconv_nhwc_im2col_qgemm_vnni";
    cases.push_back(c);
  }
  for (int64_t k : {3, 5}) {
    for (int64_t stride : {1, 2}) {
      for (int64_t ch : {16, 32, 33, 48}) {
        QCase c;
        c.cin = c.cout = c.group = ch;
        c.k = k;
        c.stride = stride;
        c.pad = k / 2;
        c.h = 9;
        c.w = 10;
        c.symmetric = true;
        c.x_type = ch == 33 ? DataType::kInt8 : DataType::kUint8;
        c.batch = ch == 48 ? 2 : 1;
        c.kernel = "qdwconv_nhwc_avx2";
        c.kernel_vnni = ch >= 32 ? "qdwconv_nhwc_vnni" : "qdwconv_nhwc_avx2";
        cases.push_back(c);
      }
    }
  }
  return cases;
}

TEST(QLinearConvNhwc, MatchesTheNchwReferenceExactly) {
  const CpuFeatures& cpu = GetCpuFeatures();
  const bool avx2 = cpu.avx2 && cpu.fma;
  const bool vnni = avx2 && cpu.avx512vl && cpu.avx512bw && cpu.avx512_vnni;
  uint64_t seed = 1;
  for (const QCase& c : Cases()) {
    SCOPED_TRACE("cin " + std::to_string(c.cin) + " cout " + std::to_string(c.cout) + " k " +
                 std::to_string(c.k) + " s " + std::to_string(c.stride) + " group " +
                 std::to_string(c.group) + " " + std::to_string(c.h) + "x" + std::to_string(c.w));
    const Graph g = QLinearConvGraph(c, seed++);
    std::mt19937 rng(seed);
    const Tensor x = Random8(c.x_type, {c.batch, c.cin, c.h, c.w}, rng);
    const Ran ref = RunQConv(g, false, 1, x);
    const Ran nhwc = RunQConv(g, true, 1, x);
    const Ran nhwc3 = RunQConv(g, true, 3, x);
    ASSERT_FALSE(ref.bytes.empty());
    EXPECT_EQ(nhwc.bytes, ref.bytes);
    EXPECT_EQ(nhwc3.bytes, ref.bytes);
    if (vnni && !c.kernel_vnni.empty()) {
      EXPECT_NE(nhwc.kernel.find(c.kernel_vnni), std::string::npos) << nhwc.kernel;
    } else if (avx2) {
      EXPECT_NE(nhwc.kernel.find(c.kernel), std::string::npos) << nhwc.kernel;
    } else {
      EXPECT_EQ(nhwc.kernel.find("avx2"), std::string::npos) << nhwc.kernel;
    }
  }
}

}  // namespace
}  // namespace finch::testing
