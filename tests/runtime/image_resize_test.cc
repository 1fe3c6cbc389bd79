// ResizeBilinear: PIL's antialiased bilinear resampling, checked on tiny images by hand (the
// filter support widening with the downscale factor, the 8-bit rounding between the passes),
// then over a sweep of sizes for the properties any correct resampler has: constant images stay
// constant, a window is exactly the crop of the full result, identity sizes copy.
#include <gtest/gtest.h>

#include <array>

#include "runtime/data/resize.h"
#include "tests/runtime/image_test_util.h"

namespace finch::testing {
namespace {

Image FromGray(int width, int height, const std::vector<int>& values, int channel_step = 0) {
  Image image;
  image.width = width;
  image.height = height;
  for (int v : values) {
    for (int c = 0; c < 3; ++c) image.rgb.push_back(static_cast<uint8_t>(v + c * channel_step));
  }
  return image;
}

// The green channel (the red one plus channel_step), row by row.
std::vector<int> Channel(const Image& image, int c) {
  std::vector<int> out;
  for (size_t i = c; i < image.rgb.size(); i += 3) out.push_back(image.rgb[i]);
  return out;
}

TEST(ImageResize, FourByFourToTwoByTwoByHand) {
  // Shrinking 4 → 2: scale 2, so the tent t(x) = 1 − |x| is stretched to half-width 2.
  // Output 0 is centred at input coordinate 1.0 and takes inputs 0, 1, 2 (centres 0.5, 1.5,
  // 2.5) with t(−0.25) = 0.75, t(0.25) = 0.75, t(0.75) = 0.25: weights 3/7, 3/7, 1/7.
  // Output 1 (centre 3.0) takes inputs 1, 2, 3 with 1/7, 3/7, 3/7. A plain bilinear
  // interpolation would use only inputs 1 and 2 (no antialiasing).
  // Pixel (x, y) = a_x + b_y, a = (0, 70, 140, 210), b = (0, 7, 14, 21):
  //   rows:    (3·0 + 3·70 + 140)/7 = 50,  (70 + 3·140 + 3·210)/7 = 160   (+ b_y)
  //   columns: (3·0 + 3·7 + 14)/7 = 5,     (7 + 3·14 + 3·21)/7 = 16
  // so the result is [[55, 165], [66, 176]]; channel c adds 10·c throughout.
  std::vector<int> px;
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) px.push_back(70 * x + 7 * y);
  }
  const auto got = ResizeBilinear(FromGray(4, 4, px, 10), 2, 2);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->width, 2);
  EXPECT_EQ(got->height, 2);
  EXPECT_EQ(Channel(*got, 0), (std::vector<int>{55, 165, 66, 176}));
  EXPECT_EQ(Channel(*got, 1), (std::vector<int>{65, 175, 76, 186}));
  EXPECT_EQ(Channel(*got, 2), (std::vector<int>{75, 185, 86, 196}));
}

TEST(ImageResize, ThreeToTwoRoundsHalfUp) {
  // 3 → 2: scale 1.5. Output 0 (centre 0.75) takes inputs 0, 1 with t(−1/6) = 5/6,
  // t(1/2) = 1/2, i.e. 5/8, 3/8: 100·3/8 = 37.5 → 38. Output 1 (centre 2.25) takes inputs 1, 2
  // with 3/8, 5/8: 37.5 + 125 = 162.5 → 163.
  const auto got = ResizeBilinear(FromGray(3, 1, {0, 100, 200}), 2, 1);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(Channel(*got, 0), (std::vector<int>{38, 163}));
  // The same along the vertical axis.
  const auto tall = ResizeBilinear(FromGray(1, 3, {0, 100, 200}), 1, 2);
  ASSERT_TRUE(tall.ok()) << tall.status().ToString();
  EXPECT_EQ(Channel(*tall, 2), (std::vector<int>{38, 163}));
}

TEST(ImageResize, EnlargingInterpolatesLinearly) {
  // 2 → 4: scale 0.5, support 1 (no stretching when enlarging). Centres 0.25, 0.75, 1.25, 1.75:
  // output 0 sees only input 0 (input 1's centre is 1.25 away), output 1 is 0.75·a0 + 0.25·a1,
  // output 2 is 0.25·a0 + 0.75·a1, output 3 only a1.
  const auto got = ResizeBilinear(FromGray(2, 1, {0, 200}), 4, 1);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(Channel(*got, 0), (std::vector<int>{0, 50, 150, 200}));
}

TEST(ImageResize, SameSizeCopies) {
  const Image src = Noise(17, 5, 1);
  const auto got = ResizeBilinear(src, 17, 5);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->rgb, src.rgb);
}

TEST(ImageResize, ConstantStaysConstantAtEverySize) {
  // The weights of every output sample sum to one (after fixed-point rounding, within the
  // rounding half), so a flat image stays flat — 0 and 255 included (no overflow, no clipping).
  const int sizes[] = {1, 2, 3, 7, 8, 9, 31, 224, 257};
  for (uint8_t value : {uint8_t{0}, uint8_t{1}, uint8_t{128}, uint8_t{254}, uint8_t{255}}) {
    for (int in : {1, 5, 64, 331}) {
      for (int out : sizes) {
        Image src;
        src.width = in;
        src.height = 3;
        src.rgb.assign(static_cast<size_t>(in) * 3 * 3, value);
        const auto got = ResizeBilinear(src, out, 5);
        ASSERT_TRUE(got.ok()) << got.status().ToString();
        for (uint8_t v : got->rgb) ASSERT_EQ(v, value) << in << " -> " << out;
      }
    }
  }
}

TEST(ImageResize, WindowIsTheCropOfTheFullResize) {
  for (auto [iw, ih, ow, oh] : {std::array{341, 256, 256, 192}, {13, 7, 29, 11}, {97, 101, 31, 37},
                                {5, 5, 1, 1}, {1, 1, 3, 2}}) {
    const Image src = Noise(iw, ih, iw + ih);
    const auto full = ResizeBilinear(src, ow, oh);
    ASSERT_TRUE(full.ok()) << full.status().ToString();
    for (ResizeWindow w : {ResizeWindow{0, 0, ow, oh}, ResizeWindow{ow / 3, oh / 2, ow - ow / 3,
                                                                     oh - oh / 2},
                           ResizeWindow{ow - 1, oh - 1, 1, 1}, ResizeWindow{0, 0, 1, oh}}) {
      const auto got = ResizeBilinear(src, ow, oh, w);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      ASSERT_EQ(got->width, w.width);
      ASSERT_EQ(got->height, w.height);
      for (int y = 0; y < w.height; ++y) {
        for (int x = 0; x < 3 * w.width; ++x) {
          ASSERT_EQ(got->row(y)[x], full->row(y + w.top)[x + 3 * w.left])
              << iw << "x" << ih << " -> " << ow << "x" << oh << " window at " << w.left << ","
              << w.top << ": pixel " << x / 3 << "," << y;
        }
      }
    }
  }
}

TEST(ImageResize, BadSizesAreErrors) {
  const Image src = Noise(4, 4, 2);
  EXPECT_EQ(ResizeBilinear(src, 0, 4).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ResizeBilinear(src, 4, 4, ResizeWindow{3, 0, 2, 4}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ResizeBilinear(src, 4, 4, ResizeWindow{-1, 0, 2, 4}).status().code(),
            StatusCode::kInvalidArgument);
  Image broken = src;
  broken.rgb.pop_back();
  EXPECT_EQ(ResizeBilinear(broken, 2, 2).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace finch::testing
