// Graph IR -> ONNX model file: the inverse of graph/onnx/importer.h.
//
// What is written:
//   - ModelProto: ir_version 8, producer "finch", one opset_import per entry of
//     Graph::opset_imports, plus version 1 for any node domain the graph does not declare
//     (fused ops of the "finch" domain, written by `finch optimize`);
//   - graph inputs and outputs with their declared TensorType (known dims as dim_value,
//     symbols as dim_param, unknown dims left empty; no shape when the rank is unknown);
//   - every constant that a node or a graph output reads, as an initializer in raw_data;
//     constants nobody reads are dropped (a pass that folded BN leaves its old weights behind);
//   - typed intermediate values as value_info (hints the importer reads back);
//   - nodes in the graph's order with their names, domains and every attribute kind; an
//     omitted optional input as "". The passes' provenance attribute `fused_from` is kept on
//     nodes of the "finch" domain and dropped from standard ops, which do not define it.
// A value with an empty name, or one whose name another value already took, is written under
// a generated unique name ("finch_value_<id>"), so passes need not invent names to export.
#pragma once

#include <string>

#include "graph/ir.h"
#include "graph/status.h"

namespace onnx {
class ModelProto;
}

namespace finch {

// Fills `model` (cleared first). Graph-valued attributes (control flow bodies, which the
// importer does not keep) are written as empty graphs; CheckExportable() reports them.
void ExportOnnxModel(const Graph& graph, onnx::ModelProto* model);

// Ok when ExportOnnxModel() writes `graph` without loss; Unimplemented naming the first node
// with a graph-valued attribute otherwise.
Status CheckExportable(const Graph& graph);

// The serialized ModelProto. Unimplemented when the graph is not exportable or the model would
// exceed protobuf's 2 GiB limit (external data is not written yet).
StatusOr<std::string> SerializeOnnxModel(const Graph& graph);

// Writes the .onnx file; IoError naming the path when it cannot be written.
Status SaveOnnxModel(const Graph& graph, const std::string& path);

}  // namespace finch
