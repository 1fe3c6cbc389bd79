// fuse-attention on small graphs built in code: nn.MultiheadAttention's export (head-split
// Transposes around Q, K, V and the output, Q divided by √d, a symbolic sequence length), plain
// [P, S, d] operands with Kᵀ given, [B, H, S, d] with a mask, the scale on the scores or split
// between Q and K; checked against the unfused graph; one negative case per guard.
#include <gtest/gtest.h>

#include <cmath>

#include "graph/ops/fused.h"
#include "graph/passes/passes.h"
#include "graph/passes/pipeline.h"
#include "runtime/node_evaluator.h"
#include "runtime/session.h"
#include "tests/util/pass_test_util.h"
#include "tests/util/test_util.h"

namespace finch::testing {
namespace {

enum class Layout { kMha, kPlain, kBhsd };
enum class Scale { kQDiv, kScoresMul, kQAndK, kNone };

struct AttSpec {
  Layout layout = Layout::kMha;
  Scale scale = Scale::kQDiv;
  bool mask = false;
  // Guards.
  int64_t softmax_axis = -1;
  bool scores_second_reader = false;
  bool probs_second_reader = false;
  bool mask_before_scale = false;  // (S + M)·c
  bool scale_input = false;        // the scale is fed at run time
  bool k_batch_one = false;        // Kᵀ with problem dim 1: MatMul broadcasts it
  // Positive variants that keep a Transpose.
  bool q_transpose_second_reader = false;
  bool out_moves_last = false;  // the output Transpose moves the value dim
};

constexpr int64_t kP = 6, kD = 8, kS = 5;

Attribute Perm(std::vector<int64_t> p) { return IntsAttr(std::move(p)); }

Graph BuildAttention(const AttSpec& s) {
  GraphBuilder b(14);
  auto c = [&](const std::string& name, float v) {
    return b.Const(name, Tensor::FromVector<float>({}, {v}));
  };
  ValueId q = kNoValue, kt = kNoValue, v = kNoValue, qt = kNoValue;
  switch (s.layout) {
    case Layout::kMha: {  // [S, P, d], S symbolic
      const ValueId qi = b.Input("q", {0, kP, kD});
      const ValueId ki = b.Input("k", {0, s.k_batch_one ? 1 : kP, kD});
      const ValueId vi = b.Input("v", {0, kP, kD});
      q = qt = b.Op("Transpose", "q.t", {qi}, {{"perm", Perm({1, 0, 2})}});
      kt = b.Op("Transpose", "k.t", {ki}, {{"perm", Perm({1, 2, 0})}});
      v = b.Op("Transpose", "v.t", {vi}, {{"perm", Perm({1, 0, 2})}});
      break;
    }
    case Layout::kPlain:  // [P, S, d], Kᵀ [P, d, S] given
      q = b.StaticInput("q", {kP, kS, kD});
      kt = b.StaticInput("kt", {s.k_batch_one ? 1 : kP, kD, kS});
      v = b.StaticInput("v", {kP, kS, kD});
      break;
    case Layout::kBhsd: {  // [2, 3, S, d]
      q = b.StaticInput("q", {2, 3, kS, kD});
      const ValueId ki = b.StaticInput("k", {2, 3, kS, kD});
      kt = b.Op("Transpose", "k.t", {ki}, {{"perm", Perm({0, 1, 3, 2})}});
      v = b.StaticInput("v", {2, 3, kS, kD});
      break;
    }
  }
  const float root = std::sqrt(static_cast<float>(kD));
  if (s.scale == Scale::kQDiv) {
    q = b.Op("Div", "q.scale", {q, s.scale_input ? b.StaticInput("c", {1}) : c("sqrt_d", root)});
  } else if (s.scale == Scale::kQAndK) {
    q = b.Op("Mul", "q.scale", {q, c("q_c", 1 / std::sqrt(root))});
    kt = b.Op("Mul", "k.scale", {c("k_c", 1 / std::sqrt(root)), kt});
  }
  ValueId scores = b.Op("MatMul", "qk", {q, kt});
  const ValueId raw = scores;
  ValueId mask = kNoValue;
  if (s.mask) {
    mask = s.layout == Layout::kBhsd ? b.StaticInput("mask", {2, 1, 1, kS})
                                     : b.Weight("mask", {kS, kS}, -2.f, 0.f);
  }
  if (s.mask && s.mask_before_scale) scores = b.Op("Add", "mask.add", {scores, mask});
  if (s.scale == Scale::kScoresMul || s.mask_before_scale) {
    scores = b.Op("Mul", "s.scale", {scores, c("inv_sqrt_d", 1 / root)});
  }
  if (s.mask && !s.mask_before_scale) scores = b.Op("Add", "mask.add", {mask, scores});
  const ValueId probs = b.Op("Softmax", "softmax", {scores}, {{"axis", IntAttr(s.softmax_axis)}});
  ValueId y = b.Op("MatMul", "pv", {probs, v});
  if (s.layout == Layout::kMha) {
    y = b.Op("Transpose", "out.t", {y},
             {{"perm", Perm(s.out_moves_last ? std::vector<int64_t>{2, 0, 1}
                                             : std::vector<int64_t>{1, 0, 2})}});
  }
  b.Output(y);
  if (s.scores_second_reader) b.Output(b.Op("Neg", "raw_neg", {raw}));
  if (s.probs_second_reader) b.Output(b.Op("Neg", "probs_neg", {probs}));
  if (s.q_transpose_second_reader) b.Output(b.Op("Neg", "qt_neg", {qt}));
  return b.g;
}

std::vector<Tensor> Inputs(const Graph& g) {
  std::vector<Tensor> in;
  uint32_t seed = 20;
  for (ValueId v : g.inputs) {
    const TensorType& t = g.values[v].type;
    Shape s;
    for (const Dim& d : *t.dims) s.push_back(d.known() ? d.value : 7);  // S = 7 when symbolic
    in.push_back(g.values[v].name == "c" ? Tensor::FromVector<float>({1}, {2.5f})
                                         : RandomTensor(s, seed++));
  }
  return in;
}

const Node* ExpectFused(const AttSpec& s, PassResult* out) {
  const Graph g = BuildAttention(s);
  *out = ApplyPass(FuseAttention, g, RuntimePassContext());
  EXPECT_EQ(out->rewrites, 1);
  const std::vector<const Node*> att = FindOps(out->graph, "Attention");
  EXPECT_EQ(att.size(), 1u);
  if (att.size() != 1) return nullptr;
  EXPECT_EQ(att[0]->domain, kFinchDomain);
  EXPECT_EQ(att[0]->name, "qk");
  EXPECT_EQ(FindOp(out->graph, "Softmax"), nullptr);
  EXPECT_EQ(FindOp(out->graph, "MatMul"), nullptr);
  ExpectSameOutputs(g, out->graph, Inputs(g), 1e-5, 1e-6);
  return att[0];
}

void ExpectNotFused(const AttSpec& s) {
  const Graph g = BuildAttention(s);
  ExpectUnchanged(FuseAttention(g, RuntimePassContext()), g);
}

std::vector<int64_t> PermOf(const Node& n, const char* name) {
  const Attribute* a = n.FindAttribute(name);
  return a ? a->ints : std::vector<int64_t>{};
}

TEST(FuseAttentionPass, MultiheadAttentionExport) {
  PassResult r;
  const Node* att = ExpectFused({}, &r);
  ASSERT_NE(att, nullptr);
  // Every Transpose absorbed; Kᵀ's (1, 2, 0) is K̂'s (1, 0, 2).
  EXPECT_EQ(FindOp(r.graph, "Transpose"), nullptr);
  EXPECT_EQ(r.graph.nodes.size(), 1u);
  for (const char* p : {"q_perm", "k_perm", "v_perm", "out_perm"}) {
    EXPECT_EQ(PermOf(*att, p), (std::vector<int64_t>{1, 0, 2})) << p;
  }
  EXPECT_FLOAT_EQ(att->GetFloat("scale", 0).value(), 1 / std::sqrt(8.f));
  EXPECT_EQ(FusedFromOf(*att), (std::vector<std::string>{"q.t", "q.scale", "k.t", "v.t", "qk",
                                                         "softmax", "pv", "out.t"}));
}

TEST(FuseAttentionPass, OtherForms) {
  PassResult r;
  AttSpec s;
  s.layout = Layout::kPlain;
  s.scale = Scale::kScoresMul;
  s.mask = true;
  const Node* att = ExpectFused(s, &r);
  ASSERT_NE(att, nullptr);
  EXPECT_EQ(att->inputs.size(), 4u);                                   // the mask
  EXPECT_EQ(PermOf(*att, "k_perm"), (std::vector<int64_t>{0, 2, 1}));  // Kᵀ read transposed
  EXPECT_EQ(PermOf(*att, "q_perm"), std::vector<int64_t>{});
  s = {};
  s.layout = Layout::kBhsd;
  s.mask = true;
  s.scale = Scale::kQAndK;
  att = ExpectFused(s, &r);
  ASSERT_NE(att, nullptr);
  EXPECT_EQ(FindOp(r.graph, "Transpose"), nullptr);
  EXPECT_EQ(PermOf(*att, "k_perm"), std::vector<int64_t>{});  // (0,1,3,2) swapped back
  EXPECT_NEAR(att->GetFloat("scale", 0).value(), 1 / std::sqrt(8.f), 1e-7);
  s = {};
  s.layout = Layout::kPlain;
  s.scale = Scale::kNone;
  att = ExpectFused(s, &r);
  ASSERT_NE(att, nullptr);
  EXPECT_EQ(att->GetFloat("scale", 0).value(), 1.f);  // explicit: not the default 1/√d
  s = {};
  s.softmax_axis = 2;  // r − 1
  ExpectFused(s, &r);
}

// What the node cannot absorb stays a node of its own, and the rest still fuses.
TEST(FuseAttentionPass, NodesThatCannotBeAbsorbedStay) {
  PassResult r;
  AttSpec s;
  s.q_transpose_second_reader = true;
  const Node* att = ExpectFused(s, &r);
  ASSERT_NE(att, nullptr);
  EXPECT_NE(FindNode(r.graph, "q.t"), nullptr);
  EXPECT_EQ(PermOf(*att, "q_perm"), std::vector<int64_t>{});  // reads q.t's output
  s = {};
  s.out_moves_last = true;
  att = ExpectFused(s, &r);
  ASSERT_NE(att, nullptr);
  EXPECT_NE(FindNode(r.graph, "out.t"), nullptr);
  EXPECT_EQ(PermOf(*att, "out_perm"), std::vector<int64_t>{});
  s = {};
  s.layout = Layout::kPlain;
  s.scale_input = true;  // a scale fed at run time: the Div stays, the node's scale is 1
  att = ExpectFused(s, &r);
  ASSERT_NE(att, nullptr);
  EXPECT_NE(FindNode(r.graph, "q.scale"), nullptr);
  EXPECT_EQ(att->GetFloat("scale", 0).value(), 1.f);
}

TEST(FuseAttentionPass, Guards) {
  AttSpec s;
  s.softmax_axis = 1;
  ExpectNotFused(s);
  s = {};
  s.scores_second_reader = true;
  ExpectNotFused(s);
  s = {};
  s.probs_second_reader = true;
  ExpectNotFused(s);
  s = {};
  s.layout = Layout::kPlain;
  s.mask = true;
  s.mask_before_scale = true;
  ExpectNotFused(s);
  s = {};
  s.k_batch_one = true;
  ExpectNotFused(s);
  s = {};
  s.layout = Layout::kPlain;
  s.k_batch_one = true;
  ExpectNotFused(s);
}

}  // namespace
}  // namespace finch::testing

