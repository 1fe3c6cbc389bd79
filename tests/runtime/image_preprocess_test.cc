// Preprocessing: the resized size (truncated long side), the center crop's offsets (rounded half
// to even, as torchvision's CenterCrop via Python's round()), the normalisation of each style by
// hand, the layouts, the fit to a model's input; then the reference check: the inputs stored
// with ../shared/pretrained's models are two sample images preprocessed as each model expects,
// and PreprocessImage must reproduce them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "graph/onnx/tensor_proto.h"
#include "runtime/data/image_decode.h"
#include "runtime/data/preprocess.h"
#include "tests/runtime/image_test_util.h"
#include "tests/util/test_util.h"

namespace finch::testing {
namespace {

// R, G encode the column (x mod 256, x / 256), B the row: a crop shows where it came from.
Image Coordinates(int width, int height) {
  Image image;
  image.width = width;
  image.height = height;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      image.rgb.insert(image.rgb.end(), {static_cast<uint8_t>(x & 255),
                                         static_cast<uint8_t>(x >> 8), static_cast<uint8_t>(y)});
    }
  }
  return image;
}

TEST(ImagePreprocess, CenterCropOffsetsRoundHalfToEven) {
  // No resize (the shorter side is already 256): the crop's first column is its offset.
  // (341 − 224)/2 = 58.5 → 58 (even), (343 − 224)/2 = 59.5 → 60, (342 − 224)/2 = 59,
  // (225 − 224)/2 = 0.5 → 0, (227 − 224)/2 = 1.5 → 2.
  Preprocess p;
  for (auto [width, left] : {std::pair{341, 58}, {343, 60}, {342, 59}, {256, 16}}) {
    const auto crop = ResizeAndCrop(Coordinates(width, 256), p, "c.png");
    ASSERT_TRUE(crop.ok()) << crop.status().ToString();
    EXPECT_EQ(crop->width, 224);
    EXPECT_EQ(crop->row(0)[0], left) << width;
    EXPECT_EQ(crop->row(0)[2], 16);  // (256 − 224)/2
  }
  p.resize_shorter = 0;
  for (auto [height, top] : {std::pair{225, 0}, {227, 2}, {229, 2}}) {
    const auto crop = ResizeAndCrop(Coordinates(224, height), p, "c.png");
    ASSERT_TRUE(crop.ok()) << crop.status().ToString();
    EXPECT_EQ(crop->row(0)[2], top) << height;
  }
}

TEST(ImagePreprocess, ResizedLongSideIsTruncated) {
  // 300×200 → shorter side 256: long side 256·300/200 = 384. 301×200 → 385.28 → 385. With a
  // crop of the whole resized width we see the size.
  Preprocess p;
  p.crop_height = 256;
  for (auto [w, want] : {std::pair{300, 384}, {301, 385}}) {
    p.crop_width = want;
    EXPECT_TRUE(ResizeAndCrop(Gradient(w, 200), p, "r.png").ok()) << w;
    p.crop_width = want + 1;
    const auto too_wide = ResizeAndCrop(Gradient(w, 200), p, "r.png");
    ASSERT_FALSE(too_wide.ok());
    EXPECT_NE(too_wide.status().message().find(StrCat("resized to ", want, "x256")),
              std::string::npos)
        << too_wide.status().ToString();
  }
  // Portrait: the width is the shorter side.
  p.crop_width = 256;
  p.crop_height = 384;
  EXPECT_TRUE(ResizeAndCrop(Gradient(200, 300), p, "r.png").ok());
}

TEST(ImagePreprocess, ImageNetNormalisationByHand) {
  // One pixel (255, 0, 128), no resize, a 1×1 crop: (x/255 − mean)/std per channel.
  Image px;
  px.width = px.height = 1;
  px.rgb = {255, 0, 128};
  Preprocess p;
  p.resize_shorter = 0;
  p.crop_width = p.crop_height = 1;
  const auto t = PreprocessImage(px, p, "px.png");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->shape(), (Shape{1, 3, 1, 1}));
  EXPECT_NEAR(t->data<float>()[0], (1.0 - 0.485) / 0.229, 1e-6);     // 2.2489083
  EXPECT_NEAR(t->data<float>()[1], (0.0 - 0.456) / 0.224, 1e-6);     // −2.0357143
  EXPECT_NEAR(t->data<float>()[2], (128 / 255.0 - 0.406) / 0.225, 1e-6);  // 0.4264924
}

TEST(ImagePreprocess, CaffeBgrByHandAndLayouts) {
  // 2×1 pixels (R, G, B) = (10, 20, 30), (40, 50, 60): channel 0 is blue minus 104, channel 1
  // green minus 117, channel 2 red minus 123; NCHW keeps each channel's plane together.
  Image px;
  px.width = 2;
  px.height = 1;
  px.rgb = {10, 20, 30, 40, 50, 60};
  Preprocess p = Preprocess::CaffeBgr();
  p.resize_shorter = 0;
  p.crop_width = 2;
  p.crop_height = 1;
  auto t = PreprocessImage(px, p, "px.png");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->shape(), (Shape{1, 3, 1, 2}));
  EXPECT_EQ(ToFloats(*t), (std::vector<float>{-74, -44, -97, -67, -113, -83}));
  p.nhwc = true;
  t = PreprocessImage(px, p, "px.png");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->shape(), (Shape{1, 1, 2, 3}));
  EXPECT_EQ(ToFloats(*t), (std::vector<float>{-74, -97, -113, -44, -67, -83}));
}

