// Every pass of the optimization pipeline, one file each (graph/passes/<name>.cc); the order
// they run in is in pipeline.cc. Each header comment in the .cc draws its pattern.
#pragma once

#include "graph/passes/pass.h"

namespace finch {

StatusOr<PassResult> EliminateIdentity(const Graph& graph, const PassContext& ctx);
StatusOr<PassResult> FuseQdq(const Graph& graph, const PassContext& ctx);
StatusOr<PassResult> FoldConstants(const Graph& graph, const PassContext& ctx);
StatusOr<PassResult> FoldBatchNorm(const Graph& graph, const PassContext& ctx);
StatusOr<PassResult> FoldScaleIntoConv(const Graph& graph, const PassContext& ctx);
StatusOr<PassResult> FuseResidual(const Graph& graph, const PassContext& ctx);
StatusOr<PassResult> FuseActivation(const Graph& graph, const PassContext& ctx);
StatusOr<PassResult> FuseSqueezeExcite(const Graph& graph, const PassContext& ctx);
StatusOr<PassResult> FuseInvertedResidual(const Graph& graph, const PassContext& ctx);
// The transformer fusions (ViT): fuse_layer_norm.cc, fuse_gelu.cc, fuse_matmul_bias.cc,
// fuse_attention.cc.
StatusOr<PassResult> FuseLayerNorm(const Graph& graph, const PassContext& ctx);
StatusOr<PassResult> FuseGelu(const Graph& graph, const PassContext& ctx);
StatusOr<PassResult> FuseMatMulBias(const Graph& graph, const PassContext& ctx);
StatusOr<PassResult> FuseAttention(const Graph& graph, const PassContext& ctx);
StatusOr<PassResult> EliminateDeadNodes(const Graph& graph, const PassContext& ctx);

}  // namespace finch
