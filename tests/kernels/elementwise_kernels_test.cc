// The elementwise reference kernels on their own: broadcast iteration, range splitting, the
// integer and conversion conventions, float16 rounding.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/elementwise/binary_ref.h"
#include "kernels/elementwise/broadcast.h"
#include "kernels/elementwise/cast_ref.h"
#include "kernels/elementwise/convert.h"
#include "kernels/elementwise/unary_ref.h"

namespace finch::kernels {
namespace {

BroadcastSpace Space(const std::vector<std::vector<int64_t>>& shapes,
                     const std::vector<int64_t>& out) {
  BroadcastSpace s;
  EXPECT_TRUE(MakeBroadcastSpace(shapes, out, &s));
  return s;
}

TEST(ElementwiseKernels, BroadcastSpaceMergesDims) {
  // Equal shapes: one row.
  BroadcastSpace s = Space({{2, 3, 4}, {2, 3, 4}}, {2, 3, 4});
  EXPECT_EQ(s.dims, (std::vector<int64_t>{24}));
  EXPECT_EQ(s.strides[0], (std::vector<int64_t>{1}));
  // A bias per channel: N·C rows of H·W, one value per row.
  s = Space({{2, 3, 4, 5}, {1, 3, 1, 1}}, {2, 3, 4, 5});
  EXPECT_EQ(s.dims, (std::vector<int64_t>{2, 3, 20}));
  EXPECT_EQ(s.strides[0], (std::vector<int64_t>{60, 20, 1}));
  EXPECT_EQ(s.strides[1], (std::vector<int64_t>{0, 1, 0}));
  // A scalar against anything: one row, stride 0.
  s = Space({{4, 5}, {}}, {4, 5});
  EXPECT_EQ(s.dims, (std::vector<int64_t>{20}));
  EXPECT_EQ(s.strides[1], (std::vector<int64_t>{0}));
  // A scalar output.
  s = Space({{}, {1}}, {1});
  EXPECT_EQ(s.dims, (std::vector<int64_t>{1}));
  EXPECT_EQ(s.num_elements, 1);
  // Zero elements.
  s = Space({{0, 3}, {3}}, {0, 3});
  EXPECT_EQ(s.num_elements, 0);
}

TEST(ElementwiseKernels, BroadcastSpaceRejectsMismatch) {
  BroadcastSpace s;
  EXPECT_FALSE(MakeBroadcastSpace({{2, 3}, {4}}, {2, 3}, &s));
  EXPECT_FALSE(MakeBroadcastSpace({{2, 2, 3}}, {2, 3}, &s));  // operand of higher rank
}

// a [2,1,3] + b [4,1] -> [2,4,3]: y[i,j,k] = a[i,0,k] + b[j,0], for every split of the range.
TEST(ElementwiseKernels, BinaryBroadcastAnySplit) {
  std::vector<float> a = {1, 2, 3, 4, 5, 6};
  std::vector<float> b = {10, 20, 30, 40};
  BroadcastSpace s = Space({{2, 1, 3}, {4, 1}}, {2, 4, 3});
  std::vector<float> want(24);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 3; ++k) want[(i * 4 + j) * 3 + k] = a[i * 3 + k] + b[j];
  for (int64_t split = 0; split <= 24; ++split) {
    std::vector<float> y(24, -1);
    binary_ref<float>(BinaryOp::kAdd, s, a.data(), b.data(), y.data(), 0, split);
    binary_ref<float>(BinaryOp::kAdd, s, a.data(), b.data(), y.data(), split, 24);
    EXPECT_EQ(y, want) << "split at " << split;
  }
}

TEST(ElementwiseKernels, IntegerConventions) {
  BroadcastSpace s = Space({{6}, {6}}, {6});
  const int32_t kMin = std::numeric_limits<int32_t>::min();
  std::vector<int32_t> a = {7, -7, 7, kMin, kMin, 5};
  std::vector<int32_t> b = {2, 2, 0, -1, -1, -2};
  std::vector<int32_t> y(6);
  binary_ref<int32_t>(BinaryOp::kDiv, s, a.data(), b.data(), y.data(), 0, 6);
  EXPECT_EQ(y, (std::vector<int32_t>{3, -3, 0, kMin, kMin, -2}));  // truncation, x/0 = 0
  binary_ref<int32_t>(BinaryOp::kMod, s, a.data(), b.data(), y.data(), 0, 6);
  EXPECT_EQ(y, (std::vector<int32_t>{1, 1, 0, 0, 0, -1}));  // sign of the divisor
  binary_ref<int32_t>(BinaryOp::kFmod, s, a.data(), b.data(), y.data(), 0, 6);
  EXPECT_EQ(y, (std::vector<int32_t>{1, -1, 0, 0, 0, 1}));  // sign of the dividend
  binary_ref<int32_t>(BinaryOp::kSub, s, a.data(), b.data(), y.data(), 0, 6);
  EXPECT_EQ(y[3], kMin + 1);
  std::vector<int32_t> big = {std::numeric_limits<int32_t>::max()};
  std::vector<int32_t> one = {1};
  BroadcastSpace s1 = Space({{1}, {1}}, {1});
  binary_ref<int32_t>(BinaryOp::kAdd, s1, big.data(), one.data(), y.data(), 0, 1);
  EXPECT_EQ(y[0], kMin);  // wraps
  std::vector<int32_t> neg(1);
  std::vector<int32_t> min_only = {kMin};
  EXPECT_TRUE(unary_ref<int32_t>(UnaryOp::kAbs, {}, min_only.data(), neg.data(), 1));
  EXPECT_EQ(neg[0], kMin);
  EXPECT_FALSE(unary_ref<int32_t>(UnaryOp::kSigmoid, {}, nullptr, nullptr, 0));
}

TEST(ElementwiseKernels, PowIntegerAndFloat) {
  BroadcastSpace s = Space({{5}, {5}}, {5});
  std::vector<int64_t> base = {2, 3, -2, 2, 0};
  std::vector<double> e = {10, 0, 3, -1, -2};
  std::vector<int64_t> y(5);
  pow_ref<int64_t>(s, base.data(), e.data(), y.data(), 0, 5);
  EXPECT_EQ(y, (std::vector<int64_t>{1024, 1, -8, 0, 0}));
  std::vector<int64_t> big = {3};
  std::vector<double> e39 = {39};  // 3^39 > 2^53: exact only with integer arithmetic
  BroadcastSpace s1 = Space({{1}, {1}}, {1});
  pow_ref<int64_t>(s1, big.data(), e39.data(), y.data(), 0, 1);
  EXPECT_EQ(y[0], 4052555153018976267LL);
  std::vector<float> fb = {4, 2, -8};
  std::vector<double> fe = {0.5};
  std::vector<float> fy(3);
  pow_ref<float>(Space({{3}, {1}}, {3}), fb.data(), fe.data(), fy.data(), 0, 3);
  EXPECT_EQ(fy[0], 2.0f);
  EXPECT_FLOAT_EQ(fy[1], std::sqrt(2.0f));
  EXPECT_TRUE(std::isnan(fy[2]));
}

TEST(ElementwiseKernels, RoundHalfToEven) {
  std::vector<float> x = {0.5f, 1.5f, 2.5f, -2.5f, -0.4f, 2.6f, -1.5f, 1e9f + 64};
  std::vector<float> y(x.size());
  ASSERT_TRUE(unary_ref<float>(UnaryOp::kRound, {}, x.data(), y.data(), x.size()));
  EXPECT_EQ(y, (std::vector<float>{0, 2, 2, -2, -0.0f, 3, -2, 1e9f + 64}));
  EXPECT_TRUE(std::signbit(y[4]));
}

TEST(ElementwiseKernels, NanPropagates) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> x = {nan};
  std::vector<float> y(1);
  for (UnaryOp op : {UnaryOp::kRelu, UnaryOp::kSign, UnaryOp::kHardSigmoid, UnaryOp::kSoftplus}) {
    ASSERT_TRUE(unary_ref<float>(op, {0.2f, 0.5f, 0}, x.data(), y.data(), 1));
    EXPECT_TRUE(std::isnan(y[0])) << static_cast<int>(op);
  }
  std::vector<float> a = {nan, 1}, b = {1, nan}, m(2);
  BroadcastSpace s = Space({{2}, {2}}, {2});
  binary_ref<float>(BinaryOp::kMax, s, a.data(), b.data(), m.data(), 0, 2);
  EXPECT_TRUE(std::isnan(m[0]) && std::isnan(m[1]));
  binary_ref<float>(BinaryOp::kMin, s, a.data(), b.data(), m.data(), 0, 2);
  EXPECT_TRUE(std::isnan(m[0]) && std::isnan(m[1]));
  clip_ref<float>(x.data(), y.data(), 1, 0.f, 1.f);
  EXPECT_TRUE(std::isnan(y[0]));
}

