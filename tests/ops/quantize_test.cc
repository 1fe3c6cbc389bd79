// Quantized ops through a session: hand-checked values for QuantizeLinear, DequantizeLinear,
// DynamicQuantizeLinear, QLinearConv, ConvInteger, QLinearMatMul, MatMulInteger, QLinearAdd and
// QLinearGlobalAveragePool — rounding ties (x.5 to even), saturation at both ends, per-axis,
// per-channel, per-row and per-column parameters, the opset differences — and bad input
// (types, zero-point types, parameter shapes) with the Status code and message.
// quantize_sweep_test.cc checks the convolutions and products against float Conv / MatMul over
// sweeps; quantize_kernels_test.cc the kernels against guard pages.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <random>

#include "graph/ops/op_schema.h"
#include "tests/ops/quantize_test_util.h"

namespace finch {
namespace {

using testing::ExpectRejected;
using testing::IntAttr;
using testing::IntsAttr;
using testing::StringAttr;
using testing::ToFloats;
using testing::ToInts;
using namespace quant_test;  // NOLINT: Fed, Const, None, QuantNode, RunQuant

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// ---------------------------------------------------------------------------------------------
// QuantizeLinear

TEST(QuantOps, QuantizeLinearRoundsHalfToEvenAndSaturates) {
  // x / 2: 0, 0.5, 1.5, 2.5, -0.5, -1.5, 255, -500, 500, 1.49995, NaN, inf, -inf.
  // Rounded (ties to even): 0, 0, 2, 2, -0, -2, 255, -500, 500, 1; + 128, then saturated; NaN
  // goes to the lowest value.
  const std::vector<float> x = {0, 1, 3, 5, -1, -3, 510, -1000, 1000, 2.9999f, kNaN, kInf, -kInf};
  const Shape s = {static_cast<int64_t>(x.size())};
  QuantCase g = QuantNode("QuantizeLinear",
                          {Fed(Tensor::FromVector<float>(s, x)), Const(Tensor::Scalar<float>(2.f)),
                           Const(Tensor::Scalar<uint8_t>(128))});
  auto out = RunQuant(g);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dtype(), DataType::kUint8);
  EXPECT_EQ(ToInts(out[0]),
            std::vector<int64_t>({128, 128, 130, 130, 128, 126, 255, 0, 255, 129, 0, 255, 0}));
}

TEST(QuantOps, QuantizeLinearInt8AndInt32Input) {
  // int8, zero point -1: -258 -> -128 (saturated), 255 -> 127 (saturated), 2.5 -> 2 (even),
  // -3.5 -> -4 (even), then + (-1); NaN -> -128, the lowest value.
  QuantCase g = QuantNode("QuantizeLinear",
                          {Fed(Tensor::FromVector<float>({5}, {-258, 255, 2.5f, -3.5f, kNaN})),
                           Const(Tensor::Scalar<float>(1.f)), Const(Tensor::Scalar<int8_t>(-1))});
  auto out = RunQuant(g);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dtype(), DataType::kInt8);
  EXPECT_EQ(ToInts(out[0]), std::vector<int64_t>({-128, 127, 1, -5, -128}));

  // int32 x is divided in float: 7 / 2 = 3.5 -> 4, -7 / 2 -> -4, 2^30 / 2 saturates.
  QuantCase gi =
      QuantNode("QuantizeLinear", {Fed(Tensor::FromVector<int32_t>({3}, {7, -7, 1 << 30})),
                                   Const(Tensor::FromVector<float>({1}, {2.f})),
                                   Const(Tensor::FromVector<int8_t>({1}, {0}))});
  auto outi = RunQuant(gi);
  ASSERT_EQ(outi.size(), 1u);
  EXPECT_EQ(ToInts(outi[0]), std::vector<int64_t>({4, -4, 127}));
}

TEST(QuantOps, QuantizeLinearWithoutZeroPointIsUint8) {
  QuantCase g = QuantNode("QuantizeLinear", {Fed(Tensor::FromVector<float>({3}, {-1, 100.5f, 300})),
                                             Const(Tensor::Scalar<float>(1.f))});
  auto out = RunQuant(g);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dtype(), DataType::kUint8);
  EXPECT_EQ(ToInts(out[0]), std::vector<int64_t>({0, 100, 255}));
}

TEST(QuantOps, QuantizeLinearPerAxis) {
  // x [2, 3, 2] along axis 1 (also written -2): channel c has scale {1, 2, 4}[c] and zero point
  // {0, 10, 20}[c].
  const Tensor x = Tensor::FromVector<float>({2, 3, 2}, {1, 2, 3, 4, 6, 10,  //
                                                         -1, 5, -4, 7, -8, 2});
  const Tensor scale = Tensor::FromVector<float>({3}, {1, 2, 4});
  const Tensor zp = Tensor::FromVector<uint8_t>({3}, {0, 10, 20});
  // n=0: c0 {1, 2}; c1 {3/2 = 1.5 -> 2, 2} + 10; c2 {1.5 -> 2, 2.5 -> 2} + 20.
  // n=1: c0 {-1 -> 0 (saturated), 5}; c1 {-2, 3.5 -> 4} + 10; c2 {-2, 0.5 -> 0} + 20.
  const std::vector<int64_t> want = {1, 2, 12, 12, 22, 22, 0, 5, 8, 14, 18, 20};
  for (int64_t axis : {1, -2}) {
    QuantCase g =
        QuantNode("QuantizeLinear", {Fed(x), Const(scale), Const(zp)}, {{"axis", IntAttr(axis)}});
    auto out = RunQuant(g);
    ASSERT_EQ(out.size(), 1u) << axis;
    EXPECT_EQ(ToInts(out[0]), want) << "axis " << axis;
  }
  // Axis 0: two channels of 6 values each.
  QuantCase g0 = QuantNode("QuantizeLinear",
                           {Fed(x), Const(Tensor::FromVector<float>({2}, {1, 0.5f})),
                            Const(Tensor::FromVector<int8_t>({2}, {0, -100}))},
                           {{"axis", IntAttr(0)}});
  auto out0 = RunQuant(g0);
  ASSERT_EQ(out0.size(), 1u);
  EXPECT_EQ(ToInts(out0[0]),
            std::vector<int64_t>({1, 2, 3, 4, 6, 10, -102, -90, -108, -86, -116, -96}));
}

