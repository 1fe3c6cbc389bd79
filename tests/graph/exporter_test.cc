#include "graph/onnx/exporter.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <memory>

#include "graph/onnx/importer.h"
#include "graph/zoo/mobilenetv2.h"
#include "onnx/onnx_pb.h"
#include "tests/util/test_util.h"

namespace finch {
namespace {

Attribute MakeAttr(Attribute::Kind kind) {
  Attribute a;
  a.kind = kind;
  return a;
}

void ExpectSameType(const TensorType& got, const TensorType& want, const std::string& what) {
  EXPECT_EQ(got.dtype, want.dtype) << what;
  ASSERT_EQ(got.dims.has_value(), want.dims.has_value()) << what;
  if (!want.dims) return;
  ASSERT_EQ(got.dims->size(), want.dims->size()) << what;
  for (size_t i = 0; i < want.dims->size(); ++i) {
    EXPECT_EQ((*got.dims)[i].value, (*want.dims)[i].value) << what << " dim " << i;
    EXPECT_EQ((*got.dims)[i].param, (*want.dims)[i].param) << what << " dim " << i;
  }
}

void ExpectSameTensor(const Tensor& got, const Tensor& want, const std::string& what) {
  EXPECT_EQ(got.dtype(), want.dtype()) << what;
  ASSERT_EQ(got.shape(), want.shape()) << what;
  ASSERT_EQ(got.byte_size(), want.byte_size()) << what;
  if (want.byte_size() > 0) {
    EXPECT_EQ(std::memcmp(got.raw_data(), want.raw_data(), want.byte_size()), 0) << what;
  }
}

void ExpectSameAttribute(const Attribute& got, const Attribute& want, const std::string& what) {
  ASSERT_EQ(got.kind, want.kind) << what;
  switch (want.kind) {
    case Attribute::Kind::kFloat: EXPECT_EQ(got.f, want.f) << what; break;
    case Attribute::Kind::kInt: EXPECT_EQ(got.i, want.i) << what; break;
    case Attribute::Kind::kString: EXPECT_EQ(got.s, want.s) << what; break;
    case Attribute::Kind::kFloats: EXPECT_EQ(got.floats, want.floats) << what; break;
    case Attribute::Kind::kInts: EXPECT_EQ(got.ints, want.ints) << what; break;
    case Attribute::Kind::kStrings: EXPECT_EQ(got.strings, want.strings) << what; break;
    case Attribute::Kind::kTensor:
      ASSERT_TRUE(got.t && want.t) << what;
      ExpectSameTensor(*got.t, *want.t, what);
      break;
    default: break;
  }
}

std::string NameOf(const Graph& g, ValueId v) { return v == kNoValue ? "" : g.values[v].name; }

// `got` (re-imported) matches `want`: opsets, I/O with types, nodes with names, domains, value
// names and attributes, and the bytes of every constant a node reads.
void ExpectSameGraph(const Graph& got, const Graph& want) {
  EXPECT_EQ(got.opset_imports, want.opset_imports);
  ASSERT_EQ(got.inputs.size(), want.inputs.size());
  for (size_t i = 0; i < want.inputs.size(); ++i) {
    const Value& w = want.values[want.inputs[i]];
    const Value& g = got.values[got.inputs[i]];
    EXPECT_EQ(g.name, w.name);
    ExpectSameType(g.type, w.type, "input " + w.name);
  }
  ASSERT_EQ(got.outputs.size(), want.outputs.size());
  for (size_t i = 0; i < want.outputs.size(); ++i) {
    const Value& w = want.values[want.outputs[i]];
    const Value& g = got.values[got.outputs[i]];
    EXPECT_EQ(g.name, w.name);
    ExpectSameType(g.type, w.type, "output " + w.name);
  }
  ASSERT_EQ(got.nodes.size(), want.nodes.size());
  for (size_t n = 0; n < want.nodes.size(); ++n) {
    const Node& w = want.nodes[n];
    const Node& g = got.nodes[n];
    const std::string what = w.Describe();
    EXPECT_EQ(g.name, w.name);
    EXPECT_EQ(g.op_type, w.op_type) << what;
    EXPECT_EQ(g.domain, w.domain) << what;
    ASSERT_EQ(g.inputs.size(), w.inputs.size()) << what;
    for (size_t i = 0; i < w.inputs.size(); ++i) {
      EXPECT_EQ(NameOf(got, g.inputs[i]), NameOf(want, w.inputs[i])) << what << " input " << i;
      if (w.inputs[i] == kNoValue || !want.values[w.inputs[i]].constant) continue;
      ASSERT_TRUE(got.values[g.inputs[i]].constant) << what << " input " << i;
      ExpectSameTensor(*got.values[g.inputs[i]].constant, *want.values[w.inputs[i]].constant,
                       what + " input " + std::to_string(i));
    }
    ASSERT_EQ(g.outputs.size(), w.outputs.size()) << what;
    for (size_t i = 0; i < w.outputs.size(); ++i) {
      EXPECT_EQ(NameOf(got, g.outputs[i]), NameOf(want, w.outputs[i])) << what << " output " << i;
    }
    ASSERT_EQ(g.attributes.size(), w.attributes.size()) << what;
    for (const auto& [name, attr] : w.attributes) {
      const Attribute* a = g.FindAttribute(name);
      ASSERT_NE(a, nullptr) << what << " lost attribute " << name;
      ExpectSameAttribute(*a, attr, what + " attribute " + name);
    }
  }
}

StatusOr<Graph> RoundTrip(const Graph& graph) {
  FINCH_ASSIGN_OR_RETURN(std::string bytes, SerializeOnnxModel(graph));
  return ParseOnnxModel(bytes, ".");
}

// A graph with every attribute kind, symbolic / unknown dims, an omitted optional input and
// output, a node of a custom domain, an unused constant and clashing value names.
Graph HandBuiltGraph() {
  Graph g;
  g.name = "handmade";
  g.opset_imports[""] = 17;
  TensorType x_type;
  x_type.dtype = DataType::kFloat32;
  x_type.dims = std::vector<Dim>{Dim{-1, "batch"}, Dim{3, ""}, Dim{-1, ""}};
  const ValueId x = g.AddValue("x", x_type);
  TensorType idx_type;
  idx_type.dtype = DataType::kInt64;  // rank unknown
  const ValueId idx = g.AddValue("idx", idx_type);
  g.inputs = {x, idx};

  const ValueId w = g.AddConstant(
      "w", std::make_shared<const Tensor>(Tensor::FromVector<float>({3}, {0.5f, -1.f, 2.25f})));
  const ValueId empty = g.AddConstant(
      "roi", std::make_shared<const Tensor>(Tensor::FromVector<int64_t>({0}, {})));
  const ValueId flag = g.AddConstant(
      "flag", std::make_shared<const Tensor>(Tensor::FromVector<bool>({2}, {true, false})));
  g.AddConstant("unused", std::make_shared<const Tensor>(Tensor::Scalar<float>(7.f)));

  Node a;
  a.name = "mul";
  a.op_type = "Mul";
  a.inputs = {x, w};
  a.outputs = {g.AddValue("t0", TensorType::Static(DataType::kFloat32, {2, 3, 4}))};
  Attribute f = MakeAttr(Attribute::Kind::kFloat);
  f.f = 0.125f;
  Attribute i = MakeAttr(Attribute::Kind::kInt);
  i.i = -3;
  Attribute s = MakeAttr(Attribute::Kind::kString);
  s.s = "NOTSET";
  Attribute t = MakeAttr(Attribute::Kind::kTensor);
  t.t = std::make_shared<const Tensor>(Tensor::FromVector<int32_t>({2, 2}, {1, -2, 3, -4}));
  Attribute fs = MakeAttr(Attribute::Kind::kFloats);
  fs.floats = {1.5f, -0.f, 3e-8f};
  Attribute is = MakeAttr(Attribute::Kind::kInts);
  is.ints = {1, 0, -1, int64_t{1} << 40};
  Attribute ss = MakeAttr(Attribute::Kind::kStrings);
  ss.strings = {"a", "", "c d"};
  a.attributes = {{"f", f}, {"i", i}, {"s", s}, {"t", t}, {"fs", fs}, {"is", is}, {"ss", ss}};
  g.nodes.push_back(a);

  Node b;  // custom domain, omitted middle input, omitted trailing output
  b.name = "fused";
  b.op_type = "FusedThing";
  b.domain = "finch";
  b.inputs = {a.outputs[0], kNoValue, idx, empty, flag};
  b.outputs = {g.AddValue("y"), kNoValue};
  g.nodes.push_back(b);
  g.outputs = {b.outputs[0]};
  g.values[b.outputs[0]].type = TensorType::Static(DataType::kFloat32, {2, 3, 4});
  return g;
}

TEST(OnnxExporter, HandBuiltGraphRoundTrips) {
  const Graph g = HandBuiltGraph();
  auto back = RoundTrip(g);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  Graph want = g;
  want.opset_imports["finch"] = 1;  // added for the undeclared custom domain
  ExpectSameGraph(*back, want);
  EXPECT_EQ(back->name, "handmade");
  EXPECT_EQ(back->FindValue("unused"), kNoValue) << "constants nobody reads are dropped";
  // The intermediate value's declared type travels as value_info.
  ExpectSameType(back->values[back->FindValue("t0")].type,
                 TensorType::Static(DataType::kFloat32, {2, 3, 4}), "t0");
}

TEST(OnnxExporter, ModelHeader) {
  onnx::ModelProto model;
  ExportOnnxModel(HandBuiltGraph(), &model);
  EXPECT_EQ(model.ir_version(), 8);
  EXPECT_EQ(model.producer_name(), "finch");
  ASSERT_EQ(model.opset_import_size(), 2);
  EXPECT_EQ(model.opset_import(0).domain(), "");
  EXPECT_EQ(model.opset_import(0).version(), 17);
  EXPECT_EQ(model.opset_import(1).domain(), "finch");
  EXPECT_EQ(model.graph().initializer_size(), 3);
  for (const auto& init : model.graph().initializer()) {
    EXPECT_TRUE(init.has_raw_data()) << init.name();
  }
  // The unknown, unnamed third dim of x has neither dim_value nor dim_param.
  const auto& dim = model.graph().input(0).type().tensor_type().shape().dim(2);
  EXPECT_FALSE(dim.has_dim_value());
  EXPECT_FALSE(dim.has_dim_param());
  // Rank unknown: no shape at all.
  EXPECT_FALSE(model.graph().input(1).type().tensor_type().has_shape());
}

TEST(OnnxExporter, EmptyAndDuplicateNamesAreMadeUnique) {
  Graph g;
  g.opset_imports[""] = 13;
  const ValueId x = g.AddValue("x", TensorType::Static(DataType::kFloat32, {2}));
  g.inputs = {x};
  Node n1{"r1", "Relu", "", {x}, {g.AddValue("")}, {}};
  g.nodes.push_back(n1);
  Node n2{"r2", "Relu", "", {n1.outputs[0]}, {g.AddValue("x")}, {}};  // clashes with the input
  g.nodes.push_back(n2);
  g.outputs = {n2.outputs[0]};
  auto back = RoundTrip(g);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->nodes.size(), 2u);
  const std::string mid = back->values[back->nodes[0].outputs[0]].name;
  const std::string out = back->values[back->nodes[1].outputs[0]].name;
  EXPECT_EQ(mid, "finch_value_1");
  EXPECT_EQ(out, "finch_value_2");
  EXPECT_EQ(back->values[back->outputs[0]].name, out);
  EXPECT_EQ(back->values[back->nodes[1].inputs[0]].name, mid);
}

TEST(OnnxExporter, SerializationIsDeterministic) {
  auto a = SerializeOnnxModel(HandBuiltGraph());
  auto b = SerializeOnnxModel(HandBuiltGraph());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(OnnxExporter, ZooMobileNetV2RoundTrips) {
  auto g = zoo::MakeMobileNetV2({});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto back = RoundTrip(*g);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSameGraph(*back, *g);
  // Export is a fixed point: exporting the re-imported graph gives the same bytes.
  auto first = SerializeOnnxModel(*g);
  auto second = SerializeOnnxModel(*back);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_TRUE(*first == *second);
}

TEST(OnnxExporter, SharedMobileNetV2RoundTrips) {
  const std::string shared = testing::SharedDir();
  if (shared.empty()) GTEST_SKIP() << "../shared is absent: no shared models to round-trip";
  const std::string path = shared + "/models/mobilenet_v2_op13/model.onnx";
  auto g = LoadOnnxModel(path);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  const std::string out = ::testing::TempDir() + "/finch_exporter_mobilenet_v2.onnx";
  ASSERT_TRUE(SaveOnnxModel(*g, out).ok());
  auto back = LoadOnnxModel(out);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSameGraph(*back, *g);
  std::remove(out.c_str());
}

TEST(OnnxExporter, SaveAndLoadFile) {
  const std::string out = ::testing::TempDir() + "/finch_exporter_handmade.onnx";
  ASSERT_TRUE(SaveOnnxModel(HandBuiltGraph(), out).ok());
  auto back = LoadOnnxModel(out);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->nodes.size(), 2u);
  std::remove(out.c_str());
}

TEST(OnnxExporter, BadPathIsIoError) {
  Status s = SaveOnnxModel(HandBuiltGraph(), "/nonexistent-finch-dir/sub/model.onnx");
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("/nonexistent-finch-dir/sub/model.onnx"), std::string::npos)
      << s.message();
  s = SaveOnnxModel(HandBuiltGraph(), ::testing::TempDir());  // a directory
  EXPECT_EQ(s.code(), StatusCode::kIoError) << s.ToString();
}

TEST(OnnxExporter, GraphAttributeIsUnimplemented) {
  Graph g = HandBuiltGraph();
  g.nodes[0].attributes["body"] = MakeAttr(Attribute::Kind::kGraph);
  auto bytes = SerializeOnnxModel(g);
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(bytes.status().message().find("Mul \"mul\""), std::string::npos)
      << bytes.status().message();
  EXPECT_NE(bytes.status().message().find("'body'"), std::string::npos);
}

}  // namespace
}  // namespace finch
