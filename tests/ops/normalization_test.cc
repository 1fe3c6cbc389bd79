// Normalization ops: hand-checked values for Softmax/LogSoftmax (both opset semantics),
// BatchNormalization (spatial and per-activation, rank 1), LayerNormalization (axes, Scale/B
// broadcasting, Mean/InvStdDev outputs), InstanceNormalization, and bad input.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/util/test_util.h"

namespace finch {
namespace {

using testing::ExpectNear;
using testing::ExpectRejected;
using testing::FloatAttr;
using testing::IntAttr;
using testing::RunGraph;
using testing::SingleNodeGraph;
using testing::ToFloats;

Tensor Zeros(const Shape& s) { return Tensor::FromVector<float>(s, std::vector<float>(16, 0.f)); }

TEST(NormalizationOps, SoftmaxValues) {
  // exp(0) : exp(ln 3) = 1 : 3; a large offset must not overflow.
  const float ln3 = std::log(3.f);
  auto out = RunGraph(SingleNodeGraph("Softmax", {{2, 2}}),
                      {Tensor::FromVector<float>({2, 2}, {0, ln3, 1000, 1000})});
  ASSERT_EQ(out.size(), 1u);
  ExpectNear(out[0], {0.25f, 0.75f, 0.5f, 0.5f});
  out = RunGraph(SingleNodeGraph("LogSoftmax", {{2, 2}}),
                 {Tensor::FromVector<float>({2, 2}, {0, ln3, 1000, 1000})});
  ASSERT_EQ(out.size(), 1u);
  ExpectNear(out[0], {std::log(0.25f), std::log(0.75f), std::log(0.5f), std::log(0.5f)});
}

TEST(NormalizationOps, SoftmaxAxisSemanticsByOpset) {
  // Zeros [2,2,2]: the result is 1 / (number of elements normalized together).
  struct Case {
    int64_t opset;
    std::map<std::string, Attribute> attrs;
    float want;
  } cases[] = {
      {13, {}, 0.5f},                        // over the last axis
      {11, {}, 0.25f},                       // axis 1, coerced: the trailing 2·2 elements
      {13, {{"axis", IntAttr(0)}}, 0.5f},    // over axis 0 only
      {11, {{"axis", IntAttr(0)}}, 0.125f},  // everything
      {1, {{"axis", IntAttr(-1)}}, 0.5f},
  };
  for (const Case& c : cases) {
    auto out =
        RunGraph(SingleNodeGraph("Softmax", {{2, 2, 2}}, 1, c.attrs, c.opset), {Zeros({2, 2, 2})});
    ASSERT_EQ(out.size(), 1u);
    ExpectNear(out[0], std::vector<float>(8, c.want));
  }
}

TEST(NormalizationOps, SoftmaxMiddleAxis) {
  // Over axis 1 of [1,2,2] (opset 13): pairs (x[0,0,j], x[0,1,j]).
  const float ln3 = std::log(3.f);
  auto out = RunGraph(SingleNodeGraph("Softmax", {{1, 2, 2}}, 1, {{"axis", IntAttr(1)}}),
                      {Tensor::FromVector<float>({1, 2, 2}, {0, 5, ln3, 5})});
  ASSERT_EQ(out.size(), 1u);
  ExpectNear(out[0], {0.25f, 0.5f, 0.75f, 0.5f});
}

TEST(NormalizationOps, SoftmaxBadInput) {
  ExpectRejected(SingleNodeGraph("Softmax", {{2, 2}}, 1, {{"axis", IntAttr(2)}}),
                 StatusCode::kInvalidArgument, "axis 2 is out of range");
  ExpectRejected(SingleNodeGraph("LogSoftmax", {{2, 2}}, 1, {}, 13, DataType::kInt64),
                 StatusCode::kUnimplemented, "int64");
}

TEST(NormalizationOps, BatchNormInference) {
  // Channel 0: (x − 1) / 2 · 1 + 0; channel 1: (x − 3) / 0.5 · 2 + 1.
  Graph g = SingleNodeGraph("BatchNormalization", {{1, 2, 1, 2}, {2}, {2}, {2}, {2}}, 1,
                            {{"epsilon", FloatAttr(0.f)}});
  auto out = RunGraph(
      g, {Tensor::FromVector<float>({1, 2, 1, 2}, {1, 2, 3, 4}),
          Tensor::FromVector<float>({2}, {1, 2}), Tensor::FromVector<float>({2}, {0, 1}),
          Tensor::FromVector<float>({2}, {1, 3}), Tensor::FromVector<float>({2}, {4, 0.25f})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({0, 0.5f, 1, 5}));
}

TEST(NormalizationOps, BatchNormEpsilonDefault) {
  // var 0: the default epsilon 1e-5 keeps the division finite: (1 − 0) / sqrt(1e-5).
  Graph g = SingleNodeGraph("BatchNormalization", {{1, 1}, {1}, {1}, {1}, {1}});
  auto out =
      RunGraph(g, {Tensor::FromVector<float>({1, 1}, {1}), Tensor::FromVector<float>({1}, {1}),
                   Tensor::FromVector<float>({1}, {0}), Tensor::FromVector<float>({1}, {0}),
                   Tensor::FromVector<float>({1}, {0})});
  ASSERT_EQ(out.size(), 1u);
  ExpectNear(out[0], {1.f / std::sqrt(1e-5f)}, 1e-2f);
}

TEST(NormalizationOps, BatchNormPerActivationBeforeOpset9) {
  // spatial = 0: one parameter per (channel, position): X [1,2,2], params [2,2].
  Graph g = SingleNodeGraph("BatchNormalization", {{1, 2, 2}, {2, 2}, {2, 2}, {2, 2}, {2, 2}}, 1,
                            {{"spatial", IntAttr(0)}, {"epsilon", FloatAttr(0.f)}}, 7);
  auto out = RunGraph(g, {Tensor::FromVector<float>({1, 2, 2}, {1, 2, 3, 4}),
                          Tensor::FromVector<float>({2, 2}, {1, 1, 1, 2}),
                          Tensor::FromVector<float>({2, 2}, {0, 0, 0, 1}),
                          Tensor::FromVector<float>({2, 2}, {0, 2, 3, 0}),
                          Tensor::FromVector<float>({2, 2}, {1, 1, 4, 16})});
  ASSERT_EQ(out.size(), 1u);
  // (1−0)/1, (2−2)/1, (3−3)/2, (4−0)/4·2+1.
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({1, 0, 0, 3}));
  // From opset 9 `spatial` is gone: the parameters must be [C].
  Graph g9 = SingleNodeGraph("BatchNormalization", {{1, 2, 2}, {2, 2}, {2, 2}, {2, 2}, {2, 2}}, 1,
                             {{"spatial", IntAttr(0)}}, 9);
  ExpectRejected(g9, StatusCode::kInvalidArgument, "input 1 (scale) has shape [2,2], expected [2]");
}

TEST(NormalizationOps, BatchNormRank1) {
  // X [N] is read as C = 1 (opset 9+).
  Graph g = SingleNodeGraph("BatchNormalization", {{3}, {1}, {1}, {1}, {1}}, 1,
                            {{"epsilon", FloatAttr(0.f)}}, 15);
  auto out =
      RunGraph(g, {Tensor::FromVector<float>({3}, {1, 2, 3}), Tensor::FromVector<float>({1}, {2}),
                   Tensor::FromVector<float>({1}, {1}), Tensor::FromVector<float>({1}, {2}),
                   Tensor::FromVector<float>({1}, {1})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({-1, 1, 3}));
}

TEST(NormalizationOps, BatchNormTrainingUnsupported) {
  const std::vector<Shape> shapes = {{1, 2, 2}, {2}, {2}, {2}, {2}};
  ExpectRejected(
      SingleNodeGraph("BatchNormalization", shapes, 1, {{"training_mode", IntAttr(1)}}, 15),
      StatusCode::kUnimplemented, "training_mode is 1");
  ExpectRejected(SingleNodeGraph("BatchNormalization", shapes, 3, {}, 9),
                 StatusCode::kUnimplemented, "output 1");
  ExpectRejected(SingleNodeGraph("BatchNormalization", {{1, 2, 2}, {3}, {2}, {2}, {2}}),
                 StatusCode::kInvalidArgument, "input 1 (scale) has shape [3], expected [2]");
  ExpectRejected(SingleNodeGraph("BatchNormalization", {{}, {1}, {1}, {1}, {1}}),
                 StatusCode::kInvalidArgument, "expected [N, C, D...] or [N]");
}

TEST(NormalizationOps, LayerNormLastAxisWithStats) {
  // Rows [1, 3] and [0, 4]: means 2 and 2, variances 1 and 4 -> normalized [−1, 1] both;
  // · Scale [2, 1] + B [0.5, 0] = [−1.5, 1].
  Graph g =
      SingleNodeGraph("LayerNormalization", {{2, 2}, {2}, {2}}, 3, {{"epsilon", FloatAttr(0.f)}});
  auto out = RunGraph(
      g, {Tensor::FromVector<float>({2, 2}, {1, 3, 0, 4}), Tensor::FromVector<float>({2}, {2, 1}),
          Tensor::FromVector<float>({2}, {0.5f, 0})});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({-1.5f, 1, -1.5f, 1}));
  EXPECT_EQ(out[1].shape(), Shape({2, 1}));
  EXPECT_EQ(ToFloats(out[1]), std::vector<float>({2, 2}));
  EXPECT_EQ(out[2].shape(), Shape({2, 1}));
  EXPECT_EQ(ToFloats(out[2]), std::vector<float>({1, 0.5f}));
}

TEST(NormalizationOps, LayerNormAxis0BroadcastScaleNoBias) {
  // axis 0 normalizes the whole [2,2] block (mean 1, variance 1); Scale [2] broadcasts over
  // its rows.
  Graph g = SingleNodeGraph("LayerNormalization", {{2, 2}, {2}}, 1,
                            {{"axis", IntAttr(0)}, {"epsilon", FloatAttr(0.f)}});
  auto out = RunGraph(
      g, {Tensor::FromVector<float>({2, 2}, {0, 2, 2, 0}), Tensor::FromVector<float>({2}, {1, 3})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({-1, 3, 1, -3}));
}

TEST(NormalizationOps, LayerNormBadInput) {
  ExpectRejected(SingleNodeGraph("LayerNormalization", {{2, 2}, {2}}, 1, {{"axis", IntAttr(3)}}),
                 StatusCode::kInvalidArgument, "axis 3 is out of range");
  ExpectRejected(SingleNodeGraph("LayerNormalization", {{2, 2}, {3}}), StatusCode::kInvalidArgument,
                 "input 1 (Scale) has shape [3], which does not broadcast to the normalized");
  ExpectRejected(SingleNodeGraph("LayerNormalization", {{2, 2}, {2}, {2, 2}}),
                 StatusCode::kInvalidArgument, "input 2 (B) has shape [2,2]");
  ExpectRejected(
      SingleNodeGraph("LayerNormalization", {{2, 2}, {2}}, 2, {{"stash_type", IntAttr(11)}}),
      StatusCode::kUnimplemented, "stash_type 11");
}

TEST(NormalizationOps, InstanceNorm) {
  // Each (n, c) plane normalized on its own: [0, 2] and [1, 5] both become [−1, 1].
  Graph g = SingleNodeGraph("InstanceNormalization", {{1, 2, 2}, {2}, {2}}, 1,
                            {{"epsilon", FloatAttr(0.f)}}, 6);
  auto out = RunGraph(
      g, {Tensor::FromVector<float>({1, 2, 2}, {0, 2, 1, 5}),
          Tensor::FromVector<float>({2}, {1, 2}), Tensor::FromVector<float>({2}, {0, 10})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ToFloats(out[0]), std::vector<float>({-1, 1, 8, 12}));
  ExpectRejected(SingleNodeGraph("InstanceNormalization", {{1, 2, 2}, {3}, {2}}),
                 StatusCode::kInvalidArgument, "inputs 1 (scale) and 2 (B) have shapes [3]");
}

}  // namespace
}  // namespace finch
