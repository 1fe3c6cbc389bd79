#include "graph/file_util.h"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace finch {

StatusOr<std::string> ReadFile(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return NotFound("cannot open \"", path, "\": no such file");
  if (S_ISDIR(st.st_mode)) return InvalidArgument("\"", path, "\" is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot open \"", path, "\"");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return IoError("failed reading \"", path, "\"");
  return bytes;
}

StatusOr<int64_t> FileSize(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return NotFound("cannot open \"", path, "\": no such file");
  if (!S_ISREG(st.st_mode)) return InvalidArgument("\"", path, "\" is not a regular file");
  return static_cast<int64_t>(st.st_size);
}

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

StatusOr<std::string> ResolveInside(const std::string& base_dir, const std::string& relative,
                                    const std::string& what) {
  if (relative.empty()) return InvalidArgument(what, ": external data has no location");
  if (relative[0] == '/' || relative[0] == '\\') {
    return InvalidArgument(what, ": external data location \"", relative,
                           "\" is absolute; only paths relative to the model's folder are allowed");
  }
  // Reject any ".." component, whatever the separator.
  size_t start = 0;
  while (start <= relative.size()) {
    size_t end = relative.find_first_of("/\\", start);
    if (end == std::string::npos) end = relative.size();
    if (relative.compare(start, end - start, "..") == 0 && end - start == 2) {
      return InvalidArgument(what, ": external data location \"", relative,
                             "\" contains \"..\"; it must stay inside the model's folder");
    }
    start = end + 1;
  }
  char base_real[PATH_MAX];
  if (realpath(base_dir.c_str(), base_real) == nullptr) {
    return NotFound(what, ": model folder \"", base_dir, "\" does not exist");
  }
  const std::string joined = base_dir + "/" + relative;
  char real[PATH_MAX];
  if (realpath(joined.c_str(), real) == nullptr) {
    return NotFound(what, ": external data file \"", relative, "\" not found next to the model");
  }
  std::string prefix = base_real;
  if (prefix.back() != '/') prefix += '/';
  if (std::string(real).compare(0, prefix.size(), prefix) != 0) {
    return InvalidArgument(what, ": external data location \"", relative, "\" resolves to \"",
                           real, "\", outside the model's folder");
  }
  return std::string(real);
}

}  // namespace finch
