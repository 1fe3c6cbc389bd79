// fold-scale-into-conv: absorb a per-channel scale and shift of a Conv's input into the Conv.
//
//   x -> Mul(s) -> Add(t) -> Conv(W, b) -> y     =>   x -> Conv(W', b') -> y
//
//   Conv(x·s + t, W, b) = Conv(x, W·s_c, b + Σ_{c,k} W[m,c,k]·t_c), i.e. per input channel c of
//   output channel m's group g (c_in = g·C/G + c):
//        W'[m, c, k] = W[m, c, k]·s[c_in]
//        b'[m]       = b[m] + Σ_{c,k} W[m, c, k]·t[c_in]            (in double, stored float)
//
// The chain before the Conv may be any sequence of such Muls and Adds (what fold-batchnorm
// leaves for a BN it could not fold, a Mul alone, an Add alone, Add then Mul): it is composed
// into one x·s + t first (Mul by a: s·a, t·a; Add of a: t + a). The Conv keeps its output y,
// takes the name of the first node of the chain and gets `fused_from` = [chain…, conv].
//
// Guards (otherwise the graph is left as it is):
//   - the Conv (or finch::FusedConv: its activation and residual Z come after the convolution
//     and are unaffected) has a float32 constant weight W [M, C/G, k…] and a constant bias [M]
//     if any; the chain value is its input X (not W or B);
//   - every Mul/Add of the chain has one constant float32 operand that is per channel for the
//     Conv's input: after right-alignment to rank(W) its only non-1 dim is the channel axis 1,
//     of size C (shapes [C,1,1], [1,C,1,1], [1], scalar…); when it has rank(W) dims, the other
//     operand must have a declared rank of rank(W) (it must not be broadcast up a rank);
//   - each value of the chain is read by the next node only and is not a graph output;
//   - a shift (an Add in the chain) only when the Conv has no padding (pads all 0 and auto_pad
//     NOTSET or VALID, or SAME_* with a 1×…×1 kernel): the zeros the Conv pads with are not
//     shifted, so x·s + t and its folded form differ on the border. A scale commutes with zero
//     padding and needs no guard: in a padded Conv only the trailing Muls fold.
#include <string>
#include <vector>

#include "graph/ops/fused.h"
#include "graph/passes/match.h"
#include "graph/passes/passes.h"
#include "graph/passes/rewrite.h"

