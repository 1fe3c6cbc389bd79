// What the zoo tests share: a census of a generated network computed from its nodes and their
// attributes alone (not from finch's shape inference or cost model), as a check independent of
// the code under test; the cost model's totals; a round trip through an ONNX file.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "graph/cost/cost_model.h"
#include "graph/ir.h"
#include "graph/onnx/exporter.h"
#include "graph/zoo/random_weights.h"
#include "runtime/session.h"

namespace finch::zoo {

struct Census {
  // Conv weights and biases, BN scale + bias, Gemm weight + bias (torchvision's count).
  int64_t params = 0;
  int64_t bn_params = 0;  // of params, BN's scales and shifts (the papers' counts leave them out)
  // Conv: out elems · Cin/group · kh · kw; Gemm: M · N · K.
  int64_t macs = 0;
  std::map<std::string, int64_t> conv_macs;  // per Conv node
  std::map<std::string, int> ops;
  // Block prefixes: "features.<k>.conv" (MobileNetV2), "features.<s>.<j>.block" (EfficientNet).
  std::set<std::string> blocks;
  Shape output;
  std::string error;  // the first inconsistency found (channels, shapes)
};

inline Census Count(const Graph& g, int64_t batch) {
  Census c;
  std::map<ValueId, Shape> shape;
  const TensorType& in = g.values[g.inputs[0]].type;
  shape[g.inputs[0]] = {batch, (*in.dims)[1].value, (*in.dims)[2].value, (*in.dims)[3].value};
  auto constant = [&](ValueId v) -> const Tensor& { return *g.values[v].constant; };
  auto fail = [&](const std::string& why) {
    if (c.error.empty()) c.error = why;
  };
  for (const Node& n : g.nodes) {
    ++c.ops[n.op_type];
    const Shape& x = shape[n.inputs[0]];
    Shape y = x;
    if (n.op_type == "Conv") {
      const Shape& w = constant(n.inputs[1]).shape();
      const int64_t group = n.FindAttribute("group")->i;
      const auto& k = n.FindAttribute("kernel_shape")->ints;
      const auto& s = n.FindAttribute("strides")->ints;
      const auto& p = n.FindAttribute("pads")->ints;
      if (w[1] * group != x[1]) {
        fail(StrCat(n.Describe(), ": weight ", ShapeToString(w), " group ", group,
                    " does not fit input ", ShapeToString(x)));
      }
      y = {x[0], w[0], (x[2] + p[0] + p[2] - k[0]) / s[0] + 1,
           (x[3] + p[1] + p[3] - k[1]) / s[1] + 1};
      c.conv_macs[n.name] = NumElements(y) * w[1] * k[0] * k[1];
      c.macs += c.conv_macs[n.name];
      c.params += NumElements(w);
      if (n.inputs.size() > 2) {
        if (constant(n.inputs[2]).shape() != Shape{w[0]}) fail(n.Describe() + ": bias shape");
        c.params += w[0];
      }
      for (const char* marker : {".conv.", ".block."}) {
        const size_t at = n.name.find(marker);
        if (at != std::string::npos) c.blocks.insert(n.name.substr(0, at + strlen(marker) - 1));
      }
    } else if (n.op_type == "BatchNormalization") {
      const int64_t bn =
          constant(n.inputs[1]).num_elements() + constant(n.inputs[2]).num_elements();
      c.params += bn;
      c.bn_params += bn;
      if (constant(n.inputs[1]).num_elements() != x[1]) {
        fail(StrCat(n.Describe(), ": scale does not fit input ", ShapeToString(x)));
      }
    } else if (n.op_type == "Add" || n.op_type == "Mul") {
      // Numpy broadcasting of equal ranks: the squeeze-excite Mul scales [N,C,H,W] by [N,C,1,1].
      const Shape& x1 = shape[n.inputs[1]];
      if (x1.size() != x.size()) fail(n.Describe() + ": ranks differ");
      for (size_t d = 0; d < std::min(x.size(), x1.size()); ++d) {
        if (x[d] != x1[d] && x[d] != 1 && x1[d] != 1) {
          fail(StrCat(n.Describe(), ": ", ShapeToString(x), " and ", ShapeToString(x1)));
        }
        y[d] = std::max(x[d], x1[d]);
      }
      if (n.op_type == "Add" && x != x1) {
        fail(
            StrCat(n.Describe(), ": residual adds ", ShapeToString(x), " and ", ShapeToString(x1)));
      }
    } else if (n.op_type == "GlobalAveragePool") {
      y = {x[0], x[1], 1, 1};
    } else if (n.op_type == "Flatten") {
      y = {x[0], x[1] * x[2] * x[3]};
    } else if (n.op_type == "Gemm") {
      const Shape& w = constant(n.inputs[1]).shape();  // [N, K]: transB = 1
      if (w[1] != x[1]) fail("Gemm weight does not fit");
      y = {x[0], w[0]};
      c.macs += x[0] * w[0] * w[1];
      c.params += NumElements(w) + constant(n.inputs[2]).num_elements();
    }
    shape[n.outputs[0]] = y;
  }
  c.output = shape[g.outputs[0]];
  return c;
}

// The op counts of `g`.
inline std::map<std::string, int> OpCounts(const Graph& g) {
  std::map<std::string, int> ops;
  for (const Node& n : g.nodes) ++ops[n.op_type];
  return ops;
}

// The cost model's totals for `graph` planned at batch 1, as imported (optimize = false) or after
// the pass pipeline; no layout lowering.
inline ModelCost CostModelOf(Graph graph, bool optimize = false) {
  SessionOptions options;
  options.threads = 1;
  options.optimize = optimize;
  options.lower = false;
  auto session = Session::Create(std::move(graph), options);
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  if (!session.ok()) return {};
  auto plan = (*session)->PlanFor({(*session)->DefaultInputShape(0)});
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  if (!plan.ok()) return {};
  ModelCost cost = CostOf((*session)->graph(), (*plan)->types, (*plan)->constants);
  EXPECT_EQ(cost.unknown_nodes, 0);
  return cost;
}

// A standard-normal float32 tensor from WeightRng (the same on every machine).
inline Tensor RandomImage(const Shape& shape, uint64_t seed) {
  Tensor t = std::move(Tensor::Allocate(DataType::kFloat32, shape)).value();
  WeightRng rng(seed, "input");
  float* x = t.mutable_data<float>();
  for (int64_t i = 0; i < t.num_elements(); ++i) x[i] = static_cast<float>(rng.Normal());
  return t;
}

// A folder under /tmp removed with its files when the object goes.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/finch_zoo_XXXXXX";
    const char* made = mkdtemp(tmpl);
    path_ = made != nullptr ? made : "";
  }
  ~TempDir() {
    for (const std::string& f : files_) unlink(f.c_str());
    if (!path_.empty()) rmdir(path_.c_str());
  }
  // The path of a file `name` in the folder, removed with it.
  std::string File(const std::string& name) {
    files_.push_back(path_ + "/" + name);
    return files_.back();
  }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

// Writes `graph` as ONNX, loads the file into a session (default options) and runs it on
// `input`: the single output, or an empty tensor after failing the test.
inline Tensor RunThroughFile(const Graph& graph, const Tensor& input) {
  TempDir dir;
  const std::string path = dir.File("model.onnx");
  const Status saved = SaveOnnxModel(graph, path);
  EXPECT_TRUE(saved.ok()) << saved.ToString();
  auto session = Session::Load(path);
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  if (!session.ok()) return Tensor();
  auto out = (*session)->Run({input});
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  if (!out.ok() || out->size() != 1) return Tensor();
  return std::move((*out)[0]);
}

// Runs `graph` in memory (default session options) on `input`.
inline Tensor RunInMemory(Graph graph, const Tensor& input) {
  auto session = Session::Create(std::move(graph));
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  if (!session.ok()) return Tensor();
  auto out = (*session)->Run({input});
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  if (!out.ok() || out->size() != 1) return Tensor();
  return std::move((*out)[0]);
}

}  // namespace finch::zoo