TEST(QuantOps, QuantizeLinearOpsetDifferences) {
  const Tensor x = Tensor::FromVector<float>({2, 2}, {1, 2, 3, 4});
  const Tensor scale = Tensor::FromVector<float>({2}, {1, 2});
  // Per-axis exists from opset 13.
  ExpectRejected(QuantNode("QuantizeLinear", {Fed(x), Const(scale)}, {}, 10),
                 StatusCode::kInvalidArgument, "per-axis quantization exists from opset 13");
  // Opset 10 takes a scalar; the `axis` attribute does not exist there (ignored).
  auto out10 = RunQuant(QuantNode("QuantizeLinear", {Fed(x), Const(Tensor::Scalar<float>(2.f))},
                                  {{"axis", IntAttr(0)}}, 10));
  ASSERT_EQ(out10.size(), 1u);
  EXPECT_EQ(ToInts(out10[0]), std::vector<int64_t>({0, 1, 2, 2}));  // 0.5, 1.5 -> 0, 2
  // Opset 19's `saturate` only matters for float8: integer outputs saturate either way.
  auto out19 = RunQuant(
      QuantNode("QuantizeLinear",
                {Fed(x), Const(Tensor::Scalar<float>(0.01f)), Const(Tensor::Scalar<int8_t>(0))},
                {{"saturate", IntAttr(0)}}, 19));
  ASSERT_EQ(out19.size(), 1u);
  EXPECT_EQ(ToInts(out19[0]), std::vector<int64_t>({100, 127, 127, 127}));
  // Opset 21: output_dtype chooses the type when the zero point is omitted; block_size > 0 is
  // blocked quantization (unsupported).
  auto out21 = RunQuant(QuantNode("QuantizeLinear", {Fed(x), Const(Tensor::Scalar<float>(1.f))},
                                  {{"output_dtype", IntAttr(3)}}, 21));
  ASSERT_EQ(out21.size(), 1u);
  EXPECT_EQ(out21[0].dtype(), DataType::kInt8);
  ExpectRejected(
      QuantNode("QuantizeLinear", {Fed(x), Const(scale)}, {{"block_size", IntAttr(2)}}, 21),
      StatusCode::kUnimplemented, "blocked quantization (block_size 2)");
  ExpectRejected(QuantNode("QuantizeLinear",
                           {Fed(x), Const(scale), Const(Tensor::FromVector<uint8_t>({2}, {0, 0}))},
                           {{"output_dtype", IntAttr(3)}}, 21),
                 StatusCode::kInvalidArgument,
                 "output_dtype is int8, input 2 (y_zero_point) has type uint8; they must match");
  ExpectRejected(QuantNode("QuantizeLinear", {Fed(x), Const(Tensor::Scalar<float>(1.f))},
                           {{"output_dtype", IntAttr(5)}}, 21),
                 StatusCode::kUnimplemented, "output_dtype is int16");
}

TEST(QuantOps, NewerTypesAreUnsupportedValidOnesOlderOpsetsInvalid) {
  // float8e4m3fn (17) zero points exist from opset 19: unsupported there, invalid before. No
  // Tensor holds float8 (a session refuses such a graph input first), so the schema is called
  // directly.
  const auto float8 = static_cast<DataType>(17);
  const OpSchema* schema = GlobalOpSchemas().Find("", "QuantizeLinear");
  ASSERT_NE(schema, nullptr);
  Node node;
  node.name = "n";
  node.op_type = "QuantizeLinear";
  node.inputs = {0, 1, 2};
  node.outputs = {3};
  for (int64_t opset : {13, 19}) {
    InferContext ctx(node, opset);
    ctx.inputs = {TensorType::Static(DataType::kFloat32, {2}),
                  TensorType::Static(DataType::kFloat32, {}), TensorType::Static(float8, {})};
    ctx.constants.assign(3, nullptr);
    const Status st = InferNode(*schema, ctx);
    EXPECT_EQ(st.code(), opset >= 19 ? StatusCode::kUnimplemented : StatusCode::kInvalidArgument)
        << st.ToString();
    EXPECT_NE(st.message().find("QuantizeLinear \"n\": input 2 (y_zero_point) has type "
                                "float8e4m3fn"),
              std::string::npos)
        << st.message();
  }
  // float16 scales: unsupported from 19, invalid before.
  for (int64_t opset : {13, 19}) {
    Graph g =
        QuantNode("DequantizeLinear", {Fed(Tensor::FromVector<uint8_t>({2}, {1, 2}))}, {}, opset);
    const ValueId v = g.AddValue("s16", TensorType::Static(DataType::kFloat16, {}));
    g.inputs.push_back(v);
    g.nodes[0].inputs.push_back(v);
    ExpectRejected(g, opset >= 19 ? StatusCode::kUnimplemented : StatusCode::kInvalidArgument,
                   "input 1 (x_scale) has type float16");
  }
}

// ---------------------------------------------------------------------------------------------
// DequantizeLinear

TEST(QuantOps, DequantizeLinearTypes) {
  // uint8: (x − 128) · 2.
  auto u8 =
      RunQuant(QuantNode("DequantizeLinear",
                         {Fed(Tensor::FromVector<uint8_t>({4}, {0, 3, 128, 255})),
                          Const(Tensor::Scalar<float>(2.f)), Const(Tensor::Scalar<uint8_t>(128))}));
  ASSERT_EQ(u8.size(), 1u);
  EXPECT_EQ(ToFloats(u8[0]), std::vector<float>({-256, -250, 0, 254}));
  // int8 without a zero point.
  auto i8 =
      RunQuant(QuantNode("DequantizeLinear", {Fed(Tensor::FromVector<int8_t>({2}, {-128, 127})),
                                              Const(Tensor::Scalar<float>(0.5f))}));
  ASSERT_EQ(i8.size(), 1u);
  EXPECT_EQ(ToFloats(i8[0]), std::vector<float>({-64, 63.5f}));
  // int32: the difference is formed in int64, so INT32_MIN − INT32_MAX = −(2^32 − 1) does not
  // wrap; it rounds once to float: −4294967296.
  auto i32 = RunQuant(
      QuantNode("DequantizeLinear",
                {Fed(Tensor::FromVector<int32_t>({2}, {std::numeric_limits<int32_t>::min(), 10})),
                 Const(Tensor::Scalar<float>(1.f)),
                 Const(Tensor::Scalar<int32_t>(std::numeric_limits<int32_t>::max()))}));
  ASSERT_EQ(i32.size(), 1u);
  EXPECT_EQ(ToFloats(i32[0]), std::vector<float>({-4294967296.f, -2147483637.f}));
}

