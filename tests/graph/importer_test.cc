// The ONNX importer: every storage form of initializers, Constant nodes, external data and its
// path checks, and each class of malformed model, built in code so every case is explicit.
#include "graph/onnx/importer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "graph/onnx/tensor_proto.h"
#include "onnx/onnx_pb.h"
#include "runtime/session.h"

namespace finch {
namespace {

// A temporary folder removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/finch_importer_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// y = Identity-free graph: out = Conv(x, w) with a 1x1x1x1 weight, or just an initializer
// returned as output when `conv` is false.
onnx::ModelProto BaseModel() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(13);
  m.mutable_graph()->set_name("g");
  return m;
}

void AddTensorValueInfo(onnx::ValueInfoProto* v, const std::string& name, int elem,
                        std::vector<int64_t> dims) {
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem);
  auto* shape = tt->mutable_shape();
  for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
}

TEST(Importer, InitializerStorageForms) {
  onnx::ModelProto m = BaseModel();
  auto* g = m.mutable_graph();
  // float_data
  auto* a = g->add_initializer();
  a->set_name("a");
  a->set_data_type(onnx::TensorProto::FLOAT);
  a->add_dims(2);
  a->add_float_data(1.5f);
  a->add_float_data(-2.f);
  // raw_data
  auto* b = g->add_initializer();
  b->set_name("b");
  b->set_data_type(onnx::TensorProto::INT64);
  b->add_dims(2);
  int64_t raw[2] = {7, -9};
  b->set_raw_data(raw, sizeof(raw));
  // int32_data holding bools
  auto* c = g->add_initializer();
  c->set_name("c");
  c->set_data_type(onnx::TensorProto::BOOL);
  c->add_dims(3);
  c->add_int32_data(1);
  c->add_int32_data(0);
  c->add_int32_data(1);
  for (const char* n : {"a", "b", "c"}) g->add_output()->set_name(n);

  auto graph = ImportOnnxModel(m, "/tmp");
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  const Value& va = graph->values[graph->FindValue("a")];
  ASSERT_TRUE(va.constant);
  EXPECT_EQ(va.constant->data<float>()[0], 1.5f);
  EXPECT_EQ(va.constant->data<float>()[1], -2.f);
  const Value& vb = graph->values[graph->FindValue("b")];
  EXPECT_EQ(vb.constant->data<int64_t>()[1], -9);
  const Value& vc = graph->values[graph->FindValue("c")];
  EXPECT_EQ(vc.constant->dtype(), DataType::kBool);
  EXPECT_EQ(vc.constant->data<bool>()[1], false);
  EXPECT_EQ(vc.constant->data<bool>()[2], true);
}

TEST(Importer, ConstantNodeForms) {
  onnx::ModelProto m = BaseModel();
  auto* g = m.mutable_graph();
  auto add_const = [&](const std::string& out, const std::string& attr) {
    auto* n = g->add_node();
    n->set_op_type("Constant");
    n->add_output(out);
    auto* a = n->add_attribute();
    a->set_name(attr);
    g->add_output()->set_name(out);
    return a;
  };
  auto* f = add_const("f", "value_float");
  f->set_type(onnx::AttributeProto::FLOAT);
  f->set_f(2.5f);
  auto* fs = add_const("fs", "value_floats");
  fs->set_type(onnx::AttributeProto::FLOATS);
  fs->add_floats(1.f);
  fs->add_floats(2.f);
  auto* i = add_const("i", "value_int");
  i->set_type(onnx::AttributeProto::INT);
  i->set_i(-3);
  auto* is = add_const("is", "value_ints");
  is->set_type(onnx::AttributeProto::INTS);
  is->add_ints(4);
  auto* t = add_const("t", "value");
  t->set_type(onnx::AttributeProto::TENSOR);
  t->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
  t->mutable_t()->add_dims(1);
  t->mutable_t()->add_float_data(9.f);

  auto graph = ImportOnnxModel(m, "/tmp");
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  EXPECT_TRUE(graph->nodes.empty()) << "Constant nodes become constant values";
  auto value = [&](const char* n) { return graph->values[graph->FindValue(n)].constant; };
  EXPECT_EQ(value("f")->rank(), 0u);
  EXPECT_EQ(value("f")->data<float>()[0], 2.5f);
  EXPECT_EQ(value("fs")->shape(), Shape({2}));
  EXPECT_EQ(value("i")->data<int64_t>()[0], -3);
  EXPECT_EQ(value("is")->data<int64_t>()[0], 4);
  EXPECT_EQ(value("t")->data<float>()[0], 9.f);

  // A session returns constant outputs without running anything.
  auto session = Session::Create(std::move(graph).value());
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto out = (*session)->Run({});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].data<float>()[0], 2.5f);
}

