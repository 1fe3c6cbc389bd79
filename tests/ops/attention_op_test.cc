// finch::Attention (graph/ops/attention.h) through a session: against a double-precision
// softmax(scale·Q̂K̂ᵀ + M)·V̂ written from the op's definition, over ranks 2–4, every perm the
// passes produce and a few more, query counts around the kernel's blocks (1, 5, 97, 197), masks
// broadcast over problems and rows, causal with Sq ≠ Sk, the default scale; thread-count
// identity; shapes known only at run time; and bad input (code, node, fault).
// The suite goes through kernel dispatch: run it with FINCH_DISABLE_ISA=avx2 too (the
// reference kernel).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "graph/ops/fused.h"
#include "runtime/session.h"
#include "tests/util/graph_builder.h"
#include "tests/util/test_util.h"

namespace finch {
namespace {

using testing::ExpectEqualFloats;
using testing::ExpectRejected;
using testing::FloatAttr;
using testing::IntAttr;
using testing::IntsAttr;
using testing::RandomTensor;
using testing::SingleNodeGraph;

struct Spec {
  Shape lead;  // the problem dims L...
  int64_t sq, sk, d, dv;
  std::vector<int64_t> q_perm, k_perm, v_perm, out_perm;  // empty: identity
  Shape mask;  // empty: no mask (else its shape, broadcast to [L..., Sq, Sk])
  bool causal = false;
  bool default_scale = false;
};

// The physical shape of a logical [L..., rows, cols] read through `perm`: dim perm[i] of the
// tensor is logical dim i.
Shape Physical(const Shape& logical, const std::vector<int64_t>& perm) {
  if (perm.empty()) return logical;
  Shape s(logical.size());
  for (size_t i = 0; i < perm.size(); ++i) s[perm[i]] = logical[i];
  return s;
}

// Element offset of logical index `idx` in a tensor of physical shape `phys` read through perm.
int64_t Offset(const Shape& phys, const std::vector<int64_t>& perm, const Shape& idx) {
  Shape p(phys.size());
  for (size_t i = 0; i < idx.size(); ++i) p[perm.empty() ? i : perm[i]] = idx[i];
  int64_t off = 0;
  for (size_t i = 0; i < phys.size(); ++i) off = off * phys[i] + p[i];
  return off;
}

Shape Logical(const Spec& s, int64_t rows, int64_t cols) {
  Shape l = s.lead;
  l.push_back(rows);
  l.push_back(cols);
  return l;
}

// Y (physical, out_perm applied) in double.
std::vector<double> Reference(const Spec& s, float scale, const Tensor& q, const Tensor& k,
                              const Tensor& v, const Tensor* m) {
  const Shape yl = Logical(s, s.sq, s.dv);
  const Shape yp = Physical(yl, s.out_perm);
  std::vector<double> y(NumElements(yp));
  const int64_t problems = NumElements(s.lead);
  const int r = static_cast<int>(yl.size());
  for (int64_t p = 0; p < problems; ++p) {
    Shape idx(r);
    for (int i = r - 3, rest = static_cast<int>(p); i >= 0; --i) {
      idx[i] = rest % s.lead[i];
      rest /= static_cast<int>(s.lead[i]);
    }
    for (int64_t i = 0; i < s.sq; ++i) {
      std::vector<double> sc(s.sk);
      double mx = -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < s.sk; ++j) {
        double dot = 0;
        for (int64_t c = 0; c < s.d; ++c) {
          idx[r - 2] = i, idx[r - 1] = c;
          const double qv = q.data<float>()[Offset(q.shape(), s.q_perm, idx)];
          idx[r - 2] = j;
          dot += qv * k.data<float>()[Offset(k.shape(), s.k_perm, idx)];
        }
        sc[j] = scale * dot;
        if (m) {  // right-aligned broadcast of M to [L..., Sq, Sk]
          idx[r - 2] = i, idx[r - 1] = j;
          const Shape& ms = m->shape();
          int64_t off = 0;
          for (size_t a = 0; a < ms.size(); ++a) {
            const int64_t at = idx[r - ms.size() + a];
            off = off * ms[a] + (ms[a] == 1 ? 0 : at);
          }
          sc[j] += m->data<float>()[off];
        }
        if (s.causal && j > i + s.sk - s.sq) sc[j] = -std::numeric_limits<double>::infinity();
        mx = std::max(mx, sc[j]);
      }
      double l = 0;
      for (double& e : sc) l += (e = std::exp(e - mx));
      for (int64_t c = 0; c < s.dv; ++c) {
        double acc = 0;
        for (int64_t j = 0; j < s.sk; ++j) {
          idx[r - 2] = j, idx[r - 1] = c;
          acc += sc[j] * v.data<float>()[Offset(v.shape(), s.v_perm, idx)];
        }
        idx[r - 2] = i, idx[r - 1] = c;
        y[Offset(yp, s.out_perm, idx)] = acc / l;
      }
    }
  }
  return y;
}

struct Built {
  Graph graph;
  std::vector<Tensor> inputs;
  float scale;
};

Built Build(const Spec& s, uint32_t seed) {
  const Shape qs = Physical(Logical(s, s.sq, s.d), s.q_perm);
  const Shape ks = Physical(Logical(s, s.sk, s.d), s.k_perm);
  const Shape vs = Physical(Logical(s, s.sk, s.dv), s.v_perm);
  std::vector<Shape> shapes = {qs, ks, vs};
  if (!s.mask.empty()) shapes.push_back(s.mask);
  std::map<std::string, Attribute> attrs;
  const float scale = s.default_scale ? 1.f / std::sqrt(static_cast<float>(s.d)) : 0.37f;
  if (!s.default_scale) attrs["scale"] = FloatAttr(scale);
  if (s.causal) attrs["causal"] = IntAttr(1);
  if (!s.q_perm.empty()) attrs["q_perm"] = IntsAttr(s.q_perm);
  if (!s.k_perm.empty()) attrs["k_perm"] = IntsAttr(s.k_perm);
  if (!s.v_perm.empty()) attrs["v_perm"] = IntsAttr(s.v_perm);
  if (!s.out_perm.empty()) attrs["out_perm"] = IntsAttr(s.out_perm);
  Built b{SingleNodeGraph("Attention", shapes, 1, attrs, 14), {}, scale};
  b.graph.nodes[0].domain = kFinchDomain;
  b.graph.opset_imports[kFinchDomain] = 1;
  for (size_t i = 0; i < shapes.size(); ++i) {
    Tensor t = RandomTensor(shapes[i], seed + static_cast<uint32_t>(i));
    if (i == 1) {  // larger keys: a peaked softmax tests the running max
      float* kd = t.mutable_data<float>();
      for (int64_t e = 0; e < t.num_elements(); ++e) kd[e] *= 3;
    }
    b.inputs.push_back(std::move(t));
  }
  return b;
}

std::vector<Tensor> RunThreads(const Graph& g, const std::vector<Tensor>& in, int threads) {
  auto session = Session::Create(g, SessionOptions{threads});
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  if (!session.ok()) return {};
  auto out = (*session)->Run(in);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out : std::vector<Tensor>{};
}

void Check(const Spec& s, uint32_t seed) {
  const Built b = Build(s, seed);
  const std::vector<Tensor> got = RunThreads(b.graph, b.inputs, 1);
  ASSERT_EQ(got.size(), 1u);
  const std::vector<double> want = Reference(s, b.scale, b.inputs[0], b.inputs[1], b.inputs[2],
                                             s.mask.empty() ? nullptr : &b.inputs[3]);
  ASSERT_EQ(got[0].num_elements(), static_cast<int64_t>(want.size()));
  EXPECT_EQ(got[0].shape(), Physical(Logical(s, s.sq, s.dv), s.out_perm));
  // Outputs are convex combinations of V's rows (|V| < 1); float32 dot products of d terms and
  // sums of Sk terms: 1e-5 is some 20 times a float32 implementation's error here.
  int bad = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    const double e = std::fabs(got[0].data<float>()[i] - want[i]);
    if (e > 1e-5 && bad++ < 3) {
      ADD_FAILURE() << "element " << i << ": got " << got[0].data<float>()[i] << ", want "
                    << want[i];
    }
  }
  // Any thread count gives the same bits.
  const std::vector<Tensor> two = RunThreads(b.graph, b.inputs, 2);
  ASSERT_EQ(two.size(), 1u);
  ExpectEqualFloats(two[0], got[0]);
}

