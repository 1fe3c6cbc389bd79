#include "tests/util/test_util.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "graph/onnx/tensor_proto.h"

namespace finch::testing {
namespace {
bool IsDir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
}  // namespace

std::string SharedDir() {
  const char* env = std::getenv("FINCH_SHARED_DIR");
  std::string dir = env ? env : std::string(FINCH_SOURCE_DIR) + "/../shared";
  return IsDir(dir + "/models") ? dir : "";
}

std::string OnnxTestDataDir() {
  const std::string dir = "/usr/share/libonnx-testdata/data";
  return IsDir(dir) ? dir : "";
}

static std::vector<std::string> List(const std::string& dir, bool dirs, const std::string& suffix) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const bool is_dir = IsDir(dir + "/" + name);
    if (dirs != is_dir) continue;
    if (!suffix.empty() &&
        (name.size() < suffix.size() ||
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)) {
      continue;
    }
    out.push_back(name);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> ListDirs(const std::string& dir) { return List(dir, true, ""); }
std::vector<std::string> ListFiles(const std::string& dir, const std::string& suffix) {
  return List(dir, false, suffix);
}

bool AllClose(const Tensor& got, const Tensor& want, double rtol, double atol, std::string* why) {
  if (got.dtype() != want.dtype()) {
    *why = StrCat("dtype ", DataTypeName(got.dtype()), " vs expected ", DataTypeName(want.dtype()));
    return false;
  }
  if (got.shape() != want.shape()) {
    *why =
        StrCat("shape ", ShapeToString(got.shape()), " vs expected ", ShapeToString(want.shape()));
    return false;
  }
  const bool is_float = got.dtype() == DataType::kFloat32 || got.dtype() == DataType::kFloat64 ||
                        got.dtype() == DataType::kFloat16 || got.dtype() == DataType::kBfloat16;
  int64_t bad = 0, worst = -1;
  double worst_excess = 0;
  for (int64_t i = 0; i < got.num_elements(); ++i) {
    const double g = ElementAsDouble(got, i), w = ElementAsDouble(want, i);
    bool ok;
    if (is_float) {
      if (std::isnan(w) || std::isnan(g)) {
        ok = std::isnan(w) && std::isnan(g);
      } else if (std::isinf(w) || std::isinf(g)) {
        ok = g == w;
      } else {
        ok = std::fabs(g - w) <= atol + rtol * std::fabs(w);
      }
    } else {
      ok = ElementAsInt64(got, i) == ElementAsInt64(want, i);
    }
    if (!ok) {
      ++bad;
      const double excess = std::isfinite(g - w) ? std::fabs(g - w) : 1e300;
      if (worst < 0 || excess > worst_excess) {
        worst = i;
        worst_excess = excess;
      }
    }
  }
  if (bad == 0) return true;
  *why = StrCat(bad, " of ", got.num_elements(), " elements differ; worst at flat index ", worst,
                ": got ", ElementAsDouble(got, worst), ", expected ", ElementAsDouble(want, worst));
  return false;
}

double MaxAbsDiff(const Tensor& got, const Tensor& want) {
  double m = 0;
  for (int64_t i = 0; i < got.num_elements() && i < want.num_elements(); ++i) {
    m = std::max(m, std::fabs(ElementAsDouble(got, i) - ElementAsDouble(want, i)));
  }
  return m;
}

double MaxAbs(const Tensor& t) {
  double m = 0;
  for (int64_t i = 0; i < t.num_elements(); ++i) m = std::max(m, std::fabs(ElementAsDouble(t, i)));
  return m;
}

namespace {
// Unimplemented means finch refused something valid it does not support; anything else fails.
FolderResult FromError(const Status& status, const std::string& context = "") {
  return {status.code() == StatusCode::kUnimplemented ? FolderOutcome::kUnsupported
                                                      : FolderOutcome::kFail,
          context + status.ToString()};
}

// Reads DIR/<prefix>_0.pb, _1.pb, ... until one is missing.
bool ReadNumberedTensors(const std::string& dir, const std::string& prefix,
                         std::vector<Tensor>* tensors, FolderResult* error) {
  for (size_t i = 0;; ++i) {
    const std::string path = StrCat(dir, "/", prefix, "_", i, ".pb");
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return true;
    auto t = ReadTensorFile(path);
    if (!t.ok()) {
      *error = FromError(t.status());
      return false;
    }
    tensors->push_back(std::move(t).value());
  }
}
}  // namespace

FolderResult RunOnnxTestFolder(const std::string& dir, double rtol, double atol) {
  auto session = Session::Load(dir + "/model.onnx", SessionOptions{1});
  if (!session.ok()) {
    return FromError(session.status());
  }
  const auto sets = ListDirs(dir);
  int ran = 0;
  for (const std::string& set : sets) {
    if (set.rfind("test_data_set_", 0) != 0) continue;
    const std::string set_dir = dir + "/" + set;
    std::vector<Tensor> inputs, expected;
    FolderResult error;
    if (!ReadNumberedTensors(set_dir, "input", &inputs, &error) ||
        !ReadNumberedTensors(set_dir, "output", &expected, &error)) {
      return error;
    }
    // Inputs fed by position in the graph's input list (initializers excluded).
    auto outputs = (*session)->Run(inputs);
    if (!outputs.ok()) {
      return FromError(outputs.status(), set + ": ");
    }
    if (outputs->size() != expected.size()) {
      return {FolderOutcome::kFail,
              StrCat(set, ": ", outputs->size(), " outputs, expected ", expected.size())};
    }
    for (size_t i = 0; i < expected.size(); ++i) {
      std::string why;
      if (!AllClose((*outputs)[i], expected[i], rtol, atol, &why)) {
        return {FolderOutcome::kFail, StrCat(set, " output ", i, ": ", why)};
      }
    }
    ++ran;
  }
  if (ran == 0) return {FolderOutcome::kFail, "no test_data_set_* folder"};
  return {FolderOutcome::kPass, ""};
}

Graph SingleNodeGraph(const std::string& op_type, const std::vector<Shape>& input_shapes,
                      int num_outputs, std::map<std::string, Attribute> attributes, int64_t opset,
                      DataType dtype) {
  Graph g;
  g.opset_imports[""] = opset;
  Node node;
  node.name = "n";
  node.op_type = op_type;
  node.attributes = std::move(attributes);
  for (size_t i = 0; i < input_shapes.size(); ++i) {
    ValueId v = g.AddValue(StrCat("x", i), TensorType::Static(dtype, input_shapes[i]));
    g.inputs.push_back(v);
    node.inputs.push_back(v);
  }
  for (int i = 0; i < num_outputs; ++i) {
    ValueId v = g.AddValue(StrCat("y", i));
    g.outputs.push_back(v);
    node.outputs.push_back(v);
  }
  g.nodes.push_back(std::move(node));
  return g;
}

Attribute IntAttr(int64_t v) {
  Attribute a;
  a.kind = Attribute::Kind::kInt;
  a.i = v;
  return a;
}
Attribute FloatAttr(float v) {
  Attribute a;
  a.kind = Attribute::Kind::kFloat;
  a.f = v;
  return a;
}
Attribute IntsAttr(std::vector<int64_t> v) {
  Attribute a;
  a.kind = Attribute::Kind::kInts;
  a.ints = std::move(v);
  return a;
}
Attribute StringAttr(std::string v) {
  Attribute a;
  a.kind = Attribute::Kind::kString;
  a.s = std::move(v);
  return a;
}
Attribute FloatsAttr(std::vector<float> v) {
  Attribute a;
  a.kind = Attribute::Kind::kFloats;
  a.floats = std::move(v);
  return a;
}
Attribute StringsAttr(std::vector<std::string> v) {
  Attribute a;
  a.kind = Attribute::Kind::kStrings;
  a.strings = std::move(v);
  return a;
}

std::vector<Tensor> RunGraph(const Graph& graph, const std::vector<Tensor>& inputs) {
  auto session = Session::Create(graph, SessionOptions{1});
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  if (!session.ok()) return {};
  auto out = (*session)->Run(inputs);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  if (!out.ok()) return {};
  return std::move(out).value();
}

std::vector<float> ToFloats(const Tensor& t) {
  std::vector<float> v(t.num_elements());
  for (int64_t i = 0; i < t.num_elements(); ++i) v[i] = static_cast<float>(ElementAsDouble(t, i));
  return v;
}

std::vector<int64_t> ToInts(const Tensor& t) {
  std::vector<int64_t> v(t.num_elements());
  for (int64_t i = 0; i < t.num_elements(); ++i) v[i] = ElementAsInt64(t, i);
  return v;
}

std::vector<float> Iota(int n, float start) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = start + i;
  return v;
}