TEST(QuantOps, DequantizeLinearPerAxis) {
  // x [3, 2] along axis 0: rows scaled by {1, 2, 4} around {0, 10, 20}.
  auto out = RunQuant(QuantNode("DequantizeLinear",
                                {Fed(Tensor::FromVector<uint8_t>({3, 2}, {1, 2, 10, 13, 0, 255})),
                                 Const(Tensor::FromVector<float>({3}, {1, 2, 4})),
                                 Const(Tensor::FromVector<uint8_t>({3}, {0, 10, 20}))},
                                {{"axis", IntAttr(0)}}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({1, 2, 0, 6, -80, 940}));
}

TEST(QuantOps, QuantizeDequantizeRejectBadInput) {
  const Tensor xf = Tensor::FromVector<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor xu = Tensor::FromVector<uint8_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  // Wrong data types.
  ExpectRejected(QuantNode("QuantizeLinear", {Fed(xu), Const(Tensor::Scalar<float>(1.f))}),
                 StatusCode::kInvalidArgument, "input 0 (x) has type uint8; expected float32");
  ExpectRejected(QuantNode("DequantizeLinear", {Fed(xf), Const(Tensor::Scalar<float>(1.f))}),
                 StatusCode::kInvalidArgument,
                 "input 0 (x) has type float32; expected uint8, int8 or int32");
  ExpectRejected(QuantNode("QuantizeLinear", {Fed(xf), Const(Tensor::Scalar<float>(1.f)),
                                              Const(Tensor::Scalar<int32_t>(0))}),
                 StatusCode::kInvalidArgument,
                 "input 2 (y_zero_point) has type int32; expected uint8 or int8");
  ExpectRejected(QuantNode("QuantizeLinear", {Fed(xf), Const(Tensor::Scalar<int64_t>(1))}),
                 StatusCode::kInvalidArgument,
                 "input 1 (y_scale) has type int64; expected float32");
  // Zero point of another type than x.
  ExpectRejected(QuantNode("DequantizeLinear", {Fed(xu), Const(Tensor::Scalar<float>(1.f)),
                                                Const(Tensor::Scalar<int8_t>(0))}),
                 StatusCode::kInvalidArgument,
                 "input 2 (x_zero_point) has type int8, input 0 (x) has type uint8; they must "
                 "match");
  // Per-axis scale whose length is not x[axis].
  ExpectRejected(
      QuantNode("QuantizeLinear", {Fed(xf), Const(Tensor::FromVector<float>({2}, {1, 2}))}),
      StatusCode::kInvalidArgument,
      "input 1 (y_scale) has 2 values; per-axis quantization along axis 1 of x [2,3] "
      "needs 3");
  // Axis out of range.
  ExpectRejected(
      QuantNode("QuantizeLinear", {Fed(xf), Const(Tensor::FromVector<float>({3}, {1, 2, 3}))},
                {{"axis", IntAttr(2)}}),
      StatusCode::kInvalidArgument, "attribute 'axis' has value 2");
  // Scale and zero point of different shapes.
  ExpectRejected(
      QuantNode("QuantizeLinear", {Fed(xf), Const(Tensor::FromVector<float>({3}, {1, 2, 3})),
                                   Const(Tensor::Scalar<uint8_t>(0))}),
      StatusCode::kInvalidArgument,
      "input 2 (y_zero_point) has shape [], input 1 (y_scale) has shape [3]; they "
      "must match");
  ExpectRejected(
      QuantNode("DequantizeLinear", {Fed(xu), Const(Tensor::Scalar<float>(1.f)),
                                     Const(Tensor::FromVector<uint8_t>({3}, {0, 0, 0}))}),
      StatusCode::kInvalidArgument,
      "input 2 (x_zero_point) has shape [3], input 1 (x_scale) has shape []");
  // A 2-D scale.
  ExpectRejected(
      QuantNode("QuantizeLinear", {Fed(xf), Const(Tensor::FromVector<float>({1, 3}, {1, 2, 3}))}),
      StatusCode::kInvalidArgument,
      "input 1 (y_scale) has shape [1,3]; expected a "
      "scalar (per-tensor) or a 1-D tensor (per-axis)");
}

// ---------------------------------------------------------------------------------------------
// DynamicQuantizeLinear

TEST(QuantOps, DynamicQuantizeLinear) {
  // Range [0, 2.55] (0 always included, NaN left out): scale 2.55 / 255 = 0.01, zero point 0;
  // 1, 2.55 and 0.5 are 100, 255 and 50 steps (up to float32 rounding, far from any tie).
  auto out = RunQuant(QuantNode("DynamicQuantizeLinear",
                                {Fed(Tensor::FromVector<float>({4}, {1.f, 2.55f, 0.5f, kNaN}))}, {},
                                11, 3));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].dtype(), DataType::kUint8);
  EXPECT_FLOAT_EQ(out[1].data<float>()[0], 2.55f / 255.f);
  EXPECT_EQ(out[1].shape(), Shape({}));
  EXPECT_EQ(ToInts(out[2]), std::vector<int64_t>({0}));
  // NaN quantizes to the lowest value, 0.
  EXPECT_EQ(ToInts(out[0]), std::vector<int64_t>({100, 255, 50, 0}));

  // Range [-3, 2]: scale 5 / 255, zero point round(3 / scale) = 153; x = -3 -> 0, 2 -> 255.
  auto mixed = RunQuant(QuantNode("DynamicQuantizeLinear",
                                  {Fed(Tensor::FromVector<float>({3}, {-3, 2, 0}))}, {}, 11, 3));
  ASSERT_EQ(mixed.size(), 3u);
  EXPECT_EQ(ToInts(mixed[0]), std::vector<int64_t>({0, 255, 153}));
  EXPECT_EQ(ToInts(mixed[2]), std::vector<int64_t>({153}));

  // All zeros: the range is empty; scale 0, zero point 0, y 0 (no division by zero).
  auto zeros = RunQuant(
      QuantNode("DynamicQuantizeLinear", {Fed(Tensor::FromVector<float>({2}, {0, 0}))}, {}, 11, 3));
  ASSERT_EQ(zeros.size(), 3u);
  EXPECT_EQ(ToInts(zeros[0]), std::vector<int64_t>({0, 0}));
  EXPECT_EQ(zeros[1].data<float>()[0], 0.f);
  EXPECT_EQ(ToInts(zeros[2]), std::vector<int64_t>({0}));

  ExpectRejected(QuantNode("DynamicQuantizeLinear", {Fed(Tensor::FromVector<uint8_t>({2}, {0, 0}))},
                           {}, 11, 3),
                 StatusCode::kInvalidArgument, "input 0 (x) has type uint8; expected float32");
}

