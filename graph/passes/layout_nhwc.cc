// layout-nhwc: run the spatial part of the graph channels-last.
//
//   X (NCHW) ─▶ Transpose(0,2,3,1) ─▶ FusedConv[NHWC] ─▶ InvertedResidual[NHWC] ─▶ ...
//        ... ─▶ GlobalAveragePool[NHWC] ─▶ Transpose(0,3,1,2) ─▶ Flatten ─▶ Gemm
//
// Nodes are visited in topological order and each one is placed in a layout:
//  - layout-sensitive ops with a channels-last kernel go NHWC: 2-D Conv (becomes a finch
//    FusedConv), FusedConv, SqueezeExcite, InvertedResidual, 2-D MaxPool (one output) and
//    AveragePool; GlobalAveragePool and inference BatchNormalization (per-channel constants)
//    when their input is already NHWC;
//  - layout-agnostic ops go NHWC when they can without a transpose: elementwise unary ops
//    whose input is NHWC; binary elementwise ops whose every input is NHWC or a constant
//    (permuted here, after padding its shape to rank 4); Concat over channels (axis 1 -> 3);
//  - the quantized ops: QLinearConv becomes finch::QLinearConv [NHWC]; per-tensor
//    Quantize/DequantizeLinear, com.microsoft QLinearAdd and QLinearGlobalAveragePool
//    (channels_last = 1) follow NHWC inputs;
//  - everything else stays NCHW.
// A value is converted once, when a reader needs the other layout, by a Transpose node; graph
// outputs are always NCHW under their own names. NHWC values are named "<name>.nhwc"
// (Session::Run fetches an NCHW name through its NHWC twin when only that exists).
//
// Not a graph optimization but a lowering: the runtime runs it after the pipeline, with or
// without the other passes (SessionOptions::layout).
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "graph/ops/fused.h"
#include "graph/ops/layout.h"
#include "graph/passes/layout.h"
#include "graph/passes/match.h"
#include "graph/passes/rewrite.h"

namespace finch {
namespace {

// Elementwise ops whose output element i depends only on input element i (and attributes or
// scalar inputs after the first): they commute with any permutation of the axes.
const std::set<std::string>& UnaryAgnostic() {
  static const std::set<std::string> ops = {
      "Relu",    "Clip",     "Sigmoid", "Tanh",  "HardSigmoid", "HardSwish", "LeakyRelu",
      "Elu",     "Selu",     "Celu",    "Exp",   "Log",         "Neg",       "Abs",
      "Sqrt",    "Erf",      "Softplus", "Softsign", "Identity", "Reciprocal", "Floor",
      "Ceil",    "Round",    "Sign",    "Sin",   "Cos",         "Mish"};
  return ops;
}

// Binary elementwise ops with numpy broadcasting: every input may be permuted alike.
const std::set<std::string>& BinaryAgnostic() {
  static const std::set<std::string> ops = {"Add", "Sub", "Mul", "Div", "Max",
                                            "Min", "Sum", "Mean", "PRelu"};
  return ops;
}

constexpr int64_t kToNhwc[4] = {0, 2, 3, 1};
constexpr int64_t kToNchw[4] = {0, 3, 1, 2};

// `t` (rank <= 4) as the NHWC form of its rank-4 broadcast: shape padded with leading 1s to
// rank 4, then permuted (0, 2, 3, 1). Element order changes only when C > 1 and H·W > 1.
StatusOr<Tensor> PermuteConstantToNhwc(const Tensor& t) {
  Shape s(4 - t.rank(), 1);
  s.insert(s.end(), t.shape().begin(), t.shape().end());
  FINCH_ASSIGN_OR_RETURN(Tensor y, Tensor::Allocate(t.dtype(), NchwToNhwc(s)));
  CopyNchwToNhwc(t.raw_data(), y.mutable_raw_data(), DataTypeSize(t.dtype()), s[0], s[1],
                 s[2] * s[3]);
  return y;
}

class LayoutAssigner {
 public:
  explicit LayoutAssigner(const Graph& g) : in_(g) {
    out_ = g;
    out_.nodes.clear();
    nhwc_of_.assign(g.values.size(), kNoValue);
    nchw_ready_.assign(g.values.size(), true);
    for (const Node& n : g.nodes) {
      for (ValueId v : n.outputs) {
        if (v != kNoValue) nchw_ready_[v] = false;  // set when its producer runs NCHW
      }
    }
  }

