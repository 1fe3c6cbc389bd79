// The elementwise ops through a session: hand-checked values per op, opset differences, type
// support, and errors on bad input that name the node and the problem.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "graph/onnx/tensor_proto.h"
#include "graph/ops/broadcast.h"
#include "graph/ops/op_schema.h"
#include "tests/util/test_util.h"

namespace finch {
namespace {

using testing::FloatAttr;
using testing::IntAttr;
using testing::IntsAttr;
using testing::StringAttr;

// An input of the test graph: fed at run time, a constant (initializer), or omitted.
struct In {
  Tensor value;
  bool constant = false;
  bool omitted = false;
};
In Fed(Tensor t) { return In{std::move(t), false, false}; }
In Const(Tensor t) { return In{std::move(t), true, false}; }
In Omitted() { return In{Tensor(), false, true}; }

struct TestGraph {
  Graph graph;
  std::vector<Tensor> feeds;
};

TestGraph OneNode(const std::string& op, const std::vector<In>& inputs,
                  std::map<std::string, Attribute> attrs = {}, int64_t opset = 17) {
  TestGraph t;
  Graph& g = t.graph;
  g.opset_imports[""] = opset;
  Node node;
  node.name = "n";
  node.op_type = op;
  node.attributes = std::move(attrs);
  for (size_t i = 0; i < inputs.size(); ++i) {
    const In& in = inputs[i];
    if (in.omitted) {
      node.inputs.push_back(kNoValue);
    } else if (in.constant) {
      node.inputs.push_back(
          g.AddConstant(StrCat("c", i), std::make_shared<const Tensor>(in.value)));
    } else {
      ValueId v =
          g.AddValue(StrCat("x", i), TensorType::Static(in.value.dtype(), in.value.shape()));
      g.inputs.push_back(v);
      node.inputs.push_back(v);
      t.feeds.push_back(in.value);
    }
  }
  ValueId y = g.AddValue("y");
  g.outputs.push_back(y);
  node.outputs.push_back(y);
  g.nodes.push_back(std::move(node));
  return t;
}

StatusOr<Tensor> TryRun(const std::string& op, const std::vector<In>& inputs,
                        std::map<std::string, Attribute> attrs = {}, int64_t opset = 17,
                        int threads = 1) {
  TestGraph t = OneNode(op, inputs, std::move(attrs), opset);
  FINCH_ASSIGN_OR_RETURN(auto session, Session::Create(t.graph, SessionOptions{threads}));
  FINCH_ASSIGN_OR_RETURN(std::vector<Tensor> out, session->Run(t.feeds));
  return out.at(0);
}

Tensor RunOp(const std::string& op, const std::vector<In>& inputs,
             std::map<std::string, Attribute> attrs = {}, int64_t opset = 17) {
  auto out = TryRun(op, inputs, std::move(attrs), opset);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out : Tensor();
}

Tensor F(Shape shape, std::vector<float> v) { return Tensor::FromVector<float>(shape, v); }
Tensor I64(Shape shape, std::vector<int64_t> v) { return Tensor::FromVector<int64_t>(shape, v); }
Tensor I32(Shape shape, std::vector<int32_t> v) { return Tensor::FromVector<int32_t>(shape, v); }
Tensor B(Shape shape, std::vector<bool> v) {
  Tensor t = std::move(Tensor::Allocate(DataType::kBool, shape)).value();
  for (size_t i = 0; i < v.size(); ++i) t.mutable_data<bool>()[i] = v[i];
  return t;
}

template <typename T>
std::vector<T> Values(const Tensor& t) {
  return std::vector<T>(t.data<T>(), t.data<T>() + t.num_elements());
}

void ExpectFloats(const Tensor& t, Shape shape, std::vector<float> want, float tol = 1e-6f) {
  ASSERT_EQ(t.dtype(), DataType::kFloat32);
  ASSERT_EQ(t.shape(), shape);
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isinf(want[i])) {
      EXPECT_EQ(t.data<float>()[i], want[i]) << i;
    } else {
      EXPECT_NEAR(t.data<float>()[i], want[i], tol) << i;
    }
  }
}

void ExpectError(const StatusOr<Tensor>& r, StatusCode code, const std::string& substring) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), code) << r.status().ToString();
  EXPECT_NE(r.status().message().find(substring), std::string::npos) << r.status().message();
}

// ---- unary ----

