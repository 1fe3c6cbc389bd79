// Top-1 / top-5 accuracy of a classifier on a labelled image folder (`finch eval`, and the
// accuracy lines of the quantizer's report: run it on the FP32 and the INT8 session and compare
// `predicted` for the top-1 agreement).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "graph/status.h"
#include "runtime/data/labels.h"
#include "runtime/data/preprocess.h"
#include "runtime/session.h"

namespace finch {

struct EvalResult {
  int64_t n = 0;         // images scored
  int64_t top1 = 0;      // the label is the highest score
  int64_t top5 = 0;      // the label is among the five highest
  std::vector<int64_t> predicted;  // per image, the class of the highest score
  double seconds = 0;        // wall time, everything included
  double input_seconds = 0;  // of which: reading, decoding and preprocessing
  double run_seconds = 0;    // of which: Session::Run

  double top1_rate() const { return n ? static_cast<double>(top1) / n : 0.0; }
  double top5_rate() const { return n ? static_cast<double>(top5) / n : 0.0; }
};

// Called after each image with the tally so far.
using EvalProgress = std::function<void(const EvalResult& so_far, int64_t total)>;

// Runs `session` (one input that takes `preprocess`'s tensor) on every image, one at a time,
// and scores its first output: the scores of image i are that output's elements ([1, K], or
// any shape of K elements: logits or probabilities alike, only their order matters). Ties
// rank the lower class index first. An error names the image (decoding) or the labels line (a
// class index ≥ K).
StatusOr<EvalResult> EvaluateClassifier(const Session& session,
                                        const std::vector<LabelledImage>& images,
                                        const Preprocess& preprocess,
                                        const EvalProgress& progress = nullptr);

// How many of the `k` scores rank ahead of class `label`: those greater, and those equal with a
// lower index; NaN scores rank behind every number (among themselves by index). 0 is a top-1
// hit, below 5 a top-5 hit.
int64_t RankOfLabel(const float* scores, int64_t k, int64_t label);

}  // namespace finch
