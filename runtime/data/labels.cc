#include "runtime/data/labels.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <map>
#include <sstream>

#include "graph/file_util.h"

namespace finch {
namespace {

bool HasDotDotComponent(const std::string& path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end - start == 2 && path.compare(start, 2, "..") == 0) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

StatusOr<std::vector<LabelledImage>> ReadLabels(const std::string& tsv_path,
                                                const std::string& image_dir) {
  struct stat st;
  if (stat(image_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return NotFound("image folder \"", image_dir, "\" does not exist");
  }
  FINCH_ASSIGN_OR_RETURN(std::string text, ReadFile(tsv_path));
  std::vector<LabelledImage> out;
  std::map<std::string, int> seen;  // file → line
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = StrCat(tsv_path, ":", number);
    const size_t tab = line.find('\t');
    if (tab == std::string::npos || line.find('\t', tab + 1) != std::string::npos) {
      return InvalidArgument(where, ": expected `file<TAB>class-index`, got \"", line, "\"");
    }
    const std::string file = line.substr(0, tab), index = line.substr(tab + 1);
    if (file.empty()) return InvalidArgument(where, ": empty file name");
    if (file[0] == '/' || HasDotDotComponent(file)) {
      return InvalidArgument(where, ": \"", file,
                             "\" must be a path inside the image folder (no leading /, no ..)");
    }
    char* end = nullptr;
    errno = 0;
    const long long label = std::strtoll(index.c_str(), &end, 10);
    if (index.empty() || *end != '\0' || errno == ERANGE || label < 0 ||
        !(index[0] >= '0' && index[0] <= '9')) {
      return InvalidArgument(where, ": class index \"", index,
                             "\" is not a non-negative integer");
    }
    const auto [it, inserted] = seen.emplace(file, number);
    if (!inserted) {
      return InvalidArgument(where, ": \"", file, "\" is listed twice (also on line ",
                             it->second, ")");
    }
    LabelledImage item;
    item.path = image_dir + "/" + file;
    item.label = label;
    item.line = number;
    if (stat(item.path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return NotFound(where, ": image \"", file, "\" is not in \"", image_dir, "\"");
    }
    out.push_back(std::move(item));
  }
  if (out.empty()) return InvalidArgument(tsv_path, ": no labelled images");
  return out;
}

}  // namespace finch
