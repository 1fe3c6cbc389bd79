// fuse-qdq: the QDQ form of a quantized model becomes the QLinear ops finch runs on int8 kernels.
//
// A QDQ model (what `finch quantize` and ONNX Runtime's quantizer write) keeps the float ops and
// brackets them with DequantizeLinear on their inputs and QuantizeLinear on their output; the
// arithmetic it means is the integer op in between:
//
//   DQ(xq, xs, xz) ─┐
//   DQ(wq, ws, wz) ─┼─> Conv ─> [Relu | Clip(0, M)] ─> Q(·, ys, yz) -> yq
//   [DQ(bq, xs·ws)]─┘
//     =>  QLinearConv(xq, xs, xz, wq, ws, wz, ys, yz, bq) -> yq
//
//   DQ(a) , DQ(b) -> Add -> Q                     =>  com.microsoft QLinearAdd
//   DQ(x) -> GlobalAveragePool -> Q               =>  com.microsoft QLinearGlobalAveragePool
//   DQ(a) , DQ(b) -> MatMul -> Q                  =>  QLinearMatMul
//
// The DequantizeLinear nodes stay while something else reads them (a residual branch reads the
// same DQ as a Conv); eliminate-dead-nodes drops the rest, and fold-constants the DQ of weights
// that no pattern took (their float value then feeds a float op).
//
// Exactness: the fused op computes the same integers as quantizing the float op's result, up to
// the rounding of the float op itself. An activation between the op and Q is absorbed only where
// the output quantization implies it: Relu when yz is the type's lowest value (saturation does
// the max(·, 0)); Clip(0, M) when in addition the top of the quantized range ys·(qmax − yz) ≤ M.
// A float bias (legal in QDQ) is quantized to int32 at scale xs·ws[c], round half to even; an
// int32 bias must already be at that scale (relative 1e-6), as the QDQ format requires.
//
// Guards: activations' scales and zero points are per-tensor constants; weights constant
// uint8/int8, per-tensor or per output channel (DQ axis 0); every intermediate (the op's float
// output, the activation's) has a single reader and is not a graph output.
#include <cmath>
#include <limits>

#include "graph/ops/fused.h"
#include "graph/ops/quantize.h"
#include "graph/passes/match.h"
#include "graph/passes/passes.h"
#include "graph/passes/rewrite.h"