void ExpectNear(const Tensor& got, const std::vector<float>& want, float tol) {
  const std::vector<float> g = ToFloats(got);
  ASSERT_EQ(g.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(g[i], want[i], tol) << "element " << i;
}

void ExpectRejected(const Graph& g, StatusCode code, const std::string& what) {
  auto session = Session::Create(g);
  ASSERT_FALSE(session.ok()) << what;
  EXPECT_EQ(session.status().code(), code) << session.status().ToString();
  const std::string& msg = session.status().message();
  EXPECT_NE(msg.find(g.nodes[0].op_type + " \"n\""), std::string::npos) << msg;
  EXPECT_NE(msg.find(what), std::string::npos) << msg;
}

void ExpectEqualFloats(const Tensor& got, const Tensor& want) {
  ASSERT_EQ(got.shape(), want.shape());
  const float* g = got.data<float>();
  const float* w = want.data<float>();
  int64_t bad = 0, first = -1;
  double worst = 0;
  for (int64_t i = 0; i < want.num_elements(); ++i) {
    if (g[i] == w[i]) continue;
    if (first < 0) first = i;
    ++bad;
    worst = std::max(worst, std::fabs(static_cast<double>(g[i]) - w[i]));
  }
  EXPECT_EQ(bad, 0) << bad << " of " << want.num_elements() << " elements differ, first at "
                    << first << " (got " << (first >= 0 ? g[first] : 0.f) << ", want "
                    << (first >= 0 ? w[first] : 0.f) << "), max |error| " << worst;
}

}  // namespace finch::testing
