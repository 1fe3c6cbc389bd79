// The fused ops of the "finch" domain: what the passes produce and the fast kernels consume.
// Every one has a reference implementation (runtime/ops/fused*.cc) that composes the reference
// kernels, so a fused graph runs before any fast kernel exists. Exported graphs keep them in
// the "finch" domain (documented in the README).
//
// finch::FusedConv    inputs X, W, [B], [Z]
//     Y = act(Conv(X, W) + B + Z)          Z: a residual of Y's shape
//     attributes: Conv's (kernel_shape, strides, pads, dilations, group, auto_pad),
//                 activation, activation_params, fused_from
// finch::FusedGemm    inputs A, B, [C]
//     Y = act(alpha · A' · B' + beta · C)   attributes: Gemm's, activation, activation_params
// finch::SqueezeExcite  inputs X, W1, B1, W2, B2   (W1 [Cr, C, 1, 1], W2 [C, Cr, 1, 1])
//     s = mean over H, W of X                              [N, C]
//     Y = X · gate(W2 · act(W1 · s + B1) + B2)             broadcast over H, W
//     attributes: activation(_params), gate_activation(_params), fused_from
// finch::InvertedResidual  inputs (fixed positions, "" where absent):
//     0 X, 1 W_expand, 2 B_expand, 3 W_dw, 4 B_dw, 5 W_se1, 6 B_se1, 7 W_se2, 8 B_se2,
//     9 W_project, 10 B_project
//     T = W_expand ? act_e(Conv1x1(X, W_expand) + B_expand) : X
//     D = act_d(DepthwiseConv_k×k(T, W_dw; dw_strides, dw_pads, dw_dilations) + B_dw)
//     S = W_se1 ? SqueezeExcite(D, W_se1, B_se1, W_se2, B_se2) : D
//     Y = act_p(Conv1x1(S, W_project) + B_project) [+ X when residual = 1]
//     attributes: expand_activation(_params), dw_strides, dw_pads, dw_dilations,
//                 dw_activation(_params), se_activation(_params), se_gate_activation(_params),
//                 project_activation(_params), residual, fused_from
//
// An activation is a string attribute `<prefix>activation` with its parameters in
// `<prefix>activation_params`: "" (none), "Relu", "Clip" (params [min, max]),
// "Sigmoid", "SiLU", "HardSigmoid" ([alpha, beta]), "HardSwish", "LeakyRelu" ([alpha]),
// "Gelu" (x·Φ(x), the erf form), "GeluTanh" (its tanh approximation).
// `fused_from` lists the names of the nodes a fused node replaced, first to last; `finch
// compare` uses it to match groups.
#pragma once

#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/status.h"

namespace finch {

// The domain of finch's fused ops.
inline constexpr char kFinchDomain[] = "finch";

enum class FusedActivationKind {
  kNone, kRelu, kClip, kSigmoid, kSiLU, kHardSigmoid, kHardSwish, kLeakyRelu, kGelu, kGeluTanh
};

struct FusedActivation {
  FusedActivationKind kind = FusedActivationKind::kNone;
  float alpha = 0.f;  // Clip: min; HardSigmoid: alpha; LeakyRelu: alpha
  float beta = 0.f;   // Clip: max; HardSigmoid: beta
};

// "Relu", "Clip", ... ("" for none).
const char* FusedActivationName(FusedActivationKind kind);
// Reads `<prefix>activation` and `<prefix>activation_params` (prefix "" or e.g. "dw_").
StatusOr<FusedActivation> ParseFusedActivation(const Node& node, const std::string& prefix);
// Writes them (nothing when kind is kNone).
void SetFusedActivation(Node* node, const std::string& prefix, const FusedActivation& act);

// Input positions of finch::InvertedResidual.
enum InvertedResidualInput {
  kIrX = 0, kIrExpandW, kIrExpandB, kIrDepthwiseW, kIrDepthwiseB, kIrSeReduceW, kIrSeReduceB,
  kIrSeExpandW, kIrSeExpandB, kIrProjectW, kIrProjectB, kIrNumInputs
};

// The resolved shape of an inverted-residual block.
struct InvertedResidualGeometry {
  int64_t batch = 0, in_channels = 0, hidden_channels = 0, out_channels = 0, se_channels = 0;
  bool expand = false, se = false, residual = false;
  int64_t in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  int64_t kernel_h = 0, kernel_w = 0, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  FusedActivation expand_act, dw_act, se_act, se_gate, project_act;
};

// Validates every weight shape against X [N, C, H, W] (shapes[i] null where input i is absent).
StatusOr<InvertedResidualGeometry> ResolveInvertedResidual(const Node& node,
                                                           const std::vector<const Shape*>& shapes);

}  // namespace finch
