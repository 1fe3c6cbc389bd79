// QLinearMatMul with constant weights (runtime/ops/qlinear_matmul_packed.cc: the packed QGEMM)
// against the same node with the weights fed at run time (the scalar reference), bit for bit:
// rows around the 48-row task and the 12-row tile (1, 2, 5, 47, 48, 49, 97), columns around the
// 16-column panel (1, 15, 16, 17, 40, 1000), symmetric int8 weights (the VNNI kernel) and
// weights with zero points in [−9, 9] (w − zp leaves int8: the int16 kernel), uint8 and int8
// activations; on 1, 2 and
// 3 threads, where few rows make the kernel split the columns too.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "runtime/session.h"
#include "tests/util/graph_builder.h"

namespace finch::testing {
namespace {

struct Case {
  int64_t m, k, n;
  DataType a_type;
  bool symmetric;  // weight zero point 0
};

template <typename T>
Tensor Random(const Shape& shape, std::mt19937& rng, int lo, int hi) {
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<T> v(static_cast<size_t>(NumElements(shape)));
  for (T& x : v) x = static_cast<T>(d(rng));
  return Tensor::FromVector<T>(shape, v);
}

Tensor Random8(DataType t, const Shape& shape, std::mt19937& rng) {
  return t == DataType::kUint8 ? Random<uint8_t>(shape, rng, 0, 255)
                               : Random<int8_t>(shape, rng, -128, 127);
}

Tensor Scalar8(DataType t, int v) {
  return t == DataType::kUint8 ? Tensor::Scalar<uint8_t>(static_cast<uint8_t>(v))
                               : Tensor::Scalar<int8_t>(static_cast<int8_t>(v));
}

// QLinearMatMul(a [m, k], b [k, n]) with b constant or a second input.
Graph MatMulGraph(const Case& c, const Tensor& b, bool b_constant) {
  std::mt19937 rng(static_cast<uint32_t>(c.n));
  GraphBuilder g;
  const ValueId a = g.StaticInput("a", {c.m, c.k}, c.a_type);
  const ValueId bv = b_constant ? g.Const("b", b) : g.StaticInput("b", {c.k, c.n}, DataType::kInt8);
  std::vector<float> b_scale(c.n);
  for (int64_t j = 0; j < c.n; ++j) b_scale[j] = 0.001f + 0.0003f * static_cast<float>(j % 7);
  g.g.outputs.push_back(g.Op(
      "QLinearMatMul", "mm",
      {a, g.Const("a_scale", Tensor::Scalar(0.04f)),
       g.Const("a_zp", Scalar8(c.a_type, c.a_type == DataType::kUint8 ? 121 : -9)), bv,
       g.Const("b_scale", Tensor::FromVector<float>({c.n}, b_scale)),
       g.Const("b_zp", c.symmetric ? Tensor::FromVector<int8_t>({c.n}, std::vector<int8_t>(c.n))
                                   : Random<int8_t>({c.n}, rng, -9, 9)),
       g.Const("y_scale", Tensor::Scalar(0.09f)),
       g.Const("y_zp", Scalar8(c.a_type, c.a_type == DataType::kUint8 ? 130 : 3))},
      {}));
  return g.g;
}

std::vector<uint8_t> RunMatMul(const Graph& g, int threads, const std::vector<Tensor>& inputs,
                               std::string* kernel) {
  SessionOptions o;
  o.threads = threads;
  auto s = Session::Create(g, o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return {};
  RunOptions ro;
  ro.time_steps = true;
  RunProfile profile;
  auto out = (*s)->Run(inputs, ro, &profile);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  if (!out.ok()) return {};
  for (const auto& step : profile.steps) {
    if (step.op_type.find("QLinearMatMul") != std::string::npos) *kernel = step.kernel;
  }
  const Tensor& y = (*out)[0];
  const auto* p = static_cast<const uint8_t*>(y.raw_data());
  return std::vector<uint8_t>(p, p + y.byte_size());
}

TEST(QLinearMatMulPacked, MatchesTheReferenceOnAnyThreadCount) {
  uint32_t seed = 1;
  for (int64_t m : {1, 2, 5, 47, 48, 49, 97}) {
    for (int64_t n : {1, 15, 16, 17, 40, 1000}) {
      for (bool symmetric : {true, false}) {
        const Case c{m, seed % 2 ? 64 : 7, n, seed % 3 ? DataType::kUint8 : DataType::kInt8,
                     symmetric};
        SCOPED_TRACE("m " + std::to_string(m) + " k " + std::to_string(c.k) + " n " +
                     std::to_string(n) + (symmetric ? " symmetric" : ""));
        std::mt19937 rng(seed++);
        const Tensor b = Random<int8_t>({c.k, c.n}, rng, -128, 127);
        const Tensor a = Random8(c.a_type, {c.m, c.k}, rng);
        std::string ref_kernel, kernel;
        const std::vector<uint8_t> want =
            RunMatMul(MatMulGraph(c, b, false), 1, {a, b}, &ref_kernel);
        ASSERT_FALSE(want.empty());
        EXPECT_EQ(ref_kernel.find("packed"), std::string::npos) << ref_kernel;
        for (int threads : {1, 2, 3}) {
          EXPECT_EQ(RunMatMul(MatMulGraph(c, b, true), threads, {a}, &kernel), want)
              << threads << " threads";
          EXPECT_NE(kernel.find("packed"), std::string::npos) << kernel;
        }
      }
    }
  }
}

}  // namespace
}  // namespace finch::testing
