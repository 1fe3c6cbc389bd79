// ReadLabels: `file<TAB>class-index` lines; every malformed line is an error naming the file
// and the line.
#include <gtest/gtest.h>

#include "runtime/data/labels.h"
#include "tests/runtime/image_test_util.h"

namespace finch::testing {
namespace {

class ImageLabels : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("images/a.jpg", "x");
    dir_.Write("images/b.png", "x");
    dir_.Write("images/sub/c.JPEG", "x");
  }
  StatusOr<std::vector<LabelledImage>> Read(const std::string& text) {
    return ReadLabels(dir_.Write("labels.tsv", text), dir_.path() + "/images");
  }
  // Fails with `code`, the message naming labels.tsv:`line` and containing `fault`.
  void ExpectError(const std::string& text, StatusCode code, int line, const std::string& fault) {
    const auto got = Read(text);
    ASSERT_FALSE(got.ok()) << text;
    EXPECT_EQ(got.status().code(), code) << got.status().ToString();
    EXPECT_NE(got.status().message().find(StrCat("labels.tsv:", line, ":")), std::string::npos)
        << got.status().ToString();
    EXPECT_NE(got.status().message().find(fault), std::string::npos) << got.status().ToString();
  }
  ScratchDir dir_;
};

TEST_F(ImageLabels, ReadsInFileOrder) {
  // CRLF line ends, a blank line, a subfolder.
  const auto got = Read("b.png\t7\r\n\na.jpg\t0\r\nsub/c.JPEG\t999\n");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].path, dir_.path() + "/images/b.png");
  EXPECT_EQ((*got)[0].label, 7);
  EXPECT_EQ((*got)[0].line, 1);
  EXPECT_EQ((*got)[1].label, 0);
  EXPECT_EQ((*got)[1].line, 3);
  EXPECT_EQ((*got)[2].path, dir_.path() + "/images/sub/c.JPEG");
  EXPECT_EQ((*got)[2].label, 999);
}

TEST_F(ImageLabels, MalformedLinesNameTheLine) {
  ExpectError("a.jpg\t1\nb.png 2\n", StatusCode::kInvalidArgument, 2, "file<TAB>class-index");
  ExpectError("a.jpg\t1\t2\n", StatusCode::kInvalidArgument, 1, "file<TAB>class-index");
  ExpectError("a.jpg\tcat\n", StatusCode::kInvalidArgument, 1, "\"cat\" is not a non-negative");
  ExpectError("a.jpg\t-3\n", StatusCode::kInvalidArgument, 1, "not a non-negative");
  ExpectError("a.jpg\t+3\n", StatusCode::kInvalidArgument, 1, "not a non-negative");
  ExpectError("a.jpg\t3x\n", StatusCode::kInvalidArgument, 1, "not a non-negative");
  ExpectError("a.jpg\t\n", StatusCode::kInvalidArgument, 1, "not a non-negative");
  ExpectError("a.jpg\t99999999999999999999\n", StatusCode::kInvalidArgument, 1,
              "not a non-negative");
  ExpectError("\t3\n", StatusCode::kInvalidArgument, 1, "empty file name");
  ExpectError("a.jpg\t1\n\nb.png\t2\na.jpg\t3\n", StatusCode::kInvalidArgument, 4,
              "listed twice (also on line 1)");
  ExpectError("a.jpg\t1\nmissing.jpg\t2\n", StatusCode::kNotFound, 2, "\"missing.jpg\" is not in");
  ExpectError("sub\t2\n", StatusCode::kNotFound, 1, "is not in");  // a folder, not an image
  ExpectError("/etc/passwd\t2\n", StatusCode::kInvalidArgument, 1, "inside the image folder");
  ExpectError("sub/../a.jpg\t2\n", StatusCode::kInvalidArgument, 1, "inside the image folder");
}

TEST_F(ImageLabels, EmptyOrMissingFiles) {
  auto got = Read("\n\n");
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("no labelled images"), std::string::npos);
  got = ReadLabels(dir_.path() + "/nope.tsv", dir_.path() + "/images");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
  EXPECT_NE(got.status().message().find("nope.tsv"), std::string::npos);
  got = ReadLabels(dir_.Write("l.tsv", "a.jpg\t1\n"), dir_.path() + "/no_images");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
  EXPECT_NE(got.status().message().find("no_images"), std::string::npos);
}

}  // namespace
}  // namespace finch::testing