  StatusOr<PassResult> Run() {
    for (const Node& node : in_.nodes) Place(node);
    for (ValueId v : out_.outputs) Nchw(v);
    if (rewrites_ == 0) return PassResult{in_, 0};
    out_.opset_imports.emplace(kFinchDomain, 1);
    // Finish() drops the constants only the replaced nodes read and re-sorts.
    Rewriter rw(out_);
    FINCH_ASSIGN_OR_RETURN(Graph g, rw.Finish());
    return PassResult{std::move(g), rewrites_};
  }

 private:
  bool Available(ValueId v) const { return v != kNoValue && nhwc_of_[v] != kNoValue; }
  const Tensor* Constant(ValueId v) const {
    return v == kNoValue ? nullptr : in_.values[v].constant.get();
  }

  // The NCHW value v, transposing its NHWC twin back when needed.
  ValueId Nchw(ValueId v) {
    // Not yet produced (a malformed graph; later checks name it): left as it is.
    if (v == kNoValue || nchw_ready_[v] || nhwc_of_[v] == kNoValue) return v;
    AddTranspose(nhwc_of_[v], v, kToNchw);
    nchw_ready_[v] = true;
    return v;
  }

  // The NHWC twin of v (rank 4), transposing the NCHW value when needed.
  ValueId Nhwc(ValueId v) {
    if (nhwc_of_[v] != kNoValue) return nhwc_of_[v];
    const ValueId t = NewNhwcValue(v);
    AddTranspose(Nchw(v), t, kToNhwc);
    return t;
  }

  ValueId NewNhwcValue(ValueId v) {
    const Value& src = in_.values[v];
    std::string name = src.name + ".nhwc";
    while (out_.FindValue(name) != kNoValue) name += "_";
    const ValueId t = out_.AddValue(name, NchwToNhwc(src.type));
    nhwc_of_[v] = t;
    return t;
  }

  void AddTranspose(ValueId from, ValueId to, const int64_t (&perm)[4]) {
    Node t;
    t.op_type = "Transpose";
    t.name = out_.values[to].name + ".transpose";
    t.inputs = {from};
    t.outputs = {to};
    Attribute a;
    a.kind = Attribute::Kind::kInts;
    a.ints.assign(perm, perm + 4);
    t.attributes["perm"] = a;
    out_.nodes.push_back(std::move(t));
  }

  // Emits `node` with its layout inputs read NHWC, its other inputs NCHW, its outputs NHWC.
  void EmitNhwc(Node node, const std::vector<int>& layout_inputs) {
    std::vector<bool> is_layout(node.inputs.size(), false);
    for (int i : layout_inputs) {
      if (i < static_cast<int>(node.inputs.size())) is_layout[i] = true;
    }
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const ValueId v = node.inputs[i];
      if (v == kNoValue) continue;
      node.inputs[i] = is_layout[i] ? Nhwc(v) : Nchw(v);
    }
    for (ValueId& v : node.outputs) {
      if (v != kNoValue) v = NewNhwcValue(v);
    }
    out_.nodes.push_back(std::move(node));
    ++rewrites_;
  }

  void EmitNchw(Node node) {
    for (ValueId& v : node.inputs) v = Nchw(v);
    for (ValueId v : node.outputs) {
      if (v != kNoValue) nchw_ready_[v] = true;
    }
    out_.nodes.push_back(std::move(node));
  }

  static void SetLayout(Node* node) {
    Attribute a;
    a.kind = Attribute::Kind::kString;
    a.s = kNhwc;
    node->attributes[kLayoutAttribute] = a;
  }

  // v is NHWC already or of rank 4 or unknown rank: a node whose attributes imply a rank-4
  // input may convert it (an input of another rank stays NCHW, and its node names the error).
  bool MayBeRank4(ValueId v) const {
    if (v == kNoValue) return false;
    const int64_t r = Rank(v);
    return Available(v) || r == 4 || r == -1;
  }

  // Inputs 1.. are constants of rank 1 (BatchNormalization's scale, bias, mean, var).
  bool PerChannelConstants(const Node& node) const {
    for (size_t i = 1; i < node.inputs.size(); ++i) {
      const Tensor* c = Constant(node.inputs[i]);
      if (c == nullptr || c->rank() != 1) return false;
    }
    return true;
  }

  bool DeclaredFloat(ValueId v) const {
    return v != kNoValue && in_.values[v].type.dtype == DataType::kFloat32;
  }