namespace finch {
namespace {

const Tensor* FloatConstant(const Rewriter& rw, ValueId v) {
  const Tensor* t = rw.Constant(v);
  return t != nullptr && t->dtype() == DataType::kFloat32 ? t : nullptr;
}

// Reads `k` as one value per input channel of a rank-`rank` Conv input with `channels`
// channels: false when it varies along any other axis or would broadcast X up a rank.
bool PerChannel(const Tensor& k, size_t rank, int64_t channels, std::vector<double>* out) {
  if (k.rank() > rank) return false;
  const size_t offset = rank - k.rank();
  for (size_t i = 0; i < k.rank(); ++i) {
    const int64_t d = k.dim(i);
    if (d != 1 && !(offset + i == 1 && d == channels)) return false;
  }
  out->assign(channels, 0.0);
  const bool full = k.num_elements() == channels;
  for (int64_t c = 0; c < channels; ++c) out->at(c) = ElementAsDouble(k, full ? c : 0);
  return true;
}

struct ChainStep {
  int node = -1;
  bool is_mul = false;
  std::vector<double> k;  // per input channel
};

// True when the Conv pads its input with zeros somewhere (a shift does not commute with that).
bool MayPad(const Node& conv, const Tensor& w) {
  auto pads = conv.GetInts("pads", {});
  auto auto_pad = conv.GetString("auto_pad", "NOTSET");
  if (!pads.ok() || !auto_pad.ok()) return true;
  for (int64_t p : *pads) {
    if (p != 0) return true;
  }
  if (*auto_pad == "NOTSET" || *auto_pad == "VALID") return false;
  // SAME_*: out = ceil(in/s), total pad = max(0, (out−1)·s + k − in) = 0 when k = 1.
  for (size_t i = 2; i < w.rank(); ++i) {
    if (w.dim(i) != 1) return true;
  }
  return false;
}

// The declared rank of `v`, or -1.
int64_t DeclaredRank(const Graph& g, ValueId v) {
  const TensorType& t = g.values[v].type;
  return t.has_rank() ? static_cast<int64_t>(t.dims->size()) : -1;
}

}  // namespace

StatusOr<PassResult> FoldScaleIntoConv(const Graph& graph, const PassContext& ctx) {
  Rewriter rw(graph);
  int rewrites = 0;
  for (int n = 0; n < rw.num_nodes(); ++n) {
    if (rw.removed(n)) continue;
    const Node& conv = rw.node(n);
    const bool fused = conv.op_type == "FusedConv" && conv.domain == kFinchDomain;
    if (!fused && !(conv.op_type == "Conv" && conv.domain.empty())) continue;
    if (!conv.has_input(0) || !conv.has_input(1)) continue;
    const Tensor* w = FloatConstant(rw, conv.inputs[1]);
    if (w == nullptr || w->rank() < 3 || w->dim(0) < 1) continue;
    const Tensor* b = nullptr;
    if (conv.has_input(2)) {
      b = FloatConstant(rw, conv.inputs[2]);
      if (b == nullptr || b->shape() != Shape{w->dim(0)}) continue;
    }
    auto group_attr = conv.GetInt("group", 1);
    if (!group_attr.ok() || *group_attr < 1 || w->dim(0) % *group_attr != 0) continue;
    const int64_t groups = *group_attr, out_channels = w->dim(0);
    const int64_t group_in = w->dim(1), channels = group_in * groups;
    const size_t rank = w->rank();
    const bool may_pad = MayPad(conv, *w);

    // Walk back from X through single-use Muls/Adds with per-channel constant operands (W and B
    // are constants: no producer, so the walk cannot start from them).
    std::vector<ChainStep> chain;  // nearest the Conv first
    ValueId x = conv.inputs[0];
    for (ValueId v = x;;) {
      const int p = rw.Producer(v);
      if (p < 0 || !rw.HasSingleUse(v)) break;
      const Node& op = rw.node(p);
      const bool is_mul = op.op_type == "Mul", is_add = op.op_type == "Add";
      if ((!is_mul && !is_add) || !op.domain.empty() || op.inputs.size() != 2 ||
          op.outputs.size() != 1 || !op.has_input(0) || !op.has_input(1)) {
        break;
      }
      if (is_add && may_pad) break;
      ChainStep step;
      step.node = p;
      step.is_mul = is_mul;
      int k_index = -1;
      for (int i : {1, 0}) {
        const Tensor* k = FloatConstant(rw, op.inputs[i]);
        if (k == nullptr || rw.Constant(op.inputs[1 - i]) != nullptr) continue;
        if (!PerChannel(*k, rank, channels, &step.k)) continue;
        if (k->rank() == rank &&
            DeclaredRank(rw.graph(), op.inputs[1 - i]) != static_cast<int64_t>(rank)) {
          continue;
        }
        k_index = i;
        break;
      }
      if (k_index < 0) break;
      chain.push_back(std::move(step));
      v = op.inputs[1 - k_index];
      x = v;
    }
    if (chain.empty()) continue;
    // The chain's start X must have the Conv input's channels where it is declared.
    const TensorType& x_type = rw.graph().values[x].type;
    if (x_type.has_rank() && (x_type.dims->size() != rank ||
                              ((*x_type.dims)[1].known() && (*x_type.dims)[1].value != channels))) {
      continue;
    }

    // Compose, earliest first: x·s + t.
    std::vector<double> s(channels, 1.0), t(channels, 0.0);
    bool shifted = false;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      for (int64_t c = 0; c < channels; ++c) {
        if (it->is_mul) {
          s[c] *= it->k[c];
          t[c] *= it->k[c];
        } else {
          t[c] += it->k[c];
        }
      }
      shifted |= !it->is_mul;
    }

    auto w2 = w->Clone();
    if (!w2.ok()) continue;
    const int64_t spatial = w->num_elements() / (out_channels * group_in);
    const int64_t per_group = out_channels / groups;
    const float* wd = w->data<float>();
    float* wd2 = w2->mutable_data<float>();
    std::vector<double> bias(out_channels, 0.0);
    for (int64_t m = 0; m < out_channels; ++m) {
      const int64_t g = m / per_group;
      double acc = b ? static_cast<double>(b->data<float>()[m]) : 0.0;
      for (int64_t c = 0; c < group_in; ++c) {
        const int64_t ci = g * group_in + c;
        for (int64_t k = 0; k < spatial; ++k) {
          const int64_t i = (m * group_in + c) * spatial + k;
          acc += static_cast<double>(wd[i]) * t[ci];
          wd2[i] = static_cast<float>(static_cast<double>(wd[i]) * s[ci]);
        }
      }
      bias[m] = acc;
    }

    Node node = conv;
    const Node& first = rw.node(chain.back().node);
    std::vector<std::string> from;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      for (std::string& name : FusedFrom(rw.node(it->node))) from.push_back(std::move(name));
    }
    for (std::string& name : FusedFrom(conv)) from.push_back(std::move(name));
    node.name = first.name;
    node.inputs[0] = x;
    node.inputs[1] = rw.AddConstant(conv.name + ".weight_scaled", std::move(w2).value());
    if (b != nullptr || shifted) {
      std::vector<float> bf(bias.begin(), bias.end());
      if (node.inputs.size() < 3) node.inputs.resize(3, kNoValue);
      node.inputs[2] = rw.AddConstant(conv.name + ".bias_shifted",
                                      Tensor::FromVector<float>({out_channels}, bf));
    }
    SetFusedFrom(&node, std::move(from));
    for (const ChainStep& step : chain) rw.Remove(step.node);
    rw.Replace(n, std::move(node));
    ++rewrites;
  }
  FINCH_ASSIGN_OR_RETURN(Graph out, rw.Finish());
  return PassResult{std::move(out), rewrites};
}

}  // namespace finch
