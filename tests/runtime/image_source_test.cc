// Input sources for calibration (OpenInputSource): image folders in sorted order, .pb tensor
// folders and ONNX test-data folders, random:N, skip and limit, shape checks against the model
// input; and RankOfLabel, which scores top-1/top-5 in EvaluateClassifier.
#include <gtest/gtest.h>

#include <limits>

#include "graph/onnx/tensor_proto.h"
#include "runtime/data/evaluate.h"
#include "runtime/data/input_source.h"
#include "tests/runtime/image_test_util.h"
#include "tests/util/test_util.h"

namespace finch::testing {
namespace {

TensorType Nchw(int64_t h, int64_t w) {
  TensorType t;
  t.dtype = DataType::kFloat32;
  t.dims = std::vector<Dim>{{-1, "N"}, {3}, {h}, {w}};
  return t;
}

Preprocess Small() {
  Preprocess p;
  p.resize_shorter = 8;
  p.crop_height = p.crop_width = 8;
  return p;
}

void ExpectError(const Status& s, StatusCode code, const std::string& fault) {
  ASSERT_FALSE(s.ok()) << fault;
  EXPECT_EQ(s.code(), code) << s.ToString();
  EXPECT_NE(s.message().find(fault), std::string::npos) << s.ToString();
}

TEST(ImageInputSource, ImageFolderSortedWithSkipAndLimit) {
  ScratchDir dir;
  // Written out of order; each a flat colour, so its tensor says which file it was.
  const char* names[] = {"c.png", "a.PNG", "b.jpg", "d.png"};
  for (int i = 0; i < 4; ++i) {
    Image flat = Gradient(10, 12);
    std::fill(flat.rgb.begin(), flat.rgb.end(), static_cast<uint8_t>(50 * i));
    dir.Write(names[i], i == 2 ? EncodeJpeg(flat.rgb, 10, 12, 3, 100) : EncodePng(flat));
  }
  dir.Write("notes.txt", "not an image");
  dir.Write(".hidden.png", "x");
  auto source = OpenInputSource(dir.path(), Small(), Nchw(8, 8), "input \"x\"");
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  ASSERT_EQ((*source)->size(), 4);
  EXPECT_EQ((*source)->kind(), InputSource::Kind::kImages);
  EXPECT_EQ((*source)->shape(), (Shape{1, 3, 8, 8}));
  // Byte order: "a.PNG" < "b.jpg" < "c.png" < "d.png".
  const int order[] = {1, 2, 0, 3};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ((*source)->name(i), dir.path() + "/" + names[order[i]]);
    const auto t = (*source)->Read(i);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_EQ(t->shape(), (Shape{1, 3, 8, 8}));
    EXPECT_NEAR(t->data<float>()[0], (50 * order[i] / 255.f - 0.485f) / 0.229f, 0.02) << i;
  }
  // Sequential reading gives the same, then NotFound.
  Tensor t;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE((*source)->Next(&t).ok());
  EXPECT_TRUE((*source)->done());
  EXPECT_EQ((*source)->Next(&t).code(), StatusCode::kNotFound);

  InputSourceOptions o;
  o.skip = 1;
  o.limit = 2;
  source = OpenInputSource(dir.path(), Small(), Nchw(8, 8), "input \"x\"", o);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  ASSERT_EQ((*source)->size(), 2);
  EXPECT_EQ((*source)->name(0), dir.path() + "/b.jpg");
  EXPECT_EQ((*source)->name(1), dir.path() + "/c.png");
  o.skip = 4;
  ExpectError(OpenInputSource(dir.path(), Small(), Nchw(8, 8), "input \"x\"", o).status(),
              StatusCode::kInvalidArgument, "select none");
  // The preprocessed shape must fit the input.
  ExpectError(OpenInputSource(dir.path(), Small(), Nchw(224, 224), "input \"x\"").status(),
              StatusCode::kInvalidArgument, "input \"x\" is float32[N,3,224,224]");
}

TEST(ImageInputSource, BadImageIsAnErrorNamingIt) {
  ScratchDir dir;
  dir.Write("a.png", EncodePng(Gradient(9, 9)));
  const std::string bad = dir.Write("b.png", EncodePng(Gradient(9, 9)).substr(0, 40));
  auto source = OpenInputSource(dir.path(), Small(), Nchw(8, 8), "input \"x\"");
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_TRUE((*source)->Read(0).ok());
  ExpectError((*source)->Read(1).status(), StatusCode::kInvalidArgument, bad);
  ExpectError((*source)->Read(2).status(), StatusCode::kInvalidArgument, "does not exist");
}

TEST(ImageInputSource, TensorFoldersAndTestDataLayout) {
  ScratchDir dir;
  const Tensor a = Tensor::FromVector<float>({1, 3, 2, 2}, Iota(12));
  const Tensor b = Tensor::FromVector<float>({2, 3, 2, 2}, Iota(24, 100));
  std::filesystem::create_directories(dir.path() + "/pbs");
  ASSERT_TRUE(WriteTensorFile(b, "x", dir.path() + "/pbs/input_1.pb").ok());
  ASSERT_TRUE(WriteTensorFile(a, "x", dir.path() + "/pbs/input_0.pb").ok());
  ASSERT_TRUE(WriteTensorFile(a, "y", dir.path() + "/pbs/output_0.pb").ok());  // not an input
  auto source = OpenInputSource(dir.path() + "/pbs", Preprocess(), Nchw(2, 2), "input \"x\"");
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ((*source)->kind(), InputSource::Kind::kTensors);
  ASSERT_EQ((*source)->size(), 2);
  auto t = (*source)->Read(0);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(ToFloats(*t), Iota(12));
  t = (*source)->Read(1);  // batch 2 fits the symbolic N
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->dim(0), 2);
  // A tensor of the wrong shape is an error naming the file and the input.
  const auto wrong = OpenInputSource(dir.path() + "/pbs", Preprocess(), Nchw(3, 3), "input \"x\"");
  ASSERT_TRUE(wrong.ok());
  ExpectError((*wrong)->Read(0).status(), StatusCode::kInvalidArgument,
              "input_0.pb: tensor float32[1,3,2,2] does not fit float32[N,3,3,3] (input \"x\")");