  // The rank of v: its constant's, else its declared one (-1 when unknown).
  int64_t Rank(ValueId v) const {
    if (v == kNoValue) return -1;
    if (const Tensor* c = Constant(v)) return static_cast<int64_t>(c->rank());
    const TensorType& t = in_.values[v].type;
    return t.has_rank() ? static_cast<int64_t>(t.dims->size()) : -1;
  }

  void Place(const Node& node) {
    if (node.inputs.empty() || node.outputs.empty()) {
      EmitNchw(node);
      return;
    }
    // Sensitive ops with a channels-last kernel.
    const bool finch = node.domain == kFinchDomain;
    const bool conv2d = (IsOp(node, "Conv") || IsOp(node, "FusedConv", kFinchDomain)) &&
                        !IsNhwc(node) && node.inputs.size() >= 2 && Rank(node.inputs[1]) == 4 &&
                        MayBeRank4(node.inputs[0]);
    if (conv2d) {
      Node n = node;
      if (!finch) {
        n.domain = kFinchDomain;
        n.op_type = "FusedConv";
        SetFusedFrom(&n, FusedFrom(node));
      }
      SetLayout(&n);
      EmitNhwc(std::move(n), {0, 3});
      return;
    }
    if ((IsOp(node, "InvertedResidual", kFinchDomain) ||
         IsOp(node, "SqueezeExcite", kFinchDomain)) && !IsNhwc(node) &&
        MayBeRank4(node.inputs[0])) {
      Node n = node;
      SetLayout(&n);
      EmitNhwc(std::move(n), {0});
      return;
    }
    const bool pool2d = (IsOp(node, "MaxPool") || IsOp(node, "AveragePool")) &&
                        node.outputs.size() == 1 && KernelRank(node) == 2 &&
                        MayBeRank4(node.inputs[0]) &&
                        (Available(node.inputs[0]) || DeclaredFloat(node.inputs[0]));
    const bool global = IsOp(node, "GlobalAveragePool") && Available(node.inputs[0]);
    if (pool2d || global) {
      Node n = node;
      n.domain = kFinchDomain;
      Attribute opset;  // the pooling semantics stay the model's (PoolSemanticsOpset)
      opset.kind = Attribute::Kind::kInt;
      opset.i = in_.opset("");
      n.attributes["onnx_opset"] = opset;
      SetFusedFrom(&n, FusedFrom(node));
      SetLayout(&n);
      EmitNhwc(std::move(n), {0});
      return;
    }
    // Inference BatchNormalization with per-channel constants, after an NHWC producer.
    if (IsOp(node, "BatchNormalization") && node.outputs.size() == 1 &&
        node.inputs.size() == 5 && Available(node.inputs[0]) && PerChannelConstants(node)) {
      Node n = node;
      n.domain = kFinchDomain;
      SetFusedFrom(&n, FusedFrom(node));
      SetLayout(&n);
      EmitNhwc(std::move(n), {0});
      return;
    }
    if (TryQuantized(node)) return;
    // Layout-agnostic ops, when no transpose is needed.
    if (node.domain.empty() && UnaryAgnostic().count(node.op_type) &&
        Available(node.inputs[0]) && node.outputs.size() == 1) {
      EmitNhwc(node, {0});
      return;
    }
    if (node.domain.empty() && BinaryAgnostic().count(node.op_type) && TryBinary(node)) return;
    if (IsOp(node, "Concat") && TryConcat(node)) return;
    EmitNchw(node);
  }