TEST(ElementwiseOps, UnaryMath) {
  Tensor x = F({4}, {-2.f, -0.5f, 0.f, 1.5f});
  ExpectFloats(RunOp("Relu", {Fed(x)}), {4}, {0, 0, 0, 1.5f});
  ExpectFloats(RunOp("Neg", {Fed(x)}), {4}, {2, 0.5f, 0, -1.5f});
  ExpectFloats(RunOp("Abs", {Fed(x)}), {4}, {2, 0.5f, 0, 1.5f});
  ExpectFloats(RunOp("Sign", {Fed(x)}), {4}, {-1, -1, 0, 1});
  ExpectFloats(RunOp("Floor", {Fed(x)}), {4}, {-2, -1, 0, 1});
  ExpectFloats(RunOp("Ceil", {Fed(x)}), {4}, {-2, -0.f, 0, 2});
  ExpectFloats(RunOp("Round", {Fed(x)}), {4}, {-2, -0.f, 0, 2});
  ExpectFloats(RunOp("Softsign", {Fed(x)}), {4}, {-2.f / 3, -1.f / 3, 0, 0.6f});
  ExpectFloats(RunOp("Sigmoid", {Fed(F({2}, {0.f, std::log(3.f)}))}), {2}, {0.5f, 0.75f});
  ExpectFloats(RunOp("Tanh", {Fed(F({1}, {0.f}))}), {1}, {0.f});
  ExpectFloats(RunOp("Exp", {Fed(F({2}, {0.f, 1.f}))}), {2}, {1.f, std::exp(1.f)});
  ExpectFloats(RunOp("Log", {Fed(F({2}, {1.f, 4.f}))}), {2}, {0.f, std::log(4.f)});
  ExpectFloats(RunOp("Sqrt", {Fed(F({2}, {4.f, 2.25f}))}), {2}, {2.f, 1.5f});
  ExpectFloats(RunOp("Reciprocal", {Fed(F({2}, {4.f, -0.5f}))}), {2}, {0.25f, -2.f});
  ExpectFloats(RunOp("Erf", {Fed(F({2}, {0.f, 1.f}))}), {2}, {0.f, 0.84270079f});
  ExpectFloats(RunOp("Softplus", {Fed(F({2}, {0.f, 1.f}))}), {2},
               {std::log(2.f), std::log(1.f + std::exp(1.f))});
}

TEST(ElementwiseOps, IntegerUnary) {
  Tensor x = I32({4}, {-3, 0, 5, -1});
  EXPECT_EQ(Values<int32_t>(RunOp("Relu", {Fed(x)})), (std::vector<int32_t>{0, 0, 5, 0}));
  EXPECT_EQ(Values<int32_t>(RunOp("Neg", {Fed(x)})), (std::vector<int32_t>{3, 0, -5, 1}));
  Tensor y = I64({3}, {-7, 0, 9});
  EXPECT_EQ(Values<int64_t>(RunOp("Abs", {Fed(y)})), (std::vector<int64_t>{7, 0, 9}));
  EXPECT_EQ(Values<int64_t>(RunOp("Sign", {Fed(y)})), (std::vector<int64_t>{-1, 0, 1}));
  // Sigmoid is float-only.
  ExpectError(TryRun("Sigmoid", {Fed(x)}), StatusCode::kUnimplemented, "input 0 has type int32");
}

TEST(ElementwiseOps, Activations) {
  Tensor x = F({4}, {-2.f, -1.f, 0.f, 3.f});
  ExpectFloats(RunOp("LeakyRelu", {Fed(x)}), {4}, {-0.02f, -0.01f, 0, 3});
  ExpectFloats(RunOp("LeakyRelu", {Fed(x)}, {{"alpha", FloatAttr(0.5f)}}), {4}, {-1, -0.5f, 0, 3});
  ExpectFloats(RunOp("Elu", {Fed(x)}), {4}, {std::exp(-2.f) - 1, std::exp(-1.f) - 1, 0, 3});
  ExpectFloats(RunOp("Elu", {Fed(x)}, {{"alpha", FloatAttr(2.f)}}), {4},
               {2 * (std::exp(-2.f) - 1), 2 * (std::exp(-1.f) - 1), 0, 3});
  const float a = 1.67326319217681884765625f, g = 1.05070102214813232421875f;
  ExpectFloats(RunOp("Selu", {Fed(x)}), {4},
               {g * a * (std::exp(-2.f) - 1), g * a * (std::exp(-1.f) - 1), 0, g * 3});
  // Opset 1 had the SELU constants to 4 decimals.
  ExpectFloats(RunOp("Selu", {Fed(x)}, {}, 1), {4},
               {1.0507f * 1.6732f * (std::exp(-2.f) - 1), 1.0507f * 1.6732f * (std::exp(-1.f) - 1),
                0, 1.0507f * 3});
  ExpectFloats(RunOp("HardSigmoid", {Fed(x)}), {4}, {0.1f, 0.3f, 0.5f, 1.f});
  ExpectFloats(
      RunOp("HardSigmoid", {Fed(x)}, {{"alpha", FloatAttr(0.5f)}, {"beta", FloatAttr(1.f)}}), {4},
      {0.f, 0.5f, 1.f, 1.f});
  ExpectFloats(RunOp("HardSwish", {Fed(F({4}, {-4.f, -1.f, 0.f, 4.f}))}), {4},
               {0.f, -1.f / 3, 0.f, 4.f});
  ExpectError(TryRun("LeakyRelu", {Fed(x)}, {{"alpha", StringAttr("big")}}),
              StatusCode::kInvalidArgument, "alpha");
}

