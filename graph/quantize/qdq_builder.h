// The QDQ graph `finch quantize` writes: a float graph bracketed with QuantizeLinear →
// DequantizeLinear pairs around the ops chosen to run in int8, weights stored as int8 (and
// biases as int32) behind DequantizeLinear — the standard format ONNX Runtime reads, and the
// one graph/passes/fuse_qdq.cc turns into finch's QLinear ops.
//
//   x ─> Q ─> DQ ─┐
//   Wq(int8) ─> DQ ┼─> Conv ─> Q ─> DQ ─> (every reader of the Conv's activation output)
//   Bq(int32) ─> DQ┘
//
// A Conv's Relu/Clip(0, M) is absorbed: the Conv writes the activation's output value directly,
// and its quantization range, calibrated after the activation, lies in [0, M] with zero point 0,
// so uint8 saturation computes the activation exactly (what fuse-qdq relies on to fuse it).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/quantize/quant_params.h"
#include "graph/status.h"

namespace finch {

// One op that can run in int8.
struct QuantTarget {
  std::string node;        // the op's node name
  std::string op_type;     // Conv, Add or GlobalAveragePool
  std::string activation;  // the Relu/Clip node a Conv absorbs; empty: none
  std::vector<std::string> inputs;  // the activation tensors it reads (quantized before it)
  std::string output;               // the tensor it writes (after the absorbed activation)
};

// The ops of `graph` that can run in int8, in graph order: Conv with a constant float32 weight
// (and constant bias, if any) on a computed input; Add of two computed tensors;
// GlobalAveragePool. Node names must be unique (the importer names unnamed nodes).
std::vector<QuantTarget> FindQuantTargets(const Graph& graph);

struct QdqOptions {
  bool per_channel = true;  // weights: one scale per output channel (needs opset >= 13)
};

// The QDQ graph running `targets` in int8 with `params` for every tensor they read or write.
// InvalidArgument when a parameter is missing or a target no longer matches the graph; the
// default-domain opset must be >= 13 with per_channel, >= 10 without.
StatusOr<Graph> BuildQdqGraph(const Graph& graph, const std::vector<QuantTarget>& targets,
                              const std::map<std::string, ActivationQuant>& params,
                              const QdqOptions& options);

}  // namespace finch
