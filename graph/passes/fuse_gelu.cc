// fuse-gelu: the GELU of torch's export (and of the usual hand-written forms) becomes one
// finch::Gelu node, which fuse-matmul-bias then folds into the MatMul before it.
//
// Erf form, approximate = "none":   y = x · 0.5 · (1 + erf(x / √2))
//   x -> Div(x, √2) | Mul(x, 1/√2) -> Erf -> Add(·, 1) -> t
// Tanh form, approximate = "tanh":  y = x · 0.5 · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))
//   x -> Pow(x, 3) | Mul(x, Mul(x, x)) -> Mul(·, 0.044715) -> Add(x, ·)
//     -> Mul(·, √(2/π)) -> Tanh -> Add(·, 1) -> t
// and the product of x, 0.5 and t in any of the three orders exports write it:
//   Mul(Mul(x, t), 0.5)           (torch: nn.GELU())
//   Mul(x, Mul(t, 0.5))
//   Mul(Mul(x, 0.5), t)           (the "0.5 * x * (1 + ...)" of hand-written models)
// where a Mul by 0.5 may be a Div by 2 and every Mul and Add takes its operands in either order.
//
//   =>  x -> finch::Gelu{approximate} -> y
//
// The fused node keeps y, is named after the first node of the chain and lists every replaced
// node in fused_from.
//
// Guards (no match leaves the graph unchanged):
//   - the constants are float32 scalars (rank ≤ 1) within 1e-6 (relative) of √2, 1/√2, √(2/π),
//     0.044715, 1, 0.5, 2 and 3 (the exponent);
//   - every value inside the chain has one reader (the next node) and is not a graph output;
//     x may have any number of other readers;
//   - every x in the chain is the same value;
//   - every declared element type is float32.
#include <cmath>
#include <optional>
#include <vector>

#include "graph/ops/fused.h"
#include "graph/passes/match.h"
#include "graph/passes/passes.h"
#include "graph/passes/rewrite.h"
#include "graph/passes/transformer_match.h"

namespace finch {
namespace {

constexpr double kPi = 3.14159265358979323846;

class GeluMatcher {
 public:
  explicit GeluMatcher(Rewriter& rw) : rw_(rw) {}

  bool TryFuse(int n) {
    const Node& node = rw_.node(n);
    if (IsPlainOp(rw_, node, "Erf", 1)) return Finish(MatchErfInput(n), n, "none");
    if (IsPlainOp(rw_, node, "Tanh", 1)) return Finish(MatchTanhInput(n), n, "tanh");
    return false;
  }

 private:
  // The other operand of binary node n (reading v) when it is `op` and that operand is a scalar
  // constant close to `want`.
  bool ScalarOp(int n, const char* op, ValueId v, double want) {
    if (n < 0 || !IsPlainOp(rw_, rw_.node(n), op, 2)) return false;
    const int o = OtherInput(rw_.node(n), v);
    // Div is not commutative: the constant must be the divisor.
    if (o < 0 || (std::string(op) == "Div" && o != 1)) return false;
    const std::optional<float> c = ScalarConstant(rw_, rw_.node(n).inputs[o]);
    return c && CloseTo(*c, want);
  }

  // The operand of binary node n that is not `v` (n reads v once), or kNoValue.
  ValueId Other(int n, ValueId v) {
    const int o = OtherInput(rw_.node(n), v);
    return o < 0 ? kNoValue : rw_.node(n).inputs[o];
  }

  // x for Erf node n: Erf(Div(x, √2)) or Erf(Mul(x, 1/√2)); records the chain.
  ValueId MatchErfInput(int n) {
    const ValueId u = rw_.node(n).inputs[0];
    const int scale = rw_.Producer(u);
    if (scale < 0 || !rw_.HasSingleUse(u)) return kNoValue;
    const Node& s = rw_.node(scale);
    for (int i = 0; i < 2 && s.inputs.size() == 2; ++i) {
      const ValueId x = s.inputs[i];
      if (ScalarOp(scale, "Div", x, std::sqrt(2.0)) ||
          ScalarOp(scale, "Mul", x, 1.0 / std::sqrt(2.0))) {
        chain_ = {scale, n};
        return x;
      }
    }
    return kNoValue;
  }

  // x for Tanh node n: Tanh(√(2/π)·(x + 0.044715·x³)).
  ValueId MatchTanhInput(int n) {
    const ValueId w = rw_.node(n).inputs[0];
    const int outer = rw_.Producer(w);
    if (outer < 0 || !rw_.HasSingleUse(w) || !IsPlainOp(rw_, rw_.node(outer), "Mul", 2)) {
      return kNoValue;
    }
    for (int i = 0; i < 2; ++i) {
      const ValueId s = rw_.node(outer).inputs[i];
      if (!ScalarOp(outer, "Mul", s, std::sqrt(2.0 / kPi))) continue;
      const int add = rw_.Producer(s);
      if (add < 0 || !rw_.HasSingleUse(s) || !IsPlainOp(rw_, rw_.node(add), "Add", 2)) continue;
      for (int j = 0; j < 2; ++j) {
        const ValueId x = rw_.node(add).inputs[j];
        const ValueId m = rw_.node(add).inputs[1 - j];
        const int kappa = rw_.Producer(m);
        if (kappa < 0 || !rw_.HasSingleUse(m) || !IsPlainOp(rw_, rw_.node(kappa), "Mul", 2)) {
          continue;
        }
        for (int l = 0; l < 2; ++l) {
          const ValueId cube = rw_.node(kappa).inputs[l];
          if (!ScalarOp(kappa, "Mul", cube, 0.044715)) continue;
          std::vector<int> cube_nodes = MatchCube(cube, x);
          if (cube_nodes.empty()) continue;
          chain_ = cube_nodes;
          chain_.insert(chain_.end(), {kappa, add, outer, n});
          return x;
        }
      }
    }
    return kNoValue;
  }

