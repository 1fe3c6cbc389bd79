#include "tests/util/pass_test_util.h"

#include <gtest/gtest.h>

#include <random>
#include <utility>

#include "graph/ops/fused.h"
#include "runtime/session.h"
#include "tests/util/test_util.h"

namespace finch::testing {

std::vector<Tensor> RandomInputs(const Graph& g, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Tensor> inputs;
  for (ValueId v : g.inputs) inputs.push_back(RandomTensor(g.values[v].type.static_shape(), rng));
  return inputs;
}

std::vector<Tensor> RunUnoptimized(const Graph& g, const std::vector<Tensor>& inputs) {
  auto s = Session::Create(g, SessionOptions{1, false});
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return {};
  auto out = (*s)->Run(inputs);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? std::move(out).value() : std::vector<Tensor>();
}

void ExpectSameOutputs(const Graph& original, const Graph& rewritten,
                       const std::vector<Tensor>& inputs, double rtol, double atol) {
  auto s0 = Session::Create(original, SessionOptions{1, false});
  auto s1 = Session::Create(rewritten, SessionOptions{1, false});
  ASSERT_TRUE(s0.ok()) << s0.status().ToString();
  ASSERT_TRUE(s1.ok()) << s1.status().ToString();
  auto want = (*s0)->Run(inputs);
  auto got = (*s1)->Run(inputs);
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(want->size(), got->size());
  for (size_t i = 0; i < want->size(); ++i) {
    std::string why;
    EXPECT_TRUE(AllClose((*got)[i], (*want)[i], rtol, atol, &why)) << "output " << i << ": " << why;
  }
}

std::string Dump(const Graph& g) {
  std::string s;
  auto name = [&](ValueId v) {
    return v == kNoValue ? std::string("-") : StrCat("#", v, ":", g.values[v].name);
  };
  for (const Node& n : g.nodes) {
    s += n.domain + "::" + n.op_type + " " + n.name + " (";
    for (ValueId v : n.inputs) s += name(v) + ",";
    s += ") -> (";
    for (ValueId v : n.outputs) s += name(v) + ",";
    s += ") {";
    for (const auto& [k, a] : n.attributes) s += k + ":" + AttributeKindName(a.kind) + ",";
    s += "}\n";
  }
  s += "inputs:";
  for (ValueId v : g.inputs) s += name(v) + ",";
  s += " outputs:";
  for (ValueId v : g.outputs) s += name(v) + ",";
  s += StrCat(" values:", g.values.size(), "\n");
  for (size_t v = 0; v < g.values.size(); ++v) {
    s += name(static_cast<ValueId>(v)) + (g.values[v].constant ? " const\n" : "\n");
  }
  return s;
}

void ExpectUnchanged(const StatusOr<PassResult>& result, const Graph& before) {
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->rewrites, 0);
  const Graph& after = result->graph;
  EXPECT_EQ(Dump(after), Dump(before));
  ASSERT_EQ(after.values.size(), before.values.size());
  for (size_t v = 0; v < before.values.size(); ++v) {
    EXPECT_EQ(after.values[v].constant, before.values[v].constant) << before.values[v].name;
  }
}

PassResult ApplyPass(const PassFn& pass, const Graph& g, const PassContext& ctx) {
  auto r = pass(g, ctx);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : PassResult{g, -1};
}

const Node* FindNode(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

const Node* FindOp(const Graph& g, const std::string& op) {
  for (const Node& n : g.nodes) {
    if (n.op_type == op) return &n;
  }
  return nullptr;
}

std::vector<const Node*> FindOps(const Graph& g, const std::string& op) {
  std::vector<const Node*> found;
  for (const Node& n : g.nodes) {
    if (n.op_type == op) found.push_back(&n);
  }
  return found;
}

std::vector<std::string> FusedFromOf(const Node& n) {
  const Attribute* a = n.FindAttribute("fused_from");
  return a ? a->strings : std::vector<std::string>{};
}

GraphBuilder FusedGraphBuilder(uint32_t seed) {
  GraphBuilder b(13);
  b.g.opset_imports[kFinchDomain] = 1;
  b.rng.seed(seed);
  return b;
}

std::map<std::string, Attribute> FusedConvAttrs(int64_t kh, int64_t kw, int64_t stride,
                                                std::vector<int64_t> pads, int64_t group,
                                                const std::string& activation,
                                                std::vector<float> activation_params,
                                                std::vector<std::string> fused_from) {
  std::map<std::string, Attribute> a = {{"kernel_shape", IntsAttr({kh, kw})},
                                        {"strides", IntsAttr({stride, stride})},
                                        {"pads", IntsAttr(std::move(pads))},
                                        {"dilations", IntsAttr({1, 1})},
                                        {"group", IntAttr(group)},
                                        {"fused_from", StringsAttr(std::move(fused_from))}};
  if (!activation.empty()) a["activation"] = StringAttr(activation);
  if (!activation_params.empty()) a["activation_params"] = FloatsAttr(std::move(activation_params));
  return a;
}

}  // namespace finch::testing
