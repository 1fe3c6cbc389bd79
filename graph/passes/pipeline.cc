#include "graph/passes/pipeline.h"

#include "graph/passes/layout.h"
#include "graph/passes/passes.h"

namespace finch {

const std::vector<PassInfo>& OptimizationPipeline() {
  static const std::vector<PassInfo> passes = {
      {"eliminate-identity", "remove Identity and inference-mode Dropout nodes", EliminateIdentity},
      {"fuse-qdq",
       "DequantizeLinear -> Conv/Add/GlobalAveragePool/MatMul [-> Relu/Clip] -> QuantizeLinear "
       "becomes the QLinear op (int8 kernels)",
       FuseQdq},
      {"fold-constants", "evaluate nodes whose inputs are all constants", FoldConstants},
      {"fold-batchnorm",
       "fold BatchNormalization into the Conv/Gemm/MatMul before it, else into a scale + shift",
       FoldBatchNorm},
      {"fold-scale-into-conv", "absorb a per-channel scale + shift into the unpadded Conv after it",
       FoldScaleIntoConv},
      {"fuse-residual", "fuse an Add of a Conv's output and another tensor into the Conv",
       FuseResidual},
      {"fuse-activation",
       "fuse Relu, Clip, Sigmoid, SiLU (x*sigmoid(x)), HardSwish, HardSigmoid, LeakyRelu into "
       "the Conv/Gemm before it",
       FuseActivation},
      {"fuse-squeeze-excite",
       "GlobalAveragePool -> Conv+act -> Conv+gate -> Mul becomes one SqueezeExcite node",
       FuseSqueezeExcite},
      {"fuse-inverted-residual",
       "[1x1 expand] -> kxk depthwise -> [SE] -> 1x1 project [+ residual] becomes one "
       "InvertedResidual node",
       FuseInvertedResidual},
      // The transformer block (ViT): layer norm, GELU, MatMul + bias + GELU, attention.
      {"fuse-layer-norm",
       "ReduceMean -> Sub -> Pow -> ReduceMean -> Add -> Sqrt -> Div [-> Mul -> Add] becomes one "
       "LayerNormalization node",
       FuseLayerNorm},
      {"fuse-gelu", "x * 0.5 * (1 + erf(x / sqrt 2)) and its tanh form become one Gelu node",
       FuseGelu},
      {"fuse-matmul-bias",
       "MatMul by a constant [-> Add bias] [-> Gelu/Relu/Sigmoid] becomes one FusedMatMul",
       FuseMatMulBias},
      {"fuse-attention",
       "MatMul(Q, K^T) [-> scale] [-> + mask] -> Softmax -> MatMul(., V), with the head Transposes "
       "around it, becomes one Attention node",
       FuseAttention},
      {"eliminate-dead-nodes", "remove nodes whose outputs nothing reads", EliminateDeadNodes},
  };
  return passes;
}

Status CheckPassName(const std::string& name) {
  std::string known;
  for (const auto* list : {&OptimizationPipeline(), &LoweringPasses()}) {
    for (const PassInfo& p : *list) {
      if (p.name == name) return Status::Ok();
      known += (known.empty() ? "" : ", ") + p.name;
    }
  }
  return InvalidArgument("unknown pass \"", name, "\"; the passes are: ", known);
}

StatusOr<Graph> RunPipeline(const Graph& graph, const PassContext& ctx,
                            const PipelineOptions& options, std::vector<PassRecord>* records) {
  return RunPasses(OptimizationPipeline(), graph, ctx, options, records);
}

StatusOr<Graph> RunPasses(const std::vector<PassInfo>& passes, const Graph& graph,
                          const PassContext& ctx, const PipelineOptions& options,
                          std::vector<PassRecord>* records) {
  for (const std::string& name : options.disabled) FINCH_RETURN_IF_ERROR(CheckPassName(name));
  Graph current = graph;
  for (const PassInfo& pass : passes) {
    PassRecord record;
    record.name = pass.name;
    record.enabled = options.disabled.count(pass.name) == 0;
    if (record.enabled) {
      auto result = pass.run(current, ctx);
      if (!result.ok()) {
        return Status(result.status().code(),
                      StrCat("pass ", pass.name, ": ", result.status().message()));
      }
      record.rewrites = result->rewrites;
      current = std::move(result->graph);
    }
    record.nodes_after = current.nodes.size();
    if (options.after_pass) options.after_pass(pass, current, record.rewrites, record.enabled);
    if (records) records->push_back(record);
  }
  return current;
}

std::map<std::string, int> CountOps(const Graph& graph) {
  std::map<std::string, int> counts;
  for (const Node& n : graph.nodes) {
    ++counts[n.domain.empty() ? n.op_type : n.domain + "::" + n.op_type];
  }
  return counts;
}

}  // namespace finch
