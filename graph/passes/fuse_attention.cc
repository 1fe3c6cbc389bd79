// fuse-attention: scaled dot-product attention as torch exports it becomes one finch::Attention
// node (graph/ops/attention.h), computed by the flash kernel without the Sq × Sk score tensor.
//
//   Q̂ = [Transpose(Q, q_perm)] -> [Mul(·, c_q) | Div(·, c_q)] -> q'
//   Kᵀ = [Transpose(K, p_k)]    -> [Mul(·, c_k) | Div(·, c_k)] -> k'
//   MatMul(q', k') -> [Mul(·, c_s) | Div(·, c_s)] -> [Add(·, M) | Add(M, ·)]
//     -> Softmax(axis = −1) -> MatMul(·, V̂) -> [Transpose(·, out_perm)] -> y
//   V̂ = [Transpose(V, v_perm)]
//
//   =>  Q, K, V, [M] -> finch::Attention{scale, q_perm, k_perm, v_perm, out_perm} -> y
//       scale = c_q·c_k·c_s (a Div contributes 1/c), k_perm = p_k with its last two entries
//       swapped (K̂ = Kᵀ transposed back), identity perms where a Transpose is not absorbed
//
// The head-split Transposes around Q, K, V and the output are plain permutations, so the node
// reads and writes the tensors in place through strides (for nn.MultiheadAttention's export:
// every perm [1, 0, 2] on the [S, B·H, d] Reshapes). The Reshapes themselves stay: they are the
// node's inputs. The node keeps y, is named after the Q·Kᵀ MatMul and lists every replaced node
// in fused_from.
//
// Guards (no match leaves the graph unchanged):
//   - Softmax normalizes the last dim (axis −1 or r − 1; before opset 13 the 2-D coercion at
//     r − 1 is the same); the Softmax output is the first input of the second MatMul;
//   - the scales are float32 scalar constants (rank ≤ 1), nonzero for a Div; the mask, when
//     present, is float32 of rank ≤ r and broadcasts to the scores without changing their shape;
//   - at the shape-facts probe Q̂, Kᵀ and V̂ have one rank r ≥ 2 (≤ 6), equal leading (problem)
//     dims — the node does not broadcast them as MatMul would — and Q̂[−1] = Kᵀ[−2],
//     Kᵀ[−1] = V̂[−2];
//   - an absorbed Transpose's output is read only by the pattern; an output Transpose keeps the
//     last dim last; the scores, scaled scores, masked scores and probabilities (and the second
//     MatMul's output when its Transpose is absorbed) have one reader each and are not graph
//     outputs;
//   - every declared element type is float32.
#include <cmath>
#include <optional>
#include <vector>

#include "graph/ops/attention.h"
#include "graph/ops/fused.h"
#include "graph/ops/normalization.h"
#include "graph/ops/shape.h"
#include "graph/passes/match.h"
#include "graph/passes/passes.h"
#include "graph/passes/rewrite.h"
#include "graph/passes/transformer_match.h"

namespace finch {
namespace {

// The identity permutation of rank r.
std::vector<int64_t> Identity(int64_t r) {
  std::vector<int64_t> p(static_cast<size_t>(r));
  for (int64_t i = 0; i < r; ++i) p[i] = i;
  return p;
}

Attribute Ints(const std::vector<int64_t>& v) {
  Attribute a;
  a.kind = Attribute::Kind::kInts;
  a.ints = v;
  return a;
}

class AttentionMatcher {
 public:
  AttentionMatcher(Rewriter& rw, LazyShapeFacts& facts) : rw_(rw), facts_(facts) {}

