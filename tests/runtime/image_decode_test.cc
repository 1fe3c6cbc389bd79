// DecodeImage / DecodeImageFile: JPEG and PNG files this test writes itself (every colour model
// and depth the decoder converts to 8-bit RGB), and every way a file can be wrong — empty,
// truncated at each length, corrupted, not an image, too large — each a Status naming the file,
// never a crash or an exit() from libjpeg.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include <zlib.h>

#include "runtime/data/image_decode.h"
#include "tests/runtime/image_test_util.h"
#include "tests/util/guarded_buffer.h"

namespace finch::testing {
namespace {

// Largest |a − b| over all samples; a and b of the same size.
int MaxDiff(const Image& a, const Image& b) {
  int worst = 0;
  for (size_t i = 0; i < a.rgb.size(); ++i) worst = std::max(worst, std::abs(a.rgb[i] - b.rgb[i]));
  return worst;
}

void ExpectSameSize(const Image& got, int width, int height) {
  EXPECT_EQ(got.width, width);
  EXPECT_EQ(got.height, height);
  EXPECT_EQ(got.rgb.size(), static_cast<size_t>(width) * height * 3);
}

// The error names the file and says what is wrong.
void ExpectError(const StatusOr<Image>& got, StatusCode code, const std::string& what,
                 const std::string& fault) {
  ASSERT_FALSE(got.ok()) << what;
  EXPECT_EQ(got.status().code(), code) << got.status().ToString();
  EXPECT_NE(got.status().message().find(what), std::string::npos) << got.status().ToString();
  EXPECT_NE(got.status().message().find(fault), std::string::npos) << got.status().ToString();
}

TEST(ImageDecode, JpegRgbGradientWithinJpegLoss) {
  // Odd sizes: partial 8×8 blocks on both edges, a single row, a single column.
  for (auto [w, h] : {std::pair{64, 48}, {37, 23}, {1, 1}, {1, 17}, {29, 1}}) {
    const Image src = Gradient(w, h);
    const auto got = DecodeImage(EncodeJpeg(src.rgb, w, h, 3, 95), "gradient.jpg");
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ExpectSameSize(*got, w, h);
    // Quality 95, 4:4:4 on a smooth image: measured at most 3 levels off.
    EXPECT_LE(MaxDiff(*got, src), 5) << w << "x" << h;
  }
}

TEST(ImageDecode, JpegGrayscaleBecomesEqualRgb) {
  const int w = 19, h = 11;
  std::vector<uint8_t> gray(w * h);
  for (int i = 0; i < w * h; ++i) gray[i] = static_cast<uint8_t>(i * 255 / (w * h - 1));
  const auto got = DecodeImage(EncodeJpeg(gray, w, h, 1, 100), "gray.jpg");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameSize(*got, w, h);
  for (int i = 0; i < w * h; ++i) {
    EXPECT_EQ(got->rgb[3 * i], got->rgb[3 * i + 1]);
    EXPECT_EQ(got->rgb[3 * i], got->rgb[3 * i + 2]);
    EXPECT_NEAR(got->rgb[3 * i], gray[i], 2) << i;  // measured 1
  }
}

TEST(ImageDecode, JpegAdobeCmykIsInvertedThenMultiplied) {
  // A flat CMYK image stored as Adobe writes it (inverted: c' = 255 − C). With C = 0, M = 128,
  // Y = 255, K = 51, PIL's R = (255 − K) − round(C·(255 − K)/255) gives R = 204,
  // G = 204 − round(102.4) = 102, B = 0. JPEG keeps a flat block within a level or two.
  const int w = 16, h = 8;
  std::vector<uint8_t> cmyk;
  for (int i = 0; i < w * h; ++i) cmyk.insert(cmyk.end(), {255, 127, 0, 204});
  const auto got = DecodeImage(EncodeJpeg(cmyk, w, h, 4, 100), "cmyk.jpg");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameSize(*got, w, h);
  for (int i = 0; i < w * h; ++i) {
    EXPECT_NEAR(got->rgb[3 * i], 204, 2);
    EXPECT_NEAR(got->rgb[3 * i + 1], 102, 2);
    EXPECT_NEAR(got->rgb[3 * i + 2], 0, 2);
  }
}

TEST(ImageDecode, PngRgbIsExactAtOddSizes) {
  for (auto [w, h] : {std::pair{1, 1}, {2, 3}, {31, 7}, {64, 64}, {257, 2}}) {
    const Image src = Noise(w, h, w * 100 + h);
    for (bool interlaced : {false, true}) {
      PngOptions o;
      o.interlaced = interlaced;
      const auto got = DecodeImage(EncodePng(src.rgb, w, h, o), "noise.png");
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      ExpectSameSize(*got, w, h);
      EXPECT_EQ(got->rgb, src.rgb) << w << "x" << h << (interlaced ? " interlaced" : "");
    }
  }
}

TEST(ImageDecode, PngGrayAndAlphaAndDepths) {
  const int w = 5, h = 3;
  // 8-bit gray + alpha: gray replicated, alpha dropped (not composited).
  std::vector<uint8_t> ga;
  for (int i = 0; i < w * h; ++i) ga.insert(ga.end(), {static_cast<uint8_t>(17 * i), 3});
  PngOptions o;
  o.color_type = PNG_COLOR_TYPE_GRAY_ALPHA;
  auto got = DecodeImage(EncodePng(ga, w, h, o), "ga.png");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  for (int i = 0; i < w * h; ++i) {
    EXPECT_EQ(got->rgb[3 * i], 17 * i);
    EXPECT_EQ(got->rgb[3 * i + 2], 17 * i);
  }
  // RGBA: alpha dropped.
  std::vector<uint8_t> rgba;
  for (int i = 0; i < w * h; ++i) rgba.insert(rgba.end(), {static_cast<uint8_t>(i), 200, 7, 0});
  o.color_type = PNG_COLOR_TYPE_RGB_ALPHA;
  got = DecodeImage(EncodePng(rgba, w, h, o), "rgba.png");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  for (int i = 0; i < w * h; ++i) {
    EXPECT_EQ(got->rgb[3 * i], i);
    EXPECT_EQ(got->rgb[3 * i + 1], 200);
    EXPECT_EQ(got->rgb[3 * i + 2], 7);
  }
  // 16-bit RGB, big-endian: the high byte.
  std::vector<uint8_t> rgb16;
  for (int i = 0; i < w * h; ++i) rgb16.insert(rgb16.end(), {0x12, 0xff, 0xab, 0x01, 0x00, 0x80});
  o.color_type = PNG_COLOR_TYPE_RGB;
  o.bit_depth = 16;
  got = DecodeImage(EncodePng(rgb16, w, h, o), "rgb16.png");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->rgb[0], 0x12);
  EXPECT_EQ(got->rgb[1], 0xab);
  EXPECT_EQ(got->rgb[2], 0x00);
  // 1-bit gray, 8 pixels to a byte: 0 → 0, 1 → 255. Row of 5 pixels: 1 0 1 1 0 (+3 pad bits).
  std::vector<uint8_t> bits(h, 0xb0);
  o.color_type = PNG_COLOR_TYPE_GRAY;
  o.bit_depth = 1;
  got = DecodeImage(EncodePng(bits, w, h, o), "bits.png");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  const uint8_t want[5] = {255, 0, 255, 255, 0};
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) EXPECT_EQ(got->row(y)[3 * x + 1], want[x]) << x << "," << y;
  }
}

