// Turning a decoded image into a classifier's input tensor, as the model was trained to see it.
//
// The evaluation transform of torchvision's ImageNet recipe, step by step:
//   1. resize so the shorter side is `resize_shorter` (the longer side scaled in proportion and
//      truncated, as torchvision computes it), with PIL's antialiased bilinear filter (resize.h);
//   2. center-crop crop_height × crop_width, the offsets (size − crop)/2 rounded half to even
//      (Python's round(), which torchvision's CenterCrop uses);
//   3. per channel c of the output, value = (pixel / divisor − mean[c]) / stddev[c] in float32,
//      the operations and their order those of ToTensor (x / 255) and Normalize ((x − m) / s),
//      so the values match torchvision's to the last bit for the same crop.
// Styles (--preprocess NAME):
//   imagenet   RGB, divisor 255, mean (0.485, 0.456, 0.406), stddev (0.229, 0.224, 0.225)
//   caffe-bgr  BGR, divisor 1 (0..255), mean (104, 117, 123) in B, G, R order, stddev 1
// The tensor is [1, 3, H, W] (NCHW) or, for a model whose input is channels-last, [1, H, W, 3].
#pragma once

#include <string>

#include "graph/ir.h"
#include "graph/status.h"
#include "graph/tensor.h"
#include "runtime/data/image.h"

namespace finch {

struct Preprocess {
  enum class Style { kImageNet, kCaffeBgr };
  Style style = Style::kImageNet;
  int resize_shorter = 256;  // 0: no resize (the crop must then fit the image)
  int crop_height = 224, crop_width = 224;
  bool bgr = false;          // output channel 0 is blue
  bool nhwc = false;         // [1, H, W, 3] instead of [1, 3, H, W]
  float divisor = 255.f;
  float mean[3] = {0.485f, 0.456f, 0.406f};  // in output-channel order
  float stddev[3] = {0.229f, 0.224f, 0.225f};

  static Preprocess ImageNet();
  static Preprocess CaffeBgr();
};

// "imagenet" or "caffe-bgr"; anything else is InvalidArgument listing both.
StatusOr<Preprocess> PreprocessByName(const std::string& name);
const char* PreprocessStyleName(Preprocess::Style style);

// Sets the crop and the layout from a model input's declared type: [N, 3, H, W] (or
// [N, H, W, 3]) float32 with H and W known gives a crop of H × W and resize_shorter =
// round(min(H, W) · 256 / 224) (224 → 256, the ratio of the ImageNet recipe); unknown H and W
// keep the preprocessing's own crop. `what` names the input in errors.
Status FitPreprocessToInput(const TensorType& input, const std::string& what, Preprocess* p);

// The shape PreprocessImage produces: [1, 3, H, W] or [1, H, W, 3].
Shape PreprocessedShape(const Preprocess& p);

// Steps 1–3 on `image`; `what` (the file) names it in errors.
StatusOr<Tensor> PreprocessImage(const Image& image, const Preprocess& p, const std::string& what);
// The same into `dst`, which holds NumElements(PreprocessedShape(p)) floats (one batch row).
Status PreprocessImageInto(const Image& image, const Preprocess& p, const std::string& what,
                           float* dst);

// Steps 1–2 only: the 8-bit crop (for inspection, and the tests).
StatusOr<Image> ResizeAndCrop(const Image& image, const Preprocess& p, const std::string& what);

}  // namespace finch