onnx::ModelProto ExternalModel(const std::string& location, int64_t offset, int64_t length) {
  onnx::ModelProto m = BaseModel();
  auto* g = m.mutable_graph();
  auto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(3);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto add_kv = [&](const char* k, const std::string& v) {
    auto* kv = w->add_external_data();
    kv->set_key(k);
    kv->set_value(v);
  };
  add_kv("location", location);
  if (offset >= 0) add_kv("offset", std::to_string(offset));
  if (length >= 0) add_kv("length", std::to_string(length));
  g->add_output()->set_name("w");
  return m;
}

TEST(Importer, ExternalDataReadRelativeToModel) {
  TempDir dir;
  float data[4] = {0.f, 1.f, 2.f, 3.f};
  WriteBytes(dir.path() + "/weights.bin", std::string(reinterpret_cast<char*>(data), 16));
  auto graph = ImportOnnxModel(ExternalModel("weights.bin", 4, 12), dir.path());
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  const Tensor& w = *graph->values[graph->FindValue("w")].constant;
  EXPECT_EQ(w.data<float>()[0], 1.f);
  EXPECT_EQ(w.data<float>()[2], 3.f);
}

TEST(Importer, ExternalDataPathTraversalRefused) {
  TempDir dir;
  TempDir outside;
  WriteBytes(outside.path() + "/secret.bin", std::string(12, 'x'));
  symlink((outside.path() + "/secret.bin").c_str(), (dir.path() + "/link.bin").c_str());
  struct Case {
    std::string location, message;
  } cases[] = {
      {outside.path() + "/secret.bin", "is absolute"},
      {"../" + outside.path().substr(5) + "/secret.bin", "contains \"..\""},
      {"sub/../../secret.bin", "contains \"..\""},
      {"link.bin", "outside the model's folder"},
      {"missing.bin", "not found"},
  };
  for (const Case& c : cases) {
    auto graph = ImportOnnxModel(ExternalModel(c.location, -1, -1), dir.path());
    ASSERT_FALSE(graph.ok()) << c.location;
    EXPECT_NE(graph.status().message().find(c.message), std::string::npos)
        << c.location << ": " << graph.status().message();
    EXPECT_NE(graph.status().message().find("initializer \"w\""), std::string::npos);
  }
}

TEST(Importer, ExternalDataBeyondFileEndRefused) {
  TempDir dir;
  WriteBytes(dir.path() + "/weights.bin", std::string(8, '\0'));
  auto graph = ImportOnnxModel(ExternalModel("weights.bin", 0, 12), dir.path());
  ASSERT_FALSE(graph.ok());
  EXPECT_NE(graph.status().message().find("beyond the end"), std::string::npos)
      << graph.status().message();
  auto wrong_len = ImportOnnxModel(ExternalModel("weights.bin", 0, 8), dir.path());
  ASSERT_FALSE(wrong_len.ok());
  EXPECT_NE(wrong_len.status().message().find("needs 12 bytes"), std::string::npos)
      << wrong_len.status().message();
}

TEST(Importer, MalformedTensorsRefused) {
  auto one_init = [](auto fill) {
    onnx::ModelProto m = BaseModel();
    auto* t = m.mutable_graph()->add_initializer();
    t->set_name("t");
    t->set_data_type(onnx::TensorProto::FLOAT);
    fill(t);
    m.mutable_graph()->add_output()->set_name("t");
    return ImportOnnxModel(m, "/tmp");
  };
  auto short_raw = one_init([](onnx::TensorProto* t) {
    t->add_dims(4);
    t->set_raw_data(std::string(8, '\0'));
  });
  ASSERT_FALSE(short_raw.ok());
  EXPECT_NE(short_raw.status().message().find("raw_data has 8 bytes"), std::string::npos);
  auto short_typed = one_init([](onnx::TensorProto* t) {
    t->add_dims(3);
    t->add_float_data(1.f);
  });
  ASSERT_FALSE(short_typed.ok());
  EXPECT_NE(short_typed.status().message().find("float_data holds 1 values"), std::string::npos);
  auto negative = one_init([](onnx::TensorProto* t) { t->add_dims(-2); });
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.status().message().find("negative dimension"), std::string::npos);
  auto overflow = one_init([](onnx::TensorProto* t) {
    for (int i = 0; i < 4; ++i) t->add_dims(int64_t{1} << 20);
  });
  ASSERT_FALSE(overflow.ok());
  EXPECT_NE(overflow.status().message().find("2^63"), std::string::npos)
      << overflow.status().message();
  auto huge = one_init([](onnx::TensorProto* t) {
    t->add_dims(int64_t{1} << 40);  // 4 TiB of floats with no data: refused before allocating
  });
  ASSERT_FALSE(huge.ok());
}