TEST(ElementwiseKernels, SoftplusDoesNotOverflow) {
  std::vector<float> x = {100.f, -100.f, 0.f};
  std::vector<float> y(3);
  ASSERT_TRUE(unary_ref<float>(UnaryOp::kSoftplus, {}, x.data(), y.data(), 3));
  EXPECT_FLOAT_EQ(y[0], 100.f);
  EXPECT_NEAR(y[1], 3.72e-44f, 1e-44f);
  EXPECT_FLOAT_EQ(y[2], std::log(2.f));
}

TEST(ElementwiseKernels, CastFloatToIntSaturates) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> x = {1.7f, -1.7f, 1e10f, -1e10f, nan, 300.f, -3.f};
  std::vector<int32_t> i32(x.size());
  cast_ref(ElemType::kF32, x.data(), ElemType::kI32, i32.data(), x.size());
  EXPECT_EQ(i32, (std::vector<int32_t>{1, -1, std::numeric_limits<int32_t>::max(),
                                       std::numeric_limits<int32_t>::min(), 0, 300, -3}));
  std::vector<uint8_t> u8(x.size());
  cast_ref(ElemType::kF32, x.data(), ElemType::kU8, u8.data(), x.size());
  EXPECT_EQ(u8, (std::vector<uint8_t>{1, 0, 255, 0, 0, 255, 0}));
  bool b[7];
  cast_ref(ElemType::kF32, x.data(), ElemType::kBool, b, x.size());
  EXPECT_TRUE(b[0] && b[4]);  // NaN != 0
  std::vector<int64_t> wide = {300, -1};
  std::vector<int8_t> narrow(2);
  cast_ref(ElemType::kI64, wide.data(), ElemType::kI8, narrow.data(), 2);
  EXPECT_EQ(narrow, (std::vector<int8_t>{44, -1}));  // wraps modulo 256
}

