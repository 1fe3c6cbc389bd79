// Small file-system helpers with Status errors.
#pragma once

#include <cstdint>
#include <string>

#include "graph/status.h"

namespace finch {

StatusOr<std::string> ReadFile(const std::string& path);
StatusOr<int64_t> FileSize(const std::string& path);
// "a/b/c.onnx" -> "a/b"; "c.onnx" -> ".".
std::string DirName(const std::string& path);
// base_dir/relative, refusing an absolute `relative`, one with a ".." component, or one whose
// real path (symlinks resolved) lies outside base_dir's real path. `what` names the referrer.
StatusOr<std::string> ResolveInside(const std::string& base_dir, const std::string& relative,
                                    const std::string& what);

}  // namespace finch
