// finch validate MODEL [--memory-limit BYTES]
//
// Runs a checklist over a model file and prints one line per check: ok, FAILED with the first
// problem found, or skipped when a check it depends on failed. Exit code 0 when every check
// passes, 1 otherwise. Each check calls the library function that enforces it when a model is
// loaded (nothing here re-implements a rule); where one call enforces several checks, the
// line says which call did the work:
//
//   file readable             ReadFile
//   protobuf parses           ParseModelProto
//   opset imports known       the imports against the domains finch has schemas for (below)
//   initializer sizes         TensorFromProto on each embedded initializer (sizes are checked
//                             against shape and type before anything is allocated)
//   external data paths       TensorFromProto on each external initializer (path inside the
//                             model's folder, symlinks resolved; range inside the file)
//   graph well-formed         ImportOnnxModel (defined inputs, unique outputs, no cycles; also
//                             Constant nodes and tensor attributes)
//   ops known                 the op schema and kernel registries
//   shape inference           Session::Create: the pass pipeline, then the plan at the declared
//                             input shapes with symbolic dims = 1 (inference, folding, kernels)
//   memory estimate           the plan's constants + arena + outputs; with --memory-limit,
//                             Session::Create with SessionOptions::memory_limit_bytes
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "graph/file_util.h"
#include "graph/onnx/importer.h"
#include "graph/onnx/tensor_proto.h"
#include "graph/ops/op_schema.h"
#include "onnx/onnx_pb.h"
#include "runtime/kernel_registry.h"
#include "runtime/session.h"
#include "tools/commands.h"

namespace finch::cli {
namespace {

constexpr char kUsage[] = "usage: finch validate MODEL [--memory-limit BYTES]";

// The newest ai.onnx opset finch accepts (the zoo writes up to the same version); a newer one
// may change an op's semantics in ways finch's schemas do not know about.
constexpr int64_t kNewestOnnxOpset = 21;

// Prints the checklist as it goes and counts failures.
class Checklist {
 public:
  void Ok(const std::string& check, const std::string& detail) { Line("ok", check, detail); }
  void Failed(const std::string& check, const Status& status) {
    ++failed_;
    Line("FAILED", check, status.ToString());
  }
  void Skipped(const std::string& check, const std::string& needs) {
    ++skipped_;
    Line("skipped", check, "needs: " + needs);
  }
  // Ok or Failed from a status; true when ok.
  bool Report(const std::string& check, const Status& status, const std::string& detail) {
    if (status.ok()) {
      Ok(check, detail);
      return true;
    }
    Failed(check, status);
    return false;
  }
  int failed() const { return failed_; }
  int skipped() const { return skipped_; }
  int total() const { return lines_; }