TEST(ImageDecode, PngPaletteWithTransparency) {
  const int w = 4, h = 2;
  PngOptions o;
  o.color_type = PNG_COLOR_TYPE_PALETTE;
  o.palette = {{10, 20, 30}, {200, 100, 0}, {1, 2, 3}};
  o.trns = {0, 128};  // entries 0 and 1 (partly) transparent: ignored
  const std::vector<uint8_t> indices = {0, 1, 2, 1, 2, 2, 0, 0};
  const auto got = DecodeImage(EncodePng(indices, w, h, o), "palette.png");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameSize(*got, w, h);
  for (int i = 0; i < w * h; ++i) {
    const png_color& c = o.palette[indices[i]];
    EXPECT_EQ(got->rgb[3 * i], c.red);
    EXPECT_EQ(got->rgb[3 * i + 1], c.green);
    EXPECT_EQ(got->rgb[3 * i + 2], c.blue);
  }
}

TEST(ImageDecode, EmptyMissingAndNotAnImage) {
  ScratchDir dir;
  const std::string empty = dir.Write("empty.jpg", "");
  ExpectError(DecodeImageFile(empty), StatusCode::kInvalidArgument, empty, "empty");
  ExpectError(DecodeImageFile(dir.path() + "/nope.png"), StatusCode::kNotFound, "nope.png",
              "no such file");
  const std::string text = dir.Write("notes.jpg", "hello, world\n");
  ExpectError(DecodeImageFile(text), StatusCode::kUnimplemented, text, "not a JPEG or PNG");
  ExpectError(DecodeImageFile(dir.path()), StatusCode::kInvalidArgument, dir.path(),
              "directory");
}

