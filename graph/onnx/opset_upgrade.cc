#include "graph/onnx/opset_upgrade.h"

#include <exception>

#include <onnx/onnx_pb.h>
#include <onnx/version_converter/convert.h>

#include "graph/onnx/exporter.h"
#include "graph/onnx/importer.h"

namespace finch {

StatusOr<Graph> UpgradeOpset(const Graph& graph, int64_t target) {
  if (graph.opset("") >= target) return graph;
  FINCH_RETURN_IF_ERROR(CheckExportable(graph));
  onnx::ModelProto model;
  ExportOnnxModel(graph, &model);
  onnx::ModelProto converted;
  try {
    converted = onnx::version_conversion::ConvertVersion(model, static_cast<int>(target));
  } catch (const std::exception& e) {
    return Unimplemented("cannot convert the model from opset ", graph.opset(""), " to ", target,
                         ": ", e.what());
  }
  return ImportOnnxModel(converted, "");
}

}  // namespace finch