// ---------------------------------------------------------------------------------------------
// QLinearConv and ConvInteger

// x [1, 1, 2, 2] = {1, 2, 3, 4} with x_zp 1: x − x_zp = {0, 1, 2, 3}. A 1x1 convolution to two
// channels with w − w_zp = {3, -3} (per-channel zero points {0, 1}), bias {1, -8}, x_scale 0.5,
// w_scale {1, 0.25}, y_scale 1: multipliers 0.5 and 0.125.
//   channel 0: (3·{0,1,2,3} + 1) · 0.5   = {0.5, 2, 3.5, 5}          -> {0, 2, 4, 5}
//   channel 1: (-3·{0,1,2,3} - 8) · 0.125 = {-1, -1.375, -1.75, -2.125} -> {-1, -1, -2, -2}
std::vector<Arg> QLinearConvArgs(DataType y_type, int32_t y_zp) {
  return {Fed(Tensor::FromVector<uint8_t>({1, 1, 2, 2}, {1, 2, 3, 4})),
          Const(Tensor::Scalar<float>(0.5f)),
          Const(Tensor::Scalar<uint8_t>(1)),
          Const(Tensor::FromVector<int8_t>({2, 1, 1, 1}, {3, -2})),
          Const(Tensor::FromVector<float>({2}, {1.f, 0.25f})),
          Const(Tensor::FromVector<int8_t>({2}, {0, 1})),
          Const(Tensor::Scalar<float>(1.f)),
          Const(y_type == DataType::kUint8 ? Tensor::Scalar<uint8_t>(y_zp)
                                           : Tensor::Scalar<int8_t>(y_zp)),
          Const(Tensor::FromVector<int32_t>({2}, {1, -8}))};
}

TEST(QuantOps, QLinearConvPerChannelTiesAndSaturation) {
  // uint8, y_zp 252: channel 0 {252, 254, 256, 257} saturates high; channel 1 {251, 251, 250,
  // 250}.
  auto u8 = RunQuant(QuantNode("QLinearConv", QLinearConvArgs(DataType::kUint8, 252), {}, 10));
  ASSERT_EQ(u8.size(), 1u);
  EXPECT_EQ(u8[0].dtype(), DataType::kUint8);
  EXPECT_EQ(u8[0].shape(), Shape({1, 2, 2, 2}));
  EXPECT_EQ(ToInts(u8[0]), std::vector<int64_t>({252, 254, 255, 255, 251, 251, 250, 250}));
  // int8, y_zp -127: channel 1 {-128, -128, -129, -129} saturates low.
  auto i8 = RunQuant(QuantNode("QLinearConv", QLinearConvArgs(DataType::kInt8, -127), {}, 10));
  ASSERT_EQ(i8.size(), 1u);
  EXPECT_EQ(i8[0].dtype(), DataType::kInt8);
  EXPECT_EQ(ToInts(i8[0]), std::vector<int64_t>({-127, -125, -123, -122, -128, -128, -128, -128}));
}

TEST(QuantOps, QLinearConvPaddingUsesZeroPoint) {
  // 3x3 ones kernel, pad 1 on a 2x2 image of value 7 with x_zp 5: each output sees all four
  // pixels, (7 − 5) · 4 = 8, padding adds nothing; multiplier 1, per-tensor w_zp.
  std::vector<Arg> args = {
      Fed(Tensor::FromVector<uint8_t>({1, 1, 2, 2}, {7, 7, 7, 7})),
      Const(Tensor::Scalar<float>(1.f)),
      Const(Tensor::Scalar<uint8_t>(5)),
      Const(Tensor::FromVector<uint8_t>({1, 1, 3, 3}, std::vector<uint8_t>(9, 11))),
      Const(Tensor::FromVector<float>({1}, {1.f})),
      Const(Tensor::FromVector<uint8_t>({1}, {10})),
      Const(Tensor::Scalar<float>(1.f)),
      Const(Tensor::Scalar<uint8_t>(0))};
  auto out = RunQuant(QuantNode("QLinearConv", args, {{"pads", IntsAttr({1, 1, 1, 1})}}, 10));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ToInts(out[0]), std::vector<int64_t>({8, 8, 8, 8}));
}

TEST(QuantOps, ConvIntegerPaddingAndPerChannelZeroPoint) {
  // The ONNX example (x = 2..10 in 3x3, x_zp 1, 2x2 ones kernel, pad 1) and a second channel
  // whose weight zero point is 2 (w − w_zp = -1).
  auto out = RunQuant(QuantNode(
      "ConvInteger",
      {Fed(Tensor::FromVector<uint8_t>({1, 1, 3, 3}, {2, 3, 4, 5, 6, 7, 8, 9, 10})),
       Const(Tensor::FromVector<uint8_t>({2, 1, 2, 2}, {1, 1, 1, 1, 1, 1, 1, 1})),
       Const(Tensor::Scalar<uint8_t>(1)), Const(Tensor::FromVector<uint8_t>({2}, {0, 2}))},
      {{"pads", IntsAttr({1, 1, 1, 1})}}, 10));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dtype(), DataType::kInt32);
  const std::vector<int64_t> ch0 = {1, 3, 5, 3, 5, 12, 16, 9, 11, 24, 28, 15, 7, 15, 17, 9};
  std::vector<int64_t> want = ch0;
  for (int64_t v : ch0) want.push_back(-v);
  EXPECT_EQ(ToInts(out[0]), want);
}