TEST(ImagePreprocess, FitToInput) {
  auto type = [](std::vector<Dim> dims, DataType dtype = DataType::kFloat32) {
    TensorType t;
    t.dtype = dtype;
    t.dims = dims;
    return t;
  };
  const Dim n{-1, "N"};
  Preprocess p;
  ASSERT_TRUE(FitPreprocessToInput(type({n, {3}, {224}, {224}}), "input \"x\"", &p).ok());
  EXPECT_EQ(p.crop_height, 224);
  EXPECT_EQ(p.resize_shorter, 256);
  EXPECT_FALSE(p.nhwc);
  ASSERT_TRUE(FitPreprocessToInput(type({{1}, {299}, {240}, {3}}), "input \"x\"", &p).ok());
  EXPECT_TRUE(p.nhwc);
  EXPECT_EQ(p.crop_height, 299);
  EXPECT_EQ(p.crop_width, 240);
  EXPECT_EQ(p.resize_shorter, 274);  // 240 · 256/224 = 274.3
  EXPECT_EQ(PreprocessedShape(p), (Shape{1, 299, 240, 3}));
  // Unknown H, W: the preprocessing's own crop stays.
  Preprocess q;
  q.crop_height = q.crop_width = 100;
  ASSERT_TRUE(FitPreprocessToInput(type({n, {3}, {-1, "H"}, {-1, "W"}}), "input \"x\"", &q).ok());
  EXPECT_EQ(q.crop_height, 100);

  for (const auto& [t, fault] :
       {std::pair{type({n, {1}, {224}, {224}}), "3 channels"},
        {type({n, {3}, {224}}), "rank-4"},
        {type({n, {3}, {224}, {224}}, DataType::kUint8), "float32"},
        {type({n, {3}, {224}, {-1, "W"}}), "both be known"},
        {type({n, {3}, {0}, {224}}), "1..16384"}}) {
    const Status s = FitPreprocessToInput(t, "input \"pixels\"", &p);
    ASSERT_FALSE(s.ok()) << fault;
    EXPECT_NE(s.message().find("input \"pixels\""), std::string::npos) << s.ToString();
    EXPECT_NE(s.message().find(fault), std::string::npos) << s.ToString();
  }
}

TEST(ImagePreprocess, NamesAndBadSizes) {
  EXPECT_TRUE(PreprocessByName("imagenet").ok());
  ASSERT_TRUE(PreprocessByName("caffe-bgr").ok());
  EXPECT_TRUE(PreprocessByName("caffe-bgr")->bgr);
  const auto bad = PreprocessByName("tf");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("imagenet, caffe-bgr"), std::string::npos);

  Preprocess p;
  p.resize_shorter = 200;  // smaller than the 224 crop
  const auto s = PreprocessImage(Gradient(300, 300), p, "small.jpg");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("small.jpg"), std::string::npos);
  EXPECT_NE(s.status().message().find("cannot crop 224x224"), std::string::npos);
  // A 1×1 image is enlarged like any other.
  EXPECT_TRUE(PreprocessImage(Gradient(1, 1), Preprocess(), "dot.png").ok());
}

// The inputs stored with ../shared/pretrained's models are two images of imagenet-sample
// preprocessed as each model expects (found by comparing against all 500 images once):
// test_data_set_0 is the tench, test_data_set_1 the standard schnauzer. Both images have a
// shorter side of 256 already, so this checks decoding, the crop and the normalisation; the
// resampling is checked by hand above. Measured: bit-identical (max |diff| 0) for all three
// models with Debian 12's libjpeg-turbo 2.1.5, which PIL also uses. The bound allows one 8-bit
// level (another JPEG decoder may round the IDCT differently).
TEST(ImagePreprocessReference, ReproducesTheSharedModelInputs) {
  const std::string shared = SharedDir();
  if (shared.empty()) GTEST_SKIP() << "../shared is absent (a plain clone): skipping";
  const char* images[2] = {"n01440764_tench.JPEG", "n02097209_standard_schnauzer.JPEG"};
  for (const char* model : {"mobilenetv2-12-fp32", "mobilenetv2-12-int8", "squeezenet1.1-fp32"}) {
    const std::string dir = shared + "/pretrained/" + model;
    if (ListDirs(dir).empty()) GTEST_SKIP() << dir << " is absent: skipping";
    const bool caffe = std::string(model).rfind("squeezenet", 0) == 0;
    const Preprocess p = caffe ? Preprocess::CaffeBgr() : Preprocess::ImageNet();
    // One 8-bit level in the normalised units: 1/255/std (ImageNet), 1 (caffe).
    const double level = caffe ? 1.0 : 1.0 / 255 / 0.229;
    for (int set = 0; set < 2; ++set) {
      const auto want = ReadTensorFile(StrCat(dir, "/test_data_set_", set, "/input_0.pb"));
      ASSERT_TRUE(want.ok()) << want.status().ToString();
      const std::string path = shared + "/imagenet-sample/images/" + images[set];
      const auto image = DecodeImageFile(path);
      ASSERT_TRUE(image.ok()) << image.status().ToString();
      const auto got = PreprocessImage(*image, p, path);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      ASSERT_EQ(got->shape(), want->shape());
      const double diff = MaxAbsDiff(*got, *want);
      int64_t differ = 0;
      for (int64_t i = 0; i < got->num_elements(); ++i) {
        differ += got->data<float>()[i] != want->data<float>()[i];
      }
      std::printf("%s test_data_set_%d (%s): max |diff| %g, %lld of %lld values differ\n", model,
                  set, images[set], diff, static_cast<long long>(differ),
                  static_cast<long long>(got->num_elements()));
      EXPECT_LE(diff, level * 1.001) << model << " set " << set;
    }
  }
}

}  // namespace
}  // namespace finch::testing