namespace finch::testing {
namespace {

// The shared ViT-tiny (opset 14, symbolic batch) at batch 3: every transformer fusion applies
// (12 attention nodes) and the fused session, planned for batch 3, gives the unfused outputs.
TEST(FuseAttentionPass, SharedVitAtBatchThree) {
  const std::string shared = SharedDir();
  if (shared.empty()) GTEST_SKIP() << "../shared is absent";
  const std::string path = shared + "/models/vit_tiny_op14/model.onnx";
  auto fused = Session::Load(path, SessionOptions{2});
  auto unfused = Session::Load(path, SessionOptions{1, false});
  ASSERT_TRUE(fused.ok()) << fused.status().ToString();
  ASSERT_TRUE(unfused.ok()) << unfused.status().ToString();
  std::map<std::string, int> ops = CountOps((*fused)->graph());
  EXPECT_EQ(ops["finch::Attention"], 12);
  EXPECT_EQ(ops["finch::LayerNormalization"], 25);
  EXPECT_EQ(ops["Softmax"], 0);
  const std::vector<Tensor> in = {RandomTensor({3, 3, 224, 224}, 77)};
  auto want = (*unfused)->Run(in);
  auto got = (*fused)->Run(in);
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].shape(), (Shape{3, 1000}));
  std::string why;
  EXPECT_TRUE(AllClose((*got)[0], (*want)[0], 1e-4, 1e-4, &why)) << why;
}

}  // namespace
}  // namespace finch::testing
