// JPEG → RGB with libjpeg(-turbo).
//
// libjpeg reports a fatal error by calling err->error_exit, which by default prints and calls
// exit(). We install one that formats the message and longjmps back to DecodeJpeg's setjmp.
// setjmp/longjmp skip C++ destructors, so everything the decode touches between them lives in a
// caller-owned context (no C++ object is created in the frame that calls setjmp), and the only
// frames a longjmp crosses are libjpeg's own C frames.
//
// A truncated file is not an error to libjpeg: its memory source pads the data with an EOI
// marker, warns "Premature end of JPEG file" and yields grey rows. We make that warning fatal
// (PIL refuses truncated images too). Other warnings ("Corrupt JPEG data: N extraneous bytes
// before marker") are common in real photographs, harmless, and ignored, as PIL ignores them.
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <vector>

// jpeglib.h needs size_t and FILE declared first.
#include <jpeglib.h>
#include <jerror.h>

#include "runtime/data/codecs.h"

namespace finch::internal {
namespace {

enum class Refusal { kNone, kColorSpace, kEmpty, kTooLarge };

struct JpegContext {
  jpeg_decompress_struct cinfo;
  jpeg_error_mgr err;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool created;
  std::vector<uint8_t>* out;  // the decoded samples, out_color_components per pixel
  int width, height, components;
  J_COLOR_SPACE color_space;
  bool adobe;                 // CMYK stored inverted (Adobe APP14 marker)
  Refusal refusal;            // why we refused a well-formed image (no libjpeg message)
};

void OnFatal(j_common_ptr cinfo) {
  JpegContext* ctx = reinterpret_cast<JpegContext*>(cinfo->client_data);
  (*cinfo->err->format_message)(cinfo, ctx->message);
  std::longjmp(ctx->jump, 1);
}

// msg_level −1 is a warning; 0 and above are trace messages.
void OnMessage(j_common_ptr cinfo, int msg_level) {
  if (msg_level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) OnFatal(cinfo);
}

// The decode proper: returns false with ctx->message or ctx->refusal set. Only C objects and
// pointers live in this frame.
bool DecodeInto(JpegContext* ctx, const uint8_t* data, size_t size) {
  j_decompress_ptr cinfo = &ctx->cinfo;
  cinfo->err = jpeg_std_error(&ctx->err);
  ctx->err.error_exit = OnFatal;
  ctx->err.emit_message = OnMessage;
  if (setjmp(ctx->jump)) {
    if (ctx->created) jpeg_destroy_decompress(cinfo);
    return false;
  }
  jpeg_create_decompress(cinfo);
  ctx->created = true;
  cinfo->client_data = ctx;
  jpeg_mem_src(cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(cinfo, TRUE);
  ctx->color_space = cinfo->jpeg_color_space;

  switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo->out_color_space = JCS_GRAYSCALE; break;
    case JCS_YCbCr:
    case JCS_RGB: cinfo->out_color_space = JCS_RGB; break;
    case JCS_CMYK:
    case JCS_YCCK: cinfo->out_color_space = JCS_CMYK; break;
    default:
      ctx->refusal = Refusal::kColorSpace;
      jpeg_destroy_decompress(cinfo);
      return false;
  }
  // PIL's defaults, which libjpeg's are too: the accurate integer IDCT and fancy (triangle)
  // chroma upsampling, so decoded pixels match what torchvision's pipeline sees.
  cinfo->dct_method = JDCT_ISLOW;
  cinfo->do_fancy_upsampling = TRUE;
  jpeg_calc_output_dimensions(cinfo);
  const int64_t pixels = static_cast<int64_t>(cinfo->output_width) * cinfo->output_height;
  ctx->width = static_cast<int>(cinfo->output_width);
  ctx->height = static_cast<int>(cinfo->output_height);
  if (pixels == 0 || pixels > kMaxImagePixels) {
    ctx->refusal = pixels == 0 ? Refusal::kEmpty : Refusal::kTooLarge;
    jpeg_destroy_decompress(cinfo);
    return false;
  }
  jpeg_start_decompress(cinfo);
  ctx->components = cinfo->output_components;
  ctx->adobe = cinfo->saw_Adobe_marker;
  const size_t stride = static_cast<size_t>(ctx->width) * ctx->components;
  ctx->out->resize(stride * ctx->height);  // a caller-owned vector: safe across longjmp
  while (cinfo->output_scanline < cinfo->output_height) {
    JSAMPROW row = ctx->out->data() + stride * cinfo->output_scanline;
    jpeg_read_scanlines(cinfo, &row, 1);
  }
  jpeg_finish_decompress(cinfo);
  jpeg_destroy_decompress(cinfo);
  return true;
}

// PIL's CMYK → RGB: R = (255 − K) − round(C·(255 − K)/255), likewise G from M and B from Y.
// Adobe files store every channel inverted (c' = 255 − C).
uint8_t CmykChannel(int c, int k, bool inverted) {
  if (inverted) {
    c = 255 - c;
    k = 255 - k;
  }
  const int nk = 255 - k;
  return static_cast<uint8_t>(nk - (2 * c * nk + 255) / 510);  // round(c·nk/255); no ties
}

}  // namespace

StatusOr<Image> DecodeJpeg(const uint8_t* data, size_t size, const std::string& what) {
  std::vector<uint8_t> samples;
  JpegContext ctx{};
  ctx.out = &samples;
  if (!DecodeInto(&ctx, data, size)) {
    switch (ctx.refusal) {
      case Refusal::kColorSpace:
        return Unimplemented(what, ": JPEG colour space ", static_cast<int>(ctx.color_space),
                             " (libjpeg's J_COLOR_SPACE) is not supported");
      case Refusal::kEmpty:
        return InvalidArgument(what, ": JPEG of ", ctx.width, "x", ctx.height, " pixels is empty");
      case Refusal::kTooLarge:
        return InvalidArgument(what, ": JPEG of ", ctx.width, "x", ctx.height,
                               " pixels is too large (limit ", kMaxImagePixels, " pixels)");
      case Refusal::kNone: break;
    }
    return InvalidArgument(what, ": corrupt or truncated JPEG: ", ctx.message);
  }
  Image image;
  image.width = ctx.width;
  image.height = ctx.height;
  const size_t n = static_cast<size_t>(ctx.width) * ctx.height;
  if (ctx.components == 3) {
    image.rgb = std::move(samples);
    return image;
  }
  image.rgb.resize(n * 3);
  uint8_t* rgb = image.rgb.data();
  if (ctx.components == 1) {
    for (size_t i = 0; i < n; ++i) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = samples[i];
  } else if (ctx.components == 4) {
    for (size_t i = 0; i < n; ++i) {
      const uint8_t* p = &samples[4 * i];
      for (int c = 0; c < 3; ++c) rgb[3 * i + c] = CmykChannel(p[c], p[3], ctx.adobe);
    }
  } else {
    return InvalidArgument(what, ": JPEG with ", ctx.components, " components per pixel");
  }
  return image;
}

}  // namespace finch::internal
