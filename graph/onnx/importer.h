// ONNX model file -> graph IR.
#pragma once

#include <string>

#include "graph/ir.h"
#include "graph/status.h"

namespace onnx {
class ModelProto;
}

namespace finch {

// Reads and imports a .onnx file; external data is read relative to the file's folder.
StatusOr<Graph> LoadOnnxModel(const std::string& path);
// Parses serialized ModelProto bytes (up to 2 GiB), without importing them.
Status ParseModelProto(const std::string& bytes, onnx::ModelProto* model);
// Imports serialized ModelProto bytes.
StatusOr<Graph> ParseOnnxModel(const std::string& bytes, const std::string& base_dir);
// Imports a parsed ModelProto. Constant nodes become constant values; initializers that are
// also listed as graph inputs (IR version < 4 files) are constants, not inputs.
StatusOr<Graph> ImportOnnxModel(const onnx::ModelProto& model, const std::string& base_dir);

}  // namespace finch
