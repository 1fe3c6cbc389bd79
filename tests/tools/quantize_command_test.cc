// `finch quantize` end to end on a small zoo MobileNetV2 with random calibration inputs: the
// written QDQ file loads and runs on int8 kernels (QLinearConv after the passes), the JSON report
// has one entry per candidate layer with a decision, --no-auto keeps every layer int8,
// --per-tensor writes scalar weight scales, --exclude keeps the named Conv float; bad options
// exit 1 with a message naming the fault. Runs the finch binary of this build; skips when it
// has not been built.
#include <gtest/gtest.h>

#include "graph/onnx/importer.h"
#include "runtime/json.h"
#include "runtime/session.h"
#include "tests/tools/finch_cli_test_base.h"
#include "tests/util/test_util.h"

namespace finch::testing {
namespace {

class QuantizeCommand : public FinchCliTest {
 protected:
  void SetUp() override {
    FinchCliTest::SetUp();
    if (IsSkipped()) return;
    model_ = dir_.path() + "/m.onnx";
    q_ = dir_.path() + "/q.onnx";
    ASSERT_EQ(Finch("zoo mobilenetv2 --width 0.35 --resolution 64 --classes 10 -o '" + model_ +
                    "'"),
              0)
        << err_;
  }
  // `finch quantize MODEL -o Q --calib random:6 --calib-limit 4 --threads 1 EXTRA`.
  int Quantize(const std::string& extra) {
    return Finch("quantize '" + model_ + "' -o '" + q_ + "' --calib random:6 --calib-limit 4 " +
                 "--threads 1 " + extra);
  }
  int CountOps(const Graph& g, const std::string& op) {
    int n = 0;
    for (const Node& node : g.nodes) n += node.op_type == op;
    return n;
  }

  std::string model_, q_;
};

TEST_F(QuantizeCommand, WritesARunnableQdqModelAndAReport) {
  const std::string json = dir_.path() + "/r.json";
  ASSERT_EQ(Quantize("--no-auto --json '" + json + "'"), 0) << err_;
  EXPECT_NE(out_.find("int8 layers:"), std::string::npos) << out_;
  EXPECT_NE(err_.find("calibrating pass 2/2"), std::string::npos) << err_;  // mse: 2 passes
  auto file = LoadOnnxModel(q_);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_GT(CountOps(*file, "QuantizeLinear"), 0);
  EXPECT_EQ(file->opset(""), 13);
  auto session = Session::Create(*file);
  ASSERT_TRUE(session.ok());
  const int convs = CountOps((*session)->graph(), "QLinearConv");
  EXPECT_EQ(convs, 52);  // every Conv of MobileNetV2
  EXPECT_EQ(CountOps((*session)->graph(), "Conv"), 0);
  auto report = ParseJson(Slurp(json), json);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  const JsonValue* layers = JsonField(*report, "layers", JsonValue::kArray);
  ASSERT_NE(layers, nullptr);
  EXPECT_EQ(layers->items.size(), 63u);  // 52 Conv + 10 Add + 1 GlobalAveragePool
  for (const JsonValue& l : layers->items) {
    const JsonValue* decision = JsonField(l, "decision", JsonValue::kString);
    ASSERT_NE(decision, nullptr);
    EXPECT_EQ(decision->str, "int8");
    const JsonValue* clip = JsonField(l, "clip_rate", JsonValue::kNumber);
    ASSERT_NE(clip, nullptr);
    EXPECT_GE(clip->number, 0);
    EXPECT_LE(clip->number, 1);
  }
}

TEST_F(QuantizeCommand, PerTensorAndExclude) {
  ASSERT_EQ(Quantize("--no-auto --per-tensor --exclude features.0.0"), 0) << err_;
  auto file = LoadOnnxModel(q_);
  ASSERT_TRUE(file.ok());
  int weight_dq = 0;
  for (const Node& n : file->nodes) {
    if (n.op_type != "DequantizeLinear") continue;
    const Value& x = file->values[n.inputs[0]];
    if (!x.constant || x.constant->dtype() != DataType::kInt8) continue;
    ++weight_dq;
    EXPECT_EQ(file->values[n.inputs[1]].constant->num_elements(), 1) << n.name;
  }
  EXPECT_EQ(weight_dq, 51);  // the stem is excluded
  bool stem_float = false;
  for (const Node& n : file->nodes) stem_float |= n.name == "features.0.0" && n.op_type == "Conv";
  EXPECT_TRUE(stem_float);
  EXPECT_NE(out_.find("fp32: excluded"), std::string::npos);
}

TEST_F(QuantizeCommand, BadOptionsAreErrors) {
  EXPECT_EQ(Quantize("--method kl"), 1);
  EXPECT_NE(err_.find("\"kl\""), std::string::npos) << err_;
  EXPECT_EQ(Quantize("--exclude no_such_node"), 1);
  EXPECT_NE(err_.find("no_such_node"), std::string::npos) << err_;
  EXPECT_EQ(Quantize("--per-channel --per-tensor"), 1);
  EXPECT_NE(err_.find("exclude each other"), std::string::npos) << err_;
  EXPECT_EQ(Quantize("--percentile 30"), 1);
  EXPECT_NE(err_.find("--percentile"), std::string::npos) << err_;
  EXPECT_EQ(Finch("quantize '" + model_ + "' -o '" + q_ + "'"), 1);  // no --calib
  EXPECT_NE(err_.find("usage"), std::string::npos) << err_;
  EXPECT_EQ(Quantize("--calib-limit 0"), 1);
  EXPECT_EQ(Finch("quantize '" + model_ + "' -o '" + q_ + "' --calib /no/such/dir"), 1);
  EXPECT_NE(err_.find("/no/such/dir"), std::string::npos) << err_;
}

}  // namespace
}  // namespace finch::testing