  bool TryFuse(int n) {
    if (!IsPlainOp(rw_, rw_.node(n), "Softmax", 1)) return false;
    softmax_ = n;
    // Backwards from the Softmax input: [Add mask] <- [scale] <- MatMul(q', k').
    ValueId s = rw_.node(n).inputs[0];
    if (!MatchScores(s)) return false;
    // Forwards: MatMul(P, V̂) -> [Transpose].
    const ValueId p = rw_.node(n).outputs[0];
    pv_ = SoleReader(rw_, p);
    if (pv_ < 0 || !IsPlainOp(rw_, rw_.node(pv_), "MatMul", 2) || rw_.node(pv_).inputs[0] != p) {
      return false;
    }
    // The operands' shapes at the probe: rank r, problem dims, d and Sk.
    const std::optional<Shape> qs = facts_.ProbeShape(q_hat_);
    const std::optional<Shape> ks = facts_.ProbeShape(kt_);
    const std::optional<Shape> vs = facts_.ProbeShape(rw_.node(pv_).inputs[1]);
    if (!qs || !ks || !vs) return false;
    const int64_t r = static_cast<int64_t>(qs->size());
    if (r < 2 || r > kMaxAttentionRank || ks->size() != qs->size() || vs->size() != qs->size()) {
      return false;
    }
    for (int64_t i = 0; i + 2 < r; ++i) {
      if ((*ks)[i] != (*qs)[i] || (*vs)[i] != (*qs)[i]) return false;
    }
    if ((*qs)[r - 1] != (*ks)[r - 2] || (*ks)[r - 1] != (*vs)[r - 2]) return false;
    rank_ = r;
    if (!SoftmaxOnLastDim()) return false;
    if (mask_ != kNoValue && !MaskFits(*qs, *ks)) return false;
    // Inputs, absorbing the Transposes that only the pattern reads.
    std::vector<int64_t> q_perm, k_perm, v_perm, out_perm;
    const ValueId q = Source(q_hat_, &q_perm, &q_transpose_);
    const ValueId k = Source(kt_, &k_perm, &k_transpose_);
    std::swap(k_perm[r - 2], k_perm[r - 1]);  // K̂ = Kᵀ with its last two dims swapped back
    const ValueId v = Source(rw_.node(pv_).inputs[1], &v_perm, &v_transpose_);
    if (q == kNoValue || k == kNoValue || v == kNoValue) return false;
    ValueId y = rw_.node(pv_).outputs[0];
    out_perm = Identity(r);
    const int t = SoleReader(rw_, y);
    if (t >= 0 && IsPlainOp(rw_, rw_.node(t), "Transpose", 1)) {
      std::vector<int64_t> perm;
      if (TransposePerm(t, &perm) && perm[r - 1] == r - 1) {
        out_perm = perm;
        out_transpose_ = t;
        y = rw_.node(t).outputs[0];
      }
    }
    return Rewrite(q, k, v, q_perm, k_perm, v_perm, out_perm, y);
  }

 private:
  // A Mul or Div of `v` by a scalar constant at node n: its factor (1/c for a Div).
  std::optional<double> ScaleBy(int n, ValueId v) {
    if (n < 0) return std::nullopt;
    const Node& node = rw_.node(n);
    const bool mul = IsPlainOp(rw_, node, "Mul", 2), div = IsPlainOp(rw_, node, "Div", 2);
    if (!mul && !div) return std::nullopt;
    const int o = OtherInput(node, v);
    if (o < 0 || (div && o != 1)) return std::nullopt;
    const std::optional<float> c = ScalarConstant(rw_, node.inputs[o]);
    if (!c || !std::isfinite(*c) || (div && *c == 0.f)) return std::nullopt;
    return div ? 1.0 / static_cast<double>(*c) : static_cast<double>(*c);
  }

  // The value `v` before an optional scale node whose output it is and which only the pattern
  // reads; multiplies the factor into scale_.
  ValueId BeforeScale(ValueId v, int* node) {
    const int p = rw_.Producer(v);
    if (p < 0 || !rw_.HasSingleUse(v) || rw_.node(p).inputs.size() != 2) return v;
    for (int i = 0; i < 2; ++i) {
      const ValueId in = rw_.node(p).inputs[i];
      if (std::optional<double> f = ScaleBy(p, in); f && !rw_.Constant(in)) {
        scale_ *= *f;
        *node = p;
        return in;
      }
    }
    return v;
  }

  // From the Softmax input `s` back to the Q·Kᵀ MatMul.
  bool MatchScores(ValueId s) {
    if (!rw_.HasSingleUse(s)) return false;
    int p = rw_.Producer(s);
    if (p < 0) return false;
    // [Add(scores, M)]: the scores side is the one that reaches a MatMul.
    if (IsPlainOp(rw_, rw_.node(p), "Add", 2)) {
      for (int i = 0; i < 2; ++i) {
        const ValueId scores = rw_.node(p).inputs[i];
        const ValueId m = rw_.node(p).inputs[1 - i];
        if (scores == m || !rw_.HasSingleUse(scores)) continue;
        mask_add_ = p;
        mask_ = m;
        if (MatchProduct(scores)) return true;
        ResetScores();
      }
      return false;
    }
    return MatchProduct(s);
  }

  // Forgets a failed MatchProduct (and the mask Add it was tried under).
  void ResetScores() {
    mask_add_ = score_scale_ = qk_ = q_scale_ = k_scale_ = -1;
    mask_ = q_hat_ = kt_ = kNoValue;
    scale_ = 1.0;
  }

  // `scores` = [scale of] MatMul(q', k').
  bool MatchProduct(ValueId scores) {
    const ValueId raw = BeforeScale(scores, &score_scale_);
    const int mm = rw_.Producer(raw);
    if (mm < 0 || !IsPlainOp(rw_, rw_.node(mm), "MatMul", 2) || !rw_.HasSingleUse(raw)) {
      return false;
    }
    qk_ = mm;
    q_hat_ = BeforeScale(rw_.node(mm).inputs[0], &q_scale_);
    kt_ = BeforeScale(rw_.node(mm).inputs[1], &k_scale_);
    // Q·Qᵀ of one value is left alone (both sides would claim the same Transpose).
    return q_hat_ != kt_;
  }

