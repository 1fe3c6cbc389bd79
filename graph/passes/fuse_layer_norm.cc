// fuse-layer-norm: layer normalization as exported before opset 17 (torch's nn.LayerNorm)
// becomes one finch::LayerNormalization node.
//
//   x ─┬─> ReduceMean(axes) -> μ
//      └─> Sub(x, μ) -> d ─┬─> Pow(d, 2) | Mul(d, d) -> ReduceMean(axes) -> σ²
//                           │   -> [Add(σ², ε)] -> Sqrt -> s
//                           └─> Div(d, s) | Mul(d, Reciprocal(s)) -> n
//      -> [Mul(n, γ)] -> [Add(·, β)] -> y
//
//   =>  x -> finch::LayerNormalization(x, γ, β){axis = −k, epsilon = ε} -> y
//
//   y = (x − μ)/√(σ² + ε)·γ + β,  μ and σ² the mean and the (biased) variance over the last k
//   dims: exactly LayerNormalization-17's math, computed by one kernel over each row in place of
//   nine elementwise passes over the tensor.
//
// Binary ops may take their operands in either order where the op commutes (Mul, Add). The fused
// node keeps y (the last node's output), is named after the first ReduceMean and lists every
// replaced node in fused_from.
//
// Guards (no match leaves the graph unchanged):
//   - both ReduceMeans reduce the same trailing dims (axes {−k..−1}, or {r−k..r−1} with x's rank
//     r known) with keepdims = 1 (axes from the attribute, or from a constant input at opset 18);
//   - the Sub subtracts μ from the same x the first ReduceMean read; Pow's exponent is the
//     constant 2; ε is a constant ≥ 0; every scalar constant is float32 of rank ≤ 1;
//   - μ, the square, σ², σ² + ε, s, 1/s and n have one reader each (the next node) and d exactly
//     two (the square and the division); none of them is a graph output (y may be);
//   - γ and β are float32 constants whose last k dims are x's last k dims (at the shape-facts
//     probe; any dims before those are 1, and γ's rank is at most x's), so the Mul and Add
//     neither broadcast x nor change its shape;
//   - every declared element type on the way is float32.
#include <optional>
#include <vector>

#include "graph/ops/fused.h"
#include "graph/ops/reduce.h"
#include "graph/passes/match.h"
#include "graph/passes/passes.h"
#include "graph/passes/rewrite.h"
#include "graph/passes/transformer_match.h"

namespace finch {
namespace {

// k when `node` is a ReduceMean with keepdims over the trailing k dims of its input, else 0.
int64_t TrailingReduceDims(Rewriter& rw, const Node& node, LazyShapeFacts& facts) {
  if (node.op_type != "ReduceMean" || !node.domain.empty() || node.outputs.size() != 1 ||
      !node.has_input(0)) {
    return 0;
  }
  auto attrs = ParseReduceAttrs(node, DefaultOpset(rw.graph()));
  if (!attrs.ok() || !attrs->keepdims) return 0;
  std::vector<int64_t> axes = attrs->axes;
  if (attrs->axes_from_input) {
    if (node.inputs.size() != 2 || !node.has_input(1)) return 0;
    const Tensor* t = rw.Constant(node.inputs[1]);
    if (t == nullptr || t->dtype() != DataType::kInt64) return 0;
    axes.assign(t->data<int64_t>(), t->data<int64_t>() + t->num_elements());
  } else if (node.inputs.size() != 1) {
    return 0;
  }
  if (axes.empty()) return 0;  // every axis (or none): not a layer norm
  const int64_t k = static_cast<int64_t>(axes.size());
  std::optional<int64_t> rank;
  std::vector<bool> seen(static_cast<size_t>(k), false);
  for (int64_t a : axes) {
    if (a >= 0) {  // positive axes need the rank
      if (!rank) rank = RankOf(rw, node.inputs[0], facts);
      if (!rank) return 0;
      a -= *rank;
    }
    if (a < -k || a >= 0 || seen[a + k]) return 0;
    seen[a + k] = true;
  }
  return k;
}

// Input `i` of a binary node whose other input is `v`, if the node is `op`.
bool BinaryWith(Rewriter& rw, int n, const char* op, ValueId v, ValueId* other) {
  if (n < 0 || !IsPlainOp(rw, rw.node(n), op, 2)) return false;
  const int o = OtherInput(rw.node(n), v);
  if (o < 0) return false;
  *other = rw.node(n).inputs[o];
  return true;
}

// γ or β as the fused node takes it: a float32 constant of exactly x's normalized shape (the
// last k dims of `x_shape`), possibly with leading 1s (dropped), else kNoValue.
ValueId AffineParam(Rewriter& rw, ValueId p, const std::optional<Shape>& x_shape, int64_t k) {
  const Tensor* t = rw.Constant(p);
  if (t == nullptr || t->dtype() != DataType::kFloat32 || !x_shape) return kNoValue;
  const int64_t r = static_cast<int64_t>(x_shape->size());
  const int64_t tr = static_cast<int64_t>(t->rank());
  if (tr < k || tr > r) return kNoValue;
  for (int64_t i = 0; i < tr - k; ++i) {
    if (t->dim(i) != 1) return kNoValue;
  }
  for (int64_t i = 0; i < k; ++i) {
    if (t->dim(tr - k + i) != (*x_shape)[r - k + i]) return kNoValue;
  }
  if (tr == k) return p;
  const Shape normalized(x_shape->end() - k, x_shape->end());
  return rw.AddConstant(rw.graph().values[p].name + "_normalized", t->Reshaped(normalized));
}

class LayerNormMatcher {
 public:
  LayerNormMatcher(Rewriter& rw, LazyShapeFacts& facts) : rw_(rw), facts_(facts) {}