  // ONNX test-data folders: test_data_set_*/input_0.pb, in order.
  for (int i = 0; i < 3; ++i) {
    const std::string sub = StrCat(dir.path(), "/model/test_data_set_", i);
    std::filesystem::create_directories(sub);
    ASSERT_TRUE(
        WriteTensorFile(Tensor::FromVector<float>({1, 3, 2, 2}, Iota(12, i)), "x",
                        sub + "/input_0.pb").ok());
  }
  dir.Write("model/model.onnx", "not read");
  source = OpenInputSource(dir.path() + "/model", Preprocess(), Nchw(2, 2), "input \"x\"");
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  ASSERT_EQ((*source)->size(), 3);
  t = (*source)->Read(2);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->data<float>()[0], 2.f);
}

TEST(ImageInputSource, RandomIsDeterministicPerItem) {
  InputSourceOptions o;
  auto all = OpenInputSource("random:5", Preprocess(), Nchw(4, 4), "input \"x\"", o);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ((*all)->size(), 5);
  EXPECT_EQ((*all)->kind(), InputSource::Kind::kRandom);
  EXPECT_EQ((*all)->shape(), (Shape{1, 3, 4, 4}));  // symbolic N = 1
  o.skip = 2;
  auto tail = OpenInputSource("random:5", Preprocess(), Nchw(4, 4), "input \"x\"", o);
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ((*tail)->size(), 3);
  // Item i is the same whatever the range and however often it is read; items differ.
  EXPECT_EQ(ToFloats(*(*tail)->Read(0)), ToFloats(*(*all)->Read(2)));
  EXPECT_EQ(ToFloats(*(*all)->Read(2)), ToFloats(*(*all)->Read(2)));
  EXPECT_NE(ToFloats(*(*all)->Read(1)), ToFloats(*(*all)->Read(2)));
  // Standard normal: 48 values with a mean near 0 and a spread near 1.
  const std::vector<float> v = ToFloats(*(*all)->Read(0));
  double mean = 0, sq = 0;
  for (float x : v) mean += x / v.size();
  for (float x : v) sq += (x - mean) * (x - mean) / v.size();
  EXPECT_LT(std::abs(mean), 0.5);
  EXPECT_GT(sq, 0.4);
  EXPECT_LT(sq, 2.0);

  for (const char* bad : {"random:", "random:0", "random:-3", "random:1e3", "random:x"}) {
    ExpectError(OpenInputSource(bad, Preprocess(), Nchw(4, 4), "input \"x\"").status(),
                StatusCode::kInvalidArgument, "random:N needs N");
  }
  TensorType ints = Nchw(4, 4);
  ints.dtype = DataType::kInt64;
  ExpectError(OpenInputSource("random:2", Preprocess(), ints, "input \"ids\"").status(),
              StatusCode::kUnimplemented, "input \"ids\" is int64");
}

TEST(ImageInputSource, BadSpecsAndFolders) {
  ScratchDir dir;
  ExpectError(OpenInputSource(dir.path() + "/nope", Preprocess(), Nchw(8, 8), "in").status(),
              StatusCode::kNotFound, "neither a folder");
  ExpectError(OpenInputSource(dir.path(), Preprocess(), Nchw(8, 8), "in").status(),
              StatusCode::kNotFound, "holds no images");
  dir.Write("a.png", EncodePng(Gradient(9, 9)));
  ASSERT_TRUE(WriteTensorFile(Tensor::FromVector<float>({1}, {1.f}), "x", dir.path() + "/a.pb")
                  .ok());
  ExpectError(OpenInputSource(dir.path(), Small(), Nchw(8, 8), "in").status(),
              StatusCode::kInvalidArgument, "both images (1) and .pb tensors (1)");
  InputSourceOptions o;
  o.limit = -2;
  ExpectError(OpenInputSource("random:3", Preprocess(), Nchw(8, 8), "in", o).status(),
              StatusCode::kInvalidArgument, "must not be negative");
}

TEST(ImageEval, RankOfLabel) {
  const float scores[] = {0.1f, 0.7f, 0.2f, 0.7f, -1.f, 0.3f, 0.05f};
  EXPECT_EQ(RankOfLabel(scores, 7, 1), 0);  // tied with class 3: the lower index first
  EXPECT_EQ(RankOfLabel(scores, 7, 3), 1);
  EXPECT_EQ(RankOfLabel(scores, 7, 5), 2);
  EXPECT_EQ(RankOfLabel(scores, 7, 4), 6);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float with_nan[] = {nan, 0.5f, nan, 0.1f};
  EXPECT_EQ(RankOfLabel(with_nan, 4, 1), 0);  // a NaN score ranks last
  EXPECT_EQ(RankOfLabel(with_nan, 4, 3), 1);
  EXPECT_EQ(RankOfLabel(with_nan, 4, 0), 2);  // a NaN label: behind every number
  EXPECT_EQ(RankOfLabel(with_nan, 4, 2), 3);  // and behind a NaN of lower index
}

}  // namespace
}  // namespace finch::testing
