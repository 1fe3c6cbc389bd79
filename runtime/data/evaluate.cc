#include "runtime/data/evaluate.h"

#include <chrono>
#include <cmath>

#include "runtime/data/image_decode.h"

namespace finch {
namespace {

// Class a (score sa) ranks ahead of class b (score sb): a higher score, or an equal one (two
// NaNs count as equal) at a lower index; a NaN below every number.
bool Ahead(float sa, int64_t a, float sb, int64_t b) {
  const bool na = std::isnan(sa), nb = std::isnan(sb);
  if (na || nb) return na == nb ? a < b : nb;
  return sa > sb || (sa == sb && a < b);
}

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int64_t RankOfLabel(const float* scores, int64_t k, int64_t label) {
  int64_t rank = 0;
  for (int64_t j = 0; j < k; ++j) {
    if (j != label && Ahead(scores[j], j, scores[label], label)) ++rank;
  }
  return rank;
}

StatusOr<EvalResult> EvaluateClassifier(const Session& session,
                                        const std::vector<LabelledImage>& images,
                                        const Preprocess& preprocess,
                                        const EvalProgress& progress) {
  if (session.input_names().size() != 1) {
    return Unimplemented("evaluation needs a model with one input; this one has ",
                         session.input_names().size());
  }
  using Clock = std::chrono::steady_clock;
  EvalResult result;
  const auto start = Clock::now();
  FINCH_ASSIGN_OR_RETURN(Tensor input,
                         Tensor::Allocate(DataType::kFloat32, PreprocessedShape(preprocess)));
  for (const LabelledImage& item : images) {
    auto t = Clock::now();
    FINCH_ASSIGN_OR_RETURN(Image image, DecodeImageFile(item.path));
    FINCH_RETURN_IF_ERROR(
        PreprocessImageInto(image, preprocess, item.path, input.mutable_data<float>()));
    result.input_seconds += Since(t);
    t = Clock::now();
    FINCH_ASSIGN_OR_RETURN(std::vector<Tensor> outputs, session.Run({input}));
    result.run_seconds += Since(t);
    const Tensor& scores = outputs[0];
    if (scores.dtype() != DataType::kFloat32 || scores.num_elements() < 1) {
      return Unimplemented("output \"", session.output_names()[0], "\" is ",
                           DataTypeName(scores.dtype()), ShapeToString(scores.shape()),
                           "; class scores must be float32");
    }
    const int64_t k = scores.num_elements();
    if (item.label >= k) {
      return InvalidArgument(item.path, ": class index ", item.label, " (labels line ", item.line,
                             ") is outside the model's ", k, " classes");
    }
    const int64_t rank = RankOfLabel(scores.data<float>(), k, item.label);
    int64_t best = 0;
    for (int64_t j = 1; j < k; ++j) {
      if (Ahead(scores.data<float>()[j], j, scores.data<float>()[best], best)) best = j;
    }
    ++result.n;
    result.top1 += rank == 0;
    result.top5 += rank < 5;
    result.predicted.push_back(best);
    result.seconds = Since(start);
    if (progress) progress(result, static_cast<int64_t>(images.size()));
  }
  result.seconds = Since(start);
  return result;
}

}  // namespace finch