  // The quantized ops of a QDQ/QLinear model (graph/ops/quantize.h):
  //  - QLinearConv (2-D, constant weights) becomes finch::QLinearConv [NHWC];
  //  - QuantizeLinear / DequantizeLinear with a per-tensor scale and zero point are
  //    elementwise: NHWC when their input is;
  //  - com.microsoft QLinearAdd follows its two activations when both are NHWC (per-tensor
  //    parameters only, by its definition);
  //  - com.microsoft QLinearGlobalAveragePool reads NHWC with channels_last = 1, when its input
  //    is NHWC; [N, 1, 1, C] is the NHWC twin of [N, C, 1, 1].
  bool TryQuantized(const Node& node) {
    if (node.outputs.size() != 1 || node.inputs.empty()) return false;
    if (IsOp(node, "QLinearConv") && node.inputs.size() >= 8 && Constant(node.inputs[3]) &&
        Constant(node.inputs[3])->rank() == 4 && MayBeRank4(node.inputs[0])) {
      Node n = node;
      n.domain = kFinchDomain;
      SetFusedFrom(&n, FusedFrom(node));
      SetLayout(&n);
      EmitNhwc(std::move(n), {0});
      return true;
    }
    if ((IsOp(node, "QuantizeLinear") || IsOp(node, "DequantizeLinear")) &&
        Available(node.inputs[0]) && OneElementConstants(node, 1)) {
      EmitNhwc(node, {0});
      return true;
    }
    if (node.domain == "com.microsoft" && node.op_type == "QLinearAdd" &&
        node.inputs.size() >= 4 && Available(node.inputs[0]) && Available(node.inputs[3])) {
      EmitNhwc(node, {0, 3});
      return true;
    }
    if (node.domain == "com.microsoft" && node.op_type == "QLinearGlobalAveragePool" &&
        Available(node.inputs[0])) {
      const Attribute* last = node.FindAttribute("channels_last");
      if (last && (last->kind != Attribute::Kind::kInt || last->i != 0)) return false;
      Node n = node;
      Attribute one;
      one.kind = Attribute::Kind::kInt;
      one.i = 1;
      n.attributes["channels_last"] = one;
      EmitNhwc(std::move(n), {0});
      return true;
    }
    return false;
  }

  // Inputs first.. are absent or constants of one element.
  bool OneElementConstants(const Node& node, size_t first) const {
    for (size_t i = first; i < node.inputs.size(); ++i) {
      if (node.inputs[i] == kNoValue) continue;
      const Tensor* c = Constant(node.inputs[i]);
      if (c == nullptr || c->num_elements() != 1) return false;
    }
    return true;
  }

  // Length of kernel_shape (-1 when absent).
  static int64_t KernelRank(const Node& node) {
    const Attribute* k = node.FindAttribute("kernel_shape");
    return k && k->kind == Attribute::Kind::kInts ? static_cast<int64_t>(k->ints.size()) : -1;
  }

  bool TryBinary(const Node& node) {
    bool any = false;
    for (ValueId v : node.inputs) {
      if (v == kNoValue) return false;
      if (Available(v)) {
        any = true;
        continue;
      }
      const Tensor* c = Constant(v);
      if (c == nullptr || c->rank() > 4) return false;
    }
    if (!any || node.outputs.size() != 1) return false;
    Node n = node;
    for (ValueId& v : n.inputs) {
      if (Available(v)) continue;
      // A constant: its NHWC twin is the permuted rank-4 broadcast (shared between readers).
      if (nhwc_of_[v] == kNoValue) {
        auto permuted = PermuteConstantToNhwc(*Constant(v));
        if (!permuted.ok()) return false;  // out of memory: the node stays NCHW
        nhwc_of_[v] = out_.AddConstant(in_.values[v].name + ".nhwc",
                                       std::make_shared<const Tensor>(std::move(*permuted)));
      }
    }
    std::vector<int> all(n.inputs.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
    EmitNhwc(std::move(n), all);
    return true;
  }

  bool TryConcat(const Node& node) {
    const Attribute* axis = node.FindAttribute("axis");
    if (!axis || axis->kind != Attribute::Kind::kInt || (axis->i != 1 && axis->i != -3)) {
      return false;
    }
    for (ValueId v : node.inputs) {
      if (!Available(v)) return false;
    }
    Node n = node;
    n.attributes["axis"].i = 3;
    std::vector<int> all(n.inputs.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
    EmitNhwc(std::move(n), all);
    return true;
  }

  const Graph& in_;
  Graph out_;
  std::vector<ValueId> nhwc_of_;  // per original value: its NHWC twin, or kNoValue
  std::vector<bool> nchw_ready_;  // per original value: the NCHW value exists in out_
  int rewrites_ = 0;
};

}  // namespace

StatusOr<PassResult> ConvertLayoutToNhwc(const Graph& graph, const PassContext& ctx) {
  return LayoutAssigner(graph).Run();
}


const std::vector<PassInfo>& LoweringPasses() {
  static const std::vector<PassInfo> passes = {
      {"layout-nhwc",
       "run convolutions, pools and the fused blocks channels-last (NHWC), transposing only "
       "where the layout changes",
       ConvertLayoutToNhwc},
  };
  return passes;
}

}  // namespace finch
