// Helpers shared by finch's tests: where test data lives, running ONNX test folders, comparing
// tensors, building tiny graphs in code.
#pragma once

#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/tensor.h"
#include "runtime/session.h"

namespace finch::testing {

// ../shared beside the checkout (or $FINCH_SHARED_DIR); "" when absent.
std::string SharedDir();
// Where libonnx-testdata installs its data (…/data); "" when absent.
std::string OnnxTestDataDir();
// Sorted subfolder names of `dir`.
std::vector<std::string> ListDirs(const std::string& dir);
std::vector<std::string> ListFiles(const std::string& dir, const std::string& suffix);

// Compares `got` to `want`: same dtype and shape; floats within atol + rtol·|want| (NaN matches
// NaN), other types exactly. On mismatch returns false and describes the worst element.
bool AllClose(const Tensor& got, const Tensor& want, double rtol, double atol, std::string* why);
// max |got − want| over float tensors of equal shape.
double MaxAbsDiff(const Tensor& got, const Tensor& want);
double MaxAbs(const Tensor& t);

enum class FolderOutcome { kPass, kFail, kUnsupported };
struct FolderResult {
  FolderOutcome outcome = FolderOutcome::kFail;
  std::string message;
};
// Runs every test_data_set_* of an ONNX backend-test folder; unsupported when loading or
// planning fails with StatusCode::kUnimplemented.
FolderResult RunOnnxTestFolder(const std::string& dir, double rtol, double atol);

// Builds a one-node graph with static float32 inputs, for op unit tests.
Graph SingleNodeGraph(const std::string& op_type, const std::vector<Shape>& input_shapes,
                      int num_outputs = 1, std::map<std::string, Attribute> attributes = {},
                      int64_t opset = 17, DataType dtype = DataType::kFloat32);
Attribute IntAttr(int64_t v);
Attribute FloatAttr(float v);
Attribute IntsAttr(std::vector<int64_t> v);
Attribute StringAttr(std::string v);
Attribute FloatsAttr(std::vector<float> v);
Attribute StringsAttr(std::vector<std::string> v);
// Runs `graph` on `inputs`; fails the test on error.
std::vector<Tensor> RunGraph(const Graph& graph, const std::vector<Tensor>& inputs);
std::vector<float> ToFloats(const Tensor& t);

// Bit-for-bit equality as float32 values (gtest expectations); on a mismatch names the count,
// the first element and the largest error.
void ExpectEqualFloats(const Tensor& got, const Tensor& want);
std::vector<int64_t> ToInts(const Tensor& t);
// {start, start + 1, ..., start + n − 1}.
std::vector<float> Iota(int n, float start = 0);
// Every element of `got` within `tol` of `want` (same count).
void ExpectNear(const Tensor& got, const std::vector<float>& want, float tol = 1e-6f);
// Session creation for `g` fails with `code`, the message naming the first node (named "n") and
// containing `what`.
void ExpectRejected(const Graph& g, StatusCode code, const std::string& what);

}  // namespace finch::testing
