// Input sources: a deterministic sequence of model inputs for calibration (`finch quantize
// --calib SOURCE`) and other batch jobs. SOURCE is
//   DIR        a folder of images (.jpg, .jpeg, .png, any case): decoded and preprocessed
//              (preprocess.h) into [1, 3, H, W]
//   DIR        a folder of TensorProto files (*.pb; files named output_*.pb are not inputs and
//              are skipped), or of ONNX test-data folders (test_data_set_*/input_0.pb)
//   random:N   N standard-normal tensors of the input's shape (symbolic dims = 1), each from
//              its own seed, so item i is the same whatever was read before
// Items are in sorted file-name order (byte order), so a source is the same on every machine;
// `skip` and `limit` then select a range of them (e.g. the first 100 images for calibration,
// `finch eval --skip 100` for the rest). Hidden files are ignored; folders are not searched
// recursively. A folder that mixes images and .pb files is an error.
//
//   auto source = OpenInputSource(spec, preprocess, session->input_type(0), "input \"x\"");
//   for (int64_t i = 0; i < (*source)->size(); ++i) {
//     FINCH_ASSIGN_OR_RETURN(Tensor x, (*source)->Read(i));   // errors name the file
//     ... (*source)->name(i) ...
//   }
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/status.h"
#include "graph/tensor.h"
#include "runtime/data/preprocess.h"

namespace finch {

struct InputSourceOptions {
  int64_t skip = 0;    // items to pass over first
  int64_t limit = -1;  // at most this many items after `skip`; −1: all
  uint64_t seed = 1234;  // random:N — item i uses seed + i
};

class InputSource {
 public:
  enum class Kind { kImages, kTensors, kRandom };

  // Items after skip and limit.
  int64_t size() const { return static_cast<int64_t>(items_.size()); }
  Kind kind() const { return kind_; }
  // The file of item i, or "random:#i".
  const std::string& name(int64_t i) const { return items_[i]; }
  // The shape every image or random item has ([1, 3, H, W] for images); a .pb tensor may
  // have another batch size when the input's batch is symbolic.
  const Shape& shape() const { return shape_; }
  // Item i (0 ≤ i < size()), decoded afresh: an error names its file. Thread-safe (const).
  StatusOr<Tensor> Read(int64_t i) const;
  // Sequential reading: the next item into *out; NotFound after the last.
  Status Next(Tensor* out);
  bool done() const { return next_ >= size(); }

  // OpenInputSource (below).
  static StatusOr<std::unique_ptr<InputSource>> Open(const std::string& spec,
                                                     const Preprocess& preprocess,
                                                     const TensorType& input,
                                                     const std::string& what,
                                                     const InputSourceOptions& options);
  // A source over an explicit list of image files, in that order (a labelled folder: `finch
  // eval`); no file is opened until it is read.
  static std::unique_ptr<InputSource> FromImageFiles(std::vector<std::string> files,
                                                     const Preprocess& preprocess);

 private:
  InputSource() = default;

  Kind kind_ = Kind::kImages;
  std::vector<std::string> items_;
  Preprocess preprocess_;
  TensorType expected_;   // kTensors: what each file must match
  std::string what_;      // names the model input in errors
  Shape shape_;
  uint64_t seed_ = 0;
  int64_t first_index_ = 0;  // random: the seed offset of item 0 (= skip)
  int64_t next_ = 0;
};

// Opens `spec` for a model input of type `input` (named by `what` in errors, e.g.
// `input "data"`). For images, `preprocess` must already fit the input (FitPreprocessToInput);
// its output shape is checked against `input` here. Fails on a missing or empty folder, an
// unknown spec, or a range selecting no item.
inline StatusOr<std::unique_ptr<InputSource>> OpenInputSource(
    const std::string& spec, const Preprocess& preprocess, const TensorType& input,
    const std::string& what, const InputSourceOptions& options = {}) {
  return InputSource::Open(spec, preprocess, input, what, options);
}

// Whether `shape` is one `type` accepts: same rank, equal wherever `type` knows the dim.
bool ShapeFits(const Shape& shape, const TensorType& type);

}  // namespace finch
