// finch eval MODEL --images DIR --labels FILE [--preprocess imagenet|caffe-bgr] [--skip N]
//                  [--limit N] [--threads N] [--no-opt] [--json]
//
// Top-1 / top-5 accuracy on a labelled image folder (runtime/data/evaluate.h): every image is
// decoded, resized and center-cropped to the model's input size, normalised as --preprocess
// says, and run alone (batch 1). A progress line goes to stderr; the result to stdout, or, with
// --json, exactly one JSON object: {"top1": 0.82, "top5": 0.95, "n": 500, ...} (rates in 0..1).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "runtime/data/evaluate.h"
#include "runtime/data/labels.h"
#include "runtime/data/preprocess.h"
#include "runtime/json.h"
#include "runtime/session.h"
#include "tools/cli_util.h"
#include "tools/commands.h"

namespace finch::cli {
namespace {

constexpr char kUsage[] =
    "usage: finch eval MODEL --images DIR --labels FILE [--preprocess imagenet|caffe-bgr] "
    "[--skip N] [--limit N] [--threads N] [--no-opt] [--json]";

// "\r 120/500  top-1 81.7%  top-5 95.0%  38.2 images/s" on a terminal, redrawn at most every
// 0.1 s; elsewhere (a log) one line per tenth of the run.
class ProgressLine {
 public:
  ProgressLine() : tty_(isatty(STDERR_FILENO)) {}
  void Update(const EvalResult& r, int64_t total) {
    const bool last = r.n == total;
    if (tty_) {
      if (!last && r.seconds - shown_at_ < 0.1) return;
    } else if (!last && r.n * 10 / total == shown_tenth_) {
      return;
    }
    shown_at_ = r.seconds;
    shown_tenth_ = r.n * 10 / total;
    std::fprintf(stderr, "%s%5lld/%lld  top-1 %5.1f%%  top-5 %5.1f%%  %.1f images/s%s",
                 tty_ ? "\r" : "", static_cast<long long>(r.n), static_cast<long long>(total),
                 100 * r.top1_rate(), 100 * r.top5_rate(), r.n / r.seconds,
                 tty_ && !last ? "" : "\n");
  }

 private:
  bool tty_;
  double shown_at_ = -1;
  int64_t shown_tenth_ = 0;
};

}  // namespace

Status EvalCommand(Args& args) {
  if (args.positional().size() != 1) return InvalidArgument(kUsage);
  const std::string model = args.positional()[0];
  const std::string images = args.Get("images");
  const std::string labels = args.Get("labels");
  const std::string style = args.Get("preprocess", "imagenet");
  FINCH_ASSIGN_OR_RETURN(int64_t skip, args.GetInt("skip", 0));
  FINCH_ASSIGN_OR_RETURN(int64_t limit, args.GetInt("limit", -1));
  FINCH_ASSIGN_OR_RETURN(int64_t threads, args.GetInt("threads", 0));
  const bool no_opt = args.Has("no-opt");
  const bool json = args.Has("json");
  FINCH_RETURN_IF_ERROR(args.CheckAllUsed());
  if (images.empty() || labels.empty()) return InvalidArgument(kUsage);
  if (threads < 0 || threads > 1024) return InvalidArgument("--threads must be 0..1024");
  if (skip < 0) return InvalidArgument("--skip must not be negative");
  if (limit < -1 || limit == 0) return InvalidArgument("--limit must be at least 1");
  FINCH_ASSIGN_OR_RETURN(Preprocess preprocess, PreprocessByName(style));

  SessionOptions options;
  options.threads = static_cast<int>(threads);
  options.optimize = !no_opt;
  FINCH_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Session::Load(model, options));
  if (session->input_names().size() != 1) {
    return Unimplemented(model, " has ", session->input_names().size(),
                         " inputs; finch eval feeds one image tensor");
  }
  FINCH_RETURN_IF_ERROR(FitPreprocessToInput(
      session->input_type(0), StrCat("input \"", session->input_names()[0], "\""), &preprocess));

  FINCH_ASSIGN_OR_RETURN(std::vector<LabelledImage> list, ReadLabels(labels, images));
  const int64_t total = static_cast<int64_t>(list.size());
  if (skip >= total) {
    return InvalidArgument(labels, " lists ", total, " images; --skip ", skip, " leaves none");
  }
  list.erase(list.begin(), list.begin() + skip);
  if (limit > 0 && limit < static_cast<int64_t>(list.size())) list.resize(limit);

  std::fprintf(stderr, "eval: %zu images, %s preprocessing (resize %d, crop %dx%d), %d thread%s\n",
               list.size(), PreprocessStyleName(preprocess.style), preprocess.resize_shorter,
               preprocess.crop_width, preprocess.crop_height, session->threads(),
               session->threads() == 1 ? "" : "s");
  ProgressLine progress;
  FINCH_ASSIGN_OR_RETURN(
      EvalResult r, EvaluateClassifier(*session, list, preprocess,
                                       [&](const EvalResult& so_far, int64_t n) {
                                         progress.Update(so_far, n);
                                       }));
  const double per_s = r.seconds > 0 ? r.n / r.seconds : 0;
  if (json) {
    std::printf("{\"top1\": %s, \"top5\": %s, \"n\": %lld, \"top1_correct\": %lld, "
                "\"top5_correct\": %lld, \"images_per_s\": %s, \"input_ms\": %s, "
                "\"run_ms\": %s, \"preprocess\": %s, \"threads\": %d}\n",
                JsonNumber(r.top1_rate()).c_str(), JsonNumber(r.top5_rate()).c_str(),
                static_cast<long long>(r.n), static_cast<long long>(r.top1),
                static_cast<long long>(r.top5), JsonNumber(per_s).c_str(),
                JsonNumber(1e3 * r.input_seconds / r.n).c_str(),
                JsonNumber(1e3 * r.run_seconds / r.n).c_str(),
                JsonString(PreprocessStyleName(preprocess.style)).c_str(), session->threads());
    return Status::Ok();
  }
  std::printf("top-1 %.2f%% (%lld/%lld)  top-5 %.2f%% (%lld/%lld)  n %lld\n",
              100 * r.top1_rate(), static_cast<long long>(r.top1), static_cast<long long>(r.n),
              100 * r.top5_rate(), static_cast<long long>(r.top5), static_cast<long long>(r.n),
              static_cast<long long>(r.n));
  std::printf("%.1f images/s (per image: %.2f ms decode + preprocess, %.2f ms model; "
              "%d thread%s)\n",
              per_s, 1e3 * r.input_seconds / r.n, 1e3 * r.run_seconds / r.n, session->threads(),
              session->threads() == 1 ? "" : "s");
  return Status::Ok();
}

}  // namespace finch::cli
