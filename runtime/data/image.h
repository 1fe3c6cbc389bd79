// Image: 8-bit RGB pixels, the form every decoder produces and preprocessing consumes.
#pragma once

#include <cstdint>
#include <vector>

namespace finch {

// Interleaved R, G, B bytes, row after row (HWC), no padding between rows.
struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  // height · width · 3 bytes

  const uint8_t* row(int y) const { return rgb.data() + static_cast<size_t>(y) * width * 3; }
  uint8_t* mutable_row(int y) { return rgb.data() + static_cast<size_t>(y) * width * 3; }
};

// Decoders refuse larger images before allocating them (a 100-byte JPEG may declare
// 65500 × 65500 pixels): 2^27 pixels is 384 MiB of RGB, far above any classifier input.
inline constexpr int64_t kMaxImagePixels = int64_t{1} << 27;

}  // namespace finch
