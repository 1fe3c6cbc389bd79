// finch quantize MODEL -o OUT.onnx --calib SOURCE [...]: post-training static quantization to a
// QDQ model (runtime/quantize/quantizer.h), with the per-layer report of what int8 cost and
// bought; the file is loaded back and checked to run before the command succeeds.
#include <cmath>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "graph/onnx/exporter.h"
#include "graph/onnx/importer.h"
#include "runtime/data/evaluate.h"
#include "runtime/data/input_source.h"
#include "runtime/data/labels.h"
#include "runtime/data/preprocess.h"
#include "runtime/json.h"
#include "runtime/quantize/quantizer.h"
#include "runtime/session.h"
#include "tools/commands.h"

namespace finch::cli {
namespace {

constexpr char kUsage[] =
    "usage: finch quantize MODEL -o OUT.onnx --calib SOURCE [--calib-limit N] "
    "[--method mse|percentile|minmax|entropy] [--percentile P] [--per-channel | --per-tensor] "
    "[--exclude NODE ...] [--no-auto] [--max-sqnr-drop DB] [--preprocess imagenet|caffe-bgr] "
    "[--threads N] [--json FILE] [--labels FILE [--images DIR] [--eval-limit N]]\n"
    "  SOURCE: a folder of images, a folder of input .pb tensors, or random:N\n"
    "  --labels: also score the FP32 and the INT8 model on the labelled images (--images, by\n"
    "  default the calibration folder) that calibration did not use";

// Reads items [first, first + count) of the source, one vector of graph inputs each.
StatusOr<std::vector<std::vector<Tensor>>> ReadItems(const InputSource& source, int64_t first,
                                                     int64_t count, bool progress) {
  std::vector<std::vector<Tensor>> items;
  for (int64_t i = first; i < first + count && i < source.size(); ++i) {
    FINCH_ASSIGN_OR_RETURN(Tensor t, source.Read(i));
    items.push_back({std::move(t)});
    if (progress) {
      std::fprintf(stderr, "\rreading inputs %lld/%lld", static_cast<long long>(i - first + 1),
                   static_cast<long long>(count));
    }
  }
  if (progress) std::fputc('\n', stderr);
  return items;
}

void ProgressBar(int pass, size_t done, size_t total, int passes) {
  const int width = 30;
  const int filled = static_cast<int>(width * done / std::max<size_t>(total, 1));
  std::fprintf(stderr, "\rcalibrating pass %d/%d [%.*s%*s] %zu/%zu", pass, passes, filled,
               "##############################", width - filled, "", done, total);
  if (done == total) std::fputc('\n', stderr);
}

std::string Field(const char* name, const std::string& value) {
  return JsonString(name) + ": " + value;
}

std::string LayerJson(const LayerQuantReport& r) {
  std::string s = "{";
  s += Field("node", JsonString(r.node)) + ", ";
  s += Field("op", JsonString(r.op_type)) + ", ";
  s += Field("output", JsonString(r.output)) + ", ";
  s += Field("scale", JsonNumber(r.quant.scale)) + ", ";
  s += Field("zero_point", JsonNumber(r.quant.zero_point)) + ", ";
  s += Field("range", "[" + JsonNumber(r.range_lo) + ", " + JsonNumber(r.range_hi) + "]") +
       ", ";
  s += Field("clip_rate", JsonNumber(r.clip_rate)) + ", ";
  s += Field("sqnr_db", std::isfinite(r.sqnr_db) ? JsonNumber(r.sqnr_db) : "null") + ", ";
  s += Field("sqnr_drop_db", JsonNumber(r.sqnr_drop_db)) + ", ";
  s += Field("cosine", JsonNumber(r.cosine)) + ", ";
  s += Field("fp32_ms", JsonNumber(r.fp32_ms)) + ", ";
  s += Field("int8_ms", JsonNumber(r.int8_ms)) + ", ";
  s += Field("convert_ms", JsonNumber(r.convert_ms)) + ", ";
  s += Field("decision", JsonString(r.decision));
  return s + "}";
}

struct Accuracy {
  EvalResult fp32, int8;
  int64_t agree = 0;  // images where both models predict the same class
};

// Scores both models on the labelled images that calibration did not read.
StatusOr<Accuracy> ScoreBoth(const Graph& fp32_graph, const Graph& int8_graph,
                             const std::string& labels, const std::string& images,
                             const std::set<std::string>& calibration_files, int64_t limit,
                             const Preprocess& preprocess, int threads) {
  FINCH_ASSIGN_OR_RETURN(std::vector<LabelledImage> all, ReadLabels(labels, images));
  std::vector<LabelledImage> held_out;
  for (LabelledImage& image : all) {
    if (calibration_files.count(image.path)) continue;
    if (limit >= 0 && static_cast<int64_t>(held_out.size()) >= limit) break;
    held_out.push_back(std::move(image));
  }
  if (held_out.empty()) {
    return InvalidArgument("--labels ", labels, ": no labelled image is left after the ",
                           calibration_files.size(), " calibration images");
  }
  SessionOptions so;
  so.threads = threads;
  Accuracy a;
  for (int which = 0; which < 2; ++which) {
    FINCH_ASSIGN_OR_RETURN(auto session, Session::Create(which ? int8_graph : fp32_graph, so));
    const char* name = which ? "int8" : "fp32";
    auto progress = [name](const EvalResult& r, int64_t total) {
      std::fprintf(stderr, "\rscoring %s %lld/%lld", name, static_cast<long long>(r.n),
                   static_cast<long long>(total));
      if (r.n == total) std::fputc('\n', stderr);
    };
    FINCH_ASSIGN_OR_RETURN((which ? a.int8 : a.fp32),
                           EvaluateClassifier(*session, held_out, preprocess, progress));
  }
  for (size_t i = 0; i < a.fp32.predicted.size(); ++i) {
    a.agree += a.fp32.predicted[i] == a.int8.predicted[i];
  }
  return a;
}

}  // namespace

Status QuantizeCommand(Args& args) {
  if (args.positional().size() != 1) return InvalidArgument(kUsage);
  const std::string model_path = args.positional()[0];
  const std::string out_path = args.Get("output");
  const std::string calib = args.Get("calib");
  if (out_path.empty() || calib.empty()) return InvalidArgument(kUsage);
  QuantizeOptions options;
  FINCH_ASSIGN_OR_RETURN(options.calibration.method,
                         ParseCalibrationMethod(args.Get("method", "mse")));
  FINCH_ASSIGN_OR_RETURN(options.calibration.percentile, args.GetDouble("percentile", 99.99));
  if (!(options.calibration.percentile > 50 && options.calibration.percentile <= 100)) {
    return InvalidArgument("--percentile ", options.calibration.percentile,
                           " must be in (50, 100]");
  }
  if (args.Has("per-channel") && args.Has("per-tensor")) {
    return InvalidArgument("--per-channel and --per-tensor exclude each other");
  }
  options.per_channel = !args.Has("per-tensor");
  for (const std::string& node : args.GetAll("exclude")) options.exclude.insert(node);
  options.auto_precision = !args.Has("no-auto");
  FINCH_ASSIGN_OR_RETURN(options.max_sqnr_drop_db, args.GetDouble("max-sqnr-drop", 15.0));
  FINCH_ASSIGN_OR_RETURN(const int64_t threads, args.GetInt("threads", 0));
  options.calibration.threads = static_cast<int>(threads);
  FINCH_ASSIGN_OR_RETURN(const int64_t calib_limit, args.GetInt("calib-limit", 100));
  if (calib_limit < 1) return InvalidArgument("--calib-limit must be >= 1");
  const std::string json_path = args.Get("json");
  const std::string labels = args.Get("labels");
  const std::string images = args.Get("images", calib);
  FINCH_ASSIGN_OR_RETURN(const int64_t eval_limit, args.GetInt("eval-limit", -1));
  if (!labels.empty() && args.Has("images") && images.empty()) {
    return InvalidArgument("--images needs a folder");
  }
  FINCH_ASSIGN_OR_RETURN(Preprocess preprocess,
                         PreprocessByName(args.Get("preprocess", "imagenet")));
  FINCH_RETURN_IF_ERROR(args.CheckAllUsed());

  FINCH_ASSIGN_OR_RETURN(Graph graph, LoadOnnxModel(model_path));
  if (graph.inputs.size() != 1) {
    return Unimplemented("finch quantize takes models with one input; ", model_path, " has ",
                         graph.inputs.size());
  }
  const Value& input = graph.values[graph.inputs[0]];
  const std::string what = "input \"" + input.name + "\"";
  FINCH_RETURN_IF_ERROR(FitPreprocessToInput(input.type, what, &preprocess));
  FINCH_ASSIGN_OR_RETURN(auto source, OpenInputSource(calib, preprocess, input.type, what));
  const int64_t n_calib = std::min<int64_t>(calib_limit, source->size());
  FINCH_ASSIGN_OR_RETURN(auto calibration, ReadItems(*source, 0, n_calib, true));
  // Per-layer errors and timings on held-out items when the source has them.
  std::vector<std::vector<Tensor>> evaluation;
  if (source->size() > n_calib) {
    FINCH_ASSIGN_OR_RETURN(evaluation, ReadItems(*source, n_calib, 8, false));
  } else {
    evaluation.assign(calibration.begin(),
                      calibration.begin() + std::min<size_t>(calibration.size(), 8));
  }
  const int passes = options.calibration.method == CalibrationMethod::kMinMax ? 1 : 2;
  options.calibration.progress = [passes](int pass, size_t done, size_t total) {
    ProgressBar(pass, done, total, passes);
  };
  std::printf("finch quantize %s: %lld calibration inputs from %s, %s ranges, %s weights\n",
              model_path.c_str(), static_cast<long long>(n_calib), calib.c_str(),
              CalibrationMethodName(options.calibration.method),
              options.per_channel ? "per-channel" : "per-tensor");
  std::fflush(stdout);
  FINCH_ASSIGN_OR_RETURN(QuantizeResult result,
                         QuantizeModel(graph, calibration, evaluation, options));

  std::printf("\n%-34s %-17s %9s %6s %7s %6s %8s %8s %8s  %s\n", "layer", "op", "range",
              "clip%", "SQNR dB", "drop", "fp32 ms", "int8 ms", "conv ms", "decision");
  for (const LayerQuantReport& r : result.layers) {
    char range[32];
    std::snprintf(range, sizeof range, "%.3g", r.range_hi - r.range_lo);
    std::printf("%-34.34s %-17.17s %9s %6.3f %7.1f %6.1f %8.3f %8.3f %8.3f  %s\n",
                r.node.c_str(), r.op_type.c_str(), range,
                100 * r.clip_rate, r.sqnr_db, r.sqnr_drop_db, r.fp32_ms, r.int8_ms,
                r.convert_ms, r.decision.c_str());
  }
  std::printf("\nSQNR: the int8 model's tensor against the float model's on %zu held-out inputs "
              "(errors of earlier layers included); drop: what the layer adds to its inputs' "
              "error.\nconv ms: the Quantize + Dequantize a float island here would add.\n",
              evaluation.size());
  std::printf("int8 layers: %d of %zu; model latency (finch, median, %s threads): fp32 %.3f ms, "
              "int8 %.3f ms (%.2fx)\n",
              result.int8_layers, result.layers.size(), threads ? std::to_string(threads).c_str()
                                                                : "default",
              result.fp32_model_ms, result.int8_model_ms,
              result.int8_model_ms > 0 ? result.fp32_model_ms / result.int8_model_ms : 0.0);

  FINCH_RETURN_IF_ERROR(SaveOnnxModel(result.qdq, out_path));
  // The written file must load and run.
  FINCH_ASSIGN_OR_RETURN(auto check, Session::Load(out_path));
  FINCH_RETURN_IF_ERROR(check->Run(evaluation[0]).status());
  std::printf("wrote %s\n", out_path.c_str());

  Accuracy accuracy;
  if (!labels.empty()) {
    std::set<std::string> calibration_files;
    if (source->kind() == InputSource::Kind::kImages) {
      for (int64_t i = 0; i < n_calib; ++i) calibration_files.insert(source->name(i));
    }
    FINCH_ASSIGN_OR_RETURN(Graph fp32_graph, PrepareForQuantization(graph, options.per_channel));
    FINCH_ASSIGN_OR_RETURN(accuracy, ScoreBoth(fp32_graph, result.qdq, labels, images,
                                               calibration_files, eval_limit, preprocess,
                                               options.calibration.threads));
    const double n = static_cast<double>(accuracy.fp32.n);
    std::printf("accuracy on %lld labelled images not used for calibration:\n"
                "  fp32  top-1 %.2f%%  top-5 %.2f%%\n  int8  top-1 %.2f%%  top-5 %.2f%%  "
                "(top-1 %+.2f points)\n  top-1 agreement int8 vs fp32: %.2f%%\n",
                static_cast<long long>(accuracy.fp32.n), 100 * accuracy.fp32.top1_rate(),
                100 * accuracy.fp32.top5_rate(), 100 * accuracy.int8.top1_rate(),
                100 * accuracy.int8.top5_rate(),
                100 * (accuracy.int8.top1_rate() - accuracy.fp32.top1_rate()),
                100 * accuracy.agree / n);
  }

  if (!json_path.empty()) {
    std::string json = "{";
    json += Field("model", JsonString(model_path)) + ", ";
    json += Field("method", JsonString(CalibrationMethodName(options.calibration.method))) +
            ", ";
    json += Field("per_channel", options.per_channel ? "true" : "false") + ", ";
    json += Field("calibration_inputs", JsonNumber(static_cast<double>(n_calib))) + ", ";
    json += Field("fp32_ms", JsonNumber(result.fp32_model_ms)) + ", ";
    json += Field("int8_ms", JsonNumber(result.int8_model_ms)) + ", ";
    if (!labels.empty()) {
      json += Field("accuracy",
                    "{" + Field("n", JsonNumber(static_cast<double>(accuracy.fp32.n))) + ", " +
                        Field("fp32_top1", JsonNumber(accuracy.fp32.top1_rate())) + ", " +
                        Field("fp32_top5", JsonNumber(accuracy.fp32.top5_rate())) + ", " +
                        Field("int8_top1", JsonNumber(accuracy.int8.top1_rate())) + ", " +
                        Field("int8_top5", JsonNumber(accuracy.int8.top5_rate())) + ", " +
                        Field("agreement", JsonNumber(static_cast<double>(accuracy.agree) /
                                                      accuracy.fp32.n)) +
                        "}") +
              ", ";
    }
    json += "\"layers\": [";
    for (size_t i = 0; i < result.layers.size(); ++i) {
      json += (i ? ", " : "") + LayerJson(result.layers[i]);
    }
    json += "]}\n";
    FILE* f = std::fopen(json_path.c_str(), "w");
    if (!f || std::fputs(json.c_str(), f) < 0 || std::fclose(f) != 0) {
      return IoError("cannot write ", json_path);
    }
  }
  return Status::Ok();
}

}  // namespace finch::cli
