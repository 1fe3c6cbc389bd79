// Gemm and MatMul: hand-checked values for transposes, alpha/beta, every C broadcast, the
// opset differences (broadcast attribute, optional C), MatMul's 1-D promotion and batch
// broadcasting, integer MatMul, constant folding, bad input; and gemm_f32_ref's layouts.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "kernels/gemm/gemm_ref.h"
#include "tests/util/test_util.h"

namespace finch {
namespace {

using testing::ExpectRejected;
using testing::FloatAttr;
using testing::IntAttr;
using testing::RunGraph;
using testing::SingleNodeGraph;
using testing::ToFloats;
using testing::ToInts;

// Turns the node's input i from a graph input into a constant.
void MakeConstant(Graph& g, size_t i, const Tensor& t) {
  const ValueId v = g.nodes[0].inputs[i];
  g.values[v].constant = std::make_shared<const Tensor>(t);
  g.inputs.erase(std::find(g.inputs.begin(), g.inputs.end(), v));
}

// A = [[1,2,3],[4,5,6]], B = [[1,0],[0,1],[1,1]]: A·B = [[4,5],[10,11]].
const std::vector<float> kA = {1, 2, 3, 4, 5, 6};
const std::vector<float> kAt = {1, 4, 2, 5, 3, 6};
const std::vector<float> kB = {1, 0, 0, 1, 1, 1};
const std::vector<float> kBt = {1, 0, 1, 0, 1, 1};

TEST(GemmOps, TransposesAlphaBetaVectorBias) {
  // Y = 2·A·B + 0.5·[1, 2] = [[8.5, 11], [20.5, 23]] whichever operands are stored transposed.
  for (int ta : {0, 1}) {
    for (int tb : {0, 1}) {
      const Shape sa = ta ? Shape{3, 2} : Shape{2, 3}, sb = tb ? Shape{2, 3} : Shape{3, 2};
      Graph g = SingleNodeGraph("Gemm", {sa, sb, {2}}, 1,
                                {{"transA", IntAttr(ta)},
                                 {"transB", IntAttr(tb)},
                                 {"alpha", FloatAttr(2.f)},
                                 {"beta", FloatAttr(0.5f)}});
      auto out = RunGraph(g, {Tensor::FromVector<float>(sa, ta ? kAt : kA),
                              Tensor::FromVector<float>(sb, tb ? kBt : kB),
                              Tensor::FromVector<float>({2}, {1, 2})});
      ASSERT_EQ(out.size(), 1u) << ta << tb;
      EXPECT_EQ(out[0].shape(), Shape({2, 2}));
      EXPECT_EQ(ToFloats(out[0]), std::vector<float>({8.5f, 11, 20.5f, 23})) << ta << tb;
    }
  }
}

TEST(GemmOps, BiasBroadcasts) {
  struct Case {
    Shape c_shape;
    std::vector<float> c, want;
  } cases[] = {
      {{}, {10}, {14, 15, 20, 21}},            // scalar
      {{1}, {10}, {14, 15, 20, 21}},           // one element
      {{2, 1}, {10, 20}, {14, 15, 30, 31}},    // a column: one value per row
      {{1, 2}, {10, 20}, {14, 25, 20, 31}},    // a row
      {{2, 2}, {1, 2, 3, 4}, {5, 7, 13, 15}},  // full
  };
  for (const Case& c : cases) {
    Graph g = SingleNodeGraph("Gemm", {{2, 3}, {3, 2}, c.c_shape});
    auto out =
        RunGraph(g, {Tensor::FromVector<float>({2, 3}, kA), Tensor::FromVector<float>({3, 2}, kB),
                     Tensor::FromVector<float>(c.c_shape, c.c)});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(ToFloats(out[0]), c.want) << ShapeToString(c.c_shape);
  }
}

TEST(GemmOps, BetaZeroIgnoresC) {
  // With beta = 0, C's value (even NaN) does not reach Y.
  Graph g = SingleNodeGraph("Gemm", {{2, 3}, {3, 2}, {2, 2}}, 1, {{"beta", FloatAttr(0.f)}});
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto out =
      RunGraph(g, {Tensor::FromVector<float>({2, 3}, kA), Tensor::FromVector<float>({3, 2}, kB),
                   Tensor::FromVector<float>({2, 2}, {nan, nan, nan, nan})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({4, 5, 10, 11}));
}

TEST(GemmOps, OptionalCByOpset) {
  auto out =
      RunGraph(SingleNodeGraph("Gemm", {{2, 3}, {3, 2}}, 1, {}, /*opset=*/11),
               {Tensor::FromVector<float>({2, 3}, kA), Tensor::FromVector<float>({3, 2}, kB)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({4, 5, 10, 11}));
  ExpectRejected(SingleNodeGraph("Gemm", {{2, 3}, {3, 2}}, 1, {}, /*opset=*/10),
                 StatusCode::kInvalidArgument, "input 2 (C) is required before opset 11");
}

TEST(GemmOps, Opset6BroadcastAttribute) {
  // broadcast = 1: C [2] broadcasts; broadcast = 0 (the default): C must be [M, N].
  auto out =
      RunGraph(SingleNodeGraph("Gemm", {{2, 3}, {3, 2}, {2}}, 1, {{"broadcast", IntAttr(1)}}, 6),
               {Tensor::FromVector<float>({2, 3}, kA), Tensor::FromVector<float>({3, 2}, kB),
                Tensor::FromVector<float>({2}, {10, 20})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({14, 25, 20, 31}));
  ExpectRejected(SingleNodeGraph("Gemm", {{2, 3}, {3, 2}, {2}}, 1, {}, 6),
                 StatusCode::kInvalidArgument, "does not equal (broadcast = 0)");
  out = RunGraph(SingleNodeGraph("Gemm", {{2, 3}, {3, 2}, {2, 2}}, 1, {}, 6),
                 {Tensor::FromVector<float>({2, 3}, kA), Tensor::FromVector<float>({3, 2}, kB),
                  Tensor::FromVector<float>({2, 2}, {1, 2, 3, 4})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({5, 7, 13, 15}));
}

TEST(GemmOps, ConstantFolding) {
  // Every input constant: the plan runs the kernel once and keeps Y as a constant.
  Graph g = SingleNodeGraph("Gemm", {{2, 3}, {3, 2}, {2}});
  MakeConstant(g, 0, Tensor::FromVector<float>({2, 3}, kA));
  MakeConstant(g, 1, Tensor::FromVector<float>({3, 2}, kB));
  MakeConstant(g, 2, Tensor::FromVector<float>({2}, {1, 1}));
  auto out = RunGraph(g, {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({5, 6, 11, 12}));
}

TEST(GemmOps, GemmBadInputNamed) {
  ExpectRejected(SingleNodeGraph("Gemm", {{2, 3}, {2, 2}, {2}}), StatusCode::kInvalidArgument,
                 "have inner dims 3 and 2");
  ExpectRejected(SingleNodeGraph("Gemm", {{2, 3}, {3, 2}, {3}}), StatusCode::kInvalidArgument,
                 "input 2 (C) has shape [3], which does not broadcast to the output shape [2,2]");
  ExpectRejected(SingleNodeGraph("Gemm", {{1, 2, 3}, {3, 2}}), StatusCode::kInvalidArgument,
                 "must both have rank 2");
  ExpectRejected(SingleNodeGraph("Gemm", {{2, 3}, {3, 2}}, 1, {}, 13, DataType::kInt64),
                 StatusCode::kUnimplemented, "float32 Gemm");
}

TEST(GemmOps, MatMul2dAnd1dPromotion) {
  const Tensor a = Tensor::FromVector<float>({2, 3}, kA);
  auto out = RunGraph(SingleNodeGraph("MatMul", {{2, 3}, {3, 2}}),
                      {a, Tensor::FromVector<float>({3, 2}, kB)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({4, 5, 10, 11}));
  // [2,3] · [3] -> [2]
  out = RunGraph(SingleNodeGraph("MatMul", {{2, 3}, {3}}),
                 {a, Tensor::FromVector<float>({3}, {1, 1, 1})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), Shape({2}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({6, 15}));
  // [2] · [2,3] -> [3]
  out = RunGraph(SingleNodeGraph("MatMul", {{2}, {2, 3}}),
                 {Tensor::FromVector<float>({2}, {1, -1}), a});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), Shape({3}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({-3, -3, -3}));
  // [3] · [3] -> scalar
  out = RunGraph(
      SingleNodeGraph("MatMul", {{3}, {3}}),
      {Tensor::FromVector<float>({3}, {1, 2, 3}), Tensor::FromVector<float>({3}, {4, 5, 6})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), Shape({}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({32}));
}

TEST(GemmOps, MatMulBatchBroadcast) {
  // A [2,1,1,2] (two row vectors) · B [3,2,1] (three column vectors) -> [2,3,1,1]: every
  // pairing of a row with a column.
  auto out = RunGraph(SingleNodeGraph("MatMul", {{2, 1, 1, 2}, {3, 2, 1}}),
                      {Tensor::FromVector<float>({2, 1, 1, 2}, {1, 0, 0, 1}),
                       Tensor::FromVector<float>({3, 2, 1}, {1, 2, 3, 4, 5, 6})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), Shape({2, 3, 1, 1}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({1, 3, 5, 2, 4, 6}));
  // A batched, B shared (the transformer projection): [2,1,2] · [2,2].
  out = RunGraph(SingleNodeGraph("MatMul", {{2, 1, 2}, {2, 2}}),
                 {Tensor::FromVector<float>({2, 1, 2}, {1, 2, 3, 4}),
                  Tensor::FromVector<float>({2, 2}, {1, 0, 1, 1})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), Shape({2, 1, 2}));
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({3, 2, 7, 4}));
}

TEST(GemmOps, MatMulIntegers) {
  for (DataType t : {DataType::kInt32, DataType::kInt64}) {
    Graph g = SingleNodeGraph("MatMul", {{1, 2}, {2, 2}}, 1, {}, 13, t);
    Tensor a = t == DataType::kInt32 ? Tensor::FromVector<int32_t>({1, 2}, {3, -2})
                                     : Tensor::FromVector<int64_t>({1, 2}, {3, -2});
    Tensor b = t == DataType::kInt32 ? Tensor::FromVector<int32_t>({2, 2}, {1, 2, 3, 4})
                                     : Tensor::FromVector<int64_t>({2, 2}, {1, 2, 3, 4});
    auto out = RunGraph(g, {a, b});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].dtype(), t);
    EXPECT_EQ(ToInts(out[0]), std::vector<int64_t>({-3, -2}));
  }
}

TEST(GemmOps, MatMulBadInputNamed) {
  ExpectRejected(SingleNodeGraph("MatMul", {{2, 3}, {2, 3}}), StatusCode::kInvalidArgument,
                 "have inner dims 3 and 2");
  ExpectRejected(SingleNodeGraph("MatMul", {{2, 2, 2}, {3, 2, 2}}), StatusCode::kInvalidArgument,
                 "do not broadcast (2 vs 3)");
  ExpectRejected(SingleNodeGraph("MatMul", {{}, {2}}), StatusCode::kInvalidArgument,
                 "must have rank >= 1");
  Graph mixed = SingleNodeGraph("MatMul", {{2, 2}, {2, 2}});
  mixed.values[mixed.nodes[0].inputs[1]].type.dtype = DataType::kInt64;
  ExpectRejected(mixed, StatusCode::kInvalidArgument, "must have the same type");
  ExpectRejected(SingleNodeGraph("MatMul", {{2, 2}, {2, 2}}, 1, {}, 13, DataType::kFloat64),
                 StatusCode::kUnimplemented, "float32, int32 and int64");
}

TEST(GemmOps, RefLayoutsAreBitExact) {
  // gemm_f32_ref sums every acc(i, j) in the same k order whatever the layout, so op(A)·op(B)
  // from transposed, strided storage matches the plain layout bit for bit.
  const int64_t m = 5, n = 7, k = 13;
  std::vector<float> a(m * k), b(k * n), at(k * m), bt(n * k);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t q = 0; q < k; ++q)
      at[q * m + i] = a[i * k + q] = 0.1f * ((i * 7 + q * 3) % 11) - 0.4f;
  }
  for (int64_t q = 0; q < k; ++q) {
    for (int64_t j = 0; j < n; ++j) bt[j * k + q] = b[q * n + j] = 0.3f * ((q * 5 + j) % 9) - 1.f;
  }
  kernels::GemmParams p;
  p.m = m;
  p.n = n;
  p.k = k;
  p.lda = k;
  p.ldb = n;
  p.ldc = n;
  std::vector<float> plain(m * n);
  kernels::gemm_f32_ref(p, a.data(), b.data(), plain.data());
  // Against a plain triple loop in the same order.
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      float acc = 0.f;
      for (int64_t q = 0; q < k; ++q) acc += a[i * k + q] * b[q * n + j];
      EXPECT_EQ(plain[i * n + j], acc) << i << "," << j;
    }
  }
  kernels::GemmParams pt = p;
  pt.trans_a = pt.trans_b = true;
  pt.lda = m;
  pt.ldb = k;
  pt.ldc = n + 3;  // a strided C
  std::vector<float> trans(m * (n + 3), -1.f);
  kernels::gemm_f32_ref(pt, at.data(), bt.data(), trans.data());
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) EXPECT_EQ(trans[i * (n + 3) + j], plain[i * n + j]);
    EXPECT_EQ(trans[i * (n + 3) + n], -1.f);  // the gap is untouched
  }
}

}  // namespace
}  // namespace finch
