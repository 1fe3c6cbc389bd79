// Decoding JPEG and PNG files into RGB images (libjpeg-turbo and libpng from Debian).
//
// The format is taken from the file's first bytes, not its name. Whatever the stored colour
// model, the result is 8-bit RGB, converted as PIL's Image.convert("RGB") does, so preprocessing
// matches torchvision's (which opens images with PIL):
//   grayscale            → R = G = B = gray
//   CMYK / YCCK (JPEG)   → R = (255 − K) − C·(255 − K)/255 rounded, G and B likewise (Adobe
//                          files store C, M, Y, K inverted)
//   alpha (PNG)          → dropped, not composited onto a background
//   palette (PNG)        → the palette's colours (tRNS transparency dropped too)
//   16-bit (PNG)         → the high byte of each sample (PIL does so for RGB; it clips 16-bit
//                          gray at 255 instead, which whitens real 16-bit images)
//   1/2/4-bit gray (PNG) → scaled to 0..255
// Every failure is a Status naming the file: an empty, truncated or corrupt file, an unknown
// format, an image over kMaxImagePixels. Nothing a file contains can crash or exit the process
// (libjpeg's and libpng's default error handlers call exit() or abort(); ours return here).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "graph/status.h"
#include "runtime/data/image.h"

namespace finch {

// Decodes an encoded JPEG or PNG held in memory; `what` names it in errors (the file's path).
// Reads only data[0, size).
StatusOr<Image> DecodeImage(const uint8_t* data, size_t size, const std::string& what);
StatusOr<Image> DecodeImage(const std::string& bytes, const std::string& what);

// Reads and decodes a file.
StatusOr<Image> DecodeImageFile(const std::string& path);

// True when `name` ends in .jpg, .jpeg or .png (any case): the files an image folder holds.
bool HasImageExtension(const std::string& name);

}  // namespace finch