TEST(ElementwiseOps, NotAndLogic) {
  Tensor a = B({4}, {false, false, true, true});
  Tensor b = B({4}, {false, true, false, true});
  EXPECT_EQ(Values<bool>(RunOp("Not", {Fed(a)})), (std::vector<bool>{true, true, false, false}));
  EXPECT_EQ(Values<bool>(RunOp("And", {Fed(a), Fed(b)})),
            (std::vector<bool>{false, false, false, true}));
  EXPECT_EQ(Values<bool>(RunOp("Or", {Fed(a), Fed(b)})),
            (std::vector<bool>{false, true, true, true}));
  EXPECT_EQ(Values<bool>(RunOp("Xor", {Fed(a), Fed(b)})),
            (std::vector<bool>{false, true, true, false}));
  // [2,1] x [3] -> [2,3]
  Tensor c = B({2, 1}, {true, false});
  Tensor d = B({3}, {true, false, true});
  EXPECT_EQ(Values<bool>(RunOp("And", {Fed(c), Fed(d)})),
            (std::vector<bool>{true, false, true, false, false, false}));
  ExpectError(TryRun("Not", {Fed(F({1}, {1.f}))}), StatusCode::kInvalidArgument,
              "Not \"n\": input 0 has type float32, expected bool");
}

// ---- binary with broadcasting ----

TEST(ElementwiseOps, AddBroadcast) {
  // [2,3] + [3]
  ExpectFloats(RunOp("Add", {Fed(F({2, 3}, {1, 2, 3, 4, 5, 6})), Fed(F({3}, {10, 20, 30}))}),
               {2, 3}, {11, 22, 33, 14, 25, 36});
  // [2,1] + [1,3]
  ExpectFloats(RunOp("Add", {Fed(F({2, 1}, {1, 2})), Fed(F({1, 3}, {10, 20, 30}))}), {2, 3},
               {11, 21, 31, 12, 22, 32});
  // scalar + [2]
  ExpectFloats(RunOp("Sub", {Fed(F({}, {10})), Fed(F({2}, {1, 2}))}), {2}, {9, 8});
  ExpectFloats(RunOp("Mul", {Fed(F({2}, {1.5f, -2})), Fed(F({}, {4}))}), {2}, {6, -8});
  ExpectFloats(RunOp("Div", {Fed(F({3}, {1, -3, 1})), Fed(F({3}, {4, 2, 0}))}), {3},
               {0.25f, -1.5f, std::numeric_limits<float>::infinity()});
}

TEST(ElementwiseOps, IntegerArithmetic) {
  Tensor a = I64({4}, {7, -7, 9, 5});
  Tensor b = I64({4}, {2, 2, 0, -3});
  EXPECT_EQ(Values<int64_t>(RunOp("Div", {Fed(a), Fed(b)})), (std::vector<int64_t>{3, -3, 0, -1}));
  EXPECT_EQ(Values<int64_t>(RunOp("Add", {Fed(a), Fed(b)})), (std::vector<int64_t>{9, -5, 9, 2}));
  EXPECT_EQ(Values<int64_t>(RunOp("Mul", {Fed(a), Fed(I64({}, {3}))})),
            (std::vector<int64_t>{21, -21, 27, 15}));
  EXPECT_EQ(Values<int64_t>(RunOp("Mod", {Fed(a), Fed(b)})), (std::vector<int64_t>{1, 1, 0, -1}));
  EXPECT_EQ(Values<int64_t>(RunOp("Mod", {Fed(a), Fed(b)}, {{"fmod", IntAttr(1)}})),
            (std::vector<int64_t>{1, -1, 0, 2}));
  Tensor c = I32({2}, {5, -6});
  EXPECT_EQ(Values<int32_t>(RunOp("Sub", {Fed(c), Fed(I32({1}, {1}))})),
            (std::vector<int32_t>{4, -7}));
  ExpectError(TryRun("Mod", {Fed(a), Fed(b)}, {{"fmod", IntAttr(2)}}), StatusCode::kInvalidArgument,
              "fmod is 2");
}

