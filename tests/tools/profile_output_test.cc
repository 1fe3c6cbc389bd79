// `finch profile` end to end on a small zoo MobileNetV2: the --trace file parses as JSON and is
// a Chrome trace (metadata naming the process and thread, one complete event per executed node
// with its op, kernel and shapes, at the step's real start: starts never decrease and no event
// begins before the previous one ended), the --svg file is well-formed with a point per layer,
// and the measured-MACs line matches the analytic count on one thread (also in --json).
//
// Runs the finch binary of this build (tests/tools/cli_test.sh runs it the same way); skips
// when it has not been built. The machine model is measured once into a temporary cache
// (about 3 s), never into $HOME.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "tests/tools/text_formats.h"

namespace finch::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

class ProfileOutput : public ::testing::Test {
 protected:
  void SetUp() override {
    finch_ = std::string(FINCH_BINARY_DIR) + "/finch";
    struct stat st;
    if (stat(finch_.c_str(), &st) != 0) GTEST_SKIP() << finch_ << " not built";
    char dir[] = "/tmp/finch_profile_test_XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    tmp_ = dir;
  }
  void TearDown() override {
    if (!tmp_.empty()) {
      ASSERT_EQ(std::system(("rm -rf '" + tmp_ + "'").c_str()), 0);
    }
  }
  // Runs `finch ARGS` with stdout and stderr into tmp_/out.txt; the exit status.
  int Finch(const std::string& args) {
    const std::string cmd = "env FINCH_MACHINE_CACHE='" + tmp_ + "/machine.json' '" + finch_ +
                            "' " + args + " >'" + tmp_ + "/out.txt' 2>&1";
    const int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
  }

  std::string finch_, tmp_;
};

TEST_F(ProfileOutput, TraceSvgAndMeasuredMacs) {
  ASSERT_EQ(Finch("zoo mobilenetv2 --width 0.35 --resolution 64 -o '" + tmp_ + "/m.onnx'"), 0)
      << ReadFile(tmp_ + "/out.txt");
  ASSERT_EQ(Finch("profile '" + tmp_ + "/m.onnx' --threads 1 --iters 3 --trace '" + tmp_ +
                  "/trace.json' --svg '" + tmp_ + "/roof.svg' --json '" + tmp_ + "/p.json'"),
            0)
      << ReadFile(tmp_ + "/out.txt");
  const std::string out = ReadFile(tmp_ + "/out.txt");

  // The measured-MACs line: executed + skipped padding = analytic, on one thread.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      out, m,
      std::regex("MACs: analytic ([0-9,]+), executed ([0-9,]+)(?: \\+ ([0-9,]+) zero-padding taps "
                 "skipped = ([0-9,]+))? \\(match\\)")))
      << out;
  JsonValue profile;
  std::string error;
  ASSERT_TRUE(JsonParser::Parse(ReadFile(tmp_ + "/p.json"), &profile, &error)) << error;
  const JsonValue& totals = profile["totals"];
  EXPECT_EQ(totals["macs_executed"].number + totals["macs_padding_skipped"].number,
            totals["macs"].number);
  EXPECT_GT(totals["macs_padding_skipped"].number, 0);  // the depthwise kernels skip padding
  const size_t layers = profile["layers"].array.size();
  ASSERT_GT(layers, 10u);
  // A fused block says which original nodes it covers: the zoo's block is Conv -> BN -> ReLU6
  // (Clip) twice, then Conv -> BN (+ Add).
  int blocks = 0;
  for (const JsonValue& l : profile["layers"].array) {
    if (l["op"].string != "finch::InvertedResidual") continue;
    ++blocks;
    EXPECT_NE(l["covers"].string.find("BatchNormalization"), std::string::npos) << l["covers"].string;
    EXPECT_NE(l["covers"].string.find("Conv"), std::string::npos) << l["covers"].string;
    EXPECT_GE(l["fused_from"].array.size(), 5u);  // the first block has no expand
  }
  EXPECT_EQ(blocks, 17);

  // The trace.
  JsonValue trace;
  ASSERT_TRUE(JsonParser::Parse(ReadFile(tmp_ + "/trace.json"), &trace, &error)) << error;
  ASSERT_TRUE(trace.Has("traceEvents"));
  const std::vector<JsonValue>& events = trace["traceEvents"].array;
  bool process_named = false, thread_named = false;
  std::vector<const JsonValue*> complete;
  for (const JsonValue& e : events) {
    ASSERT_EQ(e.type, JsonValue::Type::kObject);
    ASSERT_TRUE(e.Has("ph") && e.Has("pid") && e.Has("tid") && e.Has("name"));
    if (e["ph"].string == "M") {
      process_named |= e["name"].string == "process_name" && e["args"].Has("name");
      thread_named |= e["name"].string == "thread_name" && e["args"].Has("name");
    } else if (e["ph"].string == "X") {
      complete.push_back(&e);
    }
  }
  EXPECT_TRUE(process_named);
  EXPECT_TRUE(thread_named);
  ASSERT_EQ(complete.size(), layers);  // one event per executed node
  double previous_end = 0;
  for (size_t i = 0; i < complete.size(); ++i) {
    const JsonValue& e = *complete[i];
    const std::string where = "event " + std::to_string(i) + " " + e["name"].string;
    ASSERT_EQ(e["name"].string, profile["layers"].array[i]["name"].string) << where;
    ASSERT_EQ(e["ts"].type, JsonValue::Type::kNumber) << where;
    ASSERT_EQ(e["dur"].type, JsonValue::Type::kNumber) << where;
    EXPECT_GE(e["dur"].number, 0) << where;
    // µs printed with 10 significant digits: 1e-3 µs covers the rounding.
    EXPECT_GE(e["ts"].number, previous_end - 1e-3) << where << " starts before the previous end";
    previous_end = e["ts"].number + e["dur"].number;
    EXPECT_EQ(e["cat"].string, profile["layers"].array[i]["op"].string) << where;
    const JsonValue& args = e["args"];
    EXPECT_EQ(args["op"].string, e["cat"].string) << where;
    EXPECT_FALSE(args["kernel"].string.empty()) << where;
    ASSERT_EQ(args["inputs"].type, JsonValue::Type::kArray) << where;
    ASSERT_EQ(args["outputs"].type, JsonValue::Type::kArray) << where;
    ASSERT_FALSE(args["outputs"].array.empty()) << where;
    EXPECT_EQ(args["outputs"].array[0].string.front(), '[') << where;
  }
  EXPECT_GT((*complete[0])["ts"].number, 0);  // the run's checks come before the first kernel

  // The roofline plot: well-formed, a point per layer with MACs or other ops, the roofs.
  const std::string svg = ReadFile(tmp_ + "/roof.svg");
  EXPECT_EQ(XmlProblem(svg), "");
  size_t points = 0;
  for (size_t p = svg.find("r=\"4\""); p != std::string::npos; p = svg.find("r=\"4\"", p + 1)) {
    ++points;
  }
  EXPECT_GT(points, 10u);
  EXPECT_LE(points, layers);
  EXPECT_NE(svg.find("class=\"compute-roof\""), std::string::npos);
  EXPECT_NE(svg.find(">DRAM "), std::string::npos);
  EXPECT_NE(svg.find(">inverted_residual ("), std::string::npos);
}

}  // namespace
}  // namespace finch::testing
