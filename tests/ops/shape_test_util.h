// Helpers for the shape and reduce op tests: one-node graphs whose inputs are fed at run time
// (so value-dependent shapes resolve when the node runs), constants (so they resolve, and fold,
// when the plan is built) or omitted.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/util/test_util.h"

namespace finch::shape_testing {

// An input of a one-node test graph: fed at run time, a constant (initializer), or omitted.
struct Arg {
  enum Kind { kFed, kConst, kNone } kind = kFed;
  Tensor value;
};
inline Arg Fed(Tensor t) { return Arg{Arg::kFed, std::move(t)}; }
inline Arg Const(Tensor t) { return Arg{Arg::kConst, std::move(t)}; }
inline Arg None() { return Arg{Arg::kNone, Tensor()}; }

inline Tensor F(Shape s, std::vector<float> v) {
  return Tensor::FromVector<float>(std::move(s), v);
}
inline Tensor I64(Shape s, std::vector<int64_t> v) {
  return Tensor::FromVector<int64_t>(std::move(s), v);
}
inline Tensor I64s(std::vector<int64_t> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return Tensor::FromVector<int64_t>({n}, v);
}
inline Tensor I32(Shape s, std::vector<int32_t> v) {
  return Tensor::FromVector<int32_t>(std::move(s), v);
}

// One node named "n" of `op` reading `args` in order, with `num_outputs` outputs y0, y1, ...
inline Graph OneNode(const std::string& op, const std::vector<Arg>& args, int num_outputs = 1,
                     std::map<std::string, Attribute> attrs = {}, int64_t opset = 17) {
  Graph g;
  g.opset_imports[""] = opset;
  Node node;
  node.name = "n";
  node.op_type = op;
  node.attributes = std::move(attrs);
  for (size_t i = 0; i < args.size(); ++i) {
    const Arg& a = args[i];
    if (a.kind == Arg::kNone) {
      node.inputs.push_back(kNoValue);
    } else if (a.kind == Arg::kConst) {
      node.inputs.push_back(g.AddConstant(StrCat("c", i), std::make_shared<const Tensor>(a.value)));
    } else {
      ValueId v = g.AddValue(StrCat("x", i), TensorType::Static(a.value.dtype(), a.value.shape()));
      g.inputs.push_back(v);
      node.inputs.push_back(v);
    }
  }
  for (int i = 0; i < num_outputs; ++i) {
    ValueId v = g.AddValue(StrCat("y", i));
    g.outputs.push_back(v);
    node.outputs.push_back(v);
  }
  g.nodes.push_back(std::move(node));
  return g;
}

// Builds a session for `g` and runs it on the fed args; the first error, from planning or
// running, is returned.
inline StatusOr<std::vector<Tensor>> TryRun(const Graph& g, const std::vector<Arg>& args) {
  FINCH_ASSIGN_OR_RETURN(auto session, Session::Create(g, SessionOptions{1}));
  std::vector<Tensor> feeds;
  for (const Arg& a : args) {
    if (a.kind == Arg::kFed) feeds.push_back(a.value);
  }
  return session->Run(feeds);
}

// Runs op on args and returns its outputs, failing the test on error.
inline std::vector<Tensor> RunOp(const std::string& op, const std::vector<Arg>& args,
                                 std::map<std::string, Attribute> attrs = {}, int64_t opset = 17,
                                 int num_outputs = 1) {
  auto out = TryRun(OneNode(op, args, num_outputs, std::move(attrs), opset), args);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  if (!out.ok()) return std::vector<Tensor>(num_outputs);
  return std::move(out).value();
}

// Expects the op to fail with `code`, the message naming the node and containing `what`.
inline void ExpectError(const std::string& op, const std::vector<Arg>& args,
                        std::map<std::string, Attribute> attrs, int64_t opset, StatusCode code,
                        const std::string& what, int num_outputs = 1) {
  auto out = TryRun(OneNode(op, args, num_outputs, std::move(attrs), opset), args);
  ASSERT_FALSE(out.ok()) << what;
  EXPECT_EQ(out.status().code(), code) << out.status().ToString();
  const std::string& msg = out.status().message();
  EXPECT_NE(msg.find(op + " \"n\""), std::string::npos) << msg;
  EXPECT_NE(msg.find(what), std::string::npos) << msg;
}

inline std::vector<int64_t> Ints(const Tensor& t) { return testing::ToInts(t); }
using testing::Iota;

inline Attribute TensorAttr(Tensor t) {
  Attribute a;
  a.kind = Attribute::Kind::kTensor;
  a.t = std::make_shared<const Tensor>(std::move(t));
  return a;
}

}  // namespace finch::shape_testing