// Every strict prefix of a valid file is an error naming it (libjpeg alone would pad a
// truncated JPEG with grey and return success).
TEST(ImageDecode, EveryTruncationIsAnError) {
  const Image src = Gradient(24, 16);
  const std::string jpeg = EncodeJpeg(src.rgb, 24, 16, 3, 90);
  const std::string png = EncodePng(src);
  for (const std::string* file : {&jpeg, &png}) {
    const std::string name = file == &jpeg ? "cut.jpg" : "cut.png";
    ASSERT_TRUE(DecodeImage(*file, name).ok());
    for (size_t n = 1; n < file->size(); ++n) {
      const auto got = DecodeImage(file->substr(0, n), name);
      ASSERT_FALSE(got.ok()) << name << " truncated to " << n << " of " << file->size();
      EXPECT_NE(got.status().message().find(name), std::string::npos) << got.status().ToString();
    }
  }
  const auto cut = DecodeImage(jpeg.substr(0, jpeg.size() / 2), "half.jpg");
  EXPECT_NE(cut.status().message().find("Premature end"), std::string::npos)
      << cut.status().ToString();
}

// Random byte corruption: decoding may succeed (a flipped coefficient is still a JPEG) or fail,
// but never crashes, and a failure names the file. Run under ASan in CI.
TEST(ImageDecode, CorruptBytesNeverCrash) {
  const Image src = Gradient(40, 24);
  const std::string files[2] = {EncodeJpeg(src.rgb, 40, 24, 3, 90), EncodePng(src)};
  std::mt19937 rng(7);
  int failures = 0;
  for (int trial = 0; trial < 400; ++trial) {
    std::string bytes = files[trial % 2];
    const int flips = 1 + trial % 4;
    for (int f = 0; f < flips; ++f) {
      // Keep the signature so the format's own decoder gets the damage.
      const size_t at = 8 + rng() % (bytes.size() - 8);
      bytes[at] = static_cast<char>(rng());
    }
    const auto got = DecodeImage(bytes, "corrupt.img");
    if (!got.ok()) {
      ++failures;
      EXPECT_NE(got.status().message().find("corrupt.img"), std::string::npos);
    } else {
      EXPECT_EQ(got->rgb.size(), static_cast<size_t>(got->width) * got->height * 3);
    }
  }
  EXPECT_GT(failures, 0);
}

TEST(ImageDecode, DeclaredSizeAboveTheLimitIsRefusedBeforeAllocating) {
  // Patch the frame header of a small JPEG (SOF0: FF C0, length, precision, height, width)
  // to 60000 × 60000, and a PNG's IHDR likewise (its CRC recomputed).
  const Image src = Gradient(8, 8);
  std::string jpeg = EncodeJpeg(src.rgb, 8, 8, 3);
  const size_t sof = jpeg.find("\xff\xc0");
  ASSERT_NE(sof, std::string::npos);
  for (size_t at : {sof + 5, sof + 7}) {
    jpeg[at] = static_cast<char>(60000 >> 8);
    jpeg[at + 1] = static_cast<char>(60000 & 255);
  }
  ExpectError(DecodeImage(jpeg, "huge.jpg"), StatusCode::kInvalidArgument, "huge.jpg",
              "too large");

  std::string png = EncodePng(src);
  // Signature (8), length (4), "IHDR" (4), width (4), height (4), ..., CRC over type + data.
  for (size_t at : {size_t{16}, size_t{20}}) {
    const uint32_t v = 60000;
    for (int b = 0; b < 4; ++b) png[at + b] = static_cast<char>(v >> (24 - 8 * b));
  }
  const uint32_t crc =
      crc32(0, reinterpret_cast<const Bytef*>(png.data() + 12), 17);  // "IHDR" + 13 data bytes
  for (int b = 0; b < 4; ++b) png[29 + b] = static_cast<char>(crc >> (24 - 8 * b));
  ExpectError(DecodeImage(png, "huge.png"), StatusCode::kInvalidArgument, "huge.png",
              "too large");
}

// The decoders read nothing past the end of the data: each file placed against a guard page.
TEST(ImageDecode, ReadsNothingPastTheEnd) {
  const Image src = Noise(13, 9, 3);
  for (const std::string& file : {EncodeJpeg(src.rgb, 13, 9, 3, 80), EncodePng(src)}) {
    for (size_t n : {file.size(), file.size() / 2, size_t{9}}) {
      GuardedBuffer guarded((static_cast<int64_t>(n) + 3) / 4);
      uint8_t* end = reinterpret_cast<uint8_t*>(guarded.data() + guarded.size());
      std::memcpy(end - n, file.data(), n);
      const auto got = DecodeImage(end - n, n, "guarded");
      EXPECT_EQ(got.ok(), n == file.size()) << n;
    }
  }
}

TEST(ImageDecode, ImageExtensions) {
  EXPECT_TRUE(HasImageExtension("a.JPEG"));
  EXPECT_TRUE(HasImageExtension("x.y.jpg"));
  EXPECT_TRUE(HasImageExtension("b.Png"));
  EXPECT_FALSE(HasImageExtension("input_0.pb"));
  EXPECT_FALSE(HasImageExtension("jpg"));
  EXPECT_FALSE(HasImageExtension("a.jpg.txt"));
}

}  // namespace
}  // namespace finch::testing