TEST(AttentionOps, MatchesDoubleDefinition) {
  const std::vector<int64_t> sbd = {1, 0, 2};  // torch MultiheadAttention's [S, B·H, d]
  const Spec specs[] = {
      {{3}, 197, 197, 64, 64, sbd, sbd, sbd, sbd, {}},  // ViT-tiny's attention
      {{2}, 5, 7, 8, 8, {}, {}, {}, {}, {}},            // plain [P, S, d]
      {{1}, 1, 1, 4, 4, {}, {}, {}, {}, {}},            // one query, one key
      {{2, 3}, 97, 33, 32, 16, {}, {}, {}, {}, {}},     // [B, H, S, d], dv ≠ d
      {{2, 3}, 13, 13, 16, 16, {0, 2, 1, 3}, {0, 2, 1, 3}, {0, 2, 1, 3}, {0, 2, 1, 3}, {}},
      {{}, 9, 11, 8, 8, {}, {1, 0}, {}, {}, {}},                 // rank 2, K given transposed
      {{3}, 17, 17, 16, 16, sbd, {2, 0, 1}, sbd, {}, {17, 17}},  // mask [Sq, Sk]
      {{2, 2}, 6, 10, 8, 8, {}, {}, {}, {}, {2, 1, 1, 10}},      // mask over batch and keys
      {{2}, 12, 20, 8, 8, {}, {}, {}, {}, {}, true},             // causal, Sq < Sk
      {{2}, 20, 20, 8, 8, {}, {}, {}, {}, {1, 20}, true, true},  // causal + mask, 1/√d
  };
  uint32_t seed = 100;
  for (const Spec& s : specs) {
    SCOPED_TRACE(::testing::Message()
                 << "lead " << ShapeToString(s.lead) << " Sq " << s.sq << " Sk " << s.sk << " d "
                 << s.d << " dv " << s.dv << " mask " << ShapeToString(s.mask) << " causal "
                 << s.causal << " seed " << seed);
    Check(s, seed);
    seed += 10;
  }
}