  bool SoftmaxOnLastDim() {
    const Node& sm = rw_.node(softmax_);
    const int64_t opset = DefaultOpset(rw_.graph());
    auto axis = sm.GetInt("axis", opset < 13 ? 1 : -1);
    if (!axis.ok()) return false;
    return *axis == -1 || *axis == rank_ - 1;
  }

  // M broadcasts to the scores [L..., Sq, Sk] (at the probe) and is float32.
  bool MaskFits(const Shape& q, const Shape& kt) {
    const std::optional<Shape> m = facts_.ProbeShape(mask_);
    if (!m || static_cast<int64_t>(m->size()) > rank_) return false;
    Shape scores(q.begin(), q.end() - 1);
    scores.push_back(kt.back());
    for (size_t i = 0; i < m->size(); ++i) {
      const int64_t d = (*m)[m->size() - 1 - i], want = scores[scores.size() - 1 - i];
      if (d != 1 && d != want) return false;
    }
    return FloatOrUnknown(rw_.graph(), mask_) &&
           (!rw_.Constant(mask_) || rw_.Constant(mask_)->dtype() == DataType::kFloat32);
  }

  // Transpose node t's permutation (its attribute, or the reversal), for rank_.
  bool TransposePerm(int t, std::vector<int64_t>* perm) {
    const Node& node = rw_.node(t);
    auto parsed = ParsePerm(node);
    if (!parsed.ok()) return false;
    auto resolved = ResolvePerm(node, *parsed, rank_);
    if (!resolved.ok()) return false;
    *perm = *resolved;
    return true;
  }

  // What the node reads for logical operand `v`: the input of the Transpose producing it when
  // only the pattern reads `v` (with that Transpose's perm), else `v` itself (identity).
  ValueId Source(ValueId v, std::vector<int64_t>* perm, int* transpose) {
    const int t = rw_.Producer(v);
    if (t >= 0 && rw_.HasSingleUse(v) && IsPlainOp(rw_, rw_.node(t), "Transpose", 1) &&
        TransposePerm(t, perm)) {
      *transpose = t;
      return rw_.node(t).inputs[0];
    }
    *perm = Identity(rank_);
    return v;
  }

  bool Rewrite(ValueId q, ValueId k, ValueId v, const std::vector<int64_t>& q_perm,
               const std::vector<int64_t>& k_perm, const std::vector<int64_t>& v_perm,
               const std::vector<int64_t>& out_perm, ValueId y) {
    // The replaced nodes, in the order the graph computes them.
    std::vector<int> chain;
    for (int c : {q_transpose_, q_scale_, k_transpose_, k_scale_, v_transpose_, qk_, score_scale_,
                  mask_add_, softmax_, pv_, out_transpose_}) {
      if (c >= 0) chain.push_back(c);
    }
    for (int c : chain) {
      if (!AllFloat(rw_.graph(), rw_.node(c))) return false;
    }
    Node att;
    att.op_type = "Attention";
    att.domain = kFinchDomain;
    att.name = rw_.node(qk_).name;
    att.inputs = {q, k, v};
    if (mask_ != kNoValue) att.inputs.push_back(mask_);
    att.outputs = {y};
    Attribute scale;
    scale.kind = Attribute::Kind::kFloat;
    scale.f = static_cast<float>(scale_);
    att.attributes["scale"] = scale;
    const std::vector<int64_t> id = Identity(rank_);
    if (q_perm != id) att.attributes["q_perm"] = Ints(q_perm);
    if (k_perm != id) att.attributes["k_perm"] = Ints(k_perm);
    if (v_perm != id) att.attributes["v_perm"] = Ints(v_perm);
    if (out_perm != id) att.attributes["out_perm"] = Ints(out_perm);
    std::vector<std::string> from;
    for (int c : chain) {
      for (const std::string& name : FusedFrom(rw_.node(c))) from.push_back(name);
    }
    SetFusedFrom(&att, std::move(from));
    for (int c : chain) {
      if (c != qk_) rw_.Remove(c);
    }
    rw_.Replace(qk_, std::move(att));
    return true;
  }

  Rewriter& rw_;
  LazyShapeFacts& facts_;
  int64_t rank_ = 0;
  double scale_ = 1.0;
  ValueId q_hat_ = kNoValue, kt_ = kNoValue, mask_ = kNoValue;
  int softmax_ = -1, qk_ = -1, pv_ = -1, mask_add_ = -1, score_scale_ = -1, q_scale_ = -1,
      k_scale_ = -1, q_transpose_ = -1, k_transpose_ = -1, v_transpose_ = -1, out_transpose_ = -1;
};

}  // namespace

StatusOr<PassResult> FuseAttention(const Graph& graph, const PassContext& ctx) {
  LazyShapeFacts facts(graph, ctx);
  return FuseEachNode(
      graph, [&facts](Rewriter& rw, int n) { return AttentionMatcher(rw, facts).TryFuse(n); });
}

}  // namespace finch
