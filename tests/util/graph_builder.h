// Builds small graphs in code for pass and op tests: node outputs are named "<node>_out".
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "graph/ir.h"

namespace finch::testing {

class GraphBuilder {
 public:
  explicit GraphBuilder(int64_t opset = 13) { g.opset_imports[""] = opset; }

  // An input whose first dim is the symbol "N" (when symbolic_batch) and whose other dims are
  // `dims` (dims[0] is then ignored).
  ValueId Input(const std::string& name, const Shape& dims, DataType dtype = DataType::kFloat32,
                bool symbolic_batch = true) {
    TensorType t;
    t.dtype = dtype;
    t.dims.emplace();
    for (size_t i = 0; i < dims.size(); ++i) {
      Dim d;
      if (i == 0 && symbolic_batch) {
        d.param = "N";
      } else {
        d.value = dims[i];
      }
      t.dims->push_back(d);
    }
    const ValueId v = g.AddValue(name, t);
    g.inputs.push_back(v);
    return v;
  }
  ValueId Const(const std::string& name, Tensor t) {
    return g.AddConstant(name, std::make_shared<const Tensor>(std::move(t)));
  }
  // A node with `num_outputs` outputs; returns the first ("<name>_out", then "<name>_out1"...).
  ValueId Op(const std::string& op, const std::string& name, std::vector<ValueId> inputs,
             std::map<std::string, Attribute> attributes = {}, const std::string& domain = "",
             int num_outputs = 1) {
    Node n;
    n.name = name;
    n.op_type = op;
    n.domain = domain;
    n.inputs = std::move(inputs);
    n.attributes = std::move(attributes);
    for (int i = 0; i < num_outputs; ++i) {
      n.outputs.push_back(g.AddValue(i == 0 ? name + "_out" : name + "_out" + std::to_string(i)));
    }
    const ValueId out = n.outputs[0];
    g.nodes.push_back(std::move(n));
    return out;
  }
  void Output(ValueId v) { g.outputs.push_back(v); }

  Graph g;
};

}  // namespace finch::testing
