// QLinearConv / ConvInteger and QLinearMatMul / MatMulInteger over sweeps of shapes, groups,
// strides, pads, dilations, auto_pad, 1-D/2-D/3-D, batch broadcasting and every uint8/int8
// combination, against finch's float Conv and MatMul run on the integer differences
// (x − x_zp) and (w − w_zp): those sums stay below 2^24, so the float ops compute the exact
// accumulator in any order. The requantization is then applied here with the kernels' own
// QuantizeValue (its rounding is checked by hand in quantize_test.cc). Random data from fixed
// seeds; a failure prints the case.
#include <gtest/gtest.h>

#include <random>

#include "kernels/quant/quant_math.h"
#include "tests/ops/quantize_test_util.h"

namespace finch {
namespace {

using quant_test::Arg;
using quant_test::Const;
using quant_test::Fed;
using quant_test::QuantNode;
using quant_test::RunQuant;
using testing::IntAttr;
using testing::IntsAttr;
using testing::StringAttr;
using testing::ToFloats;
using testing::ToInts;

struct Types {
  DataType x, w, y;
};
const Types kTypeCombos[] = {
    {DataType::kUint8, DataType::kInt8, DataType::kUint8},
    {DataType::kUint8, DataType::kUint8, DataType::kInt8},
    {DataType::kInt8, DataType::kInt8, DataType::kInt8},
    {DataType::kInt8, DataType::kUint8, DataType::kUint8},
};

int Lo(DataType t) { return t == DataType::kUint8 ? 0 : -128; }
int Hi(DataType t) { return t == DataType::kUint8 ? 255 : 127; }

// A tensor of `t` (uint8 or int8) with the given integer values.
Tensor IntTensor(DataType t, const Shape& shape, const std::vector<int>& v) {
  if (t == DataType::kUint8) return Tensor::FromVector<uint8_t>(shape, {v.begin(), v.end()});
  return Tensor::FromVector<int8_t>(shape, {v.begin(), v.end()});
}

std::vector<int> RandomInts(std::mt19937& rng, DataType t, int64_t n) {
  std::uniform_int_distribution<int> d(Lo(t), Hi(t));
  std::vector<int> v(n);
  for (int& x : v) x = d(rng);
  return v;
}

// Output i of a float graph run on `inputs`.
std::vector<float> RunFloat(const Graph& g, const std::vector<Tensor>& inputs) {
  auto out = testing::RunGraph(g, inputs);
  return out.empty() ? std::vector<float>() : ToFloats(out[0]);
}

int32_t Requant(DataType t, int64_t acc, float multiplier, int32_t zp) {
  return t == DataType::kUint8 ? kernels::Requantize<uint8_t>(acc, multiplier, zp)
                               : kernels::Requantize<int8_t>(acc, multiplier, zp);
}

struct ConvCase {
  Shape x, w;
  std::map<std::string, Attribute> attrs;
};

TEST(QuantOpsSweep, ConvsMatchFloatConvOnDifferences) {
  const ConvCase cases[] = {
      {{1, 3, 5, 7}, {4, 3, 3, 3}, {{"pads", IntsAttr({1, 1, 1, 1})}}},
      {{2, 4, 6, 5},
       {4, 2, 3, 3},
       {{"group", IntAttr(2)}, {"strides", IntsAttr({2, 2})}, {"pads", IntsAttr({0, 1, 1, 0})}}},
      {{1, 6, 7, 7},
       {6, 1, 3, 3},
       {{"group", IntAttr(6)}, {"dilations", IntsAttr({2, 2})}, {"pads", IntsAttr({2, 2, 2, 2})}}},
      {{1, 3, 9}, {2, 3, 4}, {{"strides", IntsAttr({3})}}},
      {{1, 2, 5, 5},
       {3, 2, 2, 2},
       {{"auto_pad", StringAttr("SAME_UPPER")}, {"strides", IntsAttr({2, 2})}}},
      {{1, 2, 5, 4}, {2, 2, 2, 3}, {{"auto_pad", StringAttr("SAME_LOWER")}}},
      {{1, 2, 3, 4, 3}, {2, 2, 2, 2, 2}, {{"pads", IntsAttr({1, 1, 1, 1, 1, 1})}}},
      {{1, 1, 1, 1}, {1, 1, 1, 1}, {}},
      {{1, 13, 4, 4}, {5, 13, 1, 1}, {}},
  };
  std::mt19937 rng(2024);
  int case_index = 0;
  for (const ConvCase& c : cases) {
    for (const Types& ty : kTypeCombos) {
      for (bool per_channel : {false, true}) {
        SCOPED_TRACE(::testing::Message() << "case " << case_index << " x " << ShapeToString(c.x)
                                          << " w " << ShapeToString(c.w) << " types "
                                          << DataTypeName(ty.x) << "/" << DataTypeName(ty.w) << "/"
                                          << DataTypeName(ty.y) << " per-channel " << per_channel);
        const int64_t m = c.w[0];
        const std::vector<int> x = RandomInts(rng, ty.x, NumElements(c.x));
        const std::vector<int> w = RandomInts(rng, ty.w, NumElements(c.w));
        const int x_zp = RandomInts(rng, ty.x, 1)[0];
        const std::vector<int> w_zp = RandomInts(rng, ty.w, per_channel ? m : 1);
        const int y_zp = RandomInts(rng, ty.y, 1)[0];
        std::uniform_int_distribution<int> bias_d(-3000, 3000);
        std::uniform_real_distribution<float> scale_d(0.002f, 0.02f);
        std::vector<int32_t> bias(m);
        for (int32_t& b : bias) b = bias_d(rng);
        std::vector<float> w_scale(per_channel ? m : 1);
        for (float& s : w_scale) s = scale_d(rng);
        const float x_scale = scale_d(rng);

        // The exact accumulator from float Conv on the differences.
        std::vector<float> dx(x.size()), dw(w.size());
        for (size_t i = 0; i < x.size(); ++i) dx[i] = static_cast<float>(x[i] - x_zp);
        const int64_t per_m = NumElements(c.w) / m;
        for (size_t i = 0; i < w.size(); ++i) {
          dw[i] = static_cast<float>(w[i] - w_zp[per_channel ? i / per_m : 0]);
        }
        const std::vector<float> acc =
            RunFloat(testing::SingleNodeGraph("Conv", {c.x, c.w}, 1, c.attrs),
                     {Tensor::FromVector<float>(c.x, dx), Tensor::FromVector<float>(c.w, dw)});
        ASSERT_FALSE(acc.empty());
        const int64_t plane = static_cast<int64_t>(acc.size()) / (c.x[0] * m);
        // y_scale puts the largest |value| near 200 steps, so some saturate and most do not.
        float max_abs = 1.f;
        for (size_t i = 0; i < acc.size(); ++i) {
          max_abs = std::max(max_abs, std::fabs(acc[i]) + 3000.f);
        }
        const float y_scale = max_abs * x_scale * 0.02f / 150.f;

        const Shape ws = per_channel ? Shape{m} : Shape{};
        auto conv = RunQuant(QuantNode(
            "QLinearConv",
            {Fed(IntTensor(ty.x, c.x, x)), Const(Tensor::Scalar<float>(x_scale)),
             Const(IntTensor(ty.x, {}, {x_zp})), Const(IntTensor(ty.w, c.w, w)),
             Const(Tensor::FromVector<float>(ws, w_scale)), Const(IntTensor(ty.w, ws, w_zp)),
             Const(Tensor::Scalar<float>(y_scale)), Const(IntTensor(ty.y, {}, {y_zp})),
             Const(Tensor::FromVector<int32_t>({m}, bias))},
            c.attrs, 10));
        auto integer = RunQuant(
            QuantNode("ConvInteger",
                      {Fed(IntTensor(ty.x, c.x, x)), Const(IntTensor(ty.w, c.w, w)),
                       Const(IntTensor(ty.x, {}, {x_zp})), Const(IntTensor(ty.w, ws, w_zp))},
                      c.attrs, 10));
        ASSERT_EQ(conv.size(), 1u);
        ASSERT_EQ(integer.size(), 1u);
        const std::vector<int64_t> got = ToInts(conv[0]), got_int = ToInts(integer[0]);
        ASSERT_EQ(got.size(), acc.size());
        ASSERT_EQ(got_int.size(), acc.size());
        int64_t bad = 0;
        for (size_t i = 0; i < acc.size(); ++i) {
          const int64_t ch = static_cast<int64_t>(i) / plane % m;
          const int64_t a = static_cast<int64_t>(acc[i]);
          const float mult = x_scale * w_scale[per_channel ? ch : 0] / y_scale;
          const int32_t want = Requant(ty.y, a + bias[ch], mult, y_zp);
          if (got[i] != want || got_int[i] != a) {
            if (bad++ < 3) {
              ADD_FAILURE() << "output " << i << ": QLinearConv " << got[i] << " want " << want
                            << ", ConvInteger " << got_int[i] << " want " << a;
            }
          }
        }
        EXPECT_EQ(bad, 0);
      }
    }
    ++case_index;
  }
}

// The matrix of an operand with batch dims `dims` (rank `rank` total, padded with 1s) that
// output batch multi-index `idx` reads (numpy broadcasting).
int64_t MatrixOf(const Shape& operand, const std::vector<int64_t>& idx) {
  const size_t nb = operand.size() >= 2 ? operand.size() - 2 : 0;
  int64_t flat = 0;
  for (size_t d = 0; d < nb; ++d) {
    const int64_t i = idx[idx.size() - nb + d];
    flat = flat * operand[d] + (operand[d] == 1 ? 0 : i);
  }
  return flat;
}

enum class Param { kTensor, kVector, kPerMatrix };

struct MatMulCase {
  Shape a, b;
  Param ap, bp;
};

TEST(QuantOpsSweep, MatMulsMatchFloatMatMulOnDifferences) {
  const MatMulCase cases[] = {
      {{1, 1}, {1, 1}, Param::kTensor, Param::kTensor},
      {{5, 7}, {7, 3}, Param::kVector, Param::kVector},
      {{2, 3, 5, 7}, {7, 4}, Param::kPerMatrix, Param::kVector},
      {{3, 1, 4, 5}, {2, 5, 6}, Param::kTensor, Param::kPerMatrix},
      {{1, 2, 3}, {4, 3, 2}, Param::kVector, Param::kTensor},
      {{7}, {7, 3}, Param::kTensor, Param::kVector},
      {{4, 7}, {7}, Param::kVector, Param::kTensor},
      {{1, 31}, {31, 17}, Param::kTensor, Param::kVector},
  };
  std::mt19937 rng(99);
  int case_index = 0;
  for (const MatMulCase& c : cases) {
    for (const Types& ty : kTypeCombos) {
      SCOPED_TRACE(::testing::Message()
                   << "case " << case_index << " a " << ShapeToString(c.a) << " b "
                   << ShapeToString(c.b) << " types " << DataTypeName(ty.x) << "/"
                   << DataTypeName(ty.w) << "/" << DataTypeName(ty.y));
      const bool a_vec = c.a.size() == 1, b_vec = c.b.size() == 1;
      const int64_t m = a_vec ? 1 : c.a[c.a.size() - 2], k = c.a.back();
      const int64_t n = b_vec ? 1 : c.b.back();
      auto param_shape = [&](Param p, const Shape& x, bool rows) {
        if (p == Param::kTensor) return Shape{};
        if (p == Param::kVector) return Shape{rows ? m : n};
        Shape s(x.begin(), x.end() - 2);
        s.push_back(rows ? m : 1);
        s.push_back(rows ? 1 : n);
        return s;
      };
      const Shape as = param_shape(c.ap, c.a, true), bs = param_shape(c.bp, c.b, false);
      const std::vector<int> a = RandomInts(rng, ty.x, NumElements(c.a));
      const std::vector<int> b = RandomInts(rng, ty.w, NumElements(c.b));
      const std::vector<int> a_zp = RandomInts(rng, ty.x, NumElements(as));
      const std::vector<int> b_zp = RandomInts(rng, ty.w, NumElements(bs));
      const int y_zp = RandomInts(rng, ty.y, 1)[0];
      std::uniform_real_distribution<float> scale_d(0.002f, 0.02f);
      std::vector<float> a_scale(a_zp.size()), b_scale(b_zp.size());
      for (float& s : a_scale) s = scale_d(rng);
      for (float& s : b_scale) s = scale_d(rng);
      const float y_scale = 0.0005f * static_cast<float>(k);

      // Parameter index of element e of A (row i of matrix t) / of B (column j of matrix t).
      auto a_param = [&](int64_t t, int64_t i) {
        return c.ap == Param::kTensor ? 0 : c.ap == Param::kVector ? i : t * m + i;
      };
      auto b_param = [&](int64_t t, int64_t j) {
        return c.bp == Param::kTensor ? 0 : c.bp == Param::kVector ? j : t * n + j;
      };
      std::vector<float> da(a.size()), db(b.size());
      for (size_t e = 0; e < a.size(); ++e) {
        const int64_t t = static_cast<int64_t>(e) / (m * k), i = static_cast<int64_t>(e) / k % m;
        da[e] = static_cast<float>(a[e] - a_zp[a_param(t, i)]);
      }
      for (size_t e = 0; e < b.size(); ++e) {
        const int64_t t = static_cast<int64_t>(e) / (k * n), j = static_cast<int64_t>(e) % n;
        db[e] = static_cast<float>(b[e] - b_zp[b_param(t, j)]);
      }
      auto float_out = testing::RunGraph(
          testing::SingleNodeGraph("MatMul", {c.a, c.b}),
          {Tensor::FromVector<float>(c.a, da), Tensor::FromVector<float>(c.b, db)});
      ASSERT_EQ(float_out.size(), 1u);
      const Shape out_shape = float_out[0].shape();
      const std::vector<float> acc = ToFloats(float_out[0]);

      auto q = RunQuant(QuantNode(
          "QLinearMatMul",
          {Fed(IntTensor(ty.x, c.a, a)), Const(Tensor::FromVector<float>(as, a_scale)),
           Const(IntTensor(ty.x, as, a_zp)), Const(IntTensor(ty.w, c.b, b)),
           Const(Tensor::FromVector<float>(bs, b_scale)), Const(IntTensor(ty.w, bs, b_zp)),
           Const(Tensor::Scalar<float>(y_scale)), Const(IntTensor(ty.y, {}, {y_zp}))},
          {}, 10));
      auto integer =
          RunQuant(QuantNode("MatMulInteger",
                             {Fed(IntTensor(ty.x, c.a, a)), Const(IntTensor(ty.w, c.b, b)),
                              Const(IntTensor(ty.x, as, a_zp)), Const(IntTensor(ty.w, bs, b_zp))},
                             {}, 10));
      ASSERT_EQ(q.size(), 1u);
      ASSERT_EQ(integer.size(), 1u);
      EXPECT_EQ(q[0].shape(), out_shape);
      EXPECT_EQ(integer[0].shape(), out_shape);
      const std::vector<int64_t> got = ToInts(q[0]), got_int = ToInts(integer[0]);
      // Output batch dims: out_shape without its matrix dims.
      const size_t nb = out_shape.size() - (a_vec ? 0 : 1) - (b_vec ? 0 : 1);
      int64_t bad = 0;
      for (size_t e = 0; e < acc.size(); ++e) {
        const int64_t j = static_cast<int64_t>(e) % n, i = static_cast<int64_t>(e) / n % m;
        std::vector<int64_t> idx(nb);
        int64_t rest = static_cast<int64_t>(e) / (m * n);
        for (size_t d = nb; d-- > 0;) {
          idx[d] = rest % out_shape[d];
          rest /= out_shape[d];
        }
        const float mult = a_scale[a_param(MatrixOf(c.a, idx), i)] *
                           b_scale[b_param(MatrixOf(c.b, idx), j)] / y_scale;
        const int64_t sum = static_cast<int64_t>(acc[e]);
        const int32_t want = Requant(ty.y, sum, mult, y_zp);
        if (got[e] != want || got_int[e] != sum) {
          if (bad++ < 3) {
            ADD_FAILURE() << "output " << e << ": QLinearMatMul " << got[e] << " want " << want
                          << ", MatMulInteger " << got_int[e] << " want " << sum;
          }
        }
      }
      EXPECT_EQ(bad, 0);
    }
    ++case_index;
  }
}

}  // namespace
}  // namespace finch
