// MACs of the compute ops; the formulas are in cost_model.h. Geometry comes from the same
// resolvers the schemas use (ResolveConv, ResolveGemm, ResolveMatMul, ResolveInvertedResidual),
// so the cost model and shape inference cannot disagree about a layer's shape.
#include "graph/cost/compute_cost.h"

#include <numeric>

#include "graph/ops/attention.h"
#include "graph/ops/conv.h"
#include "graph/ops/fused.h"
#include "graph/ops/gemm.h"
#include "graph/ops/quantize.h"
#include "graph/ops/transformer.h"

namespace finch::cost_internal {
namespace {

int64_t Product(const std::vector<int64_t>& v) {
  return std::accumulate(v.begin(), v.end(), int64_t{1}, std::multiplies<int64_t>());
}

bool Has(const InputShapes& in, size_t i) { return i < in.size() && in[i] != nullptr; }

Status Need(const Node& node, const InputShapes& in, size_t i, const char* what) {
  if (Has(in, i)) return Status::Ok();
  return InvalidArgument(node.Describe(), ": the cost model needs input ", i, " (", what, ")");
}

bool IsTranscendental(const FusedActivation& act) {
  return act.kind == FusedActivationKind::kSigmoid || act.kind == FusedActivationKind::kSiLU ||
         act.kind == FusedActivationKind::kGelu || act.kind == FusedActivationKind::kGeluTanh;
}

// One other-op per element for each bias add, activation and residual add that is present; the
// activation is also a transcendental when it is exp-based.
void AddEpilogue(int64_t elements, bool bias, const FusedActivation& act, NodeCost* cost,
                 bool residual = false) {
  const int64_t ops = (bias ? 1 : 0) + (act.kind != FusedActivationKind::kNone ? 1 : 0) +
                      (residual ? 1 : 0);
  cost->other_ops += ops * elements;
  if (IsTranscendental(act)) cost->transcendentals += elements;
}

std::string DepthwiseVariant(int64_t kernel_h, int64_t kernel_w, int64_t stride_h,
                             int64_t stride_w) {
  std::string v = "k" + std::to_string(kernel_h);
  if (kernel_w != kernel_h) v += "x" + std::to_string(kernel_w);
  v += "s" + std::to_string(stride_h);
  if (stride_w != stride_h) v += "x" + std::to_string(stride_w);
  return v;
}

// The conv's MACs and kind from its geometry, the epilogue one other-op per output element
// (the bias and, for int8, the requantization). `prefix` is "" for float, "int8_" for the
// quantized ops: their MACs run at the int8 peak (runtime/roofline.cc).
void ConvWork(const ConvGeometry& g, const std::string& prefix, NodeCost* cost) {
  const int64_t out_elements = g.batch * g.out_channels * Product(g.window.out);
  cost->macs = out_elements * (g.in_channels / g.groups) * Product(g.window.kernel);
  const bool pointwise = g.groups == 1 && Product(g.window.kernel) == 1;
  if (g.groups > 1 && g.in_channels == g.groups) {
    cost->kind = prefix + "depthwise";
    cost->depthwise_macs = cost->macs;
    if (g.window.kernel.size() == 2) {
      cost->depthwise_variant = DepthwiseVariant(g.window.kernel[0], g.window.kernel[1],
                                                 g.window.stride[0], g.window.stride[1]);
    }
  } else {
    cost->kind = prefix + (pointwise ? "pointwise" : "conv");
  }
}

Status ConvCost(const Node& node, const InputShapes& in, bool fused, NodeCost* cost) {
  FINCH_RETURN_IF_ERROR(Need(node, in, 0, "X"));
  FINCH_RETURN_IF_ERROR(Need(node, in, 1, "W"));
  FINCH_ASSIGN_OR_RETURN(ConvGeometry g,
                         ResolveConv(node, *in[0], *in[1], Has(in, 2) ? in[2] : nullptr));
  ConvWork(g, "", cost);
  FusedActivation act;
  if (fused) {
    FINCH_ASSIGN_OR_RETURN(act, ParseFusedActivation(node, ""));
  }
  const int64_t out_elements = g.batch * g.out_channels * Product(g.window.out);
  AddEpilogue(out_elements, Has(in, 2), act, cost, fused && Has(in, 3));
  return Status::Ok();
}

// X [N, C, in...], W [C, M/group, k...]: every input pixel scatters into M/group channels
// through the whole kernel.
Status ConvTransposeCost(const Node& node, const InputShapes& in, const Shape& out,
                         NodeCost* cost) {
  FINCH_RETURN_IF_ERROR(Need(node, in, 0, "X"));
  FINCH_RETURN_IF_ERROR(Need(node, in, 1, "W"));
  const Shape& x = *in[0];
  const Shape& w = *in[1];
  if (x.size() < 3 || w.size() != x.size() || w[0] != x[1]) {
    return InvalidArgument(node.Describe(), ": X ", ShapeToString(x), " and W ",
                           ShapeToString(w), " are not [N, C, ...] and [C, M/group, k...]");
  }
  cost->macs = Product(x) * w[1] * Product(Shape(w.begin() + 2, w.end()));
  cost->other_ops = Has(in, 2) ? NumElements(out) : 0;
  cost->kind = "conv_transpose";
  return Status::Ok();
}

Status GemmCost(const Node& node, const InputShapes& in, const Shape& out, bool fused,
                NodeCost* cost) {
  FINCH_RETURN_IF_ERROR(Need(node, in, 0, "A"));
  FINCH_RETURN_IF_ERROR(Need(node, in, 1, "B"));
  // Opset 13 semantics: only `broadcast` (opset < 7) differs, and C is not needed here.
  FINCH_ASSIGN_OR_RETURN(GemmAttributes attrs, ParseGemmAttributes(node, 13));
  FINCH_ASSIGN_OR_RETURN(GemmGeometry g, ResolveGemm(node, attrs, *in[0], *in[1], nullptr));
  cost->macs = g.m * g.n * g.k;
  FusedActivation act;
  if (fused) {
    FINCH_ASSIGN_OR_RETURN(act, ParseFusedActivation(node, ""));
  }
  AddEpilogue(g.m * g.n, Has(in, 2), act, cost);
  cost->kind = "gemm";
  return Status::Ok();
}

Status MatMulCost(const Node& node, const InputShapes& in, NodeCost* cost) {
  FINCH_RETURN_IF_ERROR(Need(node, in, 0, "A"));
  FINCH_RETURN_IF_ERROR(Need(node, in, 1, "B"));
  FINCH_ASSIGN_OR_RETURN(MatMulGeometry g, ResolveMatMul(node, *in[0], *in[1]));
  cost->macs = Product(g.batch) * g.m * g.n * g.k;
  cost->kind = "matmul";
  return Status::Ok();
}

// Squeeze-excite on [N, C, H, W] with Cr reduced channels: mean over H·W, two 1x1 convs on
// the pooled vector (the MACs), biases and activations on [N, Cr] and [N, C], the scale of X.
void SqueezeExciteWork(int64_t n, int64_t c, int64_t cr, int64_t hw, bool b1,
                       const FusedActivation& act, bool b2, const FusedActivation& gate,
                       NodeCost* cost) {
  cost->macs += 2 * n * c * cr;
  cost->other_ops += 2 * n * c * hw;  // the mean, the scale
  AddEpilogue(n * cr, b1, act, cost);
  AddEpilogue(n * c, b2, gate, cost);
}

Status SqueezeExciteCost(const Node& node, const InputShapes& in, NodeCost* cost) {
  FINCH_RETURN_IF_ERROR(Need(node, in, 0, "X"));
  FINCH_RETURN_IF_ERROR(Need(node, in, 1, "W1"));
  FINCH_RETURN_IF_ERROR(Need(node, in, 3, "W2"));
  const Shape& x = *in[0];
  const Shape& w1 = *in[1];
  if (x.size() != 4 || w1.size() != 4 || w1[1] != x[1]) {
    return InvalidArgument(node.Describe(), ": X ", ShapeToString(x), " and W1 ",
                           ShapeToString(w1), " are not [N, C, H, W] and [Cr, C, 1, 1]");
  }
  FINCH_ASSIGN_OR_RETURN(FusedActivation act, ParseFusedActivation(node, ""));
  FINCH_ASSIGN_OR_RETURN(FusedActivation gate, ParseFusedActivation(node, "gate_"));
  SqueezeExciteWork(x[0], x[1], w1[0], x[2] * x[3], Has(in, 2), act, Has(in, 4), gate, cost);
  cost->kind = "squeeze_excite";
  return Status::Ok();
}

Status InvertedResidualCost(const Node& node, const InputShapes& in, NodeCost* cost) {
  InputShapes shapes(kIrNumInputs, nullptr);
  for (size_t i = 0; i < in.size() && i < shapes.size(); ++i) shapes[i] = in[i];
  FINCH_ASSIGN_OR_RETURN(InvertedResidualGeometry g, ResolveInvertedResidual(node, shapes));
  const int64_t n = g.batch, ch = g.hidden_channels;
  const int64_t in_hw = g.in_h * g.in_w, out_hw = g.out_h * g.out_w;
  if (g.expand) {
    cost->macs += n * g.in_channels * ch * in_hw;
    AddEpilogue(n * ch * in_hw, Has(shapes, kIrExpandB), g.expand_act, cost);
  }
  cost->depthwise_macs = n * ch * out_hw * g.kernel_h * g.kernel_w;
  cost->depthwise_variant = DepthwiseVariant(g.kernel_h, g.kernel_w, g.stride_h, g.stride_w);
  cost->macs += cost->depthwise_macs;
  AddEpilogue(n * ch * out_hw, Has(shapes, kIrDepthwiseB), g.dw_act, cost);
  if (g.se) {
    SqueezeExciteWork(n, ch, g.se_channels, out_hw, Has(shapes, kIrSeReduceB), g.se_act,
                      Has(shapes, kIrSeExpandB), g.se_gate, cost);
  }
  cost->macs += n * ch * g.out_channels * out_hw;
  AddEpilogue(n * g.out_channels * out_hw, Has(shapes, kIrProjectB), g.project_act, cost,
              g.residual);
  cost->kind = "inverted_residual";
  return Status::Ok();
}

// finch::FusedMatMul: A [..., K] · B [K, N] as MatMul counts it, + bias, + activation.
Status FusedMatMulCost(const Node& node, const InputShapes& in, NodeCost* cost) {
  FINCH_RETURN_IF_ERROR(Need(node, in, 0, "A"));
  FINCH_RETURN_IF_ERROR(Need(node, in, 1, "B"));
  FINCH_ASSIGN_OR_RETURN(FusedMatMulGeometry g,
                         ResolveFusedMatMul(node, *in[0], *in[1], Has(in, 2) ? in[2] : nullptr));
  cost->macs = g.rows * g.k * g.n;
  FINCH_ASSIGN_OR_RETURN(FusedActivation act, ParseFusedActivation(node, ""));
  AddEpilogue(g.rows * g.n, Has(in, 2), act, cost);
  cost->kind = "matmul";
  return Status::Ok();
}

// finch::Attention: the two products Q̂·K̂ᵀ and P·V̂ as the MatMuls they replace, problems ·
// Sq · Sk · (d + dv) MACs (2·N²·d per head for d = dv); per score the scale, the exp (a
// transcendental), the running sum and the mask add when there is one; per output element the
// division by the row's sum.
Status AttentionCost(const Node& node, const InputShapes& in, NodeCost* cost) {
  for (size_t i = 0; i < 3; ++i) FINCH_RETURN_IF_ERROR(Need(node, in, i, "Q, K, V"));
  FINCH_ASSIGN_OR_RETURN(AttentionAttributes attrs, ParseAttentionAttributes(node));
  FINCH_ASSIGN_OR_RETURN(AttentionGeometry g, ResolveAttention(node, attrs, *in[0], *in[1], *in[2],
                                                               Has(in, 3) ? in[3] : nullptr));
  const int64_t scores = g.problems() * g.q_len * g.kv_len;
  cost->macs = scores * (g.head_dim + g.v_dim);
  cost->transcendentals = scores;
  cost->other_ops = scores * (3 + (g.has_mask ? 1 : 0)) + g.problems() * g.q_len * g.v_dim;
  cost->kind = "attention";
  return Status::Ok();
}

// finch::LayerNormalization: the normalizations' two per element; finch::Gelu: one per element,
// a transcendental. No MACs; listed here so that their Scale and B count as params.
Status TransformerElementwiseCost(const Node& node, const Shape& out, NodeCost* cost) {
  const int64_t elements = NumElements(out);
  if (node.op_type == "LayerNormalization") {
    cost->kind = "norm";
    cost->other_ops = 2 * elements;
  } else {
    cost->kind = "elementwise";
    cost->other_ops = elements;
    cost->transcendentals = elements;
  }
  return Status::Ok();
}

// QLinearConv (x 0, w 3, B 8; ONNX's and finch's channels-last twin) and ConvInteger (x 0,
// w 1): the convolution's MACs as int8 work, plus one requantization per output element.
Status QConvCost(const Node& node, const InputShapes& in, NodeCost* cost) {
  const bool qlinear = node.op_type == "QLinearConv";
  FINCH_RETURN_IF_ERROR(Need(node, in, 0, "x"));
  FINCH_RETURN_IF_ERROR(Need(node, in, qlinear ? 3 : 1, "w"));
  FINCH_ASSIGN_OR_RETURN(QConvGeometry g, qlinear ? ResolveQLinearConv(node, in)
                                                  : ResolveConvInteger(node, in));
  ConvWork(g.conv, "int8_", cost);
  cost->other_ops += g.conv.batch * g.conv.out_channels * Product(g.conv.window.out);
  return Status::Ok();
}

// QLinearMatMul (a 0, b 3) and MatMulInteger (A 0, B 1).
Status QMatMulCost(const Node& node, const InputShapes& in, NodeCost* cost) {
  const bool qlinear = node.op_type == "QLinearMatMul";
  FINCH_RETURN_IF_ERROR(Need(node, in, 0, "a"));
  FINCH_RETURN_IF_ERROR(Need(node, in, qlinear ? 3 : 1, "b"));
  FINCH_ASSIGN_OR_RETURN(QMatMulGeometry g, qlinear ? ResolveQLinearMatMul(node, in)
                                                    : ResolveMatMulInteger(node, in));
  cost->macs = Product(g.mm.batch) * g.mm.m * g.mm.n * g.mm.k;
  cost->other_ops += Product(g.mm.batch) * g.mm.m * g.mm.n;
  cost->kind = "int8_matmul";
  return Status::Ok();
}

}  // namespace

bool IsComputeOp(const Node& node) {
  if (node.domain == kFinchDomain) {
    return node.op_type == "FusedConv" || node.op_type == "FusedGemm" ||
           node.op_type == "QLinearConv" ||
           node.op_type == "SqueezeExcite" || node.op_type == "InvertedResidual" ||
           node.op_type == "FusedMatMul" || node.op_type == "Attention" ||
           node.op_type == "LayerNormalization" || node.op_type == "Gelu";
  }
  if (!node.domain.empty() && node.domain != "ai.onnx") return false;
  return node.op_type == "Conv" || node.op_type == "ConvTranspose" || node.op_type == "Gemm" ||
         node.op_type == "MatMul" || node.op_type == "QLinearConv" ||
         node.op_type == "ConvInteger" || node.op_type == "QLinearMatMul" ||
         node.op_type == "MatMulInteger";
}

Status ComputeCost(const Node& node, const InputShapes& in, const Shape& out, NodeCost* cost) {
  const std::string& op = node.op_type;
  if (node.domain == kFinchDomain) {
    if (op == "FusedConv") return ConvCost(node, in, true, cost);
    if (op == "FusedGemm") return GemmCost(node, in, out, true, cost);
    if (op == "SqueezeExcite") return SqueezeExciteCost(node, in, cost);
    if (op == "InvertedResidual") return InvertedResidualCost(node, in, cost);
    if (op == "FusedMatMul") return FusedMatMulCost(node, in, cost);
    if (op == "Attention") return AttentionCost(node, in, cost);
    if (op == "LayerNormalization" || op == "Gelu") {
      return TransformerElementwiseCost(node, out, cost);
    }
    if (op == "QLinearConv") return QConvCost(node, in, cost);
  } else {
    if (op == "QLinearConv" || op == "ConvInteger") return QConvCost(node, in, cost);
    if (op == "QLinearMatMul" || op == "MatMulInteger") return QMatMulCost(node, in, cost);
    if (op == "Conv") return ConvCost(node, in, false, cost);
    if (op == "ConvTranspose") return ConvTransposeCost(node, in, out, cost);
    if (op == "Gemm") return GemmCost(node, in, out, false, cost);
    if (op == "MatMul") return MatMulCost(node, in, cost);
  }
  return Internal(node.Describe(), ": not a compute op");
}

}  // namespace finch::cost_internal
