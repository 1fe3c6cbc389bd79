// fold-batchnorm: fold an inference BatchNormalization into the linear op before it, or else
// rewrite it as a per-channel scale and shift in standard ops.
//
// With s = γ/√(σ²+ε) and t = β − μ·s (per channel, computed in double, stored as float):
//
//   x -> Conv(W, b) -> BN(γ, β, μ, σ²) -> y   =>   x -> Conv(W', b') -> y
//        W'[m] = W[m]·γ[m]/√(σ²[m]+ε)            (per output channel m; any groups, any rank)
//        b'[m] = (b[m]−μ[m])·γ[m]/√(σ²[m]+ε) + β[m]        (b = 0 when the Conv had no bias)
//   (the same for a finch::FusedConv without activation and without residual Z)
//
//   a -> Gemm(B, C; α, β_g) -> BN -> y        =>   a -> Gemm(B', C'; α, 1) -> y
//        α·op(A)·op(B)·s + β_g·C·s + t:  op(B)' = op(B)·diag(s) (columns j of op(B) scaled),
//        C'[i, j] = β_g·C[i, j]·s[j] + t[j]    (C broadcast as Gemm does; C = 0 when absent)
//
//   a [M, K] -> MatMul(B [K, N]) -> BN -> y   =>   a -> Gemm(B·diag(s), t) -> y
//
//   x -> BN -> y   (no producer to fold into)   =>   x -> Mul(s') -> Add(t') -> y
//        s', t' of shape [C, 1, …, 1] (rank(x) − 1 dims) so they broadcast along axis 1;
//        nodes "<bn>.scale" and "<bn>.shift"; the Add writes y.
//
// A folded node keeps BN's output y (so its name survives for `finch compare`), the name of the
// node folded into, and gets `fused_from` = [that node's fused_from or name…, bn].
//
// Guards (anything else leaves the BN as it is, not an error):
//   - BN is in inference form: training_mode absent or 0; before opset 9 spatial = 1; none of
//     its outputs beyond Y is read or a graph output;
//   - scale, B, mean and var are float32 constants of shape [C];
//   - the Conv/Gemm/MatMul output is read by the BN only and is not a graph output;
//   - Conv: the weight is a float32 constant with C output channels, the bias (if any) a
//     constant [C]; a FusedConv has no activation and no residual input Z;
//   - Gemm: B and C (if any) are float32 constants, op(B) has C columns, C has rank <= 2 and
//     broadcasts along N;
//   - MatMul: B is a float32 constant [K, C] and A has rank 2 (from A's or the BN input's
//     declared type): only then is the BN's channel axis the MatMul's last axis;
//   - scale + shift: x has a declared rank >= 1 (and, when known, C channels on axis 1), and
//     the opset is >= 7 (before it, Mul/Add broadcast only with their `broadcast` attribute).
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "graph/ops/fused.h"
#include "graph/ops/gemm.h"
#include "graph/passes/match.h"
#include "graph/passes/passes.h"
#include "graph/passes/rewrite.h"

