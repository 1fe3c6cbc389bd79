// Helpers for the image-input tests: JPEG and PNG files written with libjpeg and libpng
// directly (every colour type and depth the decoders must handle), synthetic images, and a
// scratch folder.
#pragma once

#include <gtest/gtest.h>
#include <jpeglib.h>
#include <png.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "runtime/data/image.h"

namespace finch::testing {

// `pixels`: height rows of width · components samples. CMYK (components 4) is written with an
// Adobe marker; 4:4:4 sampling, so a flat or smooth image survives with little loss.
inline std::string EncodeJpeg(const std::vector<uint8_t>& pixels, int width, int height,
                              int components, int quality = 95) {
  jpeg_compress_struct cinfo;
  jpeg_error_mgr err;
  cinfo.err = jpeg_std_error(&err);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = components;
  cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 3 ? JCS_RGB : JCS_CMYK;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  for (int c = 0; c < cinfo.num_components; ++c) {
    cinfo.comp_info[c].h_samp_factor = 1;
    cinfo.comp_info[c].v_samp_factor = 1;
  }
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(pixels.data()) +
                   static_cast<size_t>(cinfo.next_scanline) * width * components;
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::string out(reinterpret_cast<char*>(buffer), size);
  free(buffer);
  return out;
}

struct PngOptions {
  int color_type = PNG_COLOR_TYPE_RGB;
  int bit_depth = 8;
  bool interlaced = false;
  std::vector<png_color> palette;  // PNG_COLOR_TYPE_PALETTE
  std::vector<uint8_t> trns;       // palette alpha entries
};

// `rows`: height rows of packed samples as PNG stores them (big-endian 16-bit samples).
inline std::string EncodePng(const std::vector<uint8_t>& rows, int width, int height,
                             const PngOptions& o) {
  std::string out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_set_write_fn(
      png, &out,
      [](png_structp p, png_bytep data, png_size_t n) {
        static_cast<std::string*>(png_get_io_ptr(p))->append(reinterpret_cast<char*>(data), n);
      },
      nullptr);
  png_set_IHDR(png, info, width, height, o.bit_depth, o.color_type,
               o.interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!o.palette.empty()) {
    png_set_PLTE(png, info, o.palette.data(), static_cast<int>(o.palette.size()));
  }
  if (!o.trns.empty()) {
    png_set_tRNS(png, info, o.trns.data(), static_cast<int>(o.trns.size()), nullptr);
  }
  png_write_info(png, info);
  const size_t stride = rows.size() / height;
  std::vector<png_bytep> pointers(height);
  for (int y = 0; y < height; ++y) {
    pointers[y] = const_cast<uint8_t*>(rows.data()) + stride * y;
  }
  png_write_image(png, pointers.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

inline std::string EncodePng(const Image& image) {
  return EncodePng(image.rgb, image.width, image.height, PngOptions());
}

// R rises along x, G along y, B along the diagonal: smooth, so JPEG keeps it within a few
// levels, and every pixel differs from its neighbours.
inline Image Gradient(int width, int height) {
  Image image;
  image.width = width;
  image.height = height;
  image.rgb.resize(static_cast<size_t>(width) * height * 3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      uint8_t* p = image.mutable_row(y) + 3 * x;
      p[0] = static_cast<uint8_t>(x * 255 / std::max(width - 1, 1));
      p[1] = static_cast<uint8_t>(y * 255 / std::max(height - 1, 1));
      p[2] = static_cast<uint8_t>((x + y) * 255 / std::max(width + height - 2, 1));
    }
  }
  return image;
}

// Pixel values from a seeded generator (for exact round trips and resize sweeps).
inline Image Noise(int width, int height, uint32_t seed) {
  Image image;
  image.width = width;
  image.height = height;
  image.rgb.resize(static_cast<size_t>(width) * height * 3);
  uint32_t s = seed * 2654435761u + 1;
  for (uint8_t& v : image.rgb) {
    s = s * 1664525u + 1013904223u;
    v = static_cast<uint8_t>(s >> 24);
  }
  return image;
}

// A fresh folder under /tmp, removed with everything in it at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    char dir[] = "/tmp/finch_image_test_XXXXXX";
    if (mkdtemp(dir) != nullptr) path_ = dir;
    EXPECT_FALSE(path_.empty());
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  // Writes `bytes` to path()/name; returns the full path.
  std::string Write(const std::string& name, const std::string& bytes) const {
    const std::string full = path_ + "/" + name;
    std::filesystem::create_directories(std::filesystem::path(full).parent_path());
    std::ofstream(full, std::ios::binary) << bytes;
    return full;
  }

 private:
  std::string path_;
};

}  // namespace finch::testing