TEST(ElementwiseOps, BroadcastErrorNamesInputs) {
  ExpectError(TryRun("Add", {Fed(F({2, 3}, {})), Fed(F({4}, {}))}), StatusCode::kInvalidArgument,
              "Add \"n\": input 0 [2,3] and input 1 [4] cannot be broadcast");
  ExpectError(TryRun("Sum", {Fed(F({3}, {})), Fed(F({1}, {})), Fed(F({2}, {}))}),
              StatusCode::kInvalidArgument, "input 0 [3] and input 2 [2] cannot be broadcast");
  ExpectError(TryRun("Add", {Fed(F({2}, {})), Fed(I64({2}, {}))}), StatusCode::kInvalidArgument,
              "input 1 has type int64 but input 0 has type float32");
}

// Opset < 7: B broadcasts to A only with broadcast=1, from `axis` or matching A's trailing dims.
TEST(ElementwiseOps, LegacyBroadcast) {
  Tensor a = F({2, 3, 2}, {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1});
  ExpectFloats(RunOp("Add", {Fed(a), Fed(F({3}, {10, 20, 30}))},
                     {{"broadcast", IntAttr(1)}, {"axis", IntAttr(1)}}, 6),
               {2, 3, 2}, {10, 10, 20, 20, 30, 30, 11, 11, 21, 21, 31, 31});
  ExpectFloats(RunOp("Mul", {Fed(a), Fed(F({2}, {2, 3}))}, {{"broadcast", IntAttr(1)}}, 6),
               {2, 3, 2}, {0, 0, 0, 0, 0, 0, 2, 3, 2, 3, 2, 3});
  ExpectFloats(RunOp("Sub", {Fed(a), Fed(F({1, 1}, {1}))}, {{"broadcast", IntAttr(1)}}, 6),
               {2, 3, 2}, {-1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0});
  ExpectError(TryRun("Add", {Fed(a), Fed(F({2}, {1, 2}))}, {}, 6), StatusCode::kInvalidArgument,
              "broadcast is 0");
  ExpectError(TryRun("Add", {Fed(a), Fed(F({3}, {1, 2, 3}))}, {{"broadcast", IntAttr(1)}}, 6),
              StatusCode::kInvalidArgument, "does not match the dims of input 0 [2,3,2]");
  // A comparison with legacy broadcasting.
  EXPECT_EQ(Values<bool>(RunOp("Greater", {Fed(F({2, 2}, {1, 5, 3, 0})), Fed(F({2}, {2, 2}))},
                               {{"broadcast", IntAttr(1)}}, 1)),
            (std::vector<bool>{false, true, true, false}));
}

TEST(ElementwiseOps, Pow) {
  ExpectFloats(RunOp("Pow", {Fed(F({3}, {2, 4, -2})), Fed(F({3}, {3, 0.5f, 2}))}), {3}, {8, 2, 4});
  // Float base, int64 exponent (opset 12+), broadcast.
  ExpectFloats(RunOp("Pow", {Fed(F({2, 2}, {1, 2, 3, 4})), Fed(I64({}, {2}))}), {2, 2},
               {1, 4, 9, 16});
  // Integer base.
  EXPECT_EQ(Values<int64_t>(RunOp("Pow", {Fed(I64({3}, {2, -3, 5})), Fed(I64({3}, {10, 3, 0}))})),
            (std::vector<int64_t>{1024, -27, 1}));
  EXPECT_EQ(Values<int32_t>(RunOp("Pow", {Fed(I32({2}, {2, 3})), Fed(F({2}, {2.f, 0.5f}))})),
            (std::vector<int32_t>{4, 1}));  // 3^0.5 = 1.73 truncated
  ExpectError(TryRun("Pow", {Fed(B({1}, {true})), Fed(F({1}, {1}))}), StatusCode::kUnimplemented,
              "Pow for float32, float64, int32, int64");
}