  // Tries the chain starting at ReduceMean node n; true when it fused.
  bool TryFuse(int n) {
    std::vector<int> chain = {n};
    const Node& mean1 = rw_.node(n);
    const int64_t k = TrailingReduceDims(rw_, mean1, facts_);
    if (k == 0) return false;
    const ValueId x = mean1.inputs[0], mu = mean1.outputs[0];
    // d = x − μ
    const int sub = SoleReader(rw_, mu);
    if (sub < 0 || !IsPlainOp(rw_, rw_.node(sub), "Sub", 2)) return false;
    if (rw_.node(sub).inputs[0] != x || rw_.node(sub).inputs[1] != mu) return false;
    chain.push_back(sub);
    const ValueId d = rw_.node(sub).outputs[0];
    const std::vector<int> readers = rw_.Consumers(d);
    if (readers.size() != 2 || rw_.IsGraphOutput(d)) return false;
    // The square and the division, in either reader order.
    for (int first = 0; first < 2; ++first) {
      std::vector<int> tail;
      FusedLayer layer;
      if (MatchRest(k, x, d, readers[first], readers[1 - first], &tail, &layer)) {
        chain.insert(chain.end(), tail.begin(), tail.end());
        return Rewrite(chain, x, k, layer);
      }
    }
    return false;
  }

 private:
  struct FusedLayer {
    float epsilon = 0.f;
    ValueId gamma = kNoValue, beta = kNoValue, y = kNoValue;
  };