TEST(AttentionOps, FullyMaskedRowsAreZero) {
  // Causal with Sq > Sk: query i sees keys j ≤ i − 3, so rows 0..2 see none and give zeros.
  const Spec s{{1}, 5, 2, 4, 4, {}, {}, {}, {}, {}, true};
  const Built b = Build(s, 7);
  const std::vector<Tensor> got = RunThreads(b.graph, b.inputs, 1);
  ASSERT_EQ(got.size(), 1u);
  for (int64_t i = 0; i < 3 * 4; ++i) EXPECT_EQ(got[0].data<float>()[i], 0.f) << i;
  EXPECT_NE(got[0].data<float>()[3 * 4], 0.f);
}

TEST(AttentionOps, ShapesKnownOnlyAtRunTime) {
  // Q is a Reshape of a flat input to a target fed at run time: the node is planned without
  // shapes and resolves them when it runs.
  testing::GraphBuilder g(14);
  const ValueId flat = g.StaticInput("q_flat", {2 * 9 * 8});
  const ValueId target = g.StaticInput("target", {3}, DataType::kInt64);
  const ValueId k = g.StaticInput("k", {2, 11, 8});
  const ValueId v = g.StaticInput("v", {2, 11, 8});
  const ValueId q = g.Op("Reshape", "reshape", {flat, target});
  g.Output(g.Op("Attention", "n", {q, k, v}, {{"scale", FloatAttr(0.5f)}}, kFinchDomain));
  g.g.opset_imports[kFinchDomain] = 1;
  const Spec s{{2}, 9, 11, 8, 8, {}, {}, {}, {}, {}};
  const Built b = Build(s, 3);
  std::vector<Tensor> in = {b.inputs[0].Reshaped({2 * 9 * 8}),
                            Tensor::FromVector<int64_t>({3}, {2, 9, 8}), b.inputs[1], b.inputs[2]};
  const std::vector<Tensor> got = RunThreads(g.g, in, 2);
  ASSERT_EQ(got.size(), 1u);
  const std::vector<double> want =
      Reference(s, 0.5f, b.inputs[0], b.inputs[1], b.inputs[2], nullptr);
  ASSERT_EQ(got[0].shape(), (Shape{2, 9, 8}));
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_NEAR(got[0].data<float>()[i], want[i], 1e-5) << i;
  }
}

