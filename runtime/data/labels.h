// Labelled image folders: a list of `file<TAB>class-index` lines beside a folder of images
// (../shared/imagenet-sample/labels.tsv and images/), for `finch eval` and the quantizer's
// accuracy report.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/status.h"

namespace finch {

struct LabelledImage {
  std::string path;   // image_dir/file
  int64_t label = 0;  // the class index, ≥ 0
  int line = 0;       // where it was listed, for messages
};

// Reads `tsv_path`: one `file<TAB>class-index` per line, blank lines skipped, a trailing CR
// (CRLF files) ignored; `file` is relative to `image_dir` (no absolute path, no ".."
// component). Errors name the file and line: a missing tab, a class index that is not a
// non-negative integer, an image listed twice or absent from `image_dir`, an empty list.
// The order is the file's.
StatusOr<std::vector<LabelledImage>> ReadLabels(const std::string& tsv_path,
                                                const std::string& image_dir);

}  // namespace finch
