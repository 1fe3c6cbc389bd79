#include "runtime/data/input_source.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <random>

#include "graph/onnx/tensor_proto.h"
#include "runtime/data/image_decode.h"

namespace finch {
namespace {

constexpr int64_t kMaxRandomItems = 1 << 24;

bool IsDir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
bool IsFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Sorted names in `dir`, hidden ones left out.
StatusOr<std::vector<std::string>> ListDir(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return IoError("cannot read folder \"", dir, "\"");
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') names.push_back(e->d_name);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

std::string ShapeFitsMessage(const Shape& shape, const TensorType& type) {
  return StrCat(ShapeToString(shape), " does not fit ", type.ToString());
}

}  // namespace

bool ShapeFits(const Shape& shape, const TensorType& type) {
  if (!type.dims) return true;
  if (type.dims->size() != shape.size()) return false;
  for (size_t i = 0; i < shape.size(); ++i) {
    if ((*type.dims)[i].known() && (*type.dims)[i].value != shape[i]) return false;
  }
  return true;
}

StatusOr<std::unique_ptr<InputSource>> InputSource::Open(const std::string& spec,
                                                         const Preprocess& preprocess,
                                                         const TensorType& input,
                                                         const std::string& what,
                                                         const InputSourceOptions& options) {
  if (options.skip < 0 || options.limit < -1) {
    return InvalidArgument("input source \"", spec, "\": skip and limit must not be negative");
  }
  std::unique_ptr<InputSource> source(new InputSource());
  source->expected_ = input;
  source->what_ = what;
  source->preprocess_ = preprocess;
  std::vector<std::string> items;

  if (spec.rfind("random:", 0) == 0) {
    const std::string count = spec.substr(7);
    char* end = nullptr;
    const long long n = std::strtoll(count.c_str(), &end, 10);
    if (count.empty() || *end != '\0' || n < 1 || n > kMaxRandomItems) {
      return InvalidArgument("input source \"", spec, "\": random:N needs N in 1..",
                             kMaxRandomItems);
    }
    if (input.dtype != DataType::kFloat32) {
      return Unimplemented("input source \"", spec, "\": random inputs are float32; ", what,
                           " is ", input.ToString());
    }
    if (!input.dims) {
      return Unimplemented("input source \"", spec, "\": ", what, " has no known rank");
    }
    source->kind_ = Kind::kRandom;
    for (const Dim& d : *input.dims) source->shape_.push_back(d.known() ? d.value : 1);
    FINCH_RETURN_IF_ERROR(CheckedNumElements(source->shape_).status());
    for (long long i = 0; i < n; ++i) items.push_back(StrCat("random:#", i));
  } else {
    if (!IsDir(spec)) {
      return NotFound("input source \"", spec,
                      "\" is neither a folder (of images or .pb tensors) nor random:N");
    }
    FINCH_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(spec));
    std::vector<std::string> images, tensors, test_sets;
    for (const std::string& name : names) {
      const std::string path = spec + "/" + name;
      if (HasImageExtension(name) && IsFile(path)) {
        images.push_back(path);
      } else if (EndsWith(name, ".pb") && name.rfind("output_", 0) != 0 && IsFile(path)) {
        tensors.push_back(path);
      } else if (name.rfind("test_data_set_", 0) == 0 && IsFile(path + "/input_0.pb")) {
        test_sets.push_back(path + "/input_0.pb");
      }
    }
    if (!images.empty() && !tensors.empty()) {
      return InvalidArgument("input source \"", spec, "\" holds both images (", images.size(),
                             ") and .pb tensors (", tensors.size(), "); use a folder of one kind");
    }
    if (tensors.empty()) tensors = std::move(test_sets);
    if (!images.empty()) {
      source->kind_ = Kind::kImages;
      source->shape_ = PreprocessedShape(preprocess);
      if (!ShapeFits(source->shape_, input) || input.dtype != DataType::kFloat32) {
        return InvalidArgument("input source \"", spec, "\": preprocessed images are float32",
                               ShapeToString(source->shape_), " but ", what, " is ",
                               input.ToString());
      }
      items = std::move(images);
    } else if (!tensors.empty()) {
      source->kind_ = Kind::kTensors;
      items = std::move(tensors);
    } else {
      return NotFound("input source \"", spec, "\" holds no images (.jpg, .jpeg, .png) and no "
                      ".pb tensors");
    }
  }

  const int64_t total = static_cast<int64_t>(items.size());
  const int64_t begin = std::min(options.skip, total);
  const int64_t end = options.limit < 0 ? total : std::min(total, begin + options.limit);
  if (begin >= end) {
    return InvalidArgument("input source \"", spec, "\" has ", total, " items; skip ",
                           options.skip, " and limit ", options.limit, " select none");
  }
  source->items_.assign(items.begin() + begin, items.begin() + end);
  source->first_index_ = begin;
  source->seed_ = options.seed;
  return source;
}

std::unique_ptr<InputSource> InputSource::FromImageFiles(std::vector<std::string> files,
                                                         const Preprocess& preprocess) {
  std::unique_ptr<InputSource> source(new InputSource());
  source->kind_ = Kind::kImages;
  source->items_ = std::move(files);
  source->preprocess_ = preprocess;
  source->shape_ = PreprocessedShape(preprocess);
  source->expected_ = TensorType::Static(DataType::kFloat32, source->shape_);
  return source;
}

StatusOr<Tensor> InputSource::Read(int64_t i) const {
  if (i < 0 || i >= size()) {
    return InvalidArgument("input source: item ", i, " of ", size(), " does not exist");
  }
  const std::string& item = items_[i];
  switch (kind_) {
    case Kind::kImages: {
      FINCH_ASSIGN_OR_RETURN(Image image, DecodeImageFile(item));
      return PreprocessImage(image, preprocess_, item);
    }
    case Kind::kTensors: {
      FINCH_ASSIGN_OR_RETURN(Tensor t, ReadTensorFile(item));
      if (t.dtype() != expected_.dtype || !ShapeFits(t.shape(), expected_)) {
        return InvalidArgument(item, ": tensor ", DataTypeName(t.dtype()),
                               ShapeFitsMessage(t.shape(), expected_), " (", what_, ")");
      }
      return t;
    }
    case Kind::kRandom: {
      FINCH_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(DataType::kFloat32, shape_));
      std::mt19937_64 rng(seed_ + static_cast<uint64_t>(first_index_ + i));
      std::normal_distribution<float> normal(0.f, 1.f);
      float* p = t.mutable_data<float>();
      for (int64_t k = 0; k < t.num_elements(); ++k) p[k] = normal(rng);
      return t;
    }
  }
  return Internal("input source: unknown kind");
}

Status InputSource::Next(Tensor* out) {
  if (done()) return NotFound("input source: no item after the last (", size(), ")");
  FINCH_ASSIGN_OR_RETURN(*out, Read(next_));
  ++next_;
  return Status::Ok();
}

}  // namespace finch
