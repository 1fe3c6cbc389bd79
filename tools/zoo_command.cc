// finch zoo NAME [options] -o FILE.onnx: writes a model of the zoo with seeded random weights,
// then loads the file back and prints its parameters and MACs from the cost model.
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "graph/cost/cost_model.h"
#include "graph/file_util.h"
#include "graph/onnx/exporter.h"
#include "graph/zoo/efficientnet.h"
#include "graph/zoo/mobilenetv1.h"
#include "graph/zoo/mobilenetv2.h"
#include "runtime/session.h"
#include "tools/commands.h"

namespace finch::cli {
namespace {

constexpr char kKnownModels[] = "mobilenetv2, mobilenetv1, efficientnet";
constexpr char kUsage[] =
    "usage: finch zoo mobilenetv2 [--width W] [--resolution R] [--standard] [--fold-bn] "
    "[--classes K] [--seed S] [--opset N] -o FILE.onnx\n"
    "       finch zoo mobilenetv1 [--width A] [--resolution R] [--standard] [--fold-bn] "
    "[--classes K] [--seed S] [--opset N] -o FILE.onnx\n"
    "       finch zoo efficientnet [--phi 0..7] [--width W] [--depth D] [--resolution R] "
    "[--standard] [--fold-bn] [--classes K] [--seed S] [--opset N] -o FILE.onnx";

// The options every model takes, checked with messages that name the flag.
struct CommonOptions {
  int64_t resolution = 0;
  int64_t classes = 1000;
  uint64_t seed = 0;
  int64_t opset = 13;
};

StatusOr<CommonOptions> ParseCommon(Args& args, int64_t default_resolution) {
  CommonOptions o;
  FINCH_ASSIGN_OR_RETURN(o.resolution, args.GetInt("resolution", default_resolution));
  FINCH_ASSIGN_OR_RETURN(o.classes, args.GetInt("classes", o.classes));
  FINCH_ASSIGN_OR_RETURN(int64_t seed, args.GetInt("seed", 0));
  FINCH_ASSIGN_OR_RETURN(o.opset, args.GetInt("opset", o.opset));
  // Absent: the model's default (0 = EfficientNet's row of the table).
  if (args.Has("resolution") &&
      (o.resolution < zoo::kMinResolution || o.resolution > zoo::kMaxResolution)) {
    return InvalidArgument("--resolution ", o.resolution, " must be in [", zoo::kMinResolution,
                           ", ", zoo::kMaxResolution, "]");
  }
  if (o.classes < 1 || o.classes > zoo::kMaxClasses) {
    return InvalidArgument("--classes ", o.classes, " must be in [1, ", zoo::kMaxClasses, "]");
  }
  if (o.opset < zoo::kMinOpset || o.opset > zoo::kMaxOpset) {
    return InvalidArgument("--opset ", o.opset, " must be in [", zoo::kMinOpset, ", ",
                           zoo::kMaxOpset, "]");
  }
  if (seed < 0) return InvalidArgument("--seed ", seed, " must be >= 0");
  o.seed = static_cast<uint64_t>(seed);
  return o;
}

// --NAME as a multiplier in (0, max]; `fallback` when absent.
StatusOr<double> ParseMultiplier(Args& args, const std::string& name, double fallback, double max) {
  FINCH_ASSIGN_OR_RETURN(double v, args.GetDouble(name, fallback));
  if (args.Has(name) && !(std::isfinite(v) && v > 0 && v <= max)) {
    return InvalidArgument("--", name, " ", v, " must be in (0, ", max, "]");
  }
  return v;
}

// The value-less flags (main.cc declares them so): on or off. One given a value anyway
// (--fold-bn=1) is refused rather than guessed at.
struct Flags {
  bool standard = false;
  bool fold_bn = false;
};

StatusOr<bool> ParseFlag(Args& args, const std::string& name) {
  if (!args.Has(name)) return false;
  const std::string value = args.Get(name);
  if (!value.empty()) {
    return InvalidArgument("--", name, " takes no value, got \"", value, "\"");
  }
  return true;
}

StatusOr<Flags> ParseFlags(Args& args) {
  Flags f;
  FINCH_ASSIGN_OR_RETURN(f.standard, ParseFlag(args, "standard"));
  FINCH_ASSIGN_OR_RETURN(f.fold_bn, ParseFlag(args, "fold-bn"));
  return f;
}

StatusOr<Graph> MakeMobileNetV2FromArgs(Args& args, const Flags& flags, std::string* what) {
  zoo::MobileNetV2Options o;
  FINCH_ASSIGN_OR_RETURN(o.width, ParseMultiplier(args, "width", o.width, zoo::kMaxWidth));
  o.standard = flags.standard;
  o.fold_bn = flags.fold_bn;
  FINCH_ASSIGN_OR_RETURN(CommonOptions c, ParseCommon(args, o.resolution));
  FINCH_RETURN_IF_ERROR(args.CheckAllUsed());
  o.resolution = c.resolution;
  o.num_classes = c.classes;
  o.seed = c.seed;
  o.opset = c.opset;
  *what = StrCat("MobileNetV2", o.standard ? " (standard convs)" : "", " width ", o.width,
                 ", resolution ", o.resolution, o.fold_bn ? ", BN folded" : "");
  return zoo::MakeMobileNetV2(o);
}

StatusOr<Graph> MakeMobileNetV1FromArgs(Args& args, const Flags& flags, std::string* what) {
  zoo::MobileNetV1Options o;
  FINCH_ASSIGN_OR_RETURN(o.width, ParseMultiplier(args, "width", o.width, zoo::kMaxWidth));
  o.standard = flags.standard;
  o.fold_bn = flags.fold_bn;
  FINCH_ASSIGN_OR_RETURN(CommonOptions c, ParseCommon(args, o.resolution));
  FINCH_RETURN_IF_ERROR(args.CheckAllUsed());
  o.resolution = c.resolution;
  o.num_classes = c.classes;
  o.seed = c.seed;
  o.opset = c.opset;
  *what = StrCat("MobileNetV1", o.standard ? " (standard convs)" : "", " width ", o.width,
                 ", resolution ", o.resolution, o.fold_bn ? ", BN folded" : "");
  return zoo::MakeMobileNetV1(o);
}

StatusOr<Graph> MakeEfficientNetFromArgs(Args& args, const Flags& flags, std::string* what) {
  zoo::EfficientNetOptions o;
  FINCH_ASSIGN_OR_RETURN(int64_t phi, args.GetInt("phi", 0));
  if (phi < 0 || phi > zoo::kEfficientNetMaxPhi) {
    return InvalidArgument("--phi ", phi, " must be in [0, ", zoo::kEfficientNetMaxPhi,
                           "] (B0..B7)");
  }
  o.phi = static_cast<int>(phi);
  FINCH_ASSIGN_OR_RETURN(o.width, ParseMultiplier(args, "width", 0, zoo::kMaxWidth));
  FINCH_ASSIGN_OR_RETURN(o.depth, ParseMultiplier(args, "depth", 0, zoo::kMaxDepth));
  o.standard = flags.standard;
  o.fold_bn = flags.fold_bn;
  FINCH_ASSIGN_OR_RETURN(CommonOptions c, ParseCommon(args, 0));
  FINCH_RETURN_IF_ERROR(args.CheckAllUsed());
  o.resolution = c.resolution;
  o.num_classes = c.classes;
  o.seed = c.seed;
  o.opset = c.opset;
  FINCH_ASSIGN_OR_RETURN(const zoo::EfficientNetScaling s, zoo::ResolveScaling(o));
  *what =
      StrCat("EfficientNet-B", o.phi, o.standard ? " (standard convs)" : "", " width ", s.width,
             ", depth ", s.depth, ", resolution ", s.resolution, o.fold_bn ? ", BN folded" : "");
  return zoo::MakeEfficientNet(o);
}

// The cost model's totals for the file as written: loaded back, planned for batch 1 at its
// declared shape, with neither the pass pipeline nor the layout lowering.
StatusOr<ModelCost> CostOfFile(const std::string& path) {
  SessionOptions options;
  options.threads = 1;
  options.optimize = false;
  options.lower = false;
  FINCH_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Session::Load(path, options));
  FINCH_ASSIGN_OR_RETURN(const Plan* plan, session->PlanFor({session->DefaultInputShape(0)}));
  return CostOf(session->graph(), plan->types, plan->constants);
}

}  // namespace