TEST(QuantOps, AccumulatorBeyondInt32Wraps) {
  // K = 40,000 products of 255 · 255: the exact sum 2,601,000,000 leaves int32 and the int32
  // accumulator wraps, in ConvInteger, MatMulInteger and QLinearConv alike: 2,601,000,000 − 2^32 =
  // −1,693,967,296; QLinearConv with multiplier 1e-8 then gives −16.94 -> −17, saturated to 0,
  // and with bias 2^31 − 1 (the wrapped sum + bias = 453,516,351) 4.535 -> 5.
  constexpr int64_t kC = 40000;
  const Tensor x = Tensor::FromVector<uint8_t>({1, kC, 1, 1}, std::vector<uint8_t>(kC, 255));
  const Tensor w = Tensor::FromVector<uint8_t>({1, kC, 1, 1}, std::vector<uint8_t>(kC, 255));
  auto integer = RunQuant(QuantNode("ConvInteger", {Fed(x), Const(w)}, {}, 10));
  ASSERT_EQ(integer.size(), 1u);
  EXPECT_EQ(ToInts(integer[0]), std::vector<int64_t>({-1693967296}));
  auto matmul = RunQuant(
      QuantNode("MatMulInteger", {Fed(x.Reshaped({1, kC})), Const(w.Reshaped({kC, 1}))}, {}, 10));
  ASSERT_EQ(matmul.size(), 1u);
  EXPECT_EQ(ToInts(matmul[0]), std::vector<int64_t>({-1693967296}));
  for (int32_t bias : {0, std::numeric_limits<int32_t>::max()}) {
    auto q = RunQuant(
        QuantNode("QLinearConv",
                  {Fed(x), Const(Tensor::Scalar<float>(1.f)), Const(Tensor::Scalar<uint8_t>(0)),
                   Const(w), Const(Tensor::Scalar<float>(1e-8f)), Const(Tensor::Scalar<uint8_t>(0)),
                   Const(Tensor::Scalar<float>(1.f)), Const(Tensor::Scalar<uint8_t>(0)),
                   Const(Tensor::FromVector<int32_t>({1}, {bias}))},
                  {}, 10));
    ASSERT_EQ(q.size(), 1u);
    EXPECT_EQ(ToInts(q[0]), std::vector<int64_t>({bias == 0 ? 0 : 5})) << "bias " << bias;
  }
}

TEST(QuantOps, QLinearConvRejectsBadInput) {
  auto with = [](size_t i, Arg a) {
    std::vector<Arg> args = QLinearConvArgs(DataType::kUint8, 0);
    args[i] = std::move(a);
    return QuantNode("QLinearConv", args, {}, 10);
  };
  ExpectRejected(with(0, Fed(Tensor::FromVector<float>({1, 1, 2, 2}, {1, 2, 3, 4}))),
                 StatusCode::kInvalidArgument,
                 "input 0 (x) has type float32; expected uint8 or "
                 "int8");
  ExpectRejected(with(5, Const(Tensor::FromVector<uint8_t>({2}, {0, 1}))),
                 StatusCode::kInvalidArgument,
                 "input 5 (w_zero_point) has type uint8, input 3 (w) has type int8; they must "
                 "match");
  ExpectRejected(with(2, Const(Tensor::Scalar<int8_t>(1))), StatusCode::kInvalidArgument,
                 "input 2 (x_zero_point) has type int8, input 0 (x) has type uint8");
  ExpectRejected(with(1, Const(Tensor::FromVector<float>({2}, {1, 1}))),
                 StatusCode::kInvalidArgument,
                 "input 1 (x_scale) has shape [2]; expected a scalar (one value for the whole "
                 "tensor)");
  ExpectRejected(with(7, Const(Tensor::FromVector<uint8_t>({1, 1}, {0}))),
                 StatusCode::kInvalidArgument, "input 7 (y_zero_point) has shape [1,1]");
  ExpectRejected(with(4, Const(Tensor::FromVector<float>({3}, {1, 1, 1}))),
                 StatusCode::kInvalidArgument,
                 "input 4 (w_scale) has shape [3]; expected a scalar or [2] (one value per output "
                 "channel)");
  ExpectRejected(with(8, Const(Tensor::FromVector<float>({2}, {1, 1}))),
                 StatusCode::kInvalidArgument, "input 8 (B) has type float32; expected int32");
  ExpectRejected(with(8, Const(Tensor::FromVector<int32_t>({3}, {1, 1, 1}))),
                 StatusCode::kInvalidArgument, "bias has shape [3], expected [2]");
  ExpectRejected(with(6, Const(Tensor::Scalar<int32_t>(1))), StatusCode::kInvalidArgument,
                 "input 6 (y_scale) has type int32; expected float32");
  ExpectRejected(QuantNode("ConvInteger",
                           {Fed(Tensor::FromVector<uint8_t>({1, 1, 2, 2}, {1, 2, 3, 4})),
                            Const(Tensor::FromVector<int8_t>({1, 1, 1, 1}, {1})),
                            Const(Tensor::FromVector<uint8_t>({2}, {1, 1}))},
                           {}, 10),
                 StatusCode::kInvalidArgument, "input 2 (x_zero_point) has shape [2]");
}

// ---------------------------------------------------------------------------------------------
// QLinearMatMul and MatMulInteger

