#include "graph/quantize/qdq_builder.h"

#include <set>

#include "graph/passes/match.h"
#include "graph/passes/rewrite.h"

namespace finch {
namespace {

bool IsFloatConstant(const Rewriter& rw, ValueId v) {
  const Tensor* t = rw.Constant(v);
  return t && t->dtype() == DataType::kFloat32;
}

// A Relu, or a Clip whose lower bound is the constant 0: what uint8 saturation at zero point 0
// reproduces.
bool IsAbsorbableActivation(const Rewriter& rw, const Node& node) {
  if (IsOp(node, "Relu")) return true;
  if (!IsOp(node, "Clip")) return false;
  if (node.has_input(1)) {
    const Tensor* lo = rw.Constant(node.inputs[1]);
    return lo && lo->dtype() == DataType::kFloat32 && lo->num_elements() == 1 &&
           lo->data<float>()[0] == 0.0f;
  }
  auto lo = node.GetFloat("min", -1.0f);  // opset < 11
  return node.inputs.size() == 1 && lo.ok() && *lo == 0.0f;
}

const std::string& Name(const Graph& g, ValueId v) { return g.values[v].name; }

ValueId AddScaleZp(Rewriter& rw, const std::string& tensor, const ActivationQuant& q,
                   ValueId* zero_point) {
  *zero_point = rw.AddConstant(tensor + "_zero_point",
                               Tensor::Scalar<uint8_t>(static_cast<uint8_t>(q.zero_point)));
  return rw.AddConstant(tensor + "_scale", Tensor::Scalar<float>(q.scale));
}

Node MakeNode(const std::string& op, const std::string& name, std::vector<ValueId> inputs,
              std::vector<ValueId> outputs) {
  Node n;
  n.op_type = op;
  n.name = name;
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  return n;
}

void SetAxis(Node* node, int64_t axis) {
  Attribute a;
  a.kind = Attribute::Kind::kInt;
  a.i = axis;
  node->attributes["axis"] = a;
}

}  // namespace

std::vector<QuantTarget> FindQuantTargets(const Graph& graph) {
  Rewriter rw(graph);
  std::vector<QuantTarget> targets;
  for (int n = 0; n < rw.num_nodes(); ++n) {
    const Node& node = rw.node(n);
    if (!node.domain.empty() || node.outputs.size() != 1 || node.name.empty()) continue;
    QuantTarget t;
    t.node = node.name;
    t.op_type = node.op_type;
    ValueId out = node.outputs[0];
    if (node.op_type == "Conv") {
      if (!node.has_input(0) || !node.has_input(1) || rw.Constant(node.inputs[0])) continue;
      if (!IsFloatConstant(rw, node.inputs[1]) || rw.Constant(node.inputs[1])->rank() < 3) {
        continue;
      }
      if (node.has_input(2) && !IsFloatConstant(rw, node.inputs[2])) continue;
      t.inputs = {Name(graph, node.inputs[0])};
      const std::vector<int> readers = rw.Consumers(out);
      if (readers.size() == 1 && !rw.IsGraphOutput(out) &&
          IsAbsorbableActivation(rw, rw.node(readers[0])) &&
          rw.node(readers[0]).outputs.size() == 1) {
        t.activation = rw.node(readers[0]).name;
        out = rw.node(readers[0]).outputs[0];
      }
    } else if (IsOp(node, "Add")) {
      if (node.inputs.size() != 2 || !node.has_input(0) || !node.has_input(1)) continue;
      if (rw.Constant(node.inputs[0]) || rw.Constant(node.inputs[1])) continue;
      t.inputs = {Name(graph, node.inputs[0]), Name(graph, node.inputs[1])};
    } else if (IsOp(node, "GlobalAveragePool")) {
      if (!node.has_input(0) || rw.Constant(node.inputs[0])) continue;
      t.inputs = {Name(graph, node.inputs[0])};
    } else {
      continue;
    }
    t.output = Name(graph, out);
    targets.push_back(std::move(t));
  }
  return targets;
}

StatusOr<Graph> BuildQdqGraph(const Graph& graph, const std::vector<QuantTarget>& targets,
                              const std::map<std::string, ActivationQuant>& params,
                              const QdqOptions& options) {
  const int64_t need = options.per_channel ? 13 : 10;
  if (graph.opset("") < need) {
    return InvalidArgument("QDQ with ", options.per_channel ? "per-channel" : "per-tensor",
                           " weights needs opset >= ", need, "; the graph has ", graph.opset(""));
  }
  auto param = [&](const std::string& tensor) -> StatusOr<ActivationQuant> {
    auto it = params.find(tensor);
    if (it == params.end()) return InvalidArgument("no quantization range for tensor ", tensor);
    return it->second;
  };
  Rewriter rw(graph);
  std::map<std::string, int> by_name;
  for (int n = 0; n < rw.num_nodes(); ++n) by_name[rw.node(n).name] = n;
  auto find = [&](const std::string& name, const char* what) -> StatusOr<int> {
    auto it = by_name.find(name);
    if (it == by_name.end()) return InvalidArgument("no ", what, " node named \"", name, "\"");
    return it->second;
  };

  // Weights, biases and absorbed activations first (they change which value a Conv writes).
  std::set<std::string> tensors;
  for (const QuantTarget& t : targets) {
    for (const std::string& in : t.inputs) tensors.insert(in);
    tensors.insert(t.output);
    if (t.op_type != "Conv") continue;
    FINCH_ASSIGN_OR_RETURN(const int n, find(t.node, "Conv"));
    Node conv = rw.node(n);
    const Tensor* w = rw.Constant(conv.inputs[1]);
    if (!w || w->dtype() != DataType::kFloat32) {
      return InvalidArgument(conv.Describe(), ": the weight is not a float32 constant");
    }
    FINCH_ASSIGN_OR_RETURN(QuantizedWeight qw, QuantizeWeight(*w, options.per_channel));
    const std::string wname = Name(rw.graph(), conv.inputs[1]);
    const ValueId wq = rw.AddConstant(wname + "_quantized", qw.q);
    const ValueId ws = rw.AddConstant(wname + "_scale", qw.scale);
    const ValueId wz = rw.AddConstant(wname + "_zero_point", qw.zero_point);
    const ValueId wdq = rw.graph().AddValue(rw.UniqueName(wname + "_dequantized"));
    Node dq = MakeNode("DequantizeLinear", wname + "_DequantizeLinear", {wq, ws, wz}, {wdq});
    if (options.per_channel) SetAxis(&dq, 0);
    rw.Add(std::move(dq));
    conv.inputs[1] = wdq;
    if (conv.has_input(2)) {
      FINCH_ASSIGN_OR_RETURN(const ActivationQuant xq, param(t.inputs[0]));
      const Tensor* b = rw.Constant(conv.inputs[2]);
      FINCH_ASSIGN_OR_RETURN(Tensor bq, QuantizeBias(*b, xq.scale, qw.scale));
      FINCH_ASSIGN_OR_RETURN(Tensor bs, Tensor::Allocate(DataType::kFloat32, qw.scale.shape()));
      for (int64_t c = 0; c < bs.num_elements(); ++c) {
        bs.mutable_data<float>()[c] = xq.scale * qw.scale.data<float>()[c];
      }
      const std::string bname = Name(rw.graph(), conv.inputs[2]);
      const ValueId bqv = rw.AddConstant(bname + "_quantized", std::move(bq));
      const ValueId bsv = rw.AddConstant(bname + "_scale", std::move(bs));
      const ValueId bdq = rw.graph().AddValue(rw.UniqueName(bname + "_dequantized"));
      Node bdq_node = MakeNode("DequantizeLinear", bname + "_DequantizeLinear", {bqv, bsv}, {bdq});
      if (options.per_channel) SetAxis(&bdq_node, 0);
      rw.Add(std::move(bdq_node));
      conv.inputs[2] = bdq;
    }
    if (!t.activation.empty()) {
      FINCH_ASSIGN_OR_RETURN(const int a, find(t.activation, "activation"));
      conv.outputs[0] = rw.node(a).outputs[0];
      rw.Remove(a);
    }
    rw.Replace(n, std::move(conv));
  }

  // Then one Q -> DQ pair per quantized tensor; every reader reads the DQ (graph outputs keep
  // the float value).
  for (const std::string& name : tensors) {
    const ValueId v = rw.graph().FindValue(name);
    if (v == kNoValue) return InvalidArgument("no tensor named ", name);
    FINCH_ASSIGN_OR_RETURN(const ActivationQuant q, param(name));
    const std::vector<int> readers = rw.Consumers(v);
    ValueId zp;
    const ValueId scale = AddScaleZp(rw, name, q, &zp);
    TensorType qtype = rw.graph().values[v].type;
    qtype.dtype = DataType::kUint8;
    const ValueId vq = rw.graph().AddValue(rw.UniqueName(name + "_quantized"), qtype);
    TensorType ftype = rw.graph().values[v].type;
    const ValueId vdq = rw.graph().AddValue(rw.UniqueName(name + "_dequantized"), ftype);
    rw.Add(MakeNode("QuantizeLinear", name + "_QuantizeLinear", {v, scale, zp}, {vq}));
    rw.Add(MakeNode("DequantizeLinear", name + "_DequantizeLinear", {vq, scale, zp}, {vdq}));
    for (int r : readers) {
      Node reader = rw.node(r);
      for (ValueId& in : reader.inputs) {
        if (in == v) in = vdq;
      }
      rw.Replace(r, std::move(reader));
    }
  }
  return rw.Finish();
}

}  // namespace finch