TEST(ElementwiseOps, PRelu) {
  Tensor x = F({2, 2, 2}, {-1, 1, -2, 2, -3, 3, -4, 4});
  // Opset 16: slope [2,1] broadcasts to [2,2,2] along dim 1.
  ExpectFloats(RunOp("PRelu", {Fed(x), Const(F({2, 1}, {0.5f, 0.25f}))}), {2, 2, 2},
               {-0.5f, 1, -0.5f, 2, -1.5f, 3, -1, 4});
  // A scalar slope.
  ExpectFloats(RunOp("PRelu", {Fed(x), Const(F({1}, {0.1f}))}), {2, 2, 2},
               {-0.1f, 1, -0.2f, 2, -0.3f, 3, -0.4f, 4});
  // Opset 6: a slope [C] applies per channel (dim 1), as torch exports it.
  ExpectFloats(RunOp("PRelu", {Fed(x), Const(F({2}, {0.5f, 0.25f}))}, {}, 6), {2, 2, 2},
               {-0.5f, 1, -0.5f, 2, -1.5f, 3, -1, 4});
  // ... which at opset 16 broadcasts along the last dim instead.
  ExpectFloats(RunOp("PRelu", {Fed(x), Const(F({2}, {0.5f, 0.25f}))}), {2, 2, 2},
               {-0.5f, 1, -1, 2, -1.5f, 3, -2, 4});
  ExpectError(TryRun("PRelu", {Fed(x), Const(F({3}, {1, 2, 3}))}), StatusCode::kInvalidArgument,
              "PRelu \"n\": input 1 [3] cannot be broadcast to input 0 [2,2,2]");
}

TEST(ElementwiseOps, Clip) {
  Tensor x = F({5}, {-3, -1, 0, 1, 3});
  // Opset 11+: optional inputs, either may be omitted.
  ExpectFloats(RunOp("Clip", {Fed(x), Fed(F({}, {-1.5f})), Fed(F({}, {2}))}), {5},
               {-1.5f, -1, 0, 1, 2});
  ExpectFloats(RunOp("Clip", {Fed(x), Omitted(), Const(F({}, {0.5f}))}), {5},
               {-3, -1, 0, 0.5f, 0.5f});
  ExpectFloats(RunOp("Clip", {Fed(x), Const(F({}, {0}))}), {5}, {0, 0, 0, 1, 3});
  ExpectFloats(RunOp("Clip", {Fed(x)}), {5}, {-3, -1, 0, 1, 3});
  // min > max: every value becomes max.
  ExpectFloats(RunOp("Clip", {Fed(x), Const(F({}, {2})), Const(F({}, {1}))}), {5}, {1, 1, 1, 1, 1});
  // Opset 6: attributes.
  ExpectFloats(RunOp("Clip", {Fed(x)}, {{"min", FloatAttr(0)}, {"max", FloatAttr(6)}}, 6), {5},
               {0, 0, 0, 1, 3});
  ExpectFloats(RunOp("Clip", {Fed(x)}, {{"max", FloatAttr(-2)}}, 6), {5}, {-3, -2, -2, -2, -2});
  // Integers (opset 12+).
  EXPECT_EQ(Values<int32_t>(RunOp(
                "Clip", {Fed(I32({3}, {-5, 2, 9})), Const(I32({}, {0})), Const(I32({}, {6}))})),
            (std::vector<int32_t>{0, 2, 6}));
  ExpectError(TryRun("Clip", {Fed(x), Const(F({2}, {0, 1}))}), StatusCode::kInvalidArgument,
              "Clip \"n\": input 1 (min) has shape [2], expected a scalar");
  ExpectError(TryRun("Clip", {Fed(x), Const(I64({}, {0}))}), StatusCode::kInvalidArgument,
              "input 1 has type int64 but input 0 has type float32");
}

