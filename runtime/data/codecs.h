// The per-format decoders behind DecodeImage (image_decode.h); not a public API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "graph/status.h"
#include "runtime/data/image.h"

namespace finch::internal {

// `what` names the data in errors. `size` > 0.
StatusOr<Image> DecodeJpeg(const uint8_t* data, size_t size, const std::string& what);
StatusOr<Image> DecodePng(const uint8_t* data, size_t size, const std::string& what);

}  // namespace finch::internal