uint16_t HalfBits(float f) { return FloatToHalf(f).bits; }

TEST(ElementwiseKernels, Float16Rounding) {
  EXPECT_EQ(HalfBits(1.0f), 0x3c00);
  EXPECT_EQ(HalfBits(-2.0f), 0xc000);
  EXPECT_EQ(HalfBits(65504.f), 0x7bff);
  EXPECT_EQ(HalfBits(65519.f), 0x7bff);
  EXPECT_EQ(HalfBits(65520.f), 0x7c00);  // the tie rounds to even: infinity
  EXPECT_EQ(HalfBits(std::ldexp(1.f, -24)), 0x0001);
  EXPECT_EQ(HalfBits(std::ldexp(1.f, -25)), 0x0000);         // tie to even (0)
  EXPECT_EQ(HalfBits(std::ldexp(3.f, -25)), 0x0002);         // 1.5 ulp: tie to even (2)
  EXPECT_EQ(HalfBits(std::ldexp(1023.5f, -24)), 0x0400);     // rounds up into the normals
  EXPECT_EQ(HalfBits(1.0f + std::ldexp(1.f, -11)), 0x3c00);  // tie: stays even
  EXPECT_EQ(HalfBits(1.0f + std::ldexp(3.f, -11)), 0x3c02);  // tie: up to even
  EXPECT_EQ(HalfBits(std::numeric_limits<float>::quiet_NaN()) & 0x7e00, 0x7e00);
  EXPECT_EQ(HalfBits(-0.0f), 0x8000);
  // Every finite half survives half -> float -> half.
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    if ((bits & 0x7c00) == 0x7c00 && (bits & 0x3ff)) continue;  // NaN payloads
    const float f = HalfToFloat(Half{static_cast<uint16_t>(bits)});
    ASSERT_EQ(HalfBits(f), bits) << std::hex << bits;
  }
  EXPECT_EQ(HalfToFloat(Half{0x3555}), 0.333251953125f);
}

}  // namespace
}  // namespace finch::kernels