TEST(ElementwiseOps, Variadic) {
  Tensor a = F({2, 2}, {1, 5, -3, 2});
  Tensor b = F({2}, {2, 4});
  Tensor c = F({}, {0});
  ExpectFloats(RunOp("Max", {Fed(a), Fed(b), Fed(c)}), {2, 2}, {2, 5, 2, 4});
  ExpectFloats(RunOp("Min", {Fed(a), Fed(b), Fed(c)}), {2, 2}, {0, 0, -3, 0});
  ExpectFloats(RunOp("Sum", {Fed(a), Fed(b), Fed(c)}), {2, 2}, {3, 9, -1, 6});
  ExpectFloats(RunOp("Mean", {Fed(a), Fed(b)}), {2, 2}, {1.5f, 4.5f, -0.5f, 3});
  // The broadcast may grow the shape after the first two inputs.
  ExpectFloats(RunOp("Sum", {Fed(b), Fed(c), Fed(F({2, 1}, {10, 20}))}), {2, 2}, {12, 14, 22, 24});
  ExpectFloats(RunOp("Max", {Fed(a)}), {2, 2}, {1, 5, -3, 2});
  ExpectFloats(RunOp("Mean", {Fed(a)}), {2, 2}, {1, 5, -3, 2});
  EXPECT_EQ(Values<int64_t>(RunOp("Max", {Fed(I64({3}, {1, 7, -2})), Fed(I64({3}, {3, 2, -5}))})),
            (std::vector<int64_t>{3, 7, -2}));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor m = RunOp("Max", {Fed(F({2}, {nan, 1})), Fed(F({2}, {1, nan}))});
  EXPECT_TRUE(std::isnan(m.data<float>()[0]) && std::isnan(m.data<float>()[1]));
  // Opset 6 (equal shapes only in the spec; broadcasting accepts them).
  ExpectFloats(RunOp("Sum", {Fed(a), Fed(a)}, {}, 6), {2, 2}, {2, 10, -6, 4});
}

TEST(ElementwiseOps, Comparisons) {
  Tensor a = F({4}, {1, 2, 3, 4});
  Tensor b = F({}, {2.5f});
  EXPECT_EQ(Values<bool>(RunOp("Less", {Fed(a), Fed(b)})),
            (std::vector<bool>{true, true, false, false}));
  EXPECT_EQ(Values<bool>(RunOp("Greater", {Fed(a), Fed(b)})),
            (std::vector<bool>{false, false, true, true}));
  Tensor c = I64({4}, {1, 2, 3, 4});
  Tensor d = I64({4}, {2, 2, 2, 2});
  EXPECT_EQ(Values<bool>(RunOp("Equal", {Fed(c), Fed(d)})),
            (std::vector<bool>{false, true, false, false}));
  EXPECT_EQ(Values<bool>(RunOp("LessOrEqual", {Fed(c), Fed(d)})),
            (std::vector<bool>{true, true, false, false}));
  EXPECT_EQ(Values<bool>(RunOp("GreaterOrEqual", {Fed(c), Fed(d)})),
            (std::vector<bool>{false, true, true, true}));
  EXPECT_EQ(Values<bool>(RunOp("Equal", {Fed(B({2}, {true, false})), Fed(B({1}, {false}))})),
            (std::vector<bool>{false, true}));
  EXPECT_EQ(Values<bool>(RunOp("Equal", {Fed(I32({2}, {3, 4})), Fed(I32({2}, {3, 5}))})),
            (std::vector<bool>{true, false}));
}

TEST(ElementwiseOps, Where) {
  Tensor cond = B({2, 1}, {true, false});
  ExpectFloats(RunOp("Where", {Fed(cond), Fed(F({3}, {1, 2, 3})), Fed(F({}, {-1}))}), {2, 3},
               {1, 2, 3, -1, -1, -1});
  EXPECT_EQ(Values<int64_t>(RunOp("Where", {Fed(B({3}, {false, true, false})),
                                            Fed(I64({3}, {1, 2, 3})), Fed(I64({3}, {7, 8, 9}))})),
            (std::vector<int64_t>{7, 2, 9}));
  EXPECT_EQ(Values<bool>(RunOp("Where", {Fed(B({2}, {true, false})), Fed(B({2}, {true, true})),
                                         Fed(B({2}, {false, false}))})),
            (std::vector<bool>{true, false}));
  ExpectError(TryRun("Where", {Fed(F({1}, {1})), Fed(F({1}, {1})), Fed(F({1}, {1}))}),
              StatusCode::kInvalidArgument, "Where \"n\": input 0 (condition) has type float32");
  ExpectError(TryRun("Where", {Fed(cond), Fed(F({3}, {})), Fed(F({4}, {}))}),
              StatusCode::kInvalidArgument, "input 1 [3] and input 2 [4] cannot be broadcast");
}