  // The nodes computing cube = x³ (Pow(x, 3), Mul(x, Mul(x, x)) or Mul(Mul(x, x), x)), first to
  // last; empty when it is not that.
  std::vector<int> MatchCube(ValueId cube, ValueId x) {
    const int c = rw_.Producer(cube);
    if (c < 0 || !rw_.HasSingleUse(cube)) return {};
    const Node& node = rw_.node(c);
    if (IsPlainOp(rw_, node, "Pow", 2) && node.inputs[0] == x) {
      const std::optional<float> e = ScalarConstant(rw_, node.inputs[1]);
      return e && *e == 3.f ? std::vector<int>{c} : std::vector<int>{};
    }
    if (!IsPlainOp(rw_, node, "Mul", 2)) return {};
    for (int i = 0; i < 2; ++i) {
      if (node.inputs[i] != x) continue;
      const ValueId sq = node.inputs[1 - i];
      const int s = rw_.Producer(sq);
      if (s < 0 || !rw_.HasSingleUse(sq)) continue;
      const Node& square = rw_.node(s);
      if (IsPlainOp(rw_, square, "Mul", 2) && square.inputs[0] == x && square.inputs[1] == x) {
        return {s, c};
      }
    }
    return {};
  }

  // From the Erf/Tanh node n: Add(·, 1) -> t, then x · 0.5 · t in one of its orders. Returns y.
  ValueId MatchProduct(int n, ValueId x) {
    const ValueId e = rw_.node(n).outputs[0];
    const int add = SoleReader(rw_, e);
    if (!ScalarOp(add, "Add", e, 1.0)) return kNoValue;
    chain_.push_back(add);
    const ValueId t = rw_.node(add).outputs[0];
    const int r = SoleReader(rw_, t);
    if (r < 0) return kNoValue;
    if (ScalarOp(r, "Mul", t, 0.5) || ScalarOp(r, "Div", t, 2.0)) {  // x · (t · 0.5)
      const ValueId h = rw_.node(r).outputs[0];
      const int last = SoleReader(rw_, h);
      if (last < 0 || !IsPlainOp(rw_, rw_.node(last), "Mul", 2) || Other(last, h) != x) {
        return kNoValue;
      }
      chain_.insert(chain_.end(), {r, last});
      return rw_.node(last).outputs[0];
    }
    if (!IsPlainOp(rw_, rw_.node(r), "Mul", 2)) return kNoValue;
    const ValueId o = Other(r, t);
    if (o == x) {  // (x · t) · 0.5
      const ValueId xt = rw_.node(r).outputs[0];
      const int last = SoleReader(rw_, xt);
      if (!ScalarOp(last, "Mul", xt, 0.5) && !ScalarOp(last, "Div", xt, 2.0)) return kNoValue;
      chain_.insert(chain_.end(), {r, last});
      return rw_.node(last).outputs[0];
    }
    // (x · 0.5) · t
    const int half = rw_.Producer(o);
    if (half < 0 || !rw_.HasSingleUse(o) ||
        !(ScalarOp(half, "Mul", x, 0.5) || ScalarOp(half, "Div", x, 2.0))) {
      return kNoValue;
    }
    chain_.insert(chain_.begin(), half);
    chain_.push_back(r);
    return rw_.node(r).outputs[0];
  }

  bool Finish(ValueId x, int n, const char* approximate) {
    if (x == kNoValue) return false;
    const ValueId y = MatchProduct(n, x);
    if (y == kNoValue) return false;
    for (int c : chain_) {
      if (!AllFloat(rw_.graph(), rw_.node(c))) return false;
    }
    Node gelu;
    gelu.op_type = "Gelu";
    gelu.domain = kFinchDomain;
    gelu.name = rw_.node(chain_[0]).name;
    gelu.inputs = {x};
    gelu.outputs = {y};
    Attribute a;
    a.kind = Attribute::Kind::kString;
    a.s = approximate;
    gelu.attributes["approximate"] = a;
    std::vector<std::string> from;
    for (int c : chain_) {
      for (const std::string& name : FusedFrom(rw_.node(c))) from.push_back(name);
    }
    SetFusedFrom(&gelu, std::move(from));
    for (size_t i = 1; i < chain_.size(); ++i) rw_.Remove(chain_[i]);
    rw_.Replace(chain_[0], std::move(gelu));
    return true;
  }

  Rewriter& rw_;
  std::vector<int> chain_;  // the matched nodes, first to last
};

}  // namespace

StatusOr<PassResult> FuseGelu(const Graph& graph, const PassContext& ctx) {
  return FuseEachNode(graph, [](Rewriter& rw, int n) { return GeluMatcher(rw).TryFuse(n); });
}

}  // namespace finch