namespace finch {
namespace {

bool Is8Bit(DataType t) { return t == DataType::kUint8 || t == DataType::kInt8; }
int64_t QMin(DataType t) { return t == DataType::kUint8 ? 0 : -128; }
int64_t QMax(DataType t) { return t == DataType::kUint8 ? 255 : 127; }

// One quantized operand: the integer tensor and its scale and zero point (value ids; zp is
// always set, created as a zero constant when the DequantizeLinear omitted it).
struct QOperand {
  ValueId q = kNoValue, scale = kNoValue, zero_point = kNoValue;
  DataType type = DataType::kUndefined;
  const Tensor* scale_t = nullptr;
  const Tensor* zp_t = nullptr;  // null: zero
};

int64_t ZeroPointAt(const QOperand& o, int64_t i) {
  if (!o.zp_t) return 0;
  const int64_t k = o.zp_t->num_elements() == 1 ? 0 : i;
  return o.type == DataType::kUint8 ? o.zp_t->data<uint8_t>()[k] : o.zp_t->data<int8_t>()[k];
}

// A zero-point constant of `type` shaped like the scale `like`.
ValueId ZeroConstant(Rewriter& rw, const std::string& hint, DataType type, const Tensor& like) {
  auto zeros = Tensor::Allocate(type, like.shape());  // zero-filled
  if (!zeros.ok()) return kNoValue;
  return rw.AddConstant(hint, std::move(zeros).value());
}

// The 8-bit operand dequantized into `v`: a DequantizeLinear with a constant float32 scale of
// `channels` elements (1: per-tensor; else per axis `axis` of a constant input) and, when
// present, a constant zero point of the same shape.
bool DequantizedOperand(Rewriter& rw, ValueId v, int64_t channels, int64_t axis, QOperand* out) {
  const int dq = rw.ProducerOfType(v, "DequantizeLinear");
  if (dq < 0) return false;
  const Node& node = rw.node(dq);
  if (!node.has_input(0) || !node.has_input(1)) return false;
  const Tensor* scale = rw.Constant(node.inputs[1]);
  if (!scale || scale->dtype() != DataType::kFloat32 || scale->rank() > 1) return false;
  if (scale->num_elements() != channels) return false;
  if (channels > 1) {
    auto a = node.GetInt("axis", 1);
    if (!a.ok() || *a != axis) return false;
  }
  if (node.FindAttribute("block_size")) return false;
  QOperand o;
  o.q = node.inputs[0];
  o.scale = node.inputs[1];
  o.scale_t = scale;
  if (node.has_input(2)) {
    o.zp_t = rw.Constant(node.inputs[2]);
    if (!o.zp_t || o.zp_t->shape() != scale->shape()) return false;
    o.type = o.zp_t->dtype();
    o.zero_point = node.inputs[2];
  } else if (const Tensor* q = rw.Constant(o.q)) {
    o.type = q->dtype();
  } else {
    o.type = rw.graph().values[o.q].type.dtype;
  }
  if (!Is8Bit(o.type)) return false;
  if (const Tensor* q = rw.Constant(o.q); q && q->dtype() != o.type) return false;
  if (o.zero_point == kNoValue) {
    o.zero_point = ZeroConstant(rw, node.name + "_zero_point", o.type, *scale);
    if (o.zero_point == kNoValue) return false;
  }
  *out = o;
  return true;
}

// The per-tensor QuantizeLinear node `n` as an operand (its output and parameters).
bool QuantizeOutput(Rewriter& rw, int n, QOperand* out) {
  const Node& node = rw.node(n);
  if (!IsOp(node, "QuantizeLinear") || !node.has_input(0) || !node.has_input(1)) return false;
  if (node.outputs.size() != 1 || node.FindAttribute("output_dtype")) return false;
  const Tensor* scale = rw.Constant(node.inputs[1]);
  if (!scale || scale->dtype() != DataType::kFloat32 || scale->num_elements() != 1) return false;
  QOperand o;
  o.q = node.outputs[0];
  o.scale = node.inputs[1];
  o.scale_t = scale;
  o.type = DataType::kUint8;  // ONNX's default when the zero point is omitted
  if (node.has_input(2)) {
    o.zp_t = rw.Constant(node.inputs[2]);
    if (!o.zp_t || o.zp_t->num_elements() != 1) return false;
    o.type = o.zp_t->dtype();
    o.zero_point = node.inputs[2];
  }
  if (!Is8Bit(o.type)) return false;
  if (o.zero_point == kNoValue) {
    o.zero_point = ZeroConstant(rw, node.name + "_zero_point", o.type, *scale);
    if (o.zero_point == kNoValue) return false;
  }
  *out = o;
  return true;
}

// The float value the QuantizeLinear reads, walked back through a Relu or Clip(0, M) that the
// output quantization `y` implies; the op node producing it, or -1. `absorbed` gets the
// activation node (or -1).
int OpBeforeQuantize(Rewriter& rw, ValueId x, const QOperand& y, int* absorbed) {
  *absorbed = -1;
  int p = rw.Producer(x);
  if (p < 0 || !rw.HasSingleUse(x)) return -1;
  const Node& act = rw.node(p);
  const bool relu = IsOp(act, "Relu");
  const bool clip = IsOp(act, "Clip");
  if (!relu && !clip) return p;
  if (ZeroPointAt(y, 0) != QMin(y.type)) return -1;  // the low end is not at zero
  if (clip) {
    float lo = -std::numeric_limits<float>::infinity(), hi = -lo;
    if (act.has_input(1) || act.has_input(2)) {
      for (int i : {1, 2}) {
        if (!act.has_input(i)) continue;
        const Tensor* t = rw.Constant(act.inputs[i]);
        if (!t || t->dtype() != DataType::kFloat32 || t->num_elements() != 1) return -1;
        (i == 1 ? lo : hi) = t->data<float>()[0];
      }
    } else {  // opset < 11: attributes
      auto a = act.GetFloat("min", lo), b = act.GetFloat("max", hi);
      if (!a.ok() || !b.ok()) return -1;
      lo = *a;
      hi = *b;
    }
    const double top = double{y.scale_t->data<float>()[0]} * (QMax(y.type) - QMin(y.type));
    if (lo != 0.0f || top > double{hi} * (1 + 1e-6)) return -1;
  }
  if (!act.has_input(0)) return -1;
  const ValueId in = act.inputs[0];
  const int op = rw.Producer(in);
  if (op < 0 || !rw.HasSingleUse(in)) return -1;
  *absorbed = p;
  return op;
}

// The Conv's bias as int32 at scale xs·ws[c]: the DequantizeLinear'd int32 constant when its
// scale is that product, or a float constant quantized here. kNoValue when neither.
ValueId Int32Bias(Rewriter& rw, const Node& conv, const QOperand& x, const QOperand& w,
                  int64_t channels) {
  const ValueId b = conv.inputs[2];
  const float xs = x.scale_t->data<float>()[0];
  auto scale_at = [&](int64_t c) {
    return xs * w.scale_t->data<float>()[w.scale_t->num_elements() == 1 ? 0 : c];
  };
  if (const Tensor* f = rw.Constant(b); f && f->dtype() == DataType::kFloat32) {
    if (f->num_elements() != channels || f->rank() != 1) return kNoValue;
    std::vector<int32_t> q(channels);
    for (int64_t c = 0; c < channels; ++c) {
      const double v = std::nearbyint(double{f->data<float>()[c]} / scale_at(c));
      if (!(std::fabs(v) <= 2147483647.0)) return kNoValue;
      q[c] = static_cast<int32_t>(v);
    }
    return rw.AddConstant(conv.name + "_bias_int32", Tensor::FromVector<int32_t>({channels}, q));
  }
  const int dq = rw.ProducerOfType(b, "DequantizeLinear");
  if (dq < 0) return kNoValue;
  const Node& node = rw.node(dq);
  const Tensor* q = node.has_input(0) ? rw.Constant(node.inputs[0]) : nullptr;
  const Tensor* s = node.has_input(1) ? rw.Constant(node.inputs[1]) : nullptr;
  if (!q || q->dtype() != DataType::kInt32 || q->shape() != Shape{channels}) return kNoValue;
  if (!s || s->dtype() != DataType::kFloat32) return kNoValue;
  if (s->num_elements() != 1 && s->num_elements() != channels) return kNoValue;
  if (node.has_input(2)) {
    const Tensor* z = rw.Constant(node.inputs[2]);
    if (!z || z->dtype() != DataType::kInt32) return kNoValue;
    for (int64_t i = 0; i < z->num_elements(); ++i) {
      if (z->data<int32_t>()[i] != 0) return kNoValue;
    }
  }
  for (int64_t c = 0; c < channels; ++c) {
    const double want = scale_at(c);
    const double got = s->data<float>()[s->num_elements() == 1 ? 0 : c];
    if (std::fabs(got - want) > 1e-6 * std::fabs(want)) return kNoValue;
  }
  return node.inputs[0];
}

std::vector<std::string> Provenance(const Rewriter& rw, std::initializer_list<int> nodes) {
  std::vector<std::string> names;
  for (int n : nodes) {
    if (n < 0) continue;
    for (const std::string& s : FusedFrom(rw.node(n))) names.push_back(s);
  }
  return names;
}

// Replaces `q_node` with `fused` (named after the op, covering op, activation and Q) and
// removes the op and the absorbed activation.
void Commit(Rewriter& rw, int q_node, int op, int act, Node fused) {
  fused.name = rw.node(op).name;
  std::vector<std::string> names = Provenance(rw, {op, act, q_node});
  rw.Remove(op);
  if (act >= 0) rw.Remove(act);
  SetFusedFrom(&fused, std::move(names));
  rw.Replace(q_node, std::move(fused));
}

bool FuseConv(Rewriter& rw, int q_node, int op, int act, const QOperand& y) {
  const Node& conv = rw.node(op);
  if (!conv.has_input(0) || !conv.has_input(1)) return false;
  const Tensor* wq = nullptr;
  QOperand x, w;
  if (!DequantizedOperand(rw, conv.inputs[0], 1, 0, &x)) return false;
  // The weight: per-tensor, or per output channel (axis 0 of [M, C/g, k...]).
  const int wdq = rw.ProducerOfType(conv.inputs[1], "DequantizeLinear");
  if (wdq < 0 || !rw.node(wdq).has_input(0)) return false;
  wq = rw.Constant(rw.node(wdq).inputs[0]);
  if (!wq || wq->rank() < 3) return false;
  const int64_t channels = wq->dim(0);
  if (!DequantizedOperand(rw, conv.inputs[1], 1, 0, &w) &&
      !DequantizedOperand(rw, conv.inputs[1], channels, 0, &w)) {
    return false;
  }
  if (x.type != y.type) return false;  // QLinearConv: x and y of one type
  ValueId bias = kNoValue;
  if (conv.has_input(2)) {
    bias = Int32Bias(rw, conv, x, w, channels);
    if (bias == kNoValue) return false;
  }
  Node fused;
  fused.op_type = "QLinearConv";
  fused.attributes = conv.attributes;
  fused.inputs = {x.q, x.scale, x.zero_point, w.q, w.scale, w.zero_point, y.scale, y.zero_point};
  if (bias != kNoValue) fused.inputs.push_back(bias);
  fused.outputs = {y.q};
  Commit(rw, q_node, op, act, std::move(fused));
  return true;
}

bool FuseAdd(Rewriter& rw, int q_node, int op, const QOperand& y) {
  const Node& add = rw.node(op);
  if (add.inputs.size() != 2 || !add.has_input(0) || !add.has_input(1)) return false;
  QOperand a, b;
  if (!DequantizedOperand(rw, add.inputs[0], 1, 0, &a)) return false;
  if (!DequantizedOperand(rw, add.inputs[1], 1, 0, &b)) return false;
  if (a.type != y.type || b.type != y.type) return false;
  Node fused;
  fused.op_type = "QLinearAdd";
  fused.domain = kMicrosoftDomain;
  fused.inputs = {a.q, a.scale, a.zero_point, b.q, b.scale, b.zero_point, y.scale, y.zero_point};
  fused.outputs = {y.q};
  Commit(rw, q_node, op, -1, std::move(fused));
  return true;
}

bool FuseGlobalAveragePool(Rewriter& rw, int q_node, int op, const QOperand& y) {
  const Node& pool = rw.node(op);
  QOperand x;
  if (!pool.has_input(0) || !DequantizedOperand(rw, pool.inputs[0], 1, 0, &x)) return false;
  if (x.type != y.type) return false;
  Node fused;
  fused.op_type = "QLinearGlobalAveragePool";
  fused.domain = kMicrosoftDomain;
  fused.inputs = {x.q, x.scale, x.zero_point, y.scale, y.zero_point};
  fused.outputs = {y.q};
  Attribute channels_last;
  channels_last.kind = Attribute::Kind::kInt;
  channels_last.i = 0;
  fused.attributes["channels_last"] = channels_last;
  Commit(rw, q_node, op, -1, std::move(fused));
  return true;
}

bool FuseMatMul(Rewriter& rw, int q_node, int op, const QOperand& y) {
  const Node& mm = rw.node(op);
  if (mm.inputs.size() != 2 || !mm.has_input(0) || !mm.has_input(1)) return false;
  QOperand a, b;
  if (!DequantizedOperand(rw, mm.inputs[0], 1, 0, &a)) return false;
  if (!DequantizedOperand(rw, mm.inputs[1], 1, 0, &b)) {
    // Per column of a constant 2-D B (DQ axis 1).
    const int dq = rw.ProducerOfType(mm.inputs[1], "DequantizeLinear");
    const Tensor* bq = dq >= 0 && rw.node(dq).has_input(0) ? rw.Constant(rw.node(dq).inputs[0])
                                                            : nullptr;
    if (!bq || bq->rank() != 2 || !DequantizedOperand(rw, mm.inputs[1], bq->dim(1), 1, &b)) {
      return false;
    }
  }
  if (a.type != y.type) return false;
  Node fused;
  fused.op_type = "QLinearMatMul";
  fused.inputs = {a.q, a.scale, a.zero_point, b.q, b.scale, b.zero_point, y.scale, y.zero_point};
  fused.outputs = {y.q};
  Commit(rw, q_node, op, -1, std::move(fused));
  return true;
}

bool TryFuse(Rewriter& rw, int n) {
  QOperand y;
  if (!QuantizeOutput(rw, n, &y)) return false;
  int act = -1;
  const int op = OpBeforeQuantize(rw, rw.node(n).inputs[0], y, &act);
  if (op < 0) return false;
  const Node& node = rw.node(op);
  if (!node.domain.empty() || node.outputs.size() != 1) return false;
  if (node.op_type == "Conv") return FuseConv(rw, n, op, act, y);
  if (act >= 0) return false;  // only a Conv absorbs an activation
  if (node.op_type == "Add") return FuseAdd(rw, n, op, y);
  if (node.op_type == "GlobalAveragePool") return FuseGlobalAveragePool(rw, n, op, y);
  if (node.op_type == "MatMul") return FuseMatMul(rw, n, op, y);
  return false;
}

}  // namespace

StatusOr<PassResult> FuseQdq(const Graph& graph, const PassContext& ctx) {
  auto result = FuseEachNode(graph, TryFuse);
  if (!result.ok() || result->rewrites == 0) return result;
  // The QLinear ops are ONNX's and ONNX Runtime's: the finch domain FuseEachNode declares is
  // not needed unless the graph had it.
  if (!graph.opset_imports.count(kFinchDomain)) result->graph.opset_imports.erase(kFinchDomain);
  for (const Node& node : result->graph.nodes) {
    if (node.domain == kMicrosoftDomain) result->graph.opset_imports.emplace(kMicrosoftDomain, 1);
  }
  return result;
}

}  // namespace finch