TEST(ElementwiseOps, Cast) {
  Tensor x = F({5}, {1.9f, -1.9f, 0.f, 300.f, std::numeric_limits<float>::quiet_NaN()});
  EXPECT_EQ(Values<int32_t>(RunOp("Cast", {Fed(x)}, {{"to", IntAttr(6)}})),
            (std::vector<int32_t>{1, -1, 0, 300, 0}));
  EXPECT_EQ(Values<uint8_t>(RunOp("Cast", {Fed(x)}, {{"to", IntAttr(2)}})),
            (std::vector<uint8_t>{1, 0, 0, 255, 0}));
  EXPECT_EQ(Values<bool>(RunOp("Cast", {Fed(x)}, {{"to", IntAttr(9)}})),
            (std::vector<bool>{true, true, false, true, true}));
  ExpectFloats(RunOp("Cast", {Fed(I64({2}, {-3, 1LL << 40}))}, {{"to", IntAttr(1)}}), {2},
               {-3.f, 1099511627776.f});
  Tensor d = RunOp("Cast", {Fed(F({1}, {0.1f}))}, {{"to", IntAttr(11)}});
  ASSERT_EQ(d.dtype(), DataType::kFloat64);
  EXPECT_EQ(d.data<double>()[0], static_cast<double>(0.1f));
  Tensor h = RunOp("Cast", {Fed(F({3}, {1.f, -2.f, 65504.f}))}, {{"to", IntAttr(10)}});
  ASSERT_EQ(h.dtype(), DataType::kFloat16);
  EXPECT_EQ(Values<uint16_t>(h.Reshaped(h.shape())),
            (std::vector<uint16_t>{0x3c00, 0xc000, 0x7bff}));
  // Opset 1: `to` is a type name.
  EXPECT_EQ(Values<int64_t>(RunOp("Cast", {Fed(F({1}, {2.5f}))}, {{"to", StringAttr("INT64")}}, 1)),
            (std::vector<int64_t>{2}));
  // CastLike takes the type of input 1.
  EXPECT_EQ(Values<int32_t>(RunOp("CastLike", {Fed(F({2}, {7.5f, -7.5f})), Fed(I32({1}, {0}))})),
            (std::vector<int32_t>{7, -7}));
  ExpectError(TryRun("Cast", {Fed(x)}), StatusCode::kInvalidArgument,
              "Cast \"n\": attribute 'to' is missing");
  ExpectError(TryRun("Cast", {Fed(x)}, {{"to", IntAttr(99)}}), StatusCode::kInvalidArgument,
              "attribute 'to' is 99");
  ExpectError(TryRun("Cast", {Fed(x)}, {{"to", IntAttr(16)}}), StatusCode::kUnimplemented,
              "cast to bfloat16");
}

// float16 is valid ONNX for the math ops, but finch only converts it.
TEST(ElementwiseOps, Float16IsUnsupported) {
  Tensor h = std::move(Tensor::Allocate(DataType::kFloat16, {2})).value();
  ExpectError(TryRun("Relu", {Fed(h)}), StatusCode::kUnimplemented,
              "Relu \"n\": input 0 has type float16");
  ExpectError(TryRun("Add", {Fed(h), Fed(h)}), StatusCode::kUnimplemented, "float16");
}

TEST(ElementwiseOps, WrongArity) {
  ExpectError(TryRun("Add", {Fed(F({1}, {1}))}), StatusCode::kInvalidArgument,
              "Add \"n\": has 1 inputs");
  ExpectError(TryRun("Clip", {Fed(F({1}, {1})), Fed(F({}, {0}))}, {}, 6),
              StatusCode::kInvalidArgument, "before opset 11");
}

// Nodes whose inputs are all constants are folded when the plan is built.
TEST(ElementwiseOps, ConstantFolding) {
  TestGraph t = OneNode("Mul", {Const(I64({2}, {3, 4})), Const(I64({}, {5}))});
  auto session = Session::Create(t.graph, SessionOptions{1, /*optimize=*/false});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto plan = (*session)->PlanFor({});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ((*plan)->folded_nodes, 1);
  EXPECT_TRUE((*plan)->steps.empty());
  auto out = (*session)->Run({});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(Values<int64_t>(out->at(0)), (std::vector<int64_t>{15, 20}));
}