TEST(QuantOps, MatMulIntegerPerRowAndPerColumnZeroPoints) {
  // A − a_zp (per row {12, 10}): [[-1, -5, -9], [0, -4, -8]];
  // B − b_zp (per column {0, 1}): [[1, -5], [2, 4], [3, -7]].
  // Products: [[-1-10-27, 5-20+63], [0-8-24, 0-16+56]] = [[-38, 48], [-32, 40]].
  auto out = RunQuant(QuantNode("MatMulInteger",
                                {Fed(Tensor::FromVector<uint8_t>({2, 3}, {11, 7, 3, 10, 6, 2})),
                                 Const(Tensor::FromVector<int8_t>({3, 2}, {1, -4, 2, 5, 3, -6})),
                                 Const(Tensor::FromVector<uint8_t>({2}, {12, 10})),
                                 Const(Tensor::FromVector<int8_t>({2}, {0, 1}))},
                                {}, 10));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dtype(), DataType::kInt32);
  EXPECT_EQ(ToInts(out[0]), std::vector<int64_t>({-38, 48, -32, 40}));
}

TEST(QuantOps, MatMulIntegerBatchedPerMatrixRows) {
  // A [2, 1, 2] (two 1x2 matrices... of rows), B [2, 2] shared: zero points [2, 1, 1] give each
  // matrix's row its own: matrix 0 row 0 zp 1, matrix 1 row 0 zp 3.
  // A − a_zp: [[1, 2]], [[0, -1]]; B = [[1, 2], [3, 4]].
  auto out = RunQuant(QuantNode("MatMulInteger",
                                {Fed(Tensor::FromVector<uint8_t>({2, 1, 2}, {2, 3, 3, 2})),
                                 Const(Tensor::FromVector<uint8_t>({2, 2}, {1, 2, 3, 4})),
                                 Const(Tensor::FromVector<uint8_t>({2, 1, 1}, {1, 3}))},
                                {}, 10));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), Shape({2, 1, 2}));
  EXPECT_EQ(ToInts(out[0]), std::vector<int64_t>({7, 10, -3, -4}));
}

TEST(QuantOps, QLinearMatMulPerColumnTiesAndSaturation) {
  // a − a_zp = [[1, 2], [3, -1]] (a_zp 10), b − b_zp per column {0, 100}: [[1, 1], [2, 0]].
  // acc = [[5, 1], [1, 3]]; multipliers a_scale · b_scale[j] / y_scale = 0.5 · {1, 10} / 1 =
  // {0.5, 5}: [[2.5, 5], [0.5, 15]] -> ties to even [[2, 5], [0, 15]]; + y_zp 120 (int8):
  // [[122, 125], [120, 135 -> 127]].
  auto out =
      RunQuant(QuantNode("QLinearMatMul",
                         {Fed(Tensor::FromVector<uint8_t>({2, 2}, {11, 12, 13, 9})),
                          Const(Tensor::Scalar<float>(0.5f)), Const(Tensor::Scalar<uint8_t>(10)),
                          Const(Tensor::FromVector<int8_t>({2, 2}, {1, 101, 2, 100})),
                          Const(Tensor::FromVector<float>({2}, {1.f, 10.f})),
                          Const(Tensor::FromVector<int8_t>({2}, {0, 100})),
                          Const(Tensor::Scalar<float>(1.f)), Const(Tensor::Scalar<int8_t>(120))},
                         {}, 10));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dtype(), DataType::kInt8);
  EXPECT_EQ(ToInts(out[0]), std::vector<int64_t>({122, 125, 120, 127}));
}

TEST(QuantOps, QLinearMatMulRejectsBadInput) {
  auto args = [] {
    return std::vector<Arg>{Fed(Tensor::FromVector<uint8_t>({2, 3}, {1, 2, 3, 4, 5, 6})),
                            Const(Tensor::Scalar<float>(1.f)),
                            Const(Tensor::Scalar<uint8_t>(0)),
                            Const(Tensor::FromVector<uint8_t>({3, 2}, {1, 2, 3, 4, 5, 6})),
                            Const(Tensor::Scalar<float>(1.f)),
                            Const(Tensor::Scalar<uint8_t>(0)),
                            Const(Tensor::Scalar<float>(1.f)),
                            Const(Tensor::Scalar<uint8_t>(0))};
  };
  auto with = [&](size_t i, Arg a) {
    std::vector<Arg> v = args();
    v[i] = std::move(a);
    return QuantNode("QLinearMatMul", v, {}, 10);
  };
  ExpectRejected(with(4, Const(Tensor::FromVector<float>({3}, {1, 1, 1}))),
                 StatusCode::kInvalidArgument,
                 "input 4 (b_scale) has shape [3]; for input 3 [3,2] expected a scalar, [2] or "
                 "[1,2] (per column of B)");
  ExpectRejected(with(1, Const(Tensor::FromVector<float>({2}, {1, 1}))),
                 StatusCode::kInvalidArgument,
                 "input 1 (a_scale) [2] and input 2 (a_zero_point) [] must have the same shape");
  ExpectRejected(with(5, Const(Tensor::Scalar<int8_t>(0))), StatusCode::kInvalidArgument,
                 "input 5 (b_zero_point) has type int8, input 3 (b) has type uint8");
  ExpectRejected(with(6, Const(Tensor::FromVector<float>({2}, {1, 1}))),
                 StatusCode::kInvalidArgument, "input 6 (y_scale) has shape [2]");
  ExpectRejected(with(3, Const(Tensor::FromVector<uint8_t>({2, 2}, {1, 2, 3, 4}))),
                 StatusCode::kInvalidArgument, "have inner dims 3 and 2");
  ExpectRejected(QuantNode("MatMulInteger",
                           {Fed(Tensor::FromVector<int32_t>({1, 1}, {1})),
                            Const(Tensor::FromVector<uint8_t>({1, 1}, {1}))},
                           {}, 10),
                 StatusCode::kInvalidArgument,
                 "input 0 (A) has type int32; expected uint8 or int8");
}

// ---------------------------------------------------------------------------------------------
// QLinearAdd (com.microsoft)

std::vector<Arg> QLinearAddArgs(float c_scale) {
  return {Fed(Tensor::FromVector<uint8_t>({2, 2}, {10, 20, 30, 250})),
          Const(Tensor::Scalar<float>(0.5f)),
          Const(Tensor::Scalar<uint8_t>(10)),
          Fed(Tensor::FromVector<uint8_t>({2}, {0, 4})),
          Const(Tensor::Scalar<float>(0.25f)),
          Const(Tensor::Scalar<uint8_t>(2)),
          Const(Tensor::Scalar<float>(c_scale)),
          Const(Tensor::Scalar<uint8_t>(5))};
}

