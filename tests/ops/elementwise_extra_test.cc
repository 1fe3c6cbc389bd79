// Elementwise extras: trigonometric and hyperbolic functions, ThresholdedRelu, Shrink, IsInf,
// IsNaN and BitShift — hand-checked values and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/ops/shape_test_util.h"

namespace finch {
namespace {

using shape_testing::F;
using shape_testing::Fed;
using shape_testing::OneNode;
using shape_testing::TryRun;
using testing::FloatAttr;
using testing::IntAttr;
using testing::StringAttr;
using testing::ToFloats;

std::vector<bool> Bools(const Tensor& t) {
  return std::vector<bool>(t.data<bool>(), t.data<bool>() + t.num_elements());
}

TEST(ElementwiseExtraOps, TrigAndHyperbolic) {
  Tensor x = F({2}, {0, 0.5f});
  const struct {
    const char* op;
    double (*f)(double);
  } kOps[] = {{"Sin", std::sin},   {"Cos", std::cos},   {"Tan", std::tan},     {"Asin", std::asin},
              {"Acos", std::acos}, {"Atan", std::atan}, {"Sinh", std::sinh},   {"Cosh", std::cosh},
              {"Asinh", std::asinh}, {"Atanh", std::atanh}};
  for (const auto& op : kOps) {
    auto r = TryRun(OneNode(op.op, {Fed(x)}), {Fed(x)});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    const auto y = ToFloats((*r)[0]);
    EXPECT_FLOAT_EQ(y[0], static_cast<float>(op.f(0))) << op.op;
    EXPECT_FLOAT_EQ(y[1], static_cast<float>(op.f(0.5))) << op.op;
  }
  Tensor one = F({1}, {1});
  auto acosh = TryRun(OneNode("Acosh", {Fed(one)}), {Fed(one)});
  ASSERT_TRUE(acosh.ok());
  EXPECT_EQ(ToFloats((*acosh)[0]), std::vector<float>({0}));
  // Sin before opset 7 did not exist.
  auto old = TryRun(OneNode("Sin", {Fed(x)}, 1, {}, 6), {Fed(x)});
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.status().code(), StatusCode::kUnimplemented);
}

TEST(ElementwiseExtraOps, ThresholdedReluAndShrink) {
  Tensor x = F({4}, {-1, 0.2f, 1, 2.5f});
  auto tr = TryRun(OneNode("ThresholdedRelu", {Fed(x)}), {Fed(x)});  // alpha 1: x > 1 kept
  ASSERT_TRUE(tr.ok()) << tr.status().ToString();
  EXPECT_EQ(ToFloats((*tr)[0]), std::vector<float>({0, 0, 0, 2.5f}));
  auto tr2 = TryRun(OneNode("ThresholdedRelu", {Fed(x)}, 1, {{"alpha", FloatAttr(0.1f)}}), {Fed(x)});
  ASSERT_TRUE(tr2.ok());
  EXPECT_EQ(ToFloats((*tr2)[0]), std::vector<float>({0, 0.2f, 1, 2.5f}));
  // Shrink lambd 0.5, bias 0.5: x < −0.5 -> x + 0.5; x > 0.5 -> x − 0.5; else 0.
  auto sh = TryRun(OneNode("Shrink", {Fed(x)}, 1, {{"bias", FloatAttr(0.5f)}}), {Fed(x)});
  ASSERT_TRUE(sh.ok()) << sh.status().ToString();
  EXPECT_EQ(ToFloats((*sh)[0]), std::vector<float>({-0.5f, 0, 0.5f, 2}));
  auto bad = TryRun(OneNode("Shrink", {Fed(x)}, 1, {{"lambd", StringAttr("x")}}), {Fed(x)});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("Shrink \"n\""), std::string::npos);
}

TEST(ElementwiseExtraOps, IsInfIsNaN) {
  const float inf = std::numeric_limits<float>::infinity();
  Tensor x = F({4}, {inf, -inf, 1, std::nanf("")});
  auto all = TryRun(OneNode("IsInf", {Fed(x)}), {Fed(x)});
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(Bools((*all)[0]), std::vector<bool>({true, true, false, false}));
  auto pos = TryRun(OneNode("IsInf", {Fed(x)}, 1, {{"detect_negative", IntAttr(0)}}), {Fed(x)});
  ASSERT_TRUE(pos.ok());
  EXPECT_EQ(Bools((*pos)[0]), std::vector<bool>({true, false, false, false}));
  auto nan = TryRun(OneNode("IsNaN", {Fed(x)}), {Fed(x)});
  ASSERT_TRUE(nan.ok());
  EXPECT_EQ(Bools((*nan)[0]), std::vector<bool>({false, false, false, true}));
  auto bad = TryRun(OneNode("IsInf", {Fed(x)}, 1, {{"detect_positive", IntAttr(2)}}), {Fed(x)});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("detect_positive is 2"), std::string::npos);
}

TEST(ElementwiseExtraOps, BitShift) {
  Tensor a = Tensor::FromVector<uint8_t>({3}, {1, 255, 16});
  Tensor b = Tensor::FromVector<uint8_t>({3}, {1, 1, 9});
  auto left = TryRun(OneNode("BitShift", {Fed(a), Fed(b)}, 1, {{"direction", StringAttr("LEFT")}}),
                     {Fed(a), Fed(b)});
  ASSERT_TRUE(left.ok()) << left.status().ToString();
  const uint8_t* l = (*left)[0].data<uint8_t>();
  EXPECT_EQ(std::vector<int>(l, l + 3), std::vector<int>({2, 254, 0}));  // >= 8 bits: 0
  auto right = TryRun(
      OneNode("BitShift", {Fed(a), Fed(b)}, 1, {{"direction", StringAttr("RIGHT")}}),
      {Fed(a), Fed(b)});
  ASSERT_TRUE(right.ok());
  const uint8_t* r = (*right)[0].data<uint8_t>();
  EXPECT_EQ(std::vector<int>(r, r + 3), std::vector<int>({0, 127, 0}));
  auto missing = TryRun(OneNode("BitShift", {Fed(a), Fed(b)}), {Fed(a), Fed(b)});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("BitShift \"n\": attribute direction"),
            std::string::npos);
  Tensor f = F({1}, {1});
  auto floats = TryRun(OneNode("BitShift", {Fed(f), Fed(f)}, 1, {{"direction", StringAttr("LEFT")}}),
                       {Fed(f), Fed(f)});
  ASSERT_FALSE(floats.ok());
  EXPECT_EQ(floats.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace finch