// A large tensor split across threads gives the same values as one thread.
TEST(ElementwiseOps, ParallelMatchesSerial) {
  const int64_t n = 3 * 65536 + 7;
  std::vector<float> a(n);
  for (int64_t i = 0; i < n; ++i) a[i] = static_cast<float>(i % 97) - 48.f;
  Tensor x = F({n}, a);
  Tensor s = F({1}, {0.5f});
  auto one = TryRun("Add", {Fed(x), Fed(s)}, {}, 17, 1);
  auto two = TryRun("Add", {Fed(x), Fed(s)}, {}, 17, 2);
  auto clip = TryRun("Clip", {Fed(x), Const(F({}, {0})), Const(F({}, {6}))}, {}, 17, 2);
  ASSERT_TRUE(one.ok() && two.ok() && clip.ok());
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(one->data<float>()[i], a[i] + 0.5f);
    ASSERT_EQ(two->data<float>()[i], a[i] + 0.5f);
    ASSERT_EQ(clip->data<float>()[i], std::min(std::max(a[i], 0.f), 6.f));
  }
}

// Inference with shapes not known yet (a dynamic predecessor): rank and known dims only.
TEST(ElementwiseOps, PartialShapesInfer) {
  TensorType a;
  a.dtype = DataType::kFloat32;
  a.dims = std::vector<Dim>{Dim{-1, "N"}, Dim{3, ""}, Dim{1, ""}};
  TensorType b = TensorType::Static(DataType::kFloat32, {4});
  auto dims = BroadcastDims({a, b});
  ASSERT_TRUE(dims.has_value());
  ASSERT_EQ(dims->size(), 3u);
  EXPECT_FALSE((*dims)[0].known());
  EXPECT_EQ((*dims)[1].value, 3);
  EXPECT_EQ((*dims)[2].value, 4);
  EXPECT_FALSE(BroadcastDims({TensorType{DataType::kFloat32, std::nullopt}, b}).has_value());

  Node node;
  node.name = "n";
  node.op_type = "Add";
  node.inputs = {0, 1};
  node.outputs = {2};
  InferContext ctx(node, 17);
  ctx.inputs = {a, b};
  ctx.constants = {nullptr, nullptr};
  const OpSchema* schema = GlobalOpSchemas().Find("", "Add");
  ASSERT_NE(schema, nullptr);
  ASSERT_TRUE(InferNode(*schema, ctx).ok());
  EXPECT_EQ(ctx.outputs[0].dtype, DataType::kFloat32);
  ASSERT_TRUE(ctx.outputs[0].has_rank());
  EXPECT_EQ(ctx.outputs[0].dims->size(), 3u);
  EXPECT_FALSE(ctx.outputs[0].is_static());
}

// The conformance comparison cannot read float16 values, so the float16 Cast folders of ONNX's
// backend tests are checked here, bit for bit.
TEST(ElementwiseOps, Float16CastsMatchOnnxTestData) {
  const std::string data = testing::OnnxTestDataDir();
  if (data.empty()) GTEST_SKIP() << "libonnx-testdata is not installed";
  for (const char* name : {"test_cast_FLOAT_to_FLOAT16", "test_cast_DOUBLE_to_FLOAT16",
                           "test_cast_FLOAT16_to_FLOAT", "test_cast_FLOAT16_to_DOUBLE",
                           "test_castlike_FLOAT_to_FLOAT16", "test_castlike_FLOAT16_to_FLOAT"}) {
    const std::string dir = data + "/node/" + name;
    auto session = Session::Load(dir + "/model.onnx", SessionOptions{1});
    ASSERT_TRUE(session.ok()) << name << ": " << session.status().ToString();
    std::vector<Tensor> inputs;
    for (int i = 0; i < 2; ++i) {
      auto t = ReadTensorFile(StrCat(dir, "/test_data_set_0/input_", i, ".pb"));
      if (t.ok()) inputs.push_back(*t);
    }
    auto want = ReadTensorFile(dir + "/test_data_set_0/output_0.pb");
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    auto got = (*session)->Run(inputs);
    ASSERT_TRUE(got.ok()) << name << ": " << got.status().ToString();
    const Tensor& g = got->at(0);
    ASSERT_EQ(g.dtype(), want->dtype()) << name;
    ASSERT_EQ(g.shape(), want->shape()) << name;
    // Converting from float16 is exact and to it is correctly rounded: equal bits.
    EXPECT_EQ(std::memcmp(g.raw_data(), want->raw_data(), g.byte_size()), 0) << name;
  }
}

}  // namespace
}  // namespace finch