TEST(QuantOps, QLinearAddBroadcastTiesAndSaturation) {
  // (a − 10) · 0.5 = {0, 5, 10, 120}; (b − 2) · 0.25 = {-0.5, 0.5} along the last dim.
  // Sums {-0.5, 5.5, 9.5, 120.5}: C_scale 1 -> ties to even {-0, 6, 10, 120} + 5.
  auto out = RunQuant(QuantNode("QLinearAdd", QLinearAddArgs(1.f)));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), Shape({2, 2}));
  EXPECT_EQ(ToInts(out[0]), std::vector<int64_t>({5, 11, 15, 125}));
  // C_scale 0.25: {-2, 22, 38, 482} + 5 -> {3, 27, 43, 255 (saturated)}.
  auto out2 = RunQuant(QuantNode("QLinearAdd", QLinearAddArgs(0.25f)));
  ASSERT_EQ(out2.size(), 1u);
  EXPECT_EQ(ToInts(out2[0]), std::vector<int64_t>({3, 27, 43, 255}));
}

TEST(QuantOps, QLinearAddOmittedZeroPointsInt8) {
  // int8 without zero points: a · 1 + b · 1, C_scale 2: {-128 + -128, 127 + 1, 3 + 0} / 2 =
  // {-128, 64, 1.5 -> 2}.
  auto out = RunQuant(QuantNode(
      "QLinearAdd",
      {Fed(Tensor::FromVector<int8_t>({3}, {-128, 127, 3})), Const(Tensor::Scalar<float>(1.f)),
       None(), Fed(Tensor::FromVector<int8_t>({3}, {-128, 1, 0})),
       Const(Tensor::Scalar<float>(1.f)), None(), Const(Tensor::Scalar<float>(2.f))}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dtype(), DataType::kInt8);
  EXPECT_EQ(ToInts(out[0]), std::vector<int64_t>({-128, 64, 2}));
}

TEST(QuantOps, QLinearAddFormulaPinned) {
  // ((a − a_zp)·a_scale + (b − b_zp)·b_scale) / c_scale in float32, in that order. With scales
  // 0.1, 0.1, 0.2: (−20·0.1 + 9·0.1) / 0.2 is −5.5 exactly, but float32 0.1 and 0.2 are slightly
  // above their decimals and the quotient is −5.4999995 -> −5, and (−20·0.1 + 19·0.1) / 0.2
  // gives −0.5000001 -> −1. The ratio form (a − a_zp)·(a_scale / c_scale) + … (ratios exactly
  // 0.5) lands on the ties and rounds them to −6 and −0: this test pins the formula.
  auto out = RunQuant(QuantNode(
      "QLinearAdd",
      {Fed(Tensor::FromVector<int8_t>({2}, {-20, -20})), Const(Tensor::Scalar<float>(0.1f)), None(),
       Fed(Tensor::FromVector<int8_t>({2}, {9, 19})), Const(Tensor::Scalar<float>(0.1f)), None(),
       Const(Tensor::Scalar<float>(0.2f))}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ToInts(out[0]), std::vector<int64_t>({-5, -1}));
}

TEST(QuantOps, QLinearAddRejectsBadInput) {
  auto with = [](size_t i, Arg a) {
    std::vector<Arg> args = QLinearAddArgs(1.f);
    args[i] = std::move(a);
    return QuantNode("QLinearAdd", args);
  };
  ExpectRejected(with(3, Fed(Tensor::FromVector<int8_t>({2}, {0, 4}))),
                 StatusCode::kInvalidArgument,
                 "input 3 (B) has type int8, input 0 (A) has type uint8; they must match");
  ExpectRejected(with(3, Fed(Tensor::FromVector<uint8_t>({3}, {0, 4, 1}))),
                 StatusCode::kInvalidArgument, "cannot be broadcast");
  ExpectRejected(with(4, Const(Tensor::FromVector<float>({2}, {1, 1}))),
                 StatusCode::kInvalidArgument,
                 "input 4 (B_scale) has shape [2]; expected a "
                 "scalar");
  ExpectRejected(with(6, None()), StatusCode::kInvalidArgument,
                 "required input 6 (C_scale) is missing");
}

// ---------------------------------------------------------------------------------------------
// QLinearGlobalAveragePool (com.microsoft)

TEST(QuantOps, QLinearGlobalAveragePoolBothLayouts) {
  // Two channels of 2x2 with x_zp 1: sums of x − 1 are 6 (mean 1.5 -> 2, the tie to even) and
  // 37 (9.25 -> 9); a third channel sums to 10 (2.5 -> 2). Multiplier 1 / (1 · 4) = 0.25; y_zp 3.
  const std::vector<uint8_t> nchw = {1, 2, 3, 4, 10, 10, 10, 11, 1, 2, 5, 6};
  std::vector<uint8_t> nhwc(12);
  for (int c = 0; c < 3; ++c) {
    for (int i = 0; i < 4; ++i) nhwc[i * 3 + c] = nchw[c * 4 + i];
  }
  for (int last : {0, 1}) {
    const Shape shape = last ? Shape{1, 2, 2, 3} : Shape{1, 3, 2, 2};
    auto out =
        RunQuant(QuantNode("QLinearGlobalAveragePool",
                           {Fed(Tensor::FromVector<uint8_t>(shape, last ? nhwc : nchw)),
                            Const(Tensor::Scalar<float>(1.f)), Const(Tensor::Scalar<uint8_t>(1)),
                            Const(Tensor::Scalar<float>(1.f)), Const(Tensor::Scalar<uint8_t>(3))},
                           {{"channels_last", IntAttr(last)}}));
    ASSERT_EQ(out.size(), 1u) << last;
    EXPECT_EQ(out[0].shape(), last ? Shape({1, 1, 1, 3}) : Shape({1, 3, 1, 1}));
    EXPECT_EQ(ToInts(out[0]), std::vector<int64_t>({5, 12, 5})) << "channels_last " << last;
  }
}

TEST(QuantOps, QLinearGlobalAveragePoolRejectsBadInput) {
  auto node = [](Shape shape, int64_t last) {
    return QuantNode(
        "QLinearGlobalAveragePool",
        {Fed(Tensor::FromVector<int8_t>(shape, std::vector<int8_t>(NumElements(shape), 0))),
         Const(Tensor::Scalar<float>(1.f)), Const(Tensor::Scalar<int8_t>(0)),
         Const(Tensor::Scalar<float>(1.f)), Const(Tensor::Scalar<int8_t>(0))},
        {{"channels_last", IntAttr(last)}});
  };
  ExpectRejected(node({1, 2, 2, 2}, 2), StatusCode::kInvalidArgument,
                 "channels_last is 2, expected 0 or 1");
  ExpectRejected(node({1, 2}, 0), StatusCode::kInvalidArgument,
                 "input 0 (X) has shape [1,2]; expected rank >= 3");
  ExpectRejected(node({1, 2, 0, 3}, 0), StatusCode::kInvalidArgument,
                 "has no spatial elements to average");
}

// Quantized models move uint8/int8 activations through shape ops (the int8 MobileNetV2 has
// Shape -> Gather -> Unsqueeze -> Concat -> Reshape on uint8): each gives the same elements as
// on float32.
TEST(QuantOps, ShapeOpsCarry8BitTensors) {
  struct Case {
    const char* op;
    std::vector<Arg> extra;  // inputs after the data
    std::map<std::string, Attribute> attrs;
    int64_t opset;
  };
  const Case cases[] = {
      {"Transpose", {}, {{"perm", IntsAttr({2, 0, 1})}}, 13},
      {"Flatten", {}, {{"axis", IntAttr(2)}}, 13},
      {"Reshape", {Const(Tensor::FromVector<int64_t>({2}, {4, -1}))}, {}, 13},
      {"Squeeze", {Const(Tensor::FromVector<int64_t>({1}, {0}))}, {}, 13},
      {"Unsqueeze", {Const(Tensor::FromVector<int64_t>({1}, {1}))}, {}, 13},
      {"Identity", {}, {}, 13},
      {"Gather", {Const(Tensor::FromVector<int64_t>({2}, {2, 0}))}, {{"axis", IntAttr(2)}}, 13},
      {"Slice",
       {Const(Tensor::FromVector<int64_t>({1}, {1})), Const(Tensor::FromVector<int64_t>({1}, {3})),
        Const(Tensor::FromVector<int64_t>({1}, {1}))},
       {},
       13},
      {"Concat", {}, {{"axis", IntAttr(1)}}, 13},
      {"MaxPool", {}, {{"kernel_shape", IntsAttr({2})}}, 12},
  };
  const Shape shape = {1, 4, 3};
  std::vector<uint8_t> u(12);
  std::vector<int8_t> i(12);
  std::vector<float> f(12);
  for (int e = 0; e < 12; ++e) {
    u[e] = static_cast<uint8_t>(250 - 7 * e);
    i[e] = static_cast<int8_t>(120 - 21 * e);
  }
  for (const Case& c : cases) {
    for (int is_signed : {0, 1}) {
      for (int e = 0; e < 12; ++e) f[e] = is_signed ? i[e] : u[e];
      const Tensor q =
          is_signed ? Tensor::FromVector<int8_t>(shape, i) : Tensor::FromVector<uint8_t>(shape, u);
      std::vector<Arg> args = {Fed(q)}, fargs = {Fed(Tensor::FromVector<float>(shape, f))};
      if (std::string(c.op) == "Concat") {
        args.push_back(Fed(q));
        fargs.push_back(Fed(Tensor::FromVector<float>(shape, f)));
      }
      args.insert(args.end(), c.extra.begin(), c.extra.end());
      fargs.insert(fargs.end(), c.extra.begin(), c.extra.end());
      auto got = RunQuant(QuantNode(c.op, args, c.attrs, c.opset));
      auto want = RunQuant(QuantNode(c.op, fargs, c.attrs, c.opset));
      ASSERT_EQ(got.size(), 1u) << c.op;
      ASSERT_EQ(want.size(), 1u) << c.op;
      EXPECT_EQ(got[0].dtype(), q.dtype()) << c.op;
      EXPECT_EQ(got[0].shape(), want[0].shape()) << c.op;
      EXPECT_GT(got[0].num_elements(), 0) << c.op;
      EXPECT_EQ(ToFloats(got[0]), ToFloats(want[0])) << c.op << (is_signed ? " int8" : " uint8");
    }
  }
}

// QLinearAdd is DequantizeLinear, Add and QuantizeLinear in one node, and the reference computes
// it in the same float32 steps: bit-identical to the three-node graph on random data.
TEST(QuantOps, QLinearAddEqualsDequantizeAddQuantize) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> scale(0.01f, 0.2f);
  const Shape sa = {3, 1, 17}, sb = {5, 1};
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<uint8_t> a(NumElements(sa)), b(NumElements(sb));
    for (auto& v : a) v = static_cast<uint8_t>(byte(rng));
    for (auto& v : b) v = static_cast<uint8_t>(byte(rng));
    const float as = scale(rng), bs = scale(rng), cs = scale(rng);
    const auto azp = static_cast<uint8_t>(byte(rng)), bzp = static_cast<uint8_t>(byte(rng)),
               czp = static_cast<uint8_t>(byte(rng));
    const Tensor ta = Tensor::FromVector<uint8_t>(sa, a), tb = Tensor::FromVector<uint8_t>(sb, b);
    auto fused = RunQuant(QuantNode(
        "QLinearAdd", {Fed(ta), Const(Tensor::Scalar<float>(as)), Const(Tensor::Scalar(azp)),
                       Fed(tb), Const(Tensor::Scalar<float>(bs)), Const(Tensor::Scalar(bzp)),
                       Const(Tensor::Scalar<float>(cs)), Const(Tensor::Scalar(czp))}));
    auto unfused = RunQuant(DequantizeAddQuantize(ta, as, azp, tb, bs, bzp, cs, czp));
    ASSERT_EQ(fused.size(), 1u);
    ASSERT_EQ(unfused.size(), 1u);
    EXPECT_EQ(ToInts(fused[0]), ToInts(unfused[0])) << "trial " << trial;
  }
}

}  // namespace
}  // namespace finch