TEST(Importer, GraphStructureErrors) {
  // A node reading an undefined value.
  {
    onnx::ModelProto m = BaseModel();
    auto* n = m.mutable_graph()->add_node();
    n->set_op_type("Relu");
    n->set_name("r");
    n->add_input("ghost");
    n->add_output("y");
    m.mutable_graph()->add_output()->set_name("y");
    auto g = ImportOnnxModel(m, "/tmp");
    ASSERT_FALSE(g.ok());
    EXPECT_NE(g.status().message().find("Relu \"r\" reads \"ghost\""), std::string::npos)
        << g.status().message();
  }
  // A cycle: a -> b -> a.
  {
    onnx::ModelProto m = BaseModel();
    auto* g = m.mutable_graph();
    auto* n1 = g->add_node();
    n1->set_op_type("Relu");
    n1->set_name("n1");
    n1->add_input("b");
    n1->add_output("a");
    auto* n2 = g->add_node();
    n2->set_op_type("Relu");
    n2->set_name("n2");
    n2->add_input("a");
    n2->add_output("b");
    g->add_output()->set_name("b");
    auto r = ImportOnnxModel(m, "/tmp");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("cycle"), std::string::npos) << r.status().message();
  }
  // Two producers of one value.
  {
    onnx::ModelProto m = BaseModel();
    auto* g = m.mutable_graph();
    AddTensorValueInfo(g->add_input(), "x", onnx::TensorProto::FLOAT, {1});
    for (const char* name : {"p", "q"}) {
      auto* n = g->add_node();
      n->set_op_type("Relu");
      n->set_name(name);
      n->add_input("x");
      n->add_output("y");
    }
    g->add_output()->set_name("y");
    auto r = ImportOnnxModel(m, "/tmp");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("defined twice"), std::string::npos)
        << r.status().message();
  }
  // An output nobody produces.
  {
    onnx::ModelProto m = BaseModel();
    m.mutable_graph()->add_output()->set_name("nothing");
    auto r = ImportOnnxModel(m, "/tmp");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("never produced"), std::string::npos);
  }
}

TEST(Importer, CorruptAndTruncatedBytes) {
  onnx::ModelProto m = BaseModel();
  auto* t = m.mutable_graph()->add_initializer();
  t->set_name("t");
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(64);
  t->set_raw_data(std::string(256, '\1'));
  m.mutable_graph()->add_output()->set_name("t");
  std::string bytes = m.SerializeAsString();
  ASSERT_TRUE(ParseOnnxModel(bytes, "/tmp").ok());
  for (size_t cut : {bytes.size() - 1, bytes.size() / 2, size_t{3}}) {
    auto r = ParseOnnxModel(bytes.substr(0, cut), "/tmp");
    ASSERT_FALSE(r.ok()) << "cut at " << cut;
    EXPECT_NE(r.status().message().find("corrupt or truncated"), std::string::npos)
        << r.status().message();
  }
  auto missing = LoadOnnxModel("/nonexistent/model.onnx");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST(Importer, InitializerListedAsInputIsConstant) {
  // IR < 4 files (SqueezeNet 1.1 at opset 7) list initializers among the graph inputs.
  onnx::ModelProto m = BaseModel();
  auto* g = m.mutable_graph();
  AddTensorValueInfo(g->add_input(), "x", onnx::TensorProto::FLOAT, {2});
  AddTensorValueInfo(g->add_input(), "w", onnx::TensorProto::FLOAT, {2});
  auto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(2);
  w->add_float_data(1.f);
  w->add_float_data(2.f);
  g->add_output()->set_name("w");
  auto graph = ImportOnnxModel(m, "/tmp");
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  ASSERT_EQ(graph->inputs.size(), 1u);
  EXPECT_EQ(graph->values[graph->inputs[0]].name, "x");
}

TEST(Importer, SymbolicDimsKept) {
  onnx::ModelProto m = BaseModel();
  auto* g = m.mutable_graph();
  auto* in = g->add_input();
  in->set_name("x");
  auto* tt = in->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  tt->mutable_shape()->add_dim()->set_dim_param("batch");
  tt->mutable_shape()->add_dim()->set_dim_value(3);
  g->add_output()->set_name("x");
  auto graph = ImportOnnxModel(m, "/tmp");
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  EXPECT_EQ(graph->values[graph->inputs[0]].type.ToString(), "float32[batch,3]");
}

}  // namespace
}  // namespace finch
