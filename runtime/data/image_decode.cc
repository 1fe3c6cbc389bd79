#include "runtime/data/image_decode.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

#include "graph/file_util.h"
#include "runtime/data/codecs.h"

namespace finch {
namespace {

bool StartsWith(const uint8_t* data, size_t size, const char* magic, size_t n) {
  return size >= n && std::memcmp(data, magic, n) == 0;
}

// "ff d8 ff e0" — the first bytes, for a file that is neither format.
std::string HexPrefix(const uint8_t* data, size_t size) {
  std::string out;
  char buf[4];
  for (size_t i = 0; i < std::min<size_t>(size, 8); ++i) {
    std::snprintf(buf, sizeof(buf), "%s%02x", i ? " " : "", data[i]);
    out += buf;
  }
  return out;
}

}  // namespace

StatusOr<Image> DecodeImage(const uint8_t* data, size_t size, const std::string& what) {
  if (size == 0) return InvalidArgument(what, ": empty file, not an image");
  // Every JPEG starts with the SOI marker FF D8 and a second marker's FF; every PNG with its
  // 8-byte signature. A file shorter than that but agreeing with it so far is truncated.
  static const char kJpeg[] = "\xff\xd8\xff";
  static const char kPng[] = "\x89PNG\r\n\x1a\n";
  if (StartsWith(data, size, kJpeg, 3)) return internal::DecodeJpeg(data, size, what);
  if (StartsWith(data, size, kPng, 8)) return internal::DecodePng(data, size, what);
  if ((size < 3 && StartsWith(data, size, kJpeg, size)) ||
      (size < 8 && StartsWith(data, size, kPng, size))) {
    return InvalidArgument(what, ": truncated image file (", size, " bytes)");
  }
  return Unimplemented(what, ": not a JPEG or PNG file (first bytes: ", HexPrefix(data, size),
                       ")");
}

StatusOr<Image> DecodeImage(const std::string& bytes, const std::string& what) {
  return DecodeImage(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), what);
}

StatusOr<Image> DecodeImageFile(const std::string& path) {
  FINCH_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
  return DecodeImage(bytes, path);
}

bool HasImageExtension(const std::string& name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = name.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == "jpg" || ext == "jpeg" || ext == "png";
}

}  // namespace finch
