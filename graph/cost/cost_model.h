// The cost model: what each node of a graph costs in arithmetic and memory traffic, computed
// from its static shapes (e.g. a Plan's per-value types), with no measurement.
//
// Conventions (the numbers papers and torchvision quote):
//   MACs count multiply-accumulates of Conv, ConvTranspose, Gemm, MatMul (attention is MatMuls),
//   also inside fused nodes (finch::FusedConv, FusedGemm, SqueezeExcite, InvertedResidual);
//   FLOPs = 2 × MACs. Bias, activation, BN and pooling work are other_ops, counted apart:
//     Conv        N · Cout · out_spatial · (Cin / group) · prod(kernel)
//     ConvTranspose  likewise over the input: N · Cin · in_spatial · (Cout / group) · prod(kernel)
//     Gemm, MatMul   batch · M · N · K
//     SqueezeExcite  its two 1x1 convs on the pooled vector: N · C · Cr · 2
//     InvertedResidual  expand (N·Cin·Ch·H·W) + depthwise (N·Ch·Ho·Wo·kh·kw) + SE (N·Ch·Cse·2)
//                       + project (N·Ch·Cout·Ho·Wo), from ResolveInvertedResidual's geometry
//     QLinearConv, ConvInteger, QLinearMatMul, MatMulInteger  as Conv / MatMul, of kind
//                       "int8_…" (priced at the int8 peak), plus one requantization per output
//                       as other_ops; the integer weight and bias are params, the scales and
//                       zero points weight bytes only
//   other_ops: one per output element for elementwise ops and for each bias add, activation and
//   residual add (also inside fused nodes); window size per output for MaxPool/AveragePool; one
//   per input element for global pools, reductions and Softmax; two per element for
//   normalizations (scale and shift once the statistics are known); 0 for data movement
//   (Reshape, Transpose, Concat, Slice, Gather, ...). These are orders of magnitude for a
//   roofline, not instruction counts. transcendentals: the subset of other_ops that are
//   exp-class functions (sigmoid, SiLU, tanh, erf, GELU, exp, softplus, softmax's exp), one per
//   element they are applied to.
//   Params (torchvision's count): elements of the trainable constants a node reads — the
//   weights and biases of Conv/Gemm/MatMul/fused nodes, BatchNormalization's scale and bias
//   (its running mean and variance are non-trainable: weight bytes, not params), normalization
//   and PRelu parameters, and float constants of more than one element read by elementwise ops
//   (a ViT's position embedding). Scalars (Clip bounds, a divisor), shape and axes constants,
//   and constants of data-movement ops are not weights. A model counts each tensor once.
//   Bytes: weight_bytes = the weights (params and running statistics) read; input_bytes = the
//   other inputs read (activations and small constants); output_bytes = the outputs written.
//   intensity = FLOPs / (weight + input + output bytes): a lower bound on traffic (each byte
//   moved once), the x axis of a roofline.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/status.h"

namespace finch {

struct NodeCost {
  int64_t params = 0;
  int64_t macs = 0;
  int64_t weight_bytes = 0;
  int64_t input_bytes = 0;   // activations (and non-weight constants) read
  int64_t output_bytes = 0;  // written
  int64_t other_ops = 0;     // elementwise / pooling / normalization work, not MACs
  // Of other_ops, the elements that go through an exp-class function (sigmoid, SiLU, tanh, erf,
  // GELU, exp, softmax), in fused epilogues too: each costs tens of FMA-port instructions, so
  // the roofline times them at the machine's measured rate, not as one FLOP.
  int64_t transcendentals = 0;
  // Of macs, those of a depthwise convolution (a depthwise node's all, an inverted-residual
  // block's middle layer) and its kernel and stride, e.g. "k3s1": depthwise kernels reach a
  // different fraction of the FMA peak per variant than the GEMMs around them.
  int64_t depthwise_macs = 0;
  std::string depthwise_variant;
  // "conv", "depthwise", "pointwise", "conv_transpose", "gemm", "matmul", "inverted_residual",
  // "squeeze_excite", "elementwise", "pool", "reduce", "softmax", "norm", "resize", "data".
  std::string kind;

  double flops() const { return 2.0 * static_cast<double>(macs); }
  int64_t bytes() const { return weight_bytes + input_bytes + output_bytes; }
  // FLOP per byte moved; 0 when nothing moves.
  double intensity() const { return bytes() > 0 ? flops() / static_cast<double>(bytes()) : 0.0; }
};

// What a constant input of a node is to the cost model (see the conventions above).
enum class ConstantRole {
  kParam,  // trainable weight: counted in params and weight_bytes
  kStat,   // non-trainable weight (BN running mean / variance): weight_bytes only
  kOther,  // not a weight (a scalar, a shape, an axes list): input_bytes
};
ConstantRole RoleOfConstant(const Node& node, size_t input, const Tensor& value);

// The cost of one node. `input_types[i]` / `output_types[i]` are the types of its inputs and
// outputs (kUndefined for an omitted optional input); `constants[i]` the value of input i when
// known before any run (a weight), else null. InvalidArgument naming the node when a shape it
// needs is not static or does not match the op.
StatusOr<NodeCost> NodeCostOf(const Node& node, const std::vector<TensorType>& input_types,
                              const std::vector<const Tensor*>& constants,
                              const std::vector<TensorType>& output_types);

struct NodeCostEntry {
  int node = 0;         // index into graph.nodes
  NodeCost cost;        // zero when folded or unknown
  bool folded = false;  // every output is a constant: computed before any run, costs nothing
  bool known = true;    // false: a shape was not static (a dynamic node); see `why`
  std::string why;
};

struct ModelCost {
  std::vector<NodeCostEntry> nodes;  // one per graph node, in graph order
  // Totals over the nodes that run (not folded, cost known); params and weight_bytes count
  // each constant tensor once.
  int64_t params = 0;
  int64_t macs = 0;
  int64_t weight_bytes = 0;
  int64_t input_bytes = 0;
  int64_t output_bytes = 0;
  int64_t other_ops = 0;
  int64_t transcendentals = 0;
  int unknown_nodes = 0;  // nodes whose cost could not be computed

  double flops() const { return 2.0 * static_cast<double>(macs); }
};

// The cost of every node: `value_types[v]` is the type of graph.values[v] (a Plan's `types`);
// constants are the graph's initializers.
ModelCost CostOf(const Graph& graph, const std::vector<TensorType>& value_types);
// The same with the constants known per value (a Plan's `constants`): nodes whose outputs are
// all constants were folded and cost nothing; a weight computed by a folded node (a transposed
// initializer) counts as a weight of the nodes that read it.
ModelCost CostOf(const Graph& graph, const std::vector<TensorType>& value_types,
                 const std::vector<std::shared_ptr<const Tensor>>& value_constants);

}  // namespace finch
