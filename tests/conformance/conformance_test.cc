// ONNX backend conformance: runs every folder of libonnx-testdata's data/node and
// data/pytorch-converted (model.onnx + test_data_set_*/{input,output}_*.pb, outputs computed by
// ONNX's reference implementation), with the ONNX backend tests' tolerance (rtol 1e-3,
// atol 1e-7).
//
// A folder is "unsupported" when finch refuses the model with StatusCode::kUnimplemented (an op,
// type or attribute value it does not implement); anything else that does not match is a
// failure. The test fails on any failure not listed, with its reason, in known_failures.txt, and
// when fewer than 95% of the folders that use only the ops the foundation issue lists and only
// float32/int64/bool tensors pass.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

#include "graph/file_util.h"
#include "onnx/onnx_pb.h"
#include "tests/util/test_util.h"

namespace finch::testing {
namespace {

// The ops the foundation issue lists for the reference executor.
const std::set<std::string> kListedOps = {
    "Conv", "BatchNormalization", "Relu", "LeakyRelu", "PRelu", "Clip", "Sigmoid", "HardSigmoid",
    "HardSwish", "Tanh", "Erf", "Exp", "Sqrt", "Pow", "Neg", "Reciprocal", "Add", "Sub", "Mul",
    "Div", "Min", "Max", "Sum", "Mean", "MaxPool", "AveragePool", "GlobalAveragePool",
    "GlobalMaxPool", "Flatten", "Gemm", "MatMul", "Softmax", "LayerNormalization", "ReduceMean",
    "Transpose", "Reshape", "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Slice", "Split",
    "Pad", "Cast", "ConstantOfShape", "Range", "Equal", "Where", "Expand", "Identity", "Dropout",
    "Constant"};

// Is this folder in the denominator: listed ops only, float32/int64/bool tensors only?
bool InScope(const std::string& model_path) {
  auto bytes = ReadFile(model_path);
  if (!bytes.ok()) return false;
  onnx::ModelProto model;
  if (!model.ParseFromString(*bytes)) return false;
  for (const auto& node : model.graph().node()) {
    if (!kListedOps.count(node.op_type())) return false;
  }
  auto type_ok = [](int t) {
    return t == onnx::TensorProto::FLOAT || t == onnx::TensorProto::INT64 ||
           t == onnx::TensorProto::BOOL;
  };
  for (const auto* list : {&model.graph().input(), &model.graph().output()}) {
    for (const auto& v : *list) {
      if (!v.type().has_tensor_type() || !type_ok(v.type().tensor_type().elem_type())) {
        return false;
      }
    }
  }
  for (const auto& init : model.graph().initializer()) {
    if (!type_ok(init.data_type())) return false;
  }
  return true;
}

std::map<std::string, std::string> KnownFailures() {
  std::map<std::string, std::string> known;
  std::ifstream in(std::string(FINCH_SOURCE_DIR) + "/tests/conformance/known_failures.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.find_first_of(" \t");
    known[line.substr(0, space)] = space == std::string::npos ? "" : line.substr(space + 1);
  }
  return known;
}

TEST(Conformance, OnnxBackendFolders) {
  const std::string data = OnnxTestDataDir();
  if (data.empty()) GTEST_SKIP() << "libonnx-testdata is not installed (tools/setup.sh installs it)";
  const auto known = KnownFailures();
  // FINCH_CONFORMANCE_FILTER=substring runs only the folders whose name contains it (and skips
  // the 95% check, which is about the whole set).
  const char* filter_env = std::getenv("FINCH_CONFORMANCE_FILTER");
  const std::string filter = filter_env ? filter_env : "";
  int pass = 0, fail = 0, unsupported = 0, known_fail = 0;
  int scope_total = 0, scope_pass = 0;
  std::vector<std::string> failures, scope_misses;
  std::FILE* report = std::fopen("conformance_report.txt", "w");
  for (const char* suite : {"node", "pytorch-converted"}) {
    for (const std::string& name : ListDirs(data + "/" + suite)) {
      if (!filter.empty() && name.find(filter) == std::string::npos) continue;
      const std::string dir = data + "/" + suite + "/" + name;
      const FolderResult r = RunOnnxTestFolder(dir, 1e-3, 1e-7);
      const bool in_scope = InScope(dir + "/model.onnx");
      scope_total += in_scope;
      const char* word = "pass";
      switch (r.outcome) {
        case FolderOutcome::kPass:
          ++pass;
          scope_pass += in_scope;
          break;
        case FolderOutcome::kUnsupported:
          ++unsupported;
          word = "unsupported";
          break;
        case FolderOutcome::kFail:
          word = "FAIL";
          if (known.count(name)) {
            ++known_fail;
            word = "known-fail";
          } else {
            ++fail;
            failures.push_back(StrCat(suite, "/", name, ": ", r.message));
          }
          break;
      }
      if (in_scope && r.outcome != FolderOutcome::kPass) {
        scope_misses.push_back(StrCat(name, " (", word, "): ", r.message.substr(0, 200)));
      }
      if (report) {
        std::fprintf(report, "%-12s %s/%s%s %s\n", word, suite, name.c_str(),
                     in_scope ? " [in scope]" : "", r.message.substr(0, 300).c_str());
      }
    }
  }
  if (report) std::fclose(report);
  std::printf("conformance: %d passed, %d failed, %d known failures, %d unsupported\n", pass, fail,
              known_fail, unsupported);
  std::printf("in scope (listed ops; float32/int64/bool): %d of %d pass (%.1f%%)\n", scope_pass,
              scope_total, scope_total ? 100.0 * scope_pass / scope_total : 0.0);
  for (const std::string& m : scope_misses) std::printf("  in scope, not passing: %s\n", m.c_str());
  for (const std::string& f : failures) ADD_FAILURE() << f;
  if (!filter.empty()) return;
  EXPECT_GE(scope_pass * 100, scope_total * 95)
      << "fewer than 95% of the in-scope conformance folders pass";
}

}  // namespace
}  // namespace finch::testing
