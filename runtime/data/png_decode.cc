// PNG → RGB with libpng.
//
// libpng reports a fatal error through its error callback and expects it not to return; ours
// copies the message and longjmps to the setjmp in DecodeInto (png_jmpbuf). As for JPEG, no
// C++ object lives in the frame that calls setjmp: the context and the output are the caller's.
// libpng's transformations turn every colour type and depth into 8-bit RGB (see
// image_decode.h); its warnings (e.g. about an sRGB profile) are ignored.
#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <vector>

#include "runtime/data/codecs.h"

namespace finch::internal {
namespace {

struct PngContext {
  png_structp png;
  png_infop info;
  const uint8_t* data;
  size_t size, offset;
  char message[256];
  bool too_large;
  png_uint_32 width, height;
  std::vector<uint8_t>* out;
  std::vector<png_bytep>* rows;
};

void OnError(png_structp png, png_const_charp message) {
  PngContext* ctx = static_cast<PngContext*>(png_get_error_ptr(png));
  std::snprintf(ctx->message, sizeof(ctx->message), "%s", message);
  png_longjmp(png, 1);
}

void OnWarning(png_structp, png_const_charp) {}

void ReadBytes(png_structp png, png_bytep dst, png_size_t n) {
  PngContext* ctx = static_cast<PngContext*>(png_get_io_ptr(png));
  if (n > ctx->size - ctx->offset) png_error(png, "file ends early (truncated)");
  std::memcpy(dst, ctx->data + ctx->offset, n);
  ctx->offset += n;
}

bool DecodeInto(PngContext* ctx) {
  ctx->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, ctx, OnError, OnWarning);
  if (ctx->png == nullptr) {
    std::snprintf(ctx->message, sizeof(ctx->message), "libpng could not start");
    return false;
  }
  ctx->info = png_create_info_struct(ctx->png);
  if (ctx->info == nullptr) {
    std::snprintf(ctx->message, sizeof(ctx->message), "libpng could not start");
    png_destroy_read_struct(&ctx->png, nullptr, nullptr);
    return false;
  }
  if (setjmp(png_jmpbuf(ctx->png))) {
    png_destroy_read_struct(&ctx->png, &ctx->info, nullptr);
    return false;
  }
  png_set_read_fn(ctx->png, ctx, ReadBytes);
  png_read_info(ctx->png, ctx->info);
  ctx->width = png_get_image_width(ctx->png, ctx->info);
  ctx->height = png_get_image_height(ctx->png, ctx->info);
  if (static_cast<int64_t>(ctx->width) * ctx->height > kMaxImagePixels) {
    ctx->too_large = true;
    png_destroy_read_struct(&ctx->png, &ctx->info, nullptr);
    return false;
  }
  const int color_type = png_get_color_type(ctx->png, ctx->info);
  const int bit_depth = png_get_bit_depth(ctx->png, ctx->info);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(ctx->png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(ctx->png);
  if (bit_depth == 16) png_set_strip_16(ctx->png);  // the high byte, as PIL keeps
  // An alpha channel, or the one the palette expansion makes from a tRNS chunk, is dropped.
  if ((color_type & PNG_COLOR_MASK_ALPHA) || png_get_valid(ctx->png, ctx->info, PNG_INFO_tRNS)) {
    png_set_strip_alpha(ctx->png);
  }
  if (!(color_type & PNG_COLOR_MASK_COLOR)) png_set_gray_to_rgb(ctx->png);
  png_set_interlace_handling(ctx->png);
  png_read_update_info(ctx->png, ctx->info);
  const size_t stride = static_cast<size_t>(ctx->width) * 3;
  if (png_get_rowbytes(ctx->png, ctx->info) != stride) {
    png_error(ctx->png, "unexpected row size after conversion to RGB");
  }
  ctx->out->resize(stride * ctx->height);
  ctx->rows->resize(ctx->height);
  for (png_uint_32 y = 0; y < ctx->height; ++y) (*ctx->rows)[y] = ctx->out->data() + stride * y;
  png_read_image(ctx->png, ctx->rows->data());
  png_read_end(ctx->png, nullptr);
  png_destroy_read_struct(&ctx->png, &ctx->info, nullptr);
  return true;
}

}  // namespace

StatusOr<Image> DecodePng(const uint8_t* data, size_t size, const std::string& what) {
  std::vector<uint8_t> pixels;
  std::vector<png_bytep> rows;
  PngContext ctx{};
  ctx.data = data;
  ctx.size = size;
  ctx.out = &pixels;
  ctx.rows = &rows;
  if (!DecodeInto(&ctx)) {
    if (ctx.too_large) {
      return InvalidArgument(what, ": PNG of ", ctx.width, "x", ctx.height,
                             " pixels is too large (limit ", kMaxImagePixels, " pixels)");
    }
    return InvalidArgument(what, ": corrupt or truncated PNG: ", ctx.message);
  }
  Image image;
  image.width = static_cast<int>(ctx.width);
  image.height = static_cast<int>(ctx.height);
  image.rgb = std::move(pixels);
  return image;
}

}  // namespace finch::internal