namespace finch {
namespace {

// The float32 constant behind `v`, else null.
const Tensor* FloatConstant(const Rewriter& rw, ValueId v) {
  const Tensor* t = rw.Constant(v);
  return t != nullptr && t->dtype() == DataType::kFloat32 ? t : nullptr;
}


// A BN's per-channel affine form y = x·s + t, in double.
struct Affine {
  std::vector<double> s, t;
  int64_t channels() const { return static_cast<int64_t>(s.size()); }
};

// The affine form of an inference BN with constant [C] parameters, or nullopt when a guard
// fails.
std::optional<Affine> InferenceAffine(const Rewriter& rw, const Node& bn, int64_t opset) {
  if (bn.inputs.size() != 5 || bn.outputs.empty() || bn.outputs[0] == kNoValue) return {};
  for (size_t i = 1; i < bn.outputs.size(); ++i) {
    const ValueId v = bn.outputs[i];
    if (v != kNoValue && (!rw.Consumers(v).empty() || rw.IsGraphOutput(v))) return {};
  }
  auto training = bn.GetInt("training_mode", 0);
  if (!training.ok() || *training != 0) return {};
  if (opset < 9) {
    auto spatial = bn.GetInt("spatial", 1);
    if (!spatial.ok() || *spatial == 0) return {};
  }
  auto epsilon = bn.GetFloat("epsilon", 1e-5f);
  if (!epsilon.ok()) return {};
  const Tensor* p[4];
  for (int i = 0; i < 4; ++i) {
    p[i] = bn.has_input(i + 1) ? FloatConstant(rw, bn.inputs[i + 1]) : nullptr;
    if (p[i] == nullptr || p[i]->rank() != 1 || p[i]->shape() != p[0]->shape()) return {};
  }
  const int64_t c = p[0]->dim(0);
  Affine a;
  a.s.resize(c);
  a.t.resize(c);
  const float *gamma = p[0]->data<float>(), *beta = p[1]->data<float>();
  const float *mean = p[2]->data<float>(), *var = p[3]->data<float>();
  for (int64_t i = 0; i < c; ++i) {
    a.s[i] = static_cast<double>(gamma[i]) /
             std::sqrt(static_cast<double>(var[i]) + static_cast<double>(*epsilon));
    a.t[i] = static_cast<double>(beta[i]) - static_cast<double>(mean[i]) * a.s[i];
  }
  return a;
}

Tensor FloatTensor(Shape shape, const std::vector<double>& values) {
  std::vector<float> f(values.begin(), values.end());
  return Tensor::FromVector<float>(std::move(shape), f);
}

// Conv / FusedConv (no activation, no Z) -> BN.
bool FoldIntoConv(Rewriter& rw, int conv, const Node& bn, const Affine& a) {
  Node node = rw.node(conv);
  const bool fused = node.domain == kFinchDomain;
  if (fused) {
    auto act = ParseFusedActivation(node, "");
    if (!act.ok() || act->kind != FusedActivationKind::kNone || node.has_input(3)) return false;
  }
  if (!node.has_input(1) || node.inputs.size() > (fused ? 4u : 3u)) return false;
  const Tensor* w = FloatConstant(rw, node.inputs[1]);
  if (w == nullptr || w->rank() < 3 || w->dim(0) != a.channels()) return false;
  const Tensor* b = nullptr;
  if (node.has_input(2)) {
    b = FloatConstant(rw, node.inputs[2]);
    if (b == nullptr || b->shape() != Shape{a.channels()}) return false;
  }
  const int64_t per_channel = w->num_elements() / std::max<int64_t>(1, a.channels());
  auto w2 = w->Clone();
  if (!w2.ok()) return false;
  float* wd = w2->mutable_data<float>();
  for (int64_t m = 0; m < a.channels(); ++m) {
    for (int64_t i = 0; i < per_channel; ++i) {
      float& v = wd[m * per_channel + i];
      v = static_cast<float>(static_cast<double>(v) * a.s[m]);
    }
  }
  std::vector<double> bias(a.channels());
  for (int64_t m = 0; m < a.channels(); ++m) {
    const double b0 = b ? static_cast<double>(b->data<float>()[m]) : 0.0;
    bias[m] = b0 * a.s[m] + a.t[m];
  }
  const std::string name = node.name;
  node.inputs.resize(3);
  node.inputs[1] = rw.AddConstant(name + ".weight_bn", std::move(w2).value());
  node.inputs[2] = rw.AddConstant(name + ".bias_bn", FloatTensor({a.channels()}, bias));
  node.outputs = {bn.outputs[0]};
  std::vector<std::string> from = FusedFrom(node);
  from.push_back(bn.name);
  SetFusedFrom(&node, std::move(from));
  rw.Replace(conv, std::move(node));
  return true;
}

// Gemm -> BN: scale op(B)'s columns, fold everything else into C.
bool FoldIntoGemm(Rewriter& rw, int gemm, const Node& bn, const Affine& a, int64_t opset) {
  Node node = rw.node(gemm);
  if (!node.has_input(0) || !node.has_input(1) || node.inputs.size() > 3) return false;
  auto attrs = ParseGemmAttributes(node, opset);
  if (!attrs.ok()) return false;
  const Tensor* b = FloatConstant(rw, node.inputs[1]);
  if (b == nullptr || b->rank() != 2) return false;
  const int64_t n = attrs->trans_b ? b->dim(0) : b->dim(1);
  if (n != a.channels()) return false;
  const Tensor* c = nullptr;
  int64_t cm = 1, cn = 1;  // C's extent along M and N (1: broadcast)
  if (node.has_input(2)) {
    c = FloatConstant(rw, node.inputs[2]);
    if (c == nullptr || c->rank() > 2) return false;
    if (c->rank() == 2) cm = c->dim(0);
    if (c->rank() >= 1) cn = c->dim(c->rank() - 1);
    if (cn != 1 && cn != n) return false;
    if (cm < 1) return false;
  }
  auto b2 = b->Clone();
  if (!b2.ok()) return false;
  float* bd = b2->mutable_data<float>();
  for (int64_t r = 0; r < b->dim(0); ++r) {
    for (int64_t col = 0; col < b->dim(1); ++col) {
      const int64_t j = attrs->trans_b ? r : col;  // the N index
      float& v = bd[r * b->dim(1) + col];
      v = static_cast<float>(static_cast<double>(v) * a.s[j]);
    }
  }
  std::vector<double> cvals(cm * n);
  for (int64_t i = 0; i < cm; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      const double c0 = c ? static_cast<double>(c->data<float>()[i * cn + (cn == 1 ? 0 : j)]) : 0;
      cvals[i * n + j] = static_cast<double>(attrs->beta) * c0 * a.s[j] + a.t[j];
    }
  }
  const std::string name = node.name;
  node.inputs.resize(3);
  node.inputs[1] = rw.AddConstant(name + ".B_bn", std::move(b2).value());
  node.inputs[2] =
      rw.AddConstant(name + ".C_bn", FloatTensor(cm > 1 ? Shape{cm, n} : Shape{n}, cvals));
  Attribute one;
  one.kind = Attribute::Kind::kFloat;
  one.f = 1.f;
  node.attributes["beta"] = one;
  if (opset < 7) {
    Attribute broadcast;
    broadcast.kind = Attribute::Kind::kInt;
    broadcast.i = 1;
    node.attributes["broadcast"] = broadcast;
  }
  node.outputs = {bn.outputs[0]};
  std::vector<std::string> from = FusedFrom(node);
  from.push_back(bn.name);
  SetFusedFrom(&node, std::move(from));
  rw.Replace(gemm, std::move(node));
  return true;
}

// The declared rank of `v`, or -1.
int64_t DeclaredRank(const Graph& g, ValueId v) {
  const TensorType& t = g.values[v].type;
  return t.has_rank() ? static_cast<int64_t>(t.dims->size()) : -1;
}

// MatMul(A [M, K], B [K, C]) -> BN  =>  Gemm(A, B·diag(s), t).
bool FoldMatMulIntoGemm(Rewriter& rw, int matmul, const Node& bn, const Affine& a, int64_t opset) {
  const Node& node = rw.node(matmul);
  if (node.inputs.size() != 2 || !node.has_input(0) || !node.has_input(1)) return false;
  const Graph& g = rw.graph();
  if (DeclaredRank(g, node.inputs[0]) != 2 && DeclaredRank(g, bn.inputs[0]) != 2) return false;
  const Tensor* b = FloatConstant(rw, node.inputs[1]);
  if (b == nullptr || b->rank() != 2 || b->dim(1) != a.channels()) return false;
  auto b2 = b->Clone();
  if (!b2.ok()) return false;
  float* bd = b2->mutable_data<float>();
  for (int64_t r = 0; r < b->dim(0); ++r) {
    for (int64_t j = 0; j < b->dim(1); ++j) {
      float& v = bd[r * b->dim(1) + j];
      v = static_cast<float>(static_cast<double>(v) * a.s[j]);
    }
  }
  Node gemm;
  gemm.name = node.name;
  gemm.op_type = "Gemm";
  const std::string name = node.name;
  const ValueId x = node.inputs[0];
  std::vector<std::string> from = FusedFrom(node);
  from.push_back(bn.name);
  gemm.inputs = {x, rw.AddConstant(name + ".B_bn", std::move(b2).value()),
                 rw.AddConstant(name + ".C_bn", FloatTensor({a.channels()}, a.t))};
  gemm.outputs = {bn.outputs[0]};
  if (opset < 7) {
    Attribute broadcast;
    broadcast.kind = Attribute::Kind::kInt;
    broadcast.i = 1;
    gemm.attributes["broadcast"] = broadcast;
  }
  SetFusedFrom(&gemm, std::move(from));
  rw.Replace(matmul, std::move(gemm));
  return true;
}

// BN -> Mul(x, s') -> Add(·, t'), broadcasting along axis 1 of x's declared rank.
bool RewriteAsScaleShift(Rewriter& rw, int bn_index, const Affine& a) {
  const Node bn = rw.node(bn_index);
  const ValueId x = bn.inputs[0];
  const TensorType x_type = rw.graph().values[x].type;
  if (!x_type.has_rank() || x_type.dims->empty()) return false;
  const size_t rank = x_type.dims->size();
  const int64_t channels = rank >= 2 ? (*x_type.dims)[1].value : 1;
  if (channels >= 0 && channels != a.channels()) return false;
  Shape shape = {a.channels()};
  if (rank > 2) shape.resize(rank - 1, 1);
  const ValueId s = rw.AddConstant(bn.name + ".s", FloatTensor(shape, a.s));
  const ValueId t = rw.AddConstant(bn.name + ".t", FloatTensor(shape, a.t));
  const ValueId scaled = rw.graph().AddValue(rw.UniqueName(bn.name + ".scaled"), x_type);
  Node mul;
  mul.name = bn.name + ".scale";
  mul.op_type = "Mul";
  mul.inputs = {x, s};
  mul.outputs = {scaled};
  Node add;
  add.name = bn.name + ".shift";
  add.op_type = "Add";
  add.inputs = {scaled, t};
  add.outputs = {bn.outputs[0]};
  rw.Remove(bn_index);
  rw.Add(std::move(mul));
  rw.Add(std::move(add));
  return true;
}

}  // namespace