Status ZooCommand(Args& args) {
  if (args.Has("help")) {
    std::printf("%s\n", kUsage);
    return Status::Ok();
  }
  // Before the positional check: a value-less flag that swallowed the next argument is named
  // as the fault, not reported as a usage error.
  FINCH_ASSIGN_OR_RETURN(const Flags flags, ParseFlags(args));
  if (args.positional().size() != 1) return InvalidArgument(kUsage);
  const std::string& name = args.positional()[0];
  const std::string output = args.Get("output");
  Graph graph;
  std::string what;
  if (name == "mobilenetv2") {
    FINCH_ASSIGN_OR_RETURN(graph, MakeMobileNetV2FromArgs(args, flags, &what));
  } else if (name == "mobilenetv1") {
    FINCH_ASSIGN_OR_RETURN(graph, MakeMobileNetV1FromArgs(args, flags, &what));
  } else if (name == "efficientnet") {
    FINCH_ASSIGN_OR_RETURN(graph, MakeEfficientNetFromArgs(args, flags, &what));
  } else {
    return InvalidArgument("unknown zoo model \"", name, "\"; known models: ", kKnownModels);
  }
  if (output.empty()) return InvalidArgument("no output file: add -o FILE.onnx\n", kUsage);
  FINCH_RETURN_IF_ERROR(SaveOnnxModel(graph, output));
  const size_t nodes = graph.nodes.size();
  const int64_t opset = graph.opset();
  graph = Graph();  // the weights, before the file's copy is loaded
  FINCH_ASSIGN_OR_RETURN(int64_t bytes, FileSize(output));
  FINCH_ASSIGN_OR_RETURN(const ModelCost cost, CostOfFile(output));
  std::printf("wrote %s: %s, %zu nodes, opset %lld, %lld bytes\n", output.c_str(), what.c_str(),
              nodes, static_cast<long long>(opset), static_cast<long long>(bytes));
  std::printf("%lld parameters (%.2f M), %lld MACs (%.1f M) at batch 1\n",
              static_cast<long long>(cost.params), static_cast<double>(cost.params) / 1e6,
              static_cast<long long>(cost.macs), static_cast<double>(cost.macs) / 1e6);
  std::printf(
      "counting: MACs = multiply-adds of Conv and Gemm (FLOPs = 2 x MACs; BN, activations, "
      "pooling and adds not counted); parameters = conv and Gemm weights and biases + BN scale "
      "and shift (torchvision's count; BN running statistics are not parameters)\n");
  return Status::Ok();
}

}  // namespace finch::cli