Graph Node3(const std::vector<Shape>& shapes, std::map<std::string, Attribute> attrs = {}) {
  Graph g = SingleNodeGraph("Attention", shapes, 1, std::move(attrs), 14);
  g.nodes[0].domain = kFinchDomain;
  g.opset_imports[kFinchDomain] = 1;
  return g;
}

TEST(AttentionOps, RejectsBadInput) {
  ExpectRejected(Node3({{2, 5, 8}, {2, 5}, {2, 5, 8}}), StatusCode::kInvalidArgument,
                 "K has shape [2,5], of another rank than Q");
  ExpectRejected(Node3({{2, 5, 8}, {2, 6, 4}, {2, 6, 8}}), StatusCode::kInvalidArgument,
                 "its head dim differs from Q's");
  ExpectRejected(Node3({{2, 5, 8}, {2, 6, 8}, {2, 7, 8}}), StatusCode::kInvalidArgument,
                 "its key count differs from K's");
  ExpectRejected(Node3({{2, 5, 8}, {3, 6, 8}, {3, 6, 8}}), StatusCode::kInvalidArgument,
                 "the problem dims of Q");
  ExpectRejected(Node3({{2, 5, 8}, {2, 6, 8}, {2, 6, 8}}, {{"q_perm", IntsAttr({0, 0, 1})}}),
                 StatusCode::kInvalidArgument, "q_perm [0,0,1] is not a permutation");
  ExpectRejected(Node3({{2, 5, 8}, {2, 6, 8}, {2, 6, 8}}, {{"out_perm", IntsAttr({0, 2, 1})}}),
                 StatusCode::kUnimplemented, "must stay last");
  ExpectRejected(Node3({{2, 5, 8}, {2, 6, 8}, {2, 6, 8}, {5, 5}}), StatusCode::kInvalidArgument,
                 "M has shape [5,5], which does not broadcast");
  ExpectRejected(Node3({{2, 5, 8}, {2, 6, 8}, {2, 6, 8}}, {{"causal", IntAttr(2)}}),
                 StatusCode::kInvalidArgument, "causal is 2");
  ExpectRejected(Node3({{2, 5, 8}, {2, 6, 8}, {2, 6, 8}},
                       {{"scale", FloatAttr(std::numeric_limits<float>::infinity())}}),
                 StatusCode::kInvalidArgument, "is not finite");
  ExpectRejected(Node3({{5, 8}, {6, 8}, {6, 8}, {1, 1, 6}}), StatusCode::kInvalidArgument,
                 "of higher rank than the scores");
}

}  // namespace
}  // namespace finch