  // The square at node `sq`, the division at `div`, then the affine tail.
  bool MatchRest(int64_t k, ValueId x, ValueId d, int sq, int div, std::vector<int>* chain,
                 FusedLayer* layer) {
    const Node& square = rw_.node(sq);
    const bool pow = IsPlainOp(rw_, square, "Pow", 2) && square.inputs[0] == d &&
                     ScalarConstant(rw_, square.inputs[1]) == 2.f;
    const bool mul =
        IsPlainOp(rw_, square, "Mul", 2) && square.inputs[0] == d && square.inputs[1] == d;
    if (!pow && !mul) return false;
    chain->push_back(sq);
    const int mean2 = SoleReader(rw_, square.outputs[0]);
    if (mean2 < 0 || TrailingReduceDims(rw_, rw_.node(mean2), facts_) != k) return false;
    chain->push_back(mean2);
    ValueId v = rw_.node(mean2).outputs[0];  // σ²
    int next = SoleReader(rw_, v);
    ValueId eps = kNoValue;
    if (BinaryWith(rw_, next, "Add", v, &eps)) {
      const std::optional<float> e = ScalarConstant(rw_, eps);
      if (!e || !(*e >= 0.f)) return false;
      layer->epsilon = *e;
      chain->push_back(next);
      v = rw_.node(next).outputs[0];
      next = SoleReader(rw_, v);
    }
    if (next < 0 || !IsPlainOp(rw_, rw_.node(next), "Sqrt", 1)) return false;
    chain->push_back(next);
    const ValueId s = rw_.node(next).outputs[0];
    // n = d / s, or d · (1/s).
    const Node& division = rw_.node(div);
    const int s_reader = SoleReader(rw_, s);
    if (s_reader == div && IsPlainOp(rw_, division, "Div", 2) && division.inputs[0] == d &&
        division.inputs[1] == s) {
      chain->push_back(div);
    } else if (s_reader >= 0 && IsPlainOp(rw_, rw_.node(s_reader), "Reciprocal", 1)) {
      const ValueId inv = rw_.node(s_reader).outputs[0];
      ValueId other = kNoValue;
      if (SoleReader(rw_, inv) != div || !BinaryWith(rw_, div, "Mul", inv, &other) || other != d) {
        return false;
      }
      chain->push_back(s_reader);
      chain->push_back(div);
    } else {
      return false;
    }
    // [· γ] [+ β]
    ValueId y = rw_.node(div).outputs[0];
    const std::optional<Shape> x_shape = facts_.ProbeShape(x);
    ValueId param = kNoValue;
    int step = SoleReader(rw_, y);
    // A Mul or Add whose constant does not fit is left out (the match ends before it).
    if (BinaryWith(rw_, step, "Mul", y, &param) &&
        (layer->gamma = AffineParam(rw_, param, x_shape, k)) != kNoValue) {
      chain->push_back(step);
      y = rw_.node(step).outputs[0];
      step = SoleReader(rw_, y);
    }
    if (BinaryWith(rw_, step, "Add", y, &param) &&
        (layer->beta = AffineParam(rw_, param, x_shape, k)) != kNoValue) {
      chain->push_back(step);
      y = rw_.node(step).outputs[0];
    }
    layer->y = y;
    return true;
  }

  bool Rewrite(const std::vector<int>& chain, ValueId x, int64_t k, const FusedLayer& layer) {
    for (int c : chain) {
      const Node& node = rw_.node(c);
      if (node.op_type == "ReduceMean") {  // its axes input (opset 18) is int64
        if (!FloatOrUnknown(rw_.graph(), node.inputs[0]) ||
            !FloatOrUnknown(rw_.graph(), node.outputs[0])) {
          return false;
        }
      } else if (!AllFloat(rw_.graph(), node)) {
        return false;
      }
    }
    Node ln;
    ln.op_type = "LayerNormalization";
    ln.domain = kFinchDomain;
    ln.name = rw_.node(chain[0]).name;
    ln.inputs = {x, layer.gamma, layer.beta};
    while (!ln.inputs.empty() && ln.inputs.back() == kNoValue) ln.inputs.pop_back();
    ln.outputs = {layer.y};
    Attribute axis;
    axis.kind = Attribute::Kind::kInt;
    axis.i = -k;
    ln.attributes["axis"] = axis;
    Attribute eps;
    eps.kind = Attribute::Kind::kFloat;
    eps.f = layer.epsilon;
    ln.attributes["epsilon"] = eps;
    std::vector<std::string> from;
    for (int c : chain) {
      for (const std::string& name : FusedFrom(rw_.node(c))) from.push_back(name);
    }
    SetFusedFrom(&ln, std::move(from));
    for (size_t i = 1; i < chain.size(); ++i) rw_.Remove(chain[i]);
    rw_.Replace(chain[0], std::move(ln));
    return true;
  }

  Rewriter& rw_;
  LazyShapeFacts& facts_;
};

}  // namespace

StatusOr<PassResult> FuseLayerNorm(const Graph& graph, const PassContext& ctx) {
  LazyShapeFacts facts(graph, ctx);
  return FuseEachNode(
      graph, [&facts](Rewriter& rw, int n) { return LayerNormMatcher(rw, facts).TryFuse(n); });
}

}  // namespace finch