 private:
  void Line(const char* verdict, const std::string& check, const std::string& detail) {
    ++lines_;
    std::printf("  %-8s %-30s %s\n", verdict, check.c_str(), detail.c_str());
  }
  int failed_ = 0, skipped_ = 0, lines_ = 0;
};

std::string Plural(size_t n, const char* one, const char* many) {
  return StrCat(n, " ", n == 1 ? one : many);
}

// 12345678 -> "12345678 bytes (11.8 MiB)".
std::string Bytes(size_t n) {
  char mib[32];
  std::snprintf(mib, sizeof(mib), "%.1f", static_cast<double>(n) / (1 << 20));
  return StrCat(n, " bytes (", mib, " MiB)");
}

// Domains that finch has op schemas for, and ai.onnx's version within 1..kNewestOnnxOpset.
// A domain that no schema uses is only a problem when a node of the graph is in it.
Status CheckOpsets(const onnx::ModelProto& model, std::string* detail) {
  std::set<std::string> known;
  for (const std::string& op : GlobalOpSchemas().OpNames()) {
    const size_t colon = op.find("::");
    known.insert(colon == std::string::npos ? "" : op.substr(0, colon));
  }
  std::set<std::string> imported;
  for (const auto& op : model.opset_import()) {
    const std::string domain = op.domain() == "ai.onnx" ? "" : op.domain();
    const std::string name = domain.empty() ? "ai.onnx" : domain;
    if (!imported.insert(domain).second) {
      return InvalidArgument("domain \"", name, "\" is imported twice");
    }
    if (domain.empty() && (op.version() < 1 || op.version() > kNewestOnnxOpset)) {
      return InvalidArgument("ai.onnx opset ", op.version(), " is outside 1..", kNewestOnnxOpset,
                             ", the versions finch knows");
    }
    if (!known.count(domain)) {
      *detail += StrCat(detail->empty() ? "" : ", ", name, " ", op.version(), " (no finch ops)");
    } else {
      *detail += StrCat(detail->empty() ? "" : ", ", name, " ", op.version());
    }
  }
  if (model.opset_import_size() == 0) *detail = "none (ai.onnx 1 assumed, as for IR v1/v2)";
  for (const auto& node : model.graph().node()) {
    const std::string domain = node.domain() == "ai.onnx" ? "" : node.domain();
    if (model.opset_import_size() > 0 && !imported.count(domain)) {
      return InvalidArgument("node \"", node.name(), "\" (", node.op_type(), ") is in domain \"",
                             domain.empty() ? "ai.onnx" : domain, "\", which is not imported");
    }
  }
  return Status::Ok();
}

// TensorFromProto on each initializer stored `external` (or not): the first error, and counts.
Status CheckInitializers(const onnx::ModelProto& model, const std::string& base_dir,
                         bool external, size_t* count, size_t* bytes) {
  for (const auto& init : model.graph().initializer()) {
    if ((init.data_location() == onnx::TensorProto::EXTERNAL) != external) continue;
    // One tensor at a time: it is freed before the next is read.
    FINCH_ASSIGN_OR_RETURN(Tensor t, TensorFromProto(init, base_dir,
                                                     StrCat("initializer \"", init.name(), "\"")));
    ++*count;
    *bytes += t.byte_size();
  }
  return Status::Ok();
}

// The first node whose op has no schema or no kernel.
Status CheckOps(const Graph& graph, size_t* op_types) {
  std::set<std::string> seen;
  for (const Node& node : graph.nodes) {
    const std::string op = node.domain.empty() ? node.op_type : node.domain + "::" + node.op_type;
    if (!seen.insert(op).second) continue;
    const bool schema = GlobalOpSchemas().Find(node.domain, node.op_type) != nullptr;
    const bool kernel = GlobalKernels().Find(node.domain, node.op_type) != nullptr;
    if (!schema || !kernel) {
      return Unimplemented(node.Describe(), ": op ", op, " (opset ", graph.opset(node.domain),
                           ") has no ", !schema ? "schema" : "kernel", " in finch");
    }
  }
  *op_types = seen.size();
  return Status::Ok();
}

std::string InputShapes(const Session& s) {
  std::string out;
  for (size_t i = 0; i < s.input_names().size(); ++i) {
    out += StrCat(out.empty() ? "" : ", ", "\"", s.input_names()[i], "\" ",
                  TensorType::Static(s.input_type(i).dtype, s.DefaultInputShape(i)).ToString());
  }
  return out.empty() ? "no inputs" : out;
}

}  // namespace

Status ValidateCommand(Args& args) {
  FINCH_ASSIGN_OR_RETURN(int64_t limit, args.GetInt("memory-limit", 0));
  FINCH_RETURN_IF_ERROR(args.CheckAllUsed());
  if (args.positional().size() != 1) return InvalidArgument(kUsage);
  if (limit < 0) return InvalidArgument("--memory-limit must be >= 0 (0: no limit), got ", limit);
  const std::string path = args.positional()[0];
  const std::string base_dir = DirName(path);
  std::printf("validate %s\n", path.c_str());
  Checklist list;

  // 1-2: the bytes and the protobuf.
  auto bytes = ReadFile(path);
  onnx::ModelProto model;
  bool parsed = false;
  if (list.Report("file readable", bytes.status(),
                  bytes.ok() ? Bytes(bytes->size()) : std::string())) {
    const Status s = ParseModelProto(*bytes, &model);
    parsed = list.Report("protobuf parses", s,
                         StrCat("IR version ", model.ir_version(), ", producer \"",
                                model.producer_name(),
                                model.producer_version().empty() ? "" : " ",
                                model.producer_version(), "\""));
    std::string().swap(*bytes);  // the parsed model holds what is needed
  } else {
    list.Skipped("protobuf parses", "file readable");
  }

  // 3-6: what the importer enforces, each on its own.
  bool imported = false;
  Graph graph;
  if (parsed) {
    std::string opsets;
    const Status s = CheckOpsets(model, &opsets);
    list.Report("opset imports known", s, opsets);
    size_t n = 0, total = 0;
    const Status sizes = CheckInitializers(model, base_dir, false, &n, &total);
    list.Report("initializer sizes", sizes,
                StrCat(Plural(n, "initializer", "initializers"), ", ", Bytes(total),
                       ": each matches its shape and type (checked before allocating)"));
    size_t n_ext = 0, ext_total = 0;
    const Status ext = CheckInitializers(model, base_dir, true, &n_ext, &ext_total);
    list.Report("external data paths", ext,
                n_ext == 0 ? std::string("no external data")
                           : StrCat(Plural(n_ext, "tensor", "tensors"), ", ", Bytes(ext_total),
                                    ", inside the model's folder"));
    auto g = ImportOnnxModel(model, base_dir);
    if (g.ok()) {
      graph = std::move(g).value();
      imported = true;
      list.Ok("graph well-formed",
              StrCat(Plural(graph.nodes.size(), "node", "nodes"), ", ",
                     Plural(graph.inputs.size(), "input", "inputs"), ", ",
                     Plural(graph.outputs.size(), "output", "outputs"),
                     ": every input defined, outputs unique, no cycles (ImportOnnxModel)"));
    } else {
      list.Failed("graph well-formed", g.status());
    }
  } else {
    for (const char* c : {"opset imports known", "initializer sizes", "external data paths",
                          "graph well-formed"}) {
      list.Skipped(c, "protobuf parses");
    }
  }
  model.Clear();

  // 7: every op known.
  bool ops_ok = false;
  if (imported) {
    size_t op_types = 0;
    const Status s = CheckOps(graph, &op_types);
    ops_ok = list.Report("ops known", s,
                         StrCat(Plural(op_types, "op type", "op types"),
                                ", each with a schema and a kernel"));
  } else {
    list.Skipped("ops known", "graph well-formed");
  }

  // 8: the session at the declared shapes: pass pipeline, inference, folding, kernels.
  std::unique_ptr<Session> session;
  const Plan* plan = nullptr;
  if (ops_ok) {
    SessionOptions options;
    options.threads = 1;
    auto created = Session::Create(graph, options);
    if (!created.ok()) {
      list.Failed("shape inference", created.status());
    } else {
      session = std::move(created).value();
      std::vector<Shape> shapes;
      bool ranked = true;
      for (size_t i = 0; i < session->input_names().size(); ++i) {
        ranked &= session->input_type(i).has_rank();
        shapes.push_back(session->DefaultInputShape(i));
      }
      if (!ranked) {
        list.Failed("shape inference",
                    InvalidArgument("an input has no declared rank: the shapes are known only "
                                    "when inputs are fed"));
      } else {
        auto p = session->PlanFor(shapes);  // built by Session::Create: a cache lookup
        if (list.Report("shape inference", p.status(),
                        StrCat(InputShapes(*session), " (symbolic dims = 1): ",
                               p.ok() ? Plural((*p)->steps.size(), "step", "steps") : "",
                               " after the pass pipeline and folding (Session::Create)"))) {
          plan = *p;
        }
      }
    }
  } else {
    list.Skipped("shape inference", "ops known");
  }

  // 9: the memory estimate, and the limit enforced by a session created with it.
  if (plan != nullptr) {
    int dynamic = 0;
    for (const PlanStep& step : plan->steps) dynamic += step.dynamic ? 1 : 0;
    std::string unknown;
    if (dynamic > 0) {
      unknown = StrCat(", plus the outputs of ", Plural(dynamic, "dynamic step", "dynamic steps"),
                       " (sizes known only at run time)");
    }
    const std::string estimate =
        StrCat("constants ", plan->constant_bytes, " + arena ", plan->memory.arena_bytes,
               " + outputs ", plan->output_bytes, " = ", Bytes(plan->EstimatedBytes()), unknown);
    if (limit == 0) {
      list.Ok("memory estimate", estimate + "; no --memory-limit given");
    } else {
      SessionOptions options;
      options.threads = 1;
      options.memory_limit_bytes = static_cast<size_t>(limit);
      auto limited = Session::Create(graph, options);
      list.Report("memory estimate", limited.status(),
                  StrCat(estimate, ", within the limit of ", Bytes(static_cast<size_t>(limit))));
    }
  } else {
    list.Skipped("memory estimate", "shape inference");
  }

  if (list.failed() > 0) {
    return InvalidArgument(list.failed(), " of ", list.total(), " checks failed",
                           list.skipped() > 0 ? StrCat(", ", list.skipped(), " skipped") : "");
  }
  std::printf("all %d checks passed\n", list.total());
  return Status::Ok();
}

}  // namespace finch::cli