StatusOr<PassResult> FoldBatchNorm(const Graph& graph, const PassContext& ctx) {
  Rewriter rw(graph);
  const int64_t opset = DefaultOpset(graph);
  int rewrites = 0;
  const int original_nodes = rw.num_nodes();
  for (int n = 0; n < original_nodes; ++n) {
    if (rw.removed(n)) continue;
    const Node bn = rw.node(n);
    if (bn.op_type != "BatchNormalization" || !bn.domain.empty() || !bn.has_input(0)) continue;
    const std::optional<Affine> a = InferenceAffine(rw, bn, opset);
    if (!a) continue;
    const ValueId x = bn.inputs[0];
    const int p = rw.Producer(x);
    bool folded = false;
    if (p >= 0 && rw.HasSingleUse(x) && rw.node(p).outputs.size() == 1) {
      const Node& producer = rw.node(p);
      if (producer.op_type == "Conv" && producer.domain.empty()) {
        folded = FoldIntoConv(rw, p, bn, *a);
      } else if (producer.op_type == "FusedConv" && producer.domain == kFinchDomain) {
        folded = FoldIntoConv(rw, p, bn, *a);
      } else if (producer.op_type == "Gemm" && producer.domain.empty()) {
        folded = FoldIntoGemm(rw, p, bn, *a, opset);
      } else if (producer.op_type == "MatMul" && producer.domain.empty()) {
        folded = FoldMatMulIntoGemm(rw, p, bn, *a, opset);
      }
      if (folded) rw.Remove(n);
    }
    if (!folded && opset >= 7) folded = RewriteAsScaleShift(rw, n, *a);
    rewrites += folded;
  }
  FINCH_ASSIGN_OR_RETURN(Graph out, rw.Finish());
  return PassResult{std::move(out), rewrites};
}

}  // namespace finch
